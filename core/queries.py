"""Small query helpers for the hot paths."""

from __future__ import annotations

from django.db.models import Model, QuerySet


def one_or_none(queryset: QuerySet) -> Model | None:
    """The single row a filter on a unique key finds, or ``None``.

    Unlike ``first()`` it adds no ``ORDER BY`` (neither the model's default ordering nor
    the primary key): there is at most one row, and compiling an ordering costs each
    request a noticeable part of its time."""
    rows = list(queryset.order_by()[:1])
    return rows[0] if rows else None
