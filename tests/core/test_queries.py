"""core/queries.py: the hot path's hand-built queries return what the ORM would."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from attendance.inbound import OPEN_SQL
from attendance.models import Attendance, Status
from core.queries import row_with_locked_child
from customers.models import Customer
from tests.factories import ServiceGroupFactory, queued_attendance


def _lookup(phone: str):
    return row_with_locked_child(Customer, "m.network = %s AND m.phone = %s", ["whatsapp", phone],
                                 child=Attendance, link="customer", child_where=OPEN_SQL, child_params=[])  # fmt: skip


@pytest.mark.django_db
def test_no_customer_a_customer_without_an_open_attendance_and_one_with_it(operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    open_one = queued_attendance(group, "34991234567")
    closed_one = queued_attendance(group, "34991234568")
    Attendance.objects.filter(pk=closed_one.pk).update(status=Status.CLOSED)
    assert _lookup("+5534991230000") == (None, None)
    customer, attendance = _lookup(closed_one.customer.phone)
    assert (customer.pk, attendance) == (closed_one.customer_id, None)
    with CaptureQueriesContext(connection) as queries:
        customer, attendance = _lookup(open_one.customer.phone)
        assert attendance.customer is customer  # cached: no query
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    fresh = Attendance.objects.get(pk=open_one.pk)
    assert {f.attname: getattr(attendance, f.attname) for f in Attendance._meta.concrete_fields} == {
        f.attname: getattr(fresh, f.attname) for f in Attendance._meta.concrete_fields
    }
    assert (customer.phone, customer.display_name) == (fresh.customer.phone, fresh.customer.display_name)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks")
def test_the_open_attendance_stays_locked_until_the_transaction_ends(operation_a):
    open_one = queued_attendance(ServiceGroupFactory(operation=operation_a), "34991234567")
    settings = connection.settings_dict
    other = psycopg.connect(dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"],
                            port=settings["PORT"] or 5432, password=settings["PASSWORD"] or None, autocommit=True)  # fmt: skip
    lock = "SELECT id FROM attendance_attendance WHERE id = %s FOR UPDATE NOWAIT"
    try:
        with transaction.atomic():
            _lookup(open_one.customer.phone)
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(lock, [open_one.pk])
        assert other.execute(lock, [open_one.pk]).fetchone() == (open_one.pk,)
    finally:
        other.close()
