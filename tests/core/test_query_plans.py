"""Hot-path statements keep their indexes under PostgreSQL's generic plan.

psycopg prepares a statement from its sixth run on, and PostgreSQL then may plan it once
for any parameters (a generic plan). A partial index is only usable when the query
repeats the index's condition itself: a parameter cannot prove it. These tests plan each
statement as a generic plan and read which index it uses."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from providers.services import _seen_sql

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's generic plans"),
]


def generic_plan(sql: str, params: list) -> str:
    numbered = iter(range(1, len(params) + 1))
    prepared = re.sub(r"%s", lambda _match: f"${next(numbered)}", sql)
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            cursor.execute(f"PREPARE hot_path AS {prepared}")
            literals = ", ".join(
                str(value) if isinstance(value, int) else f"'{value}'" for value in params
            )  # test constants
            cursor.execute(f"EXPLAIN EXECUTE hot_path({literals})")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE ALL")
            cursor.execute("RESET plan_cache_mode")


def test_a_webhooks_duplicate_check_uses_the_provider_id_index():
    plan = generic_plan(_seen_sql(), [1, "wamid.X"])
    assert "message_provider_id_unique" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_the_inbound_lookup_reads_the_phone_and_the_open_attendance_indexes():
    """Every message: the customer by network and phone, their open attendance through an
    index — the partial unique one can answer it (its condition is written in the query),
    not only the customer's whole history (``attendance_customer``, dropped here inside
    the test's transaction to see the other)."""
    from attendance.inbound import OPEN_SQL
    from attendance.models import Attendance
    from core.queries import _lateral_sql
    from customers.models import Customer

    sql = _lateral_sql(connection.vendor, Customer, "m.network = %s AND m.phone = %s", Attendance, "customer", OPEN_SQL)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the tables are nearly empty here
    plan = generic_plan(sql, ["whatsapp", "+5534991234567"])
    assert re.search(r"Index Scan using \S+ on customers_customer", plan), plan
    assert re.search(r"Index Scan using \S+ on attendance_attendance", plan), plan
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX attendance_customer")
    plan = generic_plan(sql, ["whatsapp", "+5534991234567"])
    assert "Index Scan using one_open_attendance_per_customer" in plan, plan
