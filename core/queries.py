"""Small query helpers for the hot paths."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db import connection
from django.db.models import Model, QuerySet


def one_or_none(queryset: QuerySet) -> Model | None:
    """The single row a filter on a unique key finds, or ``None``.

    Unlike ``first()`` it adds no ``ORDER BY`` (neither the model's default ordering nor
    the primary key): there is at most one row, and compiling an ordering costs each
    request a noticeable part of its time."""
    rows = list(queryset.order_by()[:1])
    return rows[0] if rows else None


def rows_with_related(model: type[Model], relation: str, where: str, params: Sequence, *, limit: int | None = None,
                      lock: bool = False) -> list[Model]:  # fmt: skip
    """``model.objects.select_related(relation).filter(…)`` for a hot path, without
    compiling the query on every call: the SQL text is built once per call site and only
    the parameters change (PostgreSQL then reuses its prepared statement too).

    ``where`` is SQL over the aliases ``m`` (``model``'s table) and ``r`` (the related
    table) with ``%s`` parameters — written by the caller, never from input; ``lock``
    locks ``model``'s rows (``FOR UPDATE OF m``). Values pass through the fields' own
    database converters, as Django's compiler does."""
    related_field = model._meta.get_field(relation)
    lock = lock and connection.features.has_select_for_update_of  # SQLite: its writers take turns anyway
    sql = _joined_sql(connection.vendor, model, relation, where, limit, lock)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    own, related = _loaders(model), _loaders(related_field.related_model)
    split = len(own[1])
    objects = []
    for row in rows:
        obj = own[0](row[:split])
        related_field.set_cached_value(obj, related[0](row[split:]))
        objects.append(obj)
    return objects


def rows_where(model: type[Model], where: str, params: Sequence, *, limit: int | None = None) -> list[Model]:
    """``model.objects.filter(…)`` for a hot path, its SQL built once (see
    ``rows_with_related``); ``where`` is SQL over the alias ``m``."""
    with connection.cursor() as cursor:
        cursor.execute(_plain_sql(connection.vendor, model, where, limit), params)
        rows = cursor.fetchall()
    build = _loaders(model)[0]
    return [build(row) for row in rows]


@functools.cache
def _plain_sql(vendor: str, model, where: str, limit: int | None) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(f"m.{quote(f.column)}" for f in model._meta.concrete_fields)
    sql = f"SELECT {columns} FROM {quote(model._meta.db_table)} m WHERE {where}"  # noqa: S608
    return sql + f" LIMIT {int(limit)}" if limit is not None else sql


@functools.cache
def _joined_sql(vendor: str, model, relation: str, where: str, limit: int | None, lock: bool) -> str:
    quote = connection.ops.quote_name
    field = model._meta.get_field(relation)
    related = field.related_model
    columns = [f"m.{quote(f.column)}" for f in model._meta.concrete_fields]
    columns += [f"r.{quote(f.column)}" for f in related._meta.concrete_fields]
    sql = (f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} m "  # noqa: S608
           f"JOIN {quote(related._meta.db_table)} r ON r.{quote(field.target_field.column)} = m.{quote(field.column)} "
           f"WHERE {where}")  # fmt: skip
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql + " FOR UPDATE OF m" if lock else sql


def _loaders(model):
    return _loaders_for(connection.vendor, model)


@functools.cache
def _loaders_for(vendor: str, model):
    """(build an instance from a row's values, the fields in column order)."""
    fields = model._meta.concrete_fields
    attnames = [f.attname for f in fields]
    converters = []
    for index, f in enumerate(fields):
        column = f.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + f.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    db = connection.alias

    def build(values):
        if converters:
            values = list(values)
            for index, column, found in converters:
                for convert in found:
                    values[index] = convert(values[index], column, connection)
        return model.from_db(db, attnames, values)

    return build, fields
