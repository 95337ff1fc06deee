"""Changelist counts that stay cheap at a million rows (SPEC §12 P5).

Django's changelist counts the filtered rows for its paginator on every page. On an
unfiltered table PostgreSQL's own estimate (``pg_class.reltuples``, kept by ANALYZE and
autovacuum) stands in for ``COUNT(*)``; a filtered list is counted up to ``COUNT_CAP``
rows only (``SELECT count(*) FROM (… LIMIT cap)``), so the count touches at most that
many rows however broad the filter. Beyond the cap the list shows the cap and as many
pages; a person narrows the filter or searches, which is what such a list is for.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        search_pages = getattr(queryset, "search_pages", None)
        if search_pages is not None:
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
        return queryset.order_by()[:COUNT_CAP].count() if connection.vendor == "postgresql" else super().count

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


def search_matches_first(found, listed, *, rank_apart: bool = False):
    """The changelist of a search, the search run once.

    Django's changelist reads its queryset twice (the paginator's count, then the page, or
    the whole list when it fits one page). For a search that is the expensive part twice.
    Here the ids of the first ``SEARCH_CAP`` matches, in the list's order (``found`` is the
    ordered, filtered list with the search applied), are read in one query, and the list
    becomes ``listed`` restricted to those ids: its count and its pages then read at most
    that many rows through the primary key. A search shows at most its first
    ``SEARCH_CAP`` matches (``SEARCH_CAP / list_per_page`` pages): the same rows, in the
    same order, as the full search's first pages; beyond them a person narrows the term.

    ``rank_apart``: the search's condition is costly row by row (a words search computes
    each name's words), so its matches are ranked apart (``_ranked_ids``)."""
    if rank_apart and connections[found.db].vendor == "postgresql":
        ids = _ranked_ids(found, SEARCH_CAP)
    else:
        ids = list(found.values_list("pk", flat=True)[:SEARCH_CAP])
    queryset = listed.filter(pk__in=ids)
    # For EstimatedCountPaginator: the count is len(ids) and a page reads its own ids only
    # (with all of them, PostgreSQL may walk the list's order index filtering on the ids).
    queryset.search_pages = (listed, ids)
    return queryset


def _ranked_ids(found, cap: int) -> list:
    """The first ``cap`` ids of ``found`` in its order, the matches ranked in a
    materialized CTE, planned for every row: under ``ORDER BY … LIMIT`` alone the planner
    may walk the list's order index and test each row against the search (for a words
    search, computing every name's words: 11.6 s for "Maria" at a million rows, 0.4 s
    this way). Not for a cheap condition: a trigram search of a common piece ("ernand",
    88,000 matches) walks the index in 0.14 s and takes 2 s to rank."""
    connection = connections[found.db]
    order = [_order_expression(item) for item in (found.query.order_by or found.model._meta.ordering)]
    ranked = found.order_by().annotate(
        search_rank=Window(RowNumber(), order_by=[item for item in order if item is not None] or [F("pk").asc()])
    )
    sql, params = ranked.values("pk", "search_rank").query.sql_with_params()
    query = f"WITH found AS MATERIALIZED ({sql}) SELECT pk FROM found ORDER BY search_rank LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, (*params, cap))
        return [row[0] for row in cursor.fetchall()]


def _order_expression(item):
    if isinstance(item, str):
        if item == "?":
            return None
        return F(item[1:]).desc() if item.startswith("-") else F(item).asc()
    return item if hasattr(item, "descending") else item.asc()
