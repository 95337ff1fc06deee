"""Customer reads."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .documents import normalize_document
from .models import Customer
from .name_search import name_condition
from .phones import phone_search_variants


def customer_can_open_attendance(*, customer: Customer) -> bool:
    """Inactive customers' messages are refused: they open no attendance (SPEC §6.1)."""
    return customer.is_active


def customer_search(*, queryset: QuerySet[Customer], term: str) -> QuerySet[Customer]:
    """``customer_search_by``'s queryset."""
    return customer_search_by(queryset=queryset, term=term)[0]


def customer_search_by(*, queryset: QuerySet[Customer], term: str) -> tuple[QuerySet[Customer], bool]:
    """Name (its words in any order, accents and case ignored: ``name_search``), phone in
    any format, document (with or without mask), e-mail.

    Each branch uses an index: the name's words or its trigrams (``name_search``), the
    ``phone`` index (an exact E.164 number), ``document`` and ``email``. Also says
    whether the name is searched by its words' index."""
    term = term.strip()
    if not term:
        return queryset, False
    condition, by_words = name_condition(queryset, term)
    phone = phone_search_variants(term)
    if phone:
        condition |= Q(phone=phone)
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) in (11, 14):
        try:
            condition |= Q(document=normalize_document(digits)[1])
        except Exception:  # noqa: BLE001 - not a valid document: no document branch
            condition |= Q(document=digits)
    if "@" in term:
        condition |= Q(email=term.lower())
    return queryset.filter(condition), by_words
