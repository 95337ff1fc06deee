"""Set-based writes for the engine's hot paths (distribution, timers).

Django's ``bulk_update`` builds one ``CASE WHEN`` per column over every row (its cost
grows with rows × columns), and its PostgreSQL ``bulk_create`` sends each column as one
array, which psycopg quotes in Python for ``jsonb[]``. On PostgreSQL these helpers send
plain SQL instead; on other databases (SQLite for ``make run``) they fall back to Django's
own methods, so behaviour is the same everywhere. Table and column names come from the
models, never from input; every value is a bound parameter.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from django.db import connection, models

# PostgreSQL's limit of bound parameters per statement, and rows per INSERT.
MAX_PARAMETERS = 65_535
INSERT_CHUNK_ROWS = 1_000


def insert_rows(objs: Sequence[models.Model], *, returning_ids: bool = False) -> None:
    """``bulk_create`` for the engine's rows: on PostgreSQL one ``INSERT … VALUES (…), (…)``
    whose text is built once per model and row count (so prepared statements are reused),
    each value prepared as ``bulk_create`` would (``pre_save``, ``get_db_prep_save``).
    ``returning_ids`` sets each object's primary key (``RETURNING``, in the rows' order,
    as ``bulk_create`` relies on too)."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    fields = _insert_fields(model)
    size = min(INSERT_CHUNK_ROWS, MAX_PARAMETERS // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in chunk for f in fields]
            cursor.execute(_insert_sql(model, len(chunk), returning_ids), params)
            if returning_ids:
                for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    obj.pk = pk
                    obj._state.adding = False
                    obj._state.db = connection.alias


@functools.cache
def _insert_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


@functools.cache
def _insert_sql(model, rows: int, returning_ids: bool) -> str:
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
           f"VALUES {', '.join([row] * rows)}")  # fmt: skip
    return sql + f" RETURNING {quote(model._meta.pk.column)}" if returning_ids else sql


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
