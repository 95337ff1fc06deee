"""The engine's side of the reports: facts about each change, added to the hourly rollups
in the same transaction as the change (SPEC §9).

The engine builds ``Fact`` values (helpers below take plain values, no model objects)
and hands them to ``rollup_record`` inside its transaction. ``rollup_record`` never reads
attendances: it adds the facts up in memory per (UTC hour, group, agent) and writes one
upsert per table (``INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x``, the
greatest value for ``wait_max``), on PostgreSQL and SQLite alike; on PostgreSQL the hourly
and daily upserts go as one statement (data-modifying CTEs): one round trip per batch.

Definitions (the same ones ``reports.recompute`` applies to the raw event log):

- ``queued``: an entry into the group's queue — from the bot, a transfer to the group, a
  requeue (agent timeout, agent disconnected), and a direct transfer to an agent of the
  group (entry and assignment at once).
- ``assigned``: an assignment from the group's queue (distribution or a direct transfer
  to an agent); ``wait_seconds`` = assignment − entry into the queue it left (0 for a
  direct transfer of an attendance that was not waiting in a queue). For a group with a
  service calendar (SPEC §14) only the calendar's open time counts (business time: a
  customer queued at 21:00 and assigned at the 08:00 opening waited 0 s); the caller
  passes the calendar's ``open_seconds``.
- ``sla_met``: an assignment whose wait is ≤ the group's ``initial_sla_minutes``.
- ``abandoned``: closed while queued; ``closed``: closed while in the group (any status).
- ``handled``: closed with an agent; ``handling_seconds`` = close − that agent's assignment.
- survey answers count on the group and agent of the attendance, when answered.

The same sums go to the daily rows of the group's company's local day (``reports.days``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.apps import apps
from django.db import connection, transaction

OpenSeconds = Callable[[datetime, datetime], float]  # a calendar's open time between two moments

SUMMED = (
    "queued", "assigned", "wait_sum", "sla_met", "abandoned", "closed", "handled", "handling_sum",
    "csat_answers", "csat_satisfied", "nps_answers", "nps_promoters", "nps_detractors",
)  # fmt: skip
COLUMNS = SUMMED + ("wait_max",)


@dataclass(frozen=True, slots=True)
class Fact:
    at: datetime  # aware; bucketed by UTC hour
    group_id: int
    agent_id: int | None = None
    queued: int = 0  # entered the group's queue (transfers included)
    assigned: int = 0  # assigned from the group's queue (by distribution or a direct transfer to an agent)
    wait_seconds: float = 0.0  # assigned_at - queued_at, with assigned=1
    sla_met: int = 0  # assigned with wait <= group's initial_sla_minutes (engine decides at assignment)
    abandoned: int = 0  # closed while queued
    closed: int = 0  # closed while in the group
    handled: int = 0  # closed and had an agent (assigned_at set)
    handling_seconds: float = 0.0  # closed_at - assigned_at, with handled=1
    csat_answers: int = 0
    csat_satisfied: int = 0
    nps_answers: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _seconds(later: datetime | None, earlier: datetime | None) -> float:
    if later is None or earlier is None:
        return 0.0
    return max(0.0, (later - earlier).total_seconds())


# Facts from plain values --------------------------------------------------------------------


def fact_queued(*, at: datetime, group_id: int) -> Fact:
    return Fact(at=at, group_id=group_id, queued=1)


def fact_assigned(
    *, at: datetime, group_id: int, agent_id: int, queued_at: datetime | None, sla_minutes: int | None,
    open_seconds: OpenSeconds | None = None,
) -> Fact:  # fmt: skip
    """An assignment from the group's queue; ``queued_at`` None means it was not waiting.
    ``open_seconds(start, end)``: the group's calendar's open time between two moments
    (business time), or None for clock time."""
    wait = _seconds(at, queued_at)
    if open_seconds is not None and wait > 0:
        wait = max(0.0, open_seconds(queued_at, at))
    met = 1 if sla_minutes is not None and wait <= sla_minutes * 60 else 0
    return Fact(at=at, group_id=group_id, agent_id=agent_id, assigned=1, wait_seconds=wait, sla_met=met)


def facts_direct_transfer(
    *, at: datetime, group_id: int, agent_id: int, was_queued: bool, queued_at: datetime | None,
    sla_minutes: int | None, open_seconds: OpenSeconds | None = None,
) -> list[Fact]:  # fmt: skip
    """A transfer straight to an agent of ``group_id``: an entry into its queue and an
    assignment at once; the wait counts only if the customer was waiting in a queue."""
    return [
        fact_queued(at=at, group_id=group_id),
        fact_assigned(at=at, group_id=group_id, agent_id=agent_id, queued_at=queued_at if was_queued else at,
                      sla_minutes=sla_minutes, open_seconds=open_seconds),
    ]  # fmt: skip


def fact_closed(
    *, at: datetime, group_id: int, agent_id: int | None, was_queued: bool, assigned_at: datetime | None
) -> Fact:
    handled = 1 if agent_id is not None and assigned_at is not None else 0
    return Fact(
        at=at, group_id=group_id, agent_id=agent_id, closed=1, abandoned=1 if was_queued else 0, handled=handled,
        handling_seconds=_seconds(at, assigned_at) if handled else 0.0,
    )  # fmt: skip


def fact_answer(
    *, at: datetime, group_id: int, agent_id: int | None, type_: str, satisfied: bool | None, score: int | None
) -> Fact | None:
    """A survey answer (SPEC §5.1): CSAT counts satisfied options, NPS 9–10 promoters and
    0–6 detractors; open answers are not figures."""
    if type_ == "csat" and satisfied is not None:
        return Fact(at=at, group_id=group_id, agent_id=agent_id, csat_answers=1, csat_satisfied=int(satisfied))
    if type_ == "nps" and score is not None:
        return Fact(at=at, group_id=group_id, agent_id=agent_id, nps_answers=1, nps_promoters=int(score >= 9),
                    nps_detractors=int(score <= 6))  # fmt: skip
    return None


# Writing ---------------------------------------------------------------------------------------


def _add(sums: dict, fact: Fact) -> None:
    sums["queued"] += fact.queued
    sums["assigned"] += fact.assigned
    sums["wait_sum"] += fact.wait_seconds if fact.assigned else 0.0
    if fact.assigned:
        sums["wait_max"] = max(sums["wait_max"], fact.wait_seconds)
    sums["sla_met"] += fact.sla_met
    sums["abandoned"] += fact.abandoned
    sums["closed"] += fact.closed
    sums["handled"] += fact.handled
    sums["handling_sum"] += fact.handling_seconds if fact.handled else 0.0
    for name in ("csat_answers", "csat_satisfied", "nps_answers", "nps_promoters", "nps_detractors"):
        sums[name] += getattr(fact, name)


def _zero() -> dict:
    return dict.fromkeys(COLUMNS, 0)


def aggregate(facts: Sequence[Fact]) -> tuple[dict, dict]:
    """Sums per (hour, group) and per (hour, group, agent), in memory."""
    groups: dict[tuple, dict] = {}
    agents: dict[tuple, dict] = {}
    for fact in facts:
        hour = hour_of(fact.at)
        _add(groups.setdefault((hour, fact.group_id), _zero()), fact)
        if fact.agent_id is not None:
            _add(agents.setdefault((hour, fact.group_id, fact.agent_id), _zero()), fact)
    return groups, agents


def rollup_record(facts: Sequence[Fact]) -> None:
    """Adds facts to the hourly and daily rollups in the caller's transaction (must be
    inside one): one upsert per table, all four in one statement on PostgreSQL."""
    if not facts:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("rollup_record must run inside the transaction of the change it records")
    from .days import days_statements  # reports.days imports this module
    from .models import AgentHour, GroupHour

    groups, agents = aggregate(facts)
    statements = [
        upsert_sql(GroupHour._meta.db_table, ("hour", "group_id"), groups),
        upsert_sql(AgentHour._meta.db_table, ("hour", "group_id", "agent_id"), agents),
        *days_statements(groups, agents),
    ]
    if connection.vendor == "postgresql":
        execute_together(statements)
        return
    for statement in statements:  # SQLite: no data-modifying CTEs
        execute_together([statement])


@functools.cache
def _unnest_upsert(table: str, names: tuple[str, ...], conflict: str) -> str:
    """``INSERT … SELECT * FROM UNNEST(%s::<type>[], …) ON CONFLICT …`` for ``table``'s
    columns ``names`` (types from the model)."""
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    columns = {f.column: f for f in model._meta.concrete_fields}
    arrays = ", ".join(f"%s::{_array_type(columns[name])}[]" for name in names)
    quoted = connection.ops.quote_name(table)
    return f"INSERT INTO {quoted} ({', '.join(names)}) SELECT * FROM UNNEST({arrays}) {conflict}"  # noqa: S608


def _array_type(field) -> str:
    return field.target_field.rel_db_type(connection) if field.is_relation else field.db_type(connection)


def execute_together(statements: list[tuple[str, list] | None]) -> None:
    """Runs upserts in one round trip: all but the last as data-modifying CTEs (each runs
    exactly once; they write different tables). One statement runs as it is."""
    statements = [statement for statement in statements if statement is not None]
    if not statements:
        return
    *first, (sql, _) = statements
    if first:
        ctes = ", ".join(f"upsert_{n} AS ({cte} RETURNING 1)" for n, (cte, _) in enumerate(first))
        sql = f"WITH {ctes} {sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _, params in statements for param in params])


def upsert(table: str, key: tuple[str, ...], rows: dict[tuple, dict], *, columns=COLUMNS, updates=None) -> None:
    execute_together([upsert_sql(table, key, rows, columns=columns, updates=updates)])


def upsert_sql(
    table: str, key: tuple[str, ...], rows: dict[tuple, dict], *, columns=COLUMNS, updates=None
) -> tuple[str, list] | None:
    """One ``INSERT … ON CONFLICT DO UPDATE`` for all rows, in key order (two transactions
    adding to the same rows lock them in the same order, so they never deadlock)."""
    if not rows:
        return None
    ops = connection.ops
    quoted = ops.quote_name(table)
    if updates is None:
        greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
        updates = [f"{name} = {quoted}.{name} + excluded.{name}" for name in SUMMED]
        updates.append(f"wait_max = {greatest}({quoted}.wait_max, excluded.wait_max)")
    names = key + columns
    ordered = sorted(rows, key=lambda k: (k[0], *k[1:]))
    conflict = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(updates)}"
    if connection.vendor == "postgresql":
        # One array per column: the statement's text is the same for any number of rows,
        # so psycopg does not parse thousands of placeholders again on every batch and
        # PostgreSQL plans it once.
        params = [list(column) for column in zip(*((*k, *(rows[k][name] for name in columns)) for k in ordered),
                                                 strict=True)]  # fmt: skip
        sql = _unnest_upsert(table, names, conflict)
        return sql, params
    placeholders = "(" + ", ".join(["%s"] * len(names)) + ")"
    params: list = []
    for row_key in ordered:
        sums = rows[row_key]
        first = row_key[0]  # an hour, or a day (reports.days)
        adapt = ops.adapt_datetimefield_value if isinstance(first, datetime) else ops.adapt_datefield_value
        params += [adapt(first), *row_key[1:]]
        params += [sums[name] for name in columns]
    sql = (
        f"INSERT INTO {quoted} ({', '.join(names)}) VALUES {', '.join([placeholders] * len(rows))} "  # noqa: S608
        f"{conflict}"
    )
    return sql, params
