"""Inbound under concurrency (PostgreSQL): first messages of one new customer arriving at
the same time make one customer and one attendance, and every message is kept."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from attendance.inbound import inbound_receive
from attendance.models import Attendance, Message, Status
from customers.models import Customer
from tests.factories import ServiceGroupFactory, make_channel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _at_once(count: int, function) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = function(index)
        except Exception as error:  # noqa: BLE001 - reported by the test's assertion
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_first_messages_at_once_open_one_attendance_and_keep_every_message(operation_a):
    ServiceGroupFactory(name="Atendimento", operation=operation_a)  # the default main group, no bot: queued
    channel, _ = make_channel()
    results = _at_once(8, lambda index: inbound_receive(channel=channel, network="whatsapp", phone="(34) 99123-4567",
                                                        text=f"mensagem {index}"))  # fmt: skip
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(result.created for result in results) == 1
    assert Customer.objects.filter(phone="+5534991234567").count() == 1
    attendance = Attendance.objects.get()
    assert attendance.status == Status.QUEUED
    assert {result.attendance.pk for result in results} == {attendance.pk}
    inbound = Message.objects.filter(attendance=attendance, direction="in")
    assert sorted(inbound.values_list("body", flat=True)) == [f"mensagem {index}" for index in range(8)]
