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
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
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


# A search's matches, fetched once (see ``search_matches_first``).
SEARCH_CAP = 1_000


def search_matches_first(found, listed):
    """The changelist of a search, the search run once.

    Django's changelist reads its queryset twice (the paginator's count, then the page, or
    the whole list when it fits one page). For a search that is the expensive part twice.
    Here the ids of the first ``SEARCH_CAP`` matches, in the list's order (``found`` is the
    ordered, filtered list with the search applied), are read in one query, and the list
    becomes ``listed`` restricted to those ids: its count and its pages then read at most
    that many rows through the primary key. A search shows at most its first
    ``SEARCH_CAP`` matches (``SEARCH_CAP / list_per_page`` pages): the same rows, in the
    same order, as the full search's first pages; beyond them a person narrows the term."""
    ids = list(found.values_list("pk", flat=True)[:SEARCH_CAP])
    return listed.filter(pk__in=ids)
