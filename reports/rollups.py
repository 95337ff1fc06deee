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

from collections.abc import Sequence
from datetime import UTC, datetime

from django.db import connection, transaction

from attendance.facts import Fact, fact_assigned, fact_closed, fact_queued, facts_direct_transfer, facts_taken_over

from .days import days_statements
from .models import AgentHour, GroupHour
from .upserts import COLUMNS, SUMMED, execute_together, upsert, upsert_sql

__all__ = [
    "COLUMNS", "SUMMED", "Fact", "aggregate", "execute_together", "fact_answer", "fact_assigned", "fact_closed",
    "fact_queued", "facts_direct_transfer", "facts_taken_over", "hour_of", "rollup_record", "upsert", "upsert_sql",
]  # fmt: skip


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


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
