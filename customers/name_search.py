"""Search customers by name at a million rows (SPEC §12 P5), on PostgreSQL.

What a person finds (accents and case ignored, the words of the term in any order):

1. **Words**: every word of the term starts a word of the name ("fern roch" finds
   "Fernanda Rocha" and "Rocha, Fernanda"). A GIN index on every start of the name's
   words (``to_tsvector('simple', …)``'s words, each cut at every length:
   ``customers/migrations/0006``) answers it as exact words
   (``to_tsquery('simple', 'FERN & ROCH')``): the posting lists of words are short and
   exact, where the trigrams of the same term ("AND", "NDA", "CHA", "ROC"…) are shared
   by most Brazilian names.
2. **Inside words**: when no name in the list has all the words at word starts, every
   word is looked for anywhere inside the name ("ernand" finds "Fernanda" and
   "Hernandes") through the trigram index on the same folded name. Words shorter than
   three letters give no trigram: they are checked on the rows the longer words found
   (a term made only of such words is looked for as one piece, as before).

So a term that starts names' words finds those names only ("ana" finds "Ana Lima" and
"Anabela", not "Juliana", once some name in the list starts with "ana"); a term found in
no word start finds what ``icontains`` found before, in any word order.

Names and terms are folded the same way in SQL: Portuguese accents removed with
``translate`` (immutable, so it can be indexed; the ``unaccent`` extension's function is
not immutable) on names that are not plain ASCII, upper case; for the words, punctuation
that PostgreSQL's parser would read as e-mails, hosts, signed numbers or paths becomes
spaces. The index expressions of the migrations (``customers/migrations/0005`` and
``0006``) and the SQL below must stay identical (a test compares them).

Other databases (SQLite in development) keep ``icontains`` on the whole term.
"""

from __future__ import annotations

import re

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value

ACCENTED = "áàâãäåéèêëíìîïóòôõöúùûüýÿçñÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÝÇÑ"
PLAIN = "aaaaaaeeeeiiiiooooouuuuyycnAAAAAAEEEEIIIIOOOOOUUUUYCN"
WORD_BREAKS = ".,:;@/+-_"

# ``{name}`` is the column: ``display_name`` in the index, the qualified column in queries.
# A name of one byte per character (ASCII, in a UTF-8 database) has no accent to remove:
# it skips ``translate``, whose cost is its length times the 54 accented letters (~5 µs a
# name; a list walked in its order for pieces inside words folds thousands of names:
# 28-38 ms for "ernand" at a million customers, 4 ms so).
_TEXT = "({name})::text"
FOLDED_SQL = (
    f"upper(CASE WHEN octet_length({_TEXT}) = char_length({_TEXT}) THEN {_TEXT}"
    f" ELSE translate({_TEXT}, '{ACCENTED}', '{PLAIN}') END)"
)
WORDS_SQL = f"to_tsvector('simple'::regconfig, translate({FOLDED_SQL}, '{WORD_BREAKS}', '{' ' * len(WORD_BREAKS)}'))"

# Every start of every word of the name (``'r' 'ro' 'roc' 'roch' 'rocha'``): the
# function (``customers/migrations/0006``) computes ``WORDS_SQL``'s and their starts, so a
# term's words are looked up as exact words, not as prefixes. GIN would otherwise collect
# every row of every word with a term's start before intersecting them (14 ms for
# "Fernanda Rocha" at a million customers; 2 ms so).
PREFIXES_SQL = f"customer_name_prefixes({_TEXT})"

MIN_TRIGRAM_WORD = 3
_FOLD = str.maketrans(ACCENTED, PLAIN)
_WORD = re.compile(r"[^\W_]+")


class _NameCondition(Func):
    """``template`` with ``{name}`` (the ``display_name`` column) and ``{value}`` (a
    parameter): SQL the indexes above can answer, as a filter condition."""

    output_field = BooleanField()

    def __init__(self, template: str, value: str):
        super().__init__(F("display_name"), Value(value))
        self.condition_sql = template

    def as_sql(self, compiler, connection, **extra_context):
        name_sql, name_params = compiler.compile(self.source_expressions[0])
        value_sql, value_params = compiler.compile(self.source_expressions[1])
        sql = self.condition_sql.replace("{name}", name_sql).replace("{value}", value_sql)
        return f"({sql})", (*name_params, *value_params)


def term_words(term: str) -> list[str]:
    """The words of a search term, accents removed (case is folded in SQL)."""
    return _WORD.findall(term.translate(_FOLD))


def words_condition(words: list[str]) -> Q:
    """Every word starts a word of the name: is one of the starts of the name's words
    (their GIN index)."""
    tsquery = " & ".join(f"'{word}'" for word in words)  # words are letters/digits only
    return Q(_NameCondition(f"{PREFIXES_SQL} @@ to_tsquery('simple'::regconfig, upper({{value}}))", tsquery))


def inside_condition(term: str, words: list[str], connection) -> Q:
    """Every word anywhere inside the name (the folded name's trigram index)."""
    long_words = [word for word in words if len(word) >= MIN_TRIGRAM_WORD]
    if not long_words:
        like = "%" + connection.ops.prep_for_like_query(term.translate(_FOLD)) + "%"
        return Q(_NameCondition(f"{FOLDED_SQL} LIKE upper({{value}})", like))
    condition = Q()
    for word in words:
        if len(word) >= MIN_TRIGRAM_WORD:
            condition &= Q(_NameCondition(f"{FOLDED_SQL} LIKE upper({{value}})", f"%{word}%"))
        else:  # no trigram to look up: checked on the rows the longer words found
            condition &= Q(_NameCondition(f"strpos({FOLDED_SQL}, upper({{value}})) > 0", word))
    return condition


def name_condition(queryset: QuerySet, term: str) -> tuple[Q, bool]:
    """The name part of the customers' search (see the module's docstring), and whether
    it is the words' index one (each row's words are costly to compute one by one: see
    ``core.admin_paging.search_matches_first``)."""
    by_words, otherwise = name_conditions(queryset, term)
    if by_words is not None and _any(queryset.filter(by_words), connections[queryset.db]):
        return by_words, True
    return otherwise, False


def name_conditions(queryset: QuerySet, term: str) -> tuple[Q | None, Q]:
    """The name's conditions, unchecked: by the words' index (``None`` where it does not
    apply: other databases, a term without words), and the one ``name_condition`` falls
    back on when no name in ``queryset`` has the words at word starts. A caller that reads
    the words' matches anyway tries them first and falls back itself when there are none
    (the admin lists: ``customers.selectors.customer_search_choices``), so the words'
    index is read once."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None, Q(display_name__icontains=term)
    words = term_words(term)
    if not words:
        return None, Q(display_name__icontains=term)
    return words_condition(words), inside_condition(term, words, connection)


def _any(queryset: QuerySet, connection) -> bool:
    """``queryset.exists()``, planned for every row (a materialized CTE) so that
    PostgreSQL reads the words' index: under ``LIMIT 1`` it expects a match early in a
    sequential scan, and when no name matches it computes every name's words (25 s at a
    million customers, ``bench/README.md`` P5)."""
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # ``none()``: a viewer who may see no customer (scoping)
        return False
    with connection.cursor() as cursor:
        found = f"WITH found AS MATERIALIZED ({sql}) SELECT 1 FROM found LIMIT 1"  # noqa: S608 - the ORM's SQL
        cursor.execute(found, params)
        return cursor.fetchone() is not None
