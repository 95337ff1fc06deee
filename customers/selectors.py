"""Customer reads."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.phones import phone_search_variants

from .documents import normalize_document
from .models import Customer
from .name_search import name_condition, name_conditions


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
    return queryset.filter(condition | _other_branches(term)), by_words


def customer_search_choices(*, queryset: QuerySet[Customer], term: str) -> list[tuple[QuerySet[Customer], bool]]:
    """``customer_search_by`` as the searches to try in turn, each with whether it is the
    words' index one: the first that finds a customer is the search.

    A term that can only be a name gives two, its words' search then its pieces inside
    words, so that a caller reading the matches runs the words' search once (where
    ``customer_search_by`` first checks that some name has the words, then searches).
    Any other term (a phone, a document or an e-mail may match too) gives one:
    ``customer_search_by``'s."""
    term = term.strip()
    others = _other_branches(term) if term else Q()
    if not term or others:
        return [customer_search_by(queryset=queryset, term=term)]
    by_words, otherwise = name_conditions(queryset, term)
    first = [(queryset.filter(by_words), True)] if by_words is not None else []
    return [*first, (queryset.filter(otherwise), False)]


def _other_branches(term: str) -> Q:
    """The phone, document and e-mail the term may be (``Q()`` when none)."""
    condition = Q()
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
    return condition
