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
from datetime import datetime

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
    preps = [_prep(f) for f in fields]
    attnames = [f.attname for f in fields]
    params = [prep(getattr(obj, name)) for obj in objs for prep, name in zip(preps, attnames, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _prep(field: models.Field):
    """The field's value as a query parameter. Aware datetimes and ``None`` pass as they
    are (psycopg adapts them: what ``DateTimeField.get_db_prep_save`` would return on
    PostgreSQL, without its per-value checks); anything else goes through Django."""

    def prep(value):
        return field.get_db_prep_save(value, connection)

    if isinstance(field, models.DateTimeField):

        def prep_datetime(value):
            if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
                return value
            return prep(value)

        return prep_datetime
    return prep
