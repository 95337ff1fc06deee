"""Set-based writes for the engine's hot paths (distribution, timers).

Django's ``bulk_update`` builds one ``CASE WHEN`` per column over every row (its cost
grows with rows × columns), and its PostgreSQL ``bulk_create`` sends each column as one
array, which psycopg quotes in Python for ``jsonb[]``. On PostgreSQL these helpers send
plain SQL instead; on other databases (SQLite for ``make run``) they fall back to Django's
own methods, so behaviour is the same everywhere. Table and column names come from the
models, never from input; every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def insert_rows(objs: Sequence[models.Model]) -> None:
    """``bulk_create`` without returning ids: one ``INSERT`` per row sent in one
    ``executemany`` (pipelined by psycopg 3, each value quoted in C)."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql" or len(objs) < 2:
        model.objects.bulk_create(objs)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(fields))})")  # fmt: skip
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def update_rows(objs: Sequence[models.Model], field_names: Sequence[str]) -> int:
    """Write ``field_names`` of every object (its in-memory values) by primary key.

    On PostgreSQL: one ``UPDATE … FROM (VALUES …)``. The caller holds the rows' locks (or
    does not care about concurrent writers); returns the number of rows updated."""
    if not objs:
        return 0
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(objs, field_names)
    meta = model._meta
    fields = [meta.pk, *(meta.get_field(name) for name in field_names)]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in fields) + ")"
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[1:])
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM (VALUES {', '.join([row] * len(objs))}) AS v({', '.join(quote(f.column) for f in fields)}) "
        f"WHERE t.{quote(meta.pk.column)} = v.{quote(meta.pk.column)}"
    )
    params = [f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in objs for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
