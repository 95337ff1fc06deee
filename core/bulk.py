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
    preps = _insert_preps(model)
    size = min(INSERT_CHUNK_ROWS, MAX_PARAMETERS // len(preps))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = [prep(obj) for obj in chunk for prep in preps]
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

    On PostgreSQL: one ``UPDATE … FROM (VALUES …)`` per chunk of rows, its text built once
    per model, columns and row count. The caller holds the rows' locks (or does not care
    about concurrent writers); returns the number of rows updated."""
    if not objs:
        return 0
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(objs, field_names)
    names = tuple(field_names)
    meta = model._meta
    fields = [meta.pk, *(meta.get_field(name) for name in names)]
    preps = [(f.attname, _prep(f)) for f in fields]
    size = min(INSERT_CHUNK_ROWS, MAX_PARAMETERS // len(fields))
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = [prep(getattr(obj, name)) for obj in chunk for name, prep in preps]
            cursor.execute(_update_sql(model, names, len(chunk)), params)
            updated += cursor.rowcount
    return updated


@functools.cache
def _update_sql(model, names: tuple[str, ...], rows: int) -> str:
    meta = model._meta
    fields = [meta.pk, *(meta.get_field(name) for name in names)]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in fields) + ")"
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[1:])
    return (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM (VALUES {', '.join([row] * rows)}) AS v({', '.join(quote(f.column) for f in fields)}) "
        f"WHERE t.{quote(meta.pk.column)} = v.{quote(meta.pk.column)}"
    )


# Values psycopg adapts exactly as Django would prepare them (``get_db_prep_save`` of a
# plain field returns them unchanged): passed as they are, without Django's per-value calls.
_PLAIN = (str, int, bool, float, type(None))


@functools.cache
def _prep(field: models.Field):
    """The field's value as a query parameter. Plain values (``_PLAIN``: exact types, not
    subclasses such as choices enums or lazy strings) and aware datetimes pass as they
    are; anything else, and every value of a JSON or file field, goes through Django."""

    def prep(value):
        return field.get_db_prep_save(value, connection)

    if isinstance(field, models.JSONField | models.FileField):
        return prep

    def fast(value):
        if type(value) in _PLAIN or (type(value) is datetime and value.tzinfo is not None):
            return value
        return prep(value)

    return fast


@functools.cache
def _insert_preps(model) -> list:
    """Per column, how an unsaved object's value becomes a parameter: ``pre_save`` (which
    fills ``auto_now`` dates and stores uploaded files) where the field does anything
    there, else the attribute itself."""
    preps = []
    for f in _insert_fields(model):
        if isinstance(f, models.FileField) or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            preps.append(lambda obj, f=f: f.get_db_prep_save(f.pre_save(obj, True), connection))
        else:
            prep, attname = _prep(f), f.attname
            preps.append(lambda obj, prep=prep, attname=attname: prep(getattr(obj, attname)))
    return preps
