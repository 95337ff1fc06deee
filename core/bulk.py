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
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import attrgetter

from django.db import connection, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init

# Up to this many rows, one multi-row INSERT (one round trip, RETURNING included); beyond,
# one pipelined executemany (psycopg parses a long VALUES list again on every call).
FEW_ROWS = 8


def insert_rows(objs: Sequence[models.Model], *, returning_ids: bool = False) -> None:
    """``bulk_create`` for the engine's rows, each value prepared as ``bulk_create`` would
    (``pre_save`` where a field does anything there, ``get_db_prep_save``). On PostgreSQL:

    - a few rows (a request: ``FEW_ROWS`` at most): one ``INSERT … VALUES (…), (…)`` whose
      text is built once per model and row count, so the prepared statement is reused;
      ``RETURNING`` the ids when asked (in the rows' order, as ``bulk_create`` relies on);
    - several rows (a sweep or distribution batch): the same one-row ``INSERT`` sent for
      every row in one ``executemany``, which psycopg 3 pipelines (one round trip). With
      ``returning_ids``, the ids are first taken from the table's sequence in one query.
      Measured on 500 messages: about a third of the CPU of ``bulk_create`` or of one
      multi-row ``VALUES`` (whose 10,000 placeholders psycopg parses again every time).

    ``returning_ids`` sets each object's primary key and marks it saved."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    row = _insert_row(model)
    with connection.cursor() as cursor:
        if len(objs) <= FEW_ROWS:
            params = [value for obj in objs for value in row(obj)]
            cursor.execute(_insert_sql(model, rows=len(objs), with_pk=False, returning=returning_ids), params)
            if returning_ids:
                for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                    _saved(obj, pk)
            return
        if returning_ids:
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_sequence(model), len(objs)])
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                _saved(obj, pk)
            rows = [[obj.pk, *row(obj)] for obj in objs]
        else:
            rows = [row(obj) for obj in objs]
        cursor.executemany(_insert_sql(model, rows=1, with_pk=returning_ids, returning=False), rows)


def _saved(obj: models.Model, pk) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


@functools.cache
def _sequence(model) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        return cursor.fetchone()[0]


@functools.cache
def _insert_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


@functools.cache
def _insert_sql(model, *, rows: int, with_pk: bool, returning: bool) -> str:
    quote = connection.ops.quote_name
    fields = ([model._meta.pk] if with_pk else []) + _insert_fields(model)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
           f"VALUES {', '.join([row] * rows)}")  # fmt: skip
    return sql + f" RETURNING {quote(model._meta.pk.column)}" if returning else sql


def update_rows(objs: Sequence[models.Model], field_names: Sequence[str]) -> int:
    """Write ``field_names`` of every object (its in-memory values) by primary key.

    On PostgreSQL: one ``UPDATE … FROM UNNEST(%s::bigint[], %s::<type>[], …)`` — one
    array per column, so the statement's text is the same for any number of rows (built
    once, prepared once). Measured on 500 rows: a third of the CPU of the same rows as a
    ``VALUES`` list. The caller holds the rows' locks (or does not care about concurrent
    writers); returns the number of rows updated."""
    if not objs:
        return 0
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(objs, field_names)
    names = tuple(field_names)
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(model, names, single=len(objs) == 1), _update_params(objs, names))
        return cursor.rowcount


def _update_params(objs: Sequence[models.Model], names: Sequence[str]) -> list:
    """The parameters of ``_update_sql``: one array per column (the primary keys, then each
    field's values), or for one row its values then its primary key."""
    meta = objs[0]._meta
    if len(objs) == 1:
        obj = objs[0]
        return [*(_prep(f)(getattr(obj, f.attname)) for f in map(meta.get_field, names)), obj.pk]
    fields = [meta.pk, *(meta.get_field(name) for name in names)]
    return [[prep(getattr(obj, f.attname)) for obj in objs] for f, prep in ((f, _prep(f)) for f in fields)]


@functools.cache
def _update_sql(model, names: tuple[str, ...], *, single: bool = False) -> str:
    """Several rows: their columns as arrays (``UNNEST``). One row (a request's attendance):
    a plain ``UPDATE … WHERE id = %s``, its values as scalars — psycopg builds an array
    parameter in Python, a cost of its own on the inbound hot path."""
    meta = model._meta
    quote = connection.ops.quote_name
    if single:
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in map(meta.get_field, names))
        return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    fields = [meta.pk, *(meta.get_field(name) for name in names)]
    arrays = ", ".join(f"%s::{f.rel_db_type(connection) if f.primary_key else f.db_type(connection)}[]" for f in fields)
    columns = ", ".join(quote(f.column) for f in fields)
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[1:])
    return (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM UNNEST({arrays}) AS v({columns}) "
        f"WHERE t.{quote(meta.pk.column)} = v.{quote(meta.pk.column)}"
    )


