"""core/pg_loaders.py: on PostgreSQL, timestamps are read by psycopg's C loader with
Django's semantics (aware, in the connection's time zone), on every cursor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from attendance.models import Attendance
from core.pg_loaders import C_AVAILABLE
from tests.factories import ServiceGroupFactory, queued_attendance

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loaders"),
]


def test_the_connection_reads_timestamps_with_the_c_loader():
    assert C_AVAILABLE, "psycopg[binary] is a requirement: its C loaders should be there"
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(1184, 0)  # timestamptz, text
        assert loader.__name__ == "TzLoader"
        assert loader.timezone is connection.timezone


def test_values_equal_djangos_reading():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::timestamptz, '2026-03-01 02:30:00.123456-03'::timestamptz, '0001-01-01 00:00:00+00'::timestamptz, "
            "NULL::timestamptz",
            [datetime(2026, 11, 29, 23, 59, 59, 999999, tzinfo=UTC)],
        )
        row = cursor.fetchone()
    assert row == (
        datetime(2026, 11, 29, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 1, 5, 30, 0, 123456, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
        None,
    )
    assert all(value.tzinfo is connection.timezone for value in row[:3])


def test_models_read_aware_datetimes(operation_a):
    attendance = queued_attendance(ServiceGroupFactory(operation=operation_a), "34991230000")
    fresh = Attendance.objects.get(pk=attendance.pk)
    assert fresh.queued_at == attendance.queued_at
    assert fresh.queued_at.utcoffset().total_seconds() == 0


def test_the_engines_long_statements_are_parsed_once():
    """psycopg keeps a parsed query only under its limits, raised at startup: a first
    message's linked INSERT (``core.bulk.insert_linked``) fits them."""
    from psycopg import _queries

    from attendance.models import Attendance as AttendanceModel
    from core.bulk import _insert_fields, _linked_sql
    from customers.models import Customer

    history = Customer.history.model
    sql = _linked_sql(Customer, ((history, "id"), (AttendanceModel, "customer_id")))
    params = len(_insert_fields(Customer)) + len(_insert_fields(history)) - 1 + len(_insert_fields(AttendanceModel)) - 1
    assert sql.count("%s") == params
    assert len(sql.encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH
    assert params <= _queries.MAX_CACHED_STATEMENT_PARAMS
