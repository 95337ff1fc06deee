"""Changelist counts that stay cheap at a million rows (SPEC §12 P5).

Django's changelist counts the filtered rows for its paginator on every page. On an
unfiltered table PostgreSQL's own estimate (``pg_class.reltuples``, kept by ANALYZE and
autovacuum) stands in for ``COUNT(*)``; a filtered list is counted up to ``COUNT_CAP``
rows only (``SELECT count(*) FROM (… LIMIT cap + 1)``), so the count touches at most that
many rows however broad the filter. Beyond the cap the list has the cap's pages and says
"Mais de 1000 atendimentos" (``more_than``, ``templates/admin/pagination.html``); a
person narrows the filter, sorts or searches, which is what such a list is for. The cap
is a search's (``SEARCH_CAP``): counting 10,000 closed attendances of a group was ~11–25
ms of SQL at a million rows, the page's largest part (``bench/admin.py``).
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import BooleanField, F, Func, Q
from django.utils.functional import cached_property

COUNT_CAP = 1_000


class EstimatedCountPaginator(Paginator):
    # The list has more rows than its count (a filtered list or a search past its cap).
    more_than = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        search_pages = getattr(queryset, "search_pages", None)
        if search_pages is not None:
            self.more_than = getattr(queryset, "search_more_than", False)
            return len(search_pages[1])
        query = getattr(queryset, "query", None)
        if query is None:
            return super().count
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
                )
                row = cursor.fetchone()
            if row and row[0] > COUNT_CAP:
                return int(row[0])
        if connection.vendor != "postgresql":
            return super().count
        counted = queryset.order_by()[: COUNT_CAP + 1].count()
        self.more_than = counted > COUNT_CAP
        return min(counted, COUNT_CAP)

    def page(self, number):
        search_pages = getattr(self.object_list, "search_pages", None)
        if search_pages is None:
            return super().page(number)
        listed, ids = search_pages
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(listed.filter(pk__in=ids[bottom:top]), number, self)


# A search's matches, fetched once (see ``search_matches_first``).
SEARCH_CAP = 1_000


def search_matches_first(choices, listed):
    """The changelist of a search, the search run once.

    Django's changelist reads its queryset twice (the paginator's count, then the page, or
    the whole list when it fits one page). For a search that is the expensive part twice.
    Here the ids of the first ``SEARCH_CAP`` matches, in the list's order, are read in one
    query, and the list becomes ``listed`` restricted to those ids: its count and its
    pages then read at most that many rows through the primary key. A search shows at
    most its first ``SEARCH_CAP`` matches (``SEARCH_CAP / list_per_page`` pages): the same
    rows, in the same order, as the full search's first pages; beyond them a person
    narrows the term.

    ``choices``: the search as ``(found, rank_apart)`` pairs to try in turn (``found`` is
    the ordered, filtered list with the search applied); the first that finds a match is
    the search (a name's words, else its pieces inside words: the words' index read once,
    no check before). ``rank_apart``: the search's condition is costly row by row (a words
    search computes each name's words), so its matches are ranked apart (``first_ids``)."""
    ids = []
    for found, rank_apart in choices:
        ids = first_ids(found, SEARCH_CAP + 1, rank_apart=rank_apart)
        if ids:
            break
    more_than, ids = len(ids) > SEARCH_CAP, ids[:SEARCH_CAP]
    queryset = listed.filter(ids_condition("pk", ids, listed.db))
    # For EstimatedCountPaginator: the count is len(ids) (and whether there are more) and a
    # page reads its own ids only (with all of them, PostgreSQL may walk the list's order
    # index filtering on the ids).
    queryset.search_pages = (listed, ids)
    queryset.search_more_than = more_than
    return queryset


class _InArray(Func):
    """``field = ANY(%s)``: the ids as one array parameter."""

    output_field = BooleanField()

    def __init__(self, field: str, ids: list):
        super().__init__(F(field))
        self.ids = ids

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} = ANY(%s)", (*params, self.ids)