def insert_linked(parent: models.Model, link: Callable[[models.Model], Sequence[tuple[models.Model, str]]]) -> None:
    """``parent`` and the rows that hold its new id, as ONE statement on PostgreSQL: ``WITH
    p AS (INSERT … RETURNING id), c0 AS (INSERT … VALUES ((SELECT id FROM p), …) RETURNING
    id) SELECT …`` (a first message's customer, its history record and its attendance: one
    round trip instead of three, SPEC §12 P7). ``link(parent)`` builds those rows once
    ``parent``'s values are prepared (its ``auto_now_add`` dates set), each with the
    attribute that takes the id. Every row gets its own id, as ``insert_rows(…,
    returning_ids=True)`` gives it. Another database writes them one after the other."""
    if connection.vendor != "postgresql":
        insert_rows([parent], returning_ids=True)
        for child, attname in link(parent):
            setattr(child, attname, parent.pk)
            insert_rows([child], returning_ids=True)
        return
    params = _insert_row(type(parent))(parent)
    children = list(link(parent))
    for child, attname in children:
        values = _insert_row(type(child))(child)
        del values[_field_index(type(child), attname)]
        params += values
    with connection.cursor() as cursor:
        cursor.execute(_linked_sql(type(parent), tuple((type(child), attname) for child, attname in children)), params)
        pk, *child_pks = cursor.fetchone()
    _saved(parent, pk)
    for (child, attname), child_pk in zip(children, child_pks, strict=True):
        setattr(child, attname, pk)
        _saved(child, child_pk)


@functools.cache
def _field_index(model, attname: str) -> int:
    return [f.attname for f in _insert_fields(model)].index(attname)


@functools.cache
def _linked_sql(model, children: tuple[tuple[type[models.Model], str], ...]) -> str:
    quote = connection.ops.quote_name
    pk = quote(model._meta.pk.column)
    queries = [f"p AS ({_insert_sql(model, rows=1, with_pk=False, returning=True)})"]
    linked = f"(SELECT {pk} FROM p)"  # noqa: S608 - the primary key's column
    returned = [linked]
    for index, (child, attname) in enumerate(children):
        fields = _insert_fields(child)
        values = ", ".join(linked if f.attname == attname else "%s" for f in fields)
        child_pk = quote(child._meta.pk.column)
        columns = ", ".join(quote(f.column) for f in fields)
        queries.append(f"c{index} AS (INSERT INTO {quote(child._meta.db_table)} "  # noqa: S608 - names from the models
                       f"({columns}) VALUES ({values}) RETURNING {child_pk})")  # fmt: skip
        returned.append(f"(SELECT {child_pk} FROM c{index})")  # noqa: S608
    return f"WITH {', '.join(queries)} SELECT {', '.join(returned)}"  # noqa: S608


def write_rows(inserts: Sequence[tuple[Sequence[models.Model], bool]],
               update: tuple[Sequence[models.Model], Sequence[str]] = ((), ())) -> None:  # fmt: skip
    """``insert_rows`` of each ``(objs, returning_ids)`` and ``update_rows(*update)``: one
    change's writes (a request's messages, events and attendance) as ONE statement on
    PostgreSQL, each part a data-modifying ``WITH`` query (``WITH i0 AS (INSERT …
    RETURNING id), u AS (UPDATE …) SELECT …``: every part runs once, to completion, on the
    statement's snapshot; the parts write different tables). One round trip instead of
    three on the inbound hot path (SPEC §12 P7), where each statement costs more than its
    rows. Parts of more than ``FEW_ROWS`` rows, or another database, are written one by
    one as the two functions do."""
    parts = [(objs, returning) for objs, returning in inserts if objs]
    rows, names = update
    if not rows or not names:
        rows = ()
    if connection.vendor != "postgresql" or len(parts) + bool(rows) < 2 or any(len(o) > FEW_ROWS for o, _ in parts):
        for objs, returning in parts:
            insert_rows(objs, returning_ids=returning)
        if rows:
            update_rows(rows, names)
        return
    shape = tuple((type(objs[0]), len(objs), returning) for objs, returning in parts)
    params = [value for objs, _ in parts for obj in objs for value in _insert_row(type(obj))(obj)]
    if rows:
        params += _update_params(rows, names)
    with connection.cursor() as cursor:
        cursor.execute(_together_sql(shape, (type(rows[0]), tuple(names), len(rows) == 1) if rows else None), params)
        returned = cursor.fetchall()
    pks = iter(pk for part, pk in returned if part >= 0)
    for objs, returning in parts:
        if returning:
            for obj in objs:
                _saved(obj, next(pks))


