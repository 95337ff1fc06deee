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


def row_with_locked_child(model: type[Model], where: str, params: Sequence, *, child: type[Model], link: str,
                          child_where: str, child_params: Sequence) -> tuple[Model | None, Model | None]:  # fmt: skip
    """The row of ``model`` that ``where`` finds (SQL over the alias ``m``, on a unique
    key: at most one), and one row of ``child`` that points to it through the foreign key
    ``link`` and that ``child_where`` finds (SQL over the alias ``c``), locked ``FOR
    UPDATE``, its ``link`` cached: ``(None, None)``, ``(row, None)`` or ``(row, child)``.

    One query on PostgreSQL, a ``LEFT JOIN LATERAL`` (the inbound hot path: the customer
    and their open attendance, SPEC §12 P7), its SQL built once per call site so that
    PostgreSQL reuses its prepared statement; two on other databases (SQLite's writers
    take turns anyway). The SQL fragments are written by the caller, never from input;
    values pass through the fields' own database converters, as Django's compiler does."""
    build, fields = _loaders(model)
    child_build, child_fields = _loaders(child)
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_plain_sql(connection.vendor, model, where, 1), params)
            found = cursor.fetchone()
            if found is None:
                return None, None
            row = build(found)
            cursor.execute(_child_sql(connection.vendor, child, link, child_where), [row.pk, *child_params])
            found_child = cursor.fetchone()
    else:
        with connection.cursor() as cursor:
            cursor.execute(_lateral_sql(connection.vendor, model, where, child, link, child_where),
                           [*child_params, *params])  # fmt: skip
            found = cursor.fetchone()
        if found is None:
            return None, None
        split = len(fields)
        row = build(found[:split])
        found_child = found[split:] if found[split] is not None else None  # the child's primary key comes first
    if found_child is None:
        return row, None
    obj = child_build(found_child)
    child._meta.get_field(link).set_cached_value(obj, row)
    return row, obj


@functools.cache
def _lateral_sql(vendor: str, model, where: str, child, link: str, child_where: str) -> str:
    quote = connection.ops.quote_name
    if child._meta.concrete_fields[0] is not child._meta.pk:
        raise ValueError(f"{child.__name__}: the primary key must be the first column")
    columns = [f"m.{quote(f.column)}" for f in model._meta.concrete_fields]
    columns += [f"c.{quote(f.column)}" for f in child._meta.concrete_fields]
    return (f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} m "  # noqa: S608 - names from the models
            f"LEFT JOIN LATERAL (SELECT c.* FROM {quote(child._meta.db_table)} c "
            f"WHERE c.{quote(child._meta.get_field(link).column)} = m.{quote(model._meta.pk.column)} "
            f"AND ({child_where}) LIMIT 1 FOR UPDATE) c ON TRUE WHERE {where} LIMIT 1")  # fmt: skip


@functools.cache
def _child_sql(vendor: str, child, link: str, child_where: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(f"c.{quote(f.column)}" for f in child._meta.concrete_fields)
    return (
        f"SELECT {columns} FROM {quote(child._meta.db_table)} c "  # noqa: S608 - names from the models
        f"WHERE c.{quote(child._meta.get_field(link).column)} = %s AND ({child_where}) LIMIT 1"
    )


@functools.cache
def _plain_sql(vendor: str, model, where: str, limit: int | None) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(f"m.{quote(f.column)}" for f in model._meta.concrete_fields)
    sql = f"SELECT {columns} FROM {quote(model._meta.db_table)} m WHERE {where}"  # noqa: S608
    return sql + f" LIMIT {int(limit)}" if limit is not None else sql


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