def ids_condition(field: str, ids: list, using: str) -> Q:
    """``field`` is one of ``ids``: on PostgreSQL one array parameter (``= ANY(%s)``, what
    PostgreSQL makes of ``IN (…)`` anyway), so that a search's thousand ids are not a
    thousand values each prepared by Django and a thousand placeholders for psycopg (the
    attendances' search by name spent ~10 ms of CPU in the changelist's queryset, ~5 ms
    so, ``bench/admin.py``)."""
    if connections[using].vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    return Q(_InArray(field, list(ids)))


def first_ids(found, cap: int, *, rank_apart: bool = False) -> list:
    """The ids of ``found``'s first ``cap`` rows, in its order (any ``cap`` of them when it
    has none).

    ``rank_apart`` (PostgreSQL): the matches are read in a materialized CTE, planned for
    every row, and ordered outside it: under ``ORDER BY … LIMIT`` (or ``LIMIT`` alone) the
    planner may walk the list's order index (or the table) and test each row against the
    search (for a words search, computing every name's words: 11.6 s for "Maria" at a
    million rows, 0.2–0.4 s this way; 25 s for a term no name has, 0.1 ms this way). The
    CTE returns the order's columns, not a rank, so that it stays a plain index scan
    (ranked inside, a one-word search was planned in parallel: 6–9 ms to start workers,
    even for no match). Not for a cheap condition: a trigram search of a common piece
    ("ernand", 88,000 matches) walks the index in 4–40 ms and takes 2 s to rank."""
    if not rank_apart or connections[found.db].vendor != "postgresql":
        return list(found.values_list("pk", flat=True)[:cap])
    ordering = found.query.order_by or (found.model._meta.ordering if found.query.default_ordering else [])
    order = [expression for item in ordering for expression in _order_expressions(found.model, item)]
    columns = {f"search_order_{n}": item.expression for n, item in enumerate(order)}
    try:
        sql, params = found.order_by().annotate(**columns).values("pk", *columns).query.sql_with_params()
    except EmptyResultSet:  # ``none()``: a viewer who may see no row (scoping)
        return []
    outer = ", ".join(_outer_order(name, item) for name, item in zip(columns, order, strict=True))
    query = f"WITH found AS MATERIALIZED ({sql}) SELECT pk FROM found {'ORDER BY ' + outer if outer else ''} LIMIT %s"  # noqa: S608 - the ORM's SQL
    with connections[found.db].cursor() as cursor:
        cursor.execute(query, (*params, cap))
        return [row[0] for row in cursor.fetchall()]


def _outer_order(column: str, item) -> str:
    nulls = " NULLS FIRST" if item.nulls_first else " NULLS LAST" if item.nulls_last else ""
    return f"{column} {'DESC' if item.descending else 'ASC'}{nulls}"


def _order_expressions(model, item, prefix: str = "", descending: bool = False, depth: int = 0) -> list:
    """``item`` of an ``order_by`` as the expressions it sorts by, as Django's compiler
    reads it: a relation ("group") sorts by its model's ordering (the group's name), not
    by the foreign key's value."""
    if not isinstance(item, str):
        item = item if hasattr(item, "descending") else item.asc()
        if prefix:  # a related model's ordering: its columns through the relation
            item = item.prefix_references(prefix)
        if descending:
            item = item.copy()
            item.reverse_ordering()
        return [item]
    if item == "?":
        return []
    name = item.removeprefix("-")
    descending ^= item.startswith("-")
    path = f"{prefix}{name}"
    field = _last_field(model, name)
    related = field.related_model if field is not None and field.is_relation else None
    if related is not None and related._meta.ordering and name.split("__")[-1] != field.attname and depth < 5:
        return [
            expression
            for sub in related._meta.ordering
            for expression in _order_expressions(related, sub, f"{path}__", descending, depth + 1)
        ]
    return [F(path).desc() if descending else F(path).asc()]


def _last_field(model, name: str):
    """The field ``name`` (``a__b__c``) ends at, from ``model`` (``None``: not a field)."""
    field = None
    for part in name.split("__"):
        if model is None:
            return None
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except Exception:  # noqa: BLE001 - an annotation or a transform: sorted as written
            return None
        model = field.related_model if field.is_relation else None
    return field
