"""Hot-path statements keep their indexes under PostgreSQL's generic plan.

psycopg prepares a statement from its sixth run on, and PostgreSQL then may plan it once
for any parameters (a generic plan). A partial index is only usable when the query
repeats the index's condition itself: a parameter cannot prove it. These tests plan each
statement as a generic plan and read which index it uses."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from attendance.providers.services import _seen_sql

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