@functools.cache
def _together_sql(shape: tuple, update: tuple | None) -> str:
    queries, results = [], []
    for index, (model, rows, returning) in enumerate(shape):
        queries.append(f"i{index} AS ({_insert_sql(model, rows=rows, with_pk=False, returning=returning)})")
        if returning:
            results.append(f"SELECT {index}, {connection.ops.quote_name(model._meta.pk.column)} FROM i{index}")  # noqa: S608 - names from the models
    if update is not None:
        model, names, single = update
        queries.append(f"u AS ({_update_sql(model, names, single=single)})")
    # The parts' RETURNING rows in order (each part's in its VALUES order); at least one row.
    return f"WITH {', '.join(queries)} {' UNION ALL '.join([*results, 'SELECT -1, NULL'])}"


# Values psycopg adapts exactly as Django would prepare them (``get_db_prep_save`` of a
# plain field returns them unchanged): passed as they are, without Django's per-value calls.
_PLAIN = (str, int, bool, float, type(None))


@functools.cache
def _prep(field: models.Field):
    """The field's value as a query parameter. Plain values (``_PLAIN``: exact types, not
    subclasses such as choices enums or lazy strings) and aware datetimes pass as they
    are, a text field's choices as their string; an empty JSON object (most messages'
    ``template``) is prepared once; anything else, and every value of a file field, goes
    through Django."""

    def prep(value):
        return field.get_db_prep_save(value, connection)

    if isinstance(field, models.FileField):
        return prep
    if isinstance(field, models.JSONField):
        empty = prep({})

        def json(value):
            return empty if type(value) is dict and not value else prep(value)

        return json
    text = isinstance(field, models.CharField | models.TextField)

    def fast(value):
        kind = type(value)
        if kind in _PLAIN or (kind is datetime and value.tzinfo is not None):
            return value
        if text and isinstance(value, str):
            return str(value)  # a TextChoices member: its value
        return prep(value)

    return fast


@functools.cache
def _insert_row(model):
    """An unsaved object's INSERT parameters, column by column: ``pre_save`` (which fills
    ``auto_now`` dates and stores uploaded files) where the field does anything there,
    else the attribute, through ``_prep`` unless it is a plain value. The attributes are
    read at once (``attrgetter``) and plain values pass without a call: a message has 19
    columns and the inbound path writes two per request."""
    fields = _insert_fields(model)
    read = (
        attrgetter(*(f.attname for f in fields))
        if len(fields) > 1
        else (lambda obj: (getattr(obj, fields[0].attname),))
    )
    preps = [_prep(f) for f in fields]
    computed = [
        (index, lambda obj, f=f: f.get_db_prep_save(f.pre_save(obj, True), connection))
        for index, f in enumerate(fields)
        if isinstance(f, models.FileField) or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]

    def row(obj) -> list:
        values = list(read(obj))
        for index, value in enumerate(values):
            kind = type(value)
            if kind not in _PLAIN and not (kind is datetime and value.tzinfo is not None):
                values[index] = preps[index](value)
        for index, compute in computed:
            values[index] = compute(obj)
        return values

    return row


def new_row(model: type[models.Model], /, **values) -> models.Model:
    """``model(**values)`` for rows built by the thousand (a timer batch's messages and
    events, an inbound request's messages) and written by ``insert_rows``.

    ``Model.__init__`` handles keywords field by field (an absent foreign key costs two
    caught ``KeyError``\\ s; a related object goes through its descriptor): for a message
    that was more than the cost of writing it. Here the defaults are laid out once per
    model; a related object (``attendance=obj``) sets its id and is cached as Django
    caches it, so ``row.attendance`` reads no query. Unknown names raise ``TypeError`` as
    Django does; a model with ``post_init`` receivers is built by Django itself."""
    if post_init.has_listeners(model):
        return model(**values)
    static, dynamic, relations, names = _layout(model)
    obj = model.__new__(model)
    state = ModelState()
    attributes = obj.__dict__
    attributes.update(static)
    for attname, field in dynamic:
        attributes[attname] = field.get_default()
    attributes["_state"] = state
    for name, value in values.items():
        field = relations.get(name)
        if field is not None:
            attributes[field.attname] = None if value is None else getattr(value, field.target_field.attname)
            state.fields_cache[name] = value
        elif name in names:
            attributes[name] = value
        else:
            raise TypeError(f"{model.__name__}() got unexpected keyword arguments: '{name}'")
    return obj


@functools.cache
def _layout(model):
    """(plain defaults by attname, (attname, field) of callable defaults, related fields
    by name, every accepted name)."""
    static, dynamic = {}, []
    for f in model._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            dynamic.append((f.attname, f))
        else:
            static[f.attname] = f.get_default()
    relations = {f.name: f for f in model._meta.concrete_fields if f.is_relation}
    names = set(static) | {attname for attname, _f in dynamic} | {f.name for f in model._meta.concrete_fields}
    return static, dynamic, relations, frozenset(names)
