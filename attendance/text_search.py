"""Search in the text of messages (SPEC §7.2: the history's ``q`` matches words of any
message, accents and case ignored).

On PostgreSQL, a GIN index (``attendance/migrations/0015_message_body_words``) holds each
message's words, folded as customers' names are (``customers.name_search``: Portuguese
accents removed with ``translate``, upper case, ``simple`` configuration); the term's
words are each looked up as the start of a word (``'TROCA':*``), all of them in the same
message. Other databases (SQLite in development) use ``icontains`` on the whole term.

The index expression of the migration and ``BODY_WORDS_SQL`` must stay identical (a test
compares them)."""

from __future__ import annotations

from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value

from customers.name_search import ACCENTED, PLAIN, WORD_BREAKS, term_words

from .models import Message

# ``{body}`` is the column, as the query names it (its table may be aliased in a subquery).
_BODY = "({body})::text"
BODY_FOLDED_SQL = f"upper(translate({_BODY}, '{ACCENTED}', '{PLAIN}'))"
BODY_WORDS_SQL = (
    f"to_tsvector('simple'::regconfig, translate({BODY_FOLDED_SQL}, '{WORD_BREAKS}', '{' ' * len(WORD_BREAKS)}'))"
)


class _BodyWords(Func):
    """``BODY_WORDS_SQL @@ to_tsquery(…)`` on the ``body`` column: a filter condition the
    ``message_body_words`` index answers."""

    output_field = BooleanField()

    def __init__(self, tsquery: str):
        super().__init__(F("body"), Value(tsquery))

    def as_sql(self, compiler, connection, **extra_context):
        body_sql, body_params = compiler.compile(self.source_expressions[0])
        value_sql, value_params = compiler.compile(self.source_expressions[1])
        words = BODY_WORDS_SQL.replace("{body}", body_sql)
        return f"{words} @@ to_tsquery('simple'::regconfig, {value_sql})", [*body_params, *value_params]


MAX_WORDS = 8  # a longer term adds nothing a person would type, and bounds the query


def messages_matching(term: str, *, using: str = "default") -> QuerySet[Message] | None:
    """The messages whose text has every word of ``term`` (``None``: no word to look for)."""
    term = (term or "").strip()
    if not term:
        return None
    messages = Message.objects.using(using).exclude(body="")
    if connections[using].vendor != "postgresql":
        return messages.filter(body__icontains=term)
    words = term_words(term)[:MAX_WORDS]
    if not words:
        return None
    tsquery = " & ".join(f"'{word.upper()}':*" for word in words)  # words are letters/digits only
    return messages.filter(_BodyWords(tsquery))


def attendances_with_text(term: str, *, using: str = "default") -> Q:
    """A condition on attendances: one of their messages has the term's words."""
    matching = messages_matching(term, using=using)
    return Q(pk__in=[]) if matching is None else Q(pk__in=matching.values("attendance_id"))
