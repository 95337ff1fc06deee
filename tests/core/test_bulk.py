"""core/bulk.py: the set-based writes equal Django's own (on PostgreSQL, plain SQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attendance.models import Attendance, Event, Message, Status
from core.bulk import FEW_ROWS, insert_linked, insert_rows, new_row, update_rows, write_rows
from tests.factories import ServiceGroupFactory, queued_attendance

pytestmark = pytest.mark.django_db


def test_update_rows_writes_each_objects_own_values(operation_a):
    group, other = ServiceGroupFactory(operation=operation_a), ServiceGroupFactory(operation=operation_a)
    rows = [queued_attendance(group, f"3499123400{index}") for index in range(3)]
    untouched = queued_attendance(group, "34991234999")
    at = timezone.now() + timedelta(minutes=5)
    rows[0].status, rows[0].timer_due_at, rows[0].group = Status.CLOSED, None, other
    rows[1].timer_due_at, rows[1].priority, rows[1].queued_at = at, 7, None
    rows[2].close_reason = "inactivity"
    assert update_rows(rows, ["status", "timer_due_at", "group", "priority", "queued_at", "close_reason"]) == 3
    fresh = Attendance.objects.in_bulk([row.pk for row in rows])
    assert (fresh[rows[0].pk].status, fresh[rows[0].pk].timer_due_at, fresh[rows[0].pk].group) == (
        "closed",
        None,
        other,
    )
    assert (fresh[rows[1].pk].timer_due_at, fresh[rows[1].pk].priority, fresh[rows[1].pk].queued_at) == (at, 7, None)
    assert fresh[rows[2].pk].close_reason == "inactivity"
    assert Attendance.objects.get(pk=untouched.pk).status == Status.QUEUED


def test_insert_rows_writes_every_field(operation_a):
    attendance = queued_attendance(ServiceGroupFactory(operation=operation_a), "34991234567")
    at = timezone.now()
    insert_rows([Event(attendance=attendance, type=f"t{index}", at=at, data={"n": index, "s": "á'\""})
                 for index in range(3)])  # fmt: skip
    saved = list(Event.objects.filter(attendance=attendance, type__startswith="t").order_by("type"))
    assert [(e.type, e.at, e.data) for e in saved] == [(f"t{i}", at, {"n": i, "s": "á'\""}) for i in range(3)]


def test_insert_rows_returning_ids_sets_each_objects_key_in_order(operation_a):
    """Messages need their ids (deliveries): a few rows (``RETURNING``) and more (ids from the sequence)."""
    from attendance.messaging import outbound_message
    from attendance.models import Message

    attendance = queued_attendance(ServiceGroupFactory(operation=operation_a), "34991234567")
    messages = [outbound_message(attendance=attendance, body=f"m{index}", at=timezone.now()) for index in range(12)]
    insert_rows(messages[:3], returning_ids=True)  # FEW_ROWS or fewer
    insert_rows(messages[3:], returning_ids=True)
    assert all(m.pk and not m._state.adding for m in messages)
    assert {m.pk: m.body for m in messages} == dict(
        Message.objects.filter(pk__in=[m.pk for m in messages]).values_list("pk", "body")
    )


def test_new_row_equals_djangos_constructor(operation_a):
    attendance = queued_attendance(ServiceGroupFactory(operation=operation_a), "34991234777")
    at = timezone.now()
    values = {"attendance": attendance, "direction": "out", "sender": "bot", "body": "Olá", "agent": None,
              "sender_name": "Acme", "created_at": at, "delivery": "pending"}  # fmt: skip
    fast, django = new_row(Message, **values), Message(**values)
    assert {k: v for k, v in fast.__dict__.items() if k != "_state"} == {
        k: v for k, v in django.__dict__.items() if k != "_state"
    }
    assert fast._state.adding and fast._state.db is None
    assert fast.template == {} and fast.template is not new_row(Message, **values).template  # a fresh default
    with CaptureQueriesContext(connection) as queries:
        assert fast.attendance is attendance and fast.agent is None
    assert not queries.captured_queries
    insert_rows([fast], returning_ids=True)
    stored = Message.objects.get(pk=fast.pk)
    assert (stored.attendance_id, stored.body, stored.kind, stored.channel_id) == (attendance.pk, "Olá", "text", None)


def test_new_row_refuses_unknown_names_as_django_does():
    with pytest.raises(TypeError):
        new_row(Event, typo=1)
    with pytest.raises(TypeError):
        Event(typo=1)


def _written(attendance):
    return (list(Message.objects.filter(attendance=attendance).order_by("pk").values_list("pk", "body")),
            list(Event.objects.filter(attendance=attendance).values_list("type", flat=True)))  # fmt: skip


@pytest.mark.parametrize("messages", [1, 3, FEW_ROWS + 2])
def test_write_rows_writes_every_part_in_one_statement(operation_a, messages):
    """Messages (their ids back, in order), events and the attendance's columns together:
    one statement on PostgreSQL while every part is a few rows."""
    from attendance.messaging import outbound_message

    attendance = queued_attendance(ServiceGroupFactory(operation=operation_a), "34991234567")
    at = timezone.now()
    rows = [outbound_message(attendance=attendance, body=f"m{index}", at=at) for index in range(messages)]
    events = [new_row(Event, attendance=attendance, type="written", at=at, data={})]
    attendance.priority, attendance.timer_due_at = 5, at
    with CaptureQueriesContext(connection) as queries:
        write_rows([(rows, True), (events, False), ([], True)], ([attendance], ["priority", "timer_due_at"]))
    few = messages <= FEW_ROWS and connection.vendor == "postgresql"
    assert len(queries) == (1 if few else 3 + (messages > FEW_ROWS and connection.vendor == "postgresql"))
    assert all(m.pk and not m._state.adding for m in rows)
    assert _written(attendance) == ([(m.pk, m.body) for m in rows], ["written"])
    fresh = Attendance.objects.get(pk=attendance.pk)
    assert (fresh.priority, fresh.timer_due_at) == (5, at)


def test_write_rows_with_one_part_is_that_part_alone(operation_a):
    attendance = queued_attendance(ServiceGroupFactory(operation=operation_a), "34991234567")
    events = [new_row(Event, attendance=attendance, type="alone", at=timezone.now(), data={})]
    with CaptureQueriesContext(connection) as queries:
        write_rows([([], True), (events, False)], ([attendance], []))
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")
    assert _written(attendance)[1] == ["alone"]


def test_insert_linked_writes_the_row_and_those_holding_its_new_id_in_one_statement(operation_a):
    """A customer and two attendances that take its id, each given its own id."""
    from customers.models import Customer

    group = ServiceGroupFactory(operation=operation_a)
    customer = Customer(network="whatsapp", phone="+5534991230000", username="whatsapp_5534991230000",
                        display_name="Ana")  # fmt: skip
    opened = timezone.now()
    built = []

    def link(saved):
        assert saved.created_at is not None  # its values prepared: the children may copy them
        # PostgreSQL writes everything in one statement; another database writes the parent first.
        assert (saved.pk is None) is (connection.vendor == "postgresql")
        built.extend(Attendance(protocol=f"p{index}", group=group, status=Status.CLOSED, opened_at=opened)
                     for index in range(2))  # fmt: skip
        return [(row, "customer_id") for row in built]

    with CaptureQueriesContext(connection) as queries:
        insert_linked(customer, link)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)
    assert customer.pk and not customer._state.adding
    assert [row.customer_id for row in built] == [customer.pk, customer.pk]
    assert all(row.pk and not row._state.adding for row in built)
    assert {row.pk: row.protocol for row in built} == dict(
        Attendance.objects.filter(customer=customer).values_list("pk", "protocol")
    )
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.display_name, fresh.created_at) == ("Ana", customer.created_at)
    assert sorted(Attendance.objects.filter(customer=fresh).values_list("protocol", flat=True)) == ["p0", "p1"]


def test_update_rows_of_one_row_writes_its_values_as_plain_parameters(operation_a):
    """One row (a request's attendance) is a plain ``UPDATE … WHERE id``: the same result."""
    group, other = ServiceGroupFactory(operation=operation_a), ServiceGroupFactory(operation=operation_a)
    row, untouched = queued_attendance(group, "34991234567"), queued_attendance(group, "34991234568")
    at = timezone.now() + timedelta(minutes=5)
    row.status, row.timer_due_at, row.group, row.bot_path, row.queued_at = Status.CLOSED, at, other, [1, "x"], None
    with CaptureQueriesContext(connection) as queries:
        assert update_rows([row], ["status", "timer_due_at", "group", "bot_path", "queued_at"]) == 1
    assert "UNNEST" not in queries[-1]["sql"]
    fresh = Attendance.objects.get(pk=row.pk)
    assert (fresh.status, fresh.timer_due_at, fresh.group, fresh.bot_path, fresh.queued_at) == (
        "closed", at, other, [1, "x"], None,
    )  # fmt: skip
    assert Attendance.objects.get(pk=untouched.pk).status == Status.QUEUED
