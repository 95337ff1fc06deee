"""Writing imported customers with ``COPY … FROM STDIN`` (PostgreSQL; SPEC §12 P4).

The rows are those ``simple_history``'s ``bulk_create_with_history(...,
default_user=user, default_change_reason="import")`` writes: the model's defaults for the
fields not given, the username from ``Customer.make_username``, ids from the table's
sequence, ``created_at`` = now; and per customer a "+" history row copying every tracked
field, with ``history_date`` = now, the job's user and the reason "import"
(tests/imports/test_customer_import_copy.py compares both on PostgreSQL).

The work is split so that the part that needs no database runs while the previous chunk
is being written (imports/pipeline.py): ``copy_text`` turns a row's validated fields into
its ``COPY`` text (every column but the id and the timestamps, escaped as PostgreSQL's
text format wants); ``copy_customers``, in the chunk's transaction, reserves the ids and
sends ``id, timestamps, text`` for both tables. Both tables' columns are listed in the
same order (id, timestamps, the rest), so a history line is its customer's line plus the
history columns.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from .models import Customer

HISTORY_FIELDS = ("history_date", "history_change_reason", "history_type", "history_user_id")


@dataclass(frozen=True)
class CopyPlan:
    sequence: str
    attnames: frozenset[str]
    stamped: int  # auto_now(_add) columns, right after the id
    # Per other column: (attname, is username, is JSON, text when not given or None, default)
    rest: tuple[tuple[str, bool, bool, str | None, object], ...]
    customer_sql: str
    history_sql: str


_plans: dict[str, CopyPlan | None] = {}


def copy_plan(connection) -> CopyPlan | None:
    """How every column of both tables is filled, or ``None`` if the tables are not laid
    out as expected (then the ORM writes them). Computed once per database."""
    if connection.alias in _plans:
        return _plans[connection.alias]
    historical = Customer.history.model
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [Customer._meta.db_table, Customer._meta.pk.column])
        sequence = cursor.fetchone()[0]
    fields = list(Customer._meta.concrete_fields)
    stamped = [f for f in fields if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)]
    rest = [f for f in fields if not f.primary_key and f not in stamped]
    ordered = [Customer._meta.pk, *stamped, *rest]
    tracked = {field.attname: field for field in historical.tracked_fields}
    history_columns = {field.attname: field.column for field in historical._meta.concrete_fields}
    known = {historical._meta.pk.attname, *tracked, *HISTORY_FIELDS}
    plan = None
    if (
        sequence
        and set(tracked) == {field.attname for field in fields}
        and all(name in history_columns for name in (*tracked, *HISTORY_FIELDS))
        and set(history_columns) <= known  # no history column this writer cannot fill
    ):
        quote = connection.ops.quote_name
        history = [history_columns[field.attname] for field in ordered] + [history_columns[n] for n in HISTORY_FIELDS]
        plan = CopyPlan(
            sequence=sequence,
            attnames=frozenset(field.attname for field in fields),
            stamped=len(stamped),
            rest=tuple(_column(field) for field in rest),
            customer_sql="COPY {} ({}) FROM STDIN".format(
                quote(Customer._meta.db_table), ", ".join(quote(field.column) for field in ordered)
            ),
            history_sql="COPY {} ({}) FROM STDIN".format(
                quote(historical._meta.db_table), ", ".join(quote(column) for column in history)
            ),
        )
    _plans[connection.alias] = plan
    return plan


def _column(field) -> tuple[str, bool, bool, str | None, object]:
    is_json = field.get_internal_type() == "JSONField"
    fixed = None
    if not callable(field.default):  # the same default every time: its text, once
        value = field.get_default()
        fixed = copy_value(json.dumps(value) if is_json else value)
    return field.attname, field.attname == "username", is_json, fixed, field.get_default


# PostgreSQL's COPY text format: these characters are backslash-escaped (as psycopg does).
_SPECIAL = re.compile(r"[\b\t\n\v\f\r\\]")
_ESCAPES = {"\b": r"\b", "\t": r"\t", "\n": r"\n", "\v": r"\v", "\f": r"\f", "\r": r"\r", "\\": "\\\\"}


def _escape(match: re.Match) -> str:
    return _ESCAPES[match.group()]


def copy_value(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if value.__class__ is str:
        return _SPECIAL.sub(_escape, value) if _SPECIAL.search(value) else value
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, str):
        return copy_value(str(value))
    raise TypeError(f"no COPY text for {type(value).__name__}")


def copy_text(plan: CopyPlan, given: dict) -> str:
    """The COPY text of a customer (``given`` = validated fields) after its id and
    timestamps, as ``Customer(**given)`` would be saved."""
    unknown = given.keys() - plan.attnames
    if unknown:  # as Customer(**fields) would
        raise TypeError(f"Customer() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    texts = []
    append = texts.append
    for name, is_username, is_json, fixed, default in plan.rest:
        if is_username:
            value = username(given["network"], given["phone"])
        elif name in given:
            value = given[name]
        elif fixed is not None:
            append(fixed)
            continue
        else:
            value = default()
        if is_json:
            value = json.dumps(value)
        if value.__class__ is str:  # most values: inline copy_value
            append(_SPECIAL.sub(_escape, value) if _SPECIAL.search(value) else value)
        else:
            append(copy_value(value))
    return "\t".join(texts)


def username(network: str, phone: str) -> str:
    """``Customer.make_username``, without its per-character loop for a phone in E.164."""
    digits = phone[1:]
    if phone[:1] == "+" and digits.isascii() and digits.isdigit():
        return f"{network}_{digits}"
    return Customer.make_username(network, phone)


def reserve_ids(connection, count: int) -> list[int]:
    """``count`` new customer ids from the table's sequence, ascending. A sequence is not
    transactional: ids reserved for rows that end up not written are skipped, as after
    any rolled-back insert."""
    plan = copy_plan(connection)
    if plan is None or count == 0:
        return []
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [plan.sequence, count])
        return sorted(row[0] for row in cursor.fetchall())


def copy_customers(connection, rows: list[str], user_id: int, ids: list[int] | None = None) -> list[int] | None:
    """Insert customers (``rows`` = their ``copy_text``; ``ids`` from ``reserve_ids``, or
    reserved here) and their "+" history rows with ``COPY``, in the caller's transaction;
    return their ids in order, or ``None`` when the tables are not laid out as expected
    (the caller then uses the ORM). A unique violation (someone registered the same phone
    meanwhile) is raised as ``django.db.IntegrityError``, so the runner re-checks the
    chunk."""
    plan = copy_plan(connection)
    if plan is None:
        return None
    if ids is None or len(ids) != len(rows):
        ids = reserve_ids(connection, len(rows))
    with connection.wrap_database_errors, connection.cursor() as cursor:
        stamp = copy_value(timezone.now())  # one per chunk, as PostgreSQL's now() is per transaction
        head = "\t" + "\t".join([stamp] * plan.stamped) if plan.stamped else ""
        lines = [f"{pk}{head}\t{text}" for pk, text in zip(ids, rows, strict=True)]
        with cursor.copy(plan.customer_sql) as copy:
            copy.write("\n".join(lines) + "\n")
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            tail = f"\t{stamp}\timport\t+\t{copy_value(user_id)}\n"
            with cursor.copy(plan.history_sql) as copy:
                copy.write(tail.join(lines) + tail)
    return ids
