"""The rollups' upserts: one ``INSERT … ON CONFLICT DO UPDATE`` per table, adding sums,
on PostgreSQL (arrays, one parsed statement) and SQLite alike. Used by the hourly
rollups (``reports.rollups``) and the daily ones (``reports.days``)."""

from __future__ import annotations

import functools
from datetime import datetime

from django.apps import apps
from django.db import connection

SUMMED = (
    "queued", "assigned", "wait_sum", "sla_met", "abandoned", "closed", "handled", "handling_sum",
    "csat_answers", "csat_satisfied", "nps_answers", "nps_promoters", "nps_detractors",
)  # fmt: skip
COLUMNS = SUMMED + ("wait_max",)


@functools.cache
def _unnest_upsert(table: str, names: tuple[str, ...], conflict: str) -> str:
    """``INSERT … SELECT * FROM UNNEST(%s::<type>[], …) ON CONFLICT …`` for ``table``'s
    columns ``names`` (types from the model)."""
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    columns = {f.column: f for f in model._meta.concrete_fields}
    arrays = ", ".join(f"%s::{_array_type(columns[name])}[]" for name in names)
    quoted = connection.ops.quote_name(table)
    return f"INSERT INTO {quoted} ({', '.join(names)}) SELECT * FROM UNNEST({arrays}) {conflict}"  # noqa: S608


def _array_type(field) -> str:
    return field.target_field.rel_db_type(connection) if field.is_relation else field.db_type(connection)


def execute_together(statements: list[tuple[str, list] | None]) -> None:
    """Runs upserts in one round trip: all but the last as data-modifying CTEs (each runs
    exactly once; they write different tables). One statement runs as it is."""
    statements = [statement for statement in statements if statement is not None]
    if not statements:
        return
    *first, (sql, _) = statements
    if first:
        ctes = ", ".join(f"upsert_{n} AS ({cte} RETURNING 1)" for n, (cte, _) in enumerate(first))
        sql = f"WITH {ctes} {sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _, params in statements for param in params])


def upsert(table: str, key: tuple[str, ...], rows: dict[tuple, dict], *, columns=COLUMNS, updates=None) -> None:
    execute_together([upsert_sql(table, key, rows, columns=columns, updates=updates)])


def upsert_sql(
    table: str, key: tuple[str, ...], rows: dict[tuple, dict], *, columns=COLUMNS, updates=None
) -> tuple[str, list] | None:
    """One ``INSERT … ON CONFLICT DO UPDATE`` for all rows, in key order (two transactions
    adding to the same rows lock them in the same order, so they never deadlock)."""
    if not rows:
        return None
    ops = connection.ops
    quoted = ops.quote_name(table)
    if updates is None:
        greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
        updates = [f"{name} = {quoted}.{name} + excluded.{name}" for name in SUMMED]
        updates.append(f"wait_max = {greatest}({quoted}.wait_max, excluded.wait_max)")
    names = key + columns
    ordered = sorted(rows, key=lambda k: (k[0], *k[1:]))
    conflict = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(updates)}"
    if connection.vendor == "postgresql":
        # One array per column: the statement's text is the same for any number of rows,
        # so psycopg does not parse thousands of placeholders again on every batch and
        # PostgreSQL plans it once.
        params = [list(column) for column in zip(*((*k, *(rows[k][name] for name in columns)) for k in ordered),
                                                 strict=True)]  # fmt: skip
        sql = _unnest_upsert(table, names, conflict)
        return sql, params
    placeholders = "(" + ", ".join(["%s"] * len(names)) + ")"
    params: list = []
    for row_key in ordered:
        sums = rows[row_key]
        first = row_key[0]  # an hour, or a day (reports.days)
        adapt = ops.adapt_datetimefield_value if isinstance(first, datetime) else ops.adapt_datefield_value
        params += [adapt(first), *row_key[1:]]
        params += [sums[name] for name in columns]
    sql = (
        f"INSERT INTO {quoted} ({', '.join(names)}) VALUES {', '.join([placeholders] * len(rows))} "  # noqa: S608
        f"{conflict}"
    )
    return sql, params
