"""What the engine's transitions tell the reports: one ``Fact`` per change, built from
plain values, handed to ``facts_recorded`` inside the change's transaction.

The engine knows nothing of how the facts are added up: the reports app registers its
rollup writer into ``facts_recorded`` (``reports/apps.py``), so the hourly and daily
figures are written in the same transaction as the change (SPEC §9, §18). The
definitions of each count are in ``reports/rollups.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from core.hooks import Hook

# Receivers take a sequence of ``Fact``; called inside the transaction of the change.
facts_recorded = Hook("attendance.facts_recorded")

OpenSeconds = Callable[[datetime, datetime], float]  # a calendar's open time between two moments


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
    (business time, SPEC §14), or None for clock time."""
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


def facts_taken_over(
    *, at: datetime, group_id: int, agent_id: int, was_queued: bool, queued_at: datetime | None,
    sla_minutes: int | None, open_seconds: OpenSeconds | None = None,
) -> list[Fact]:  # fmt: skip
    """A supervisor-agent took it (SPEC §9.1): from its group's queue, the assignment that
    ends the customer's wait; from an agent or the bot, like a transfer straight to them."""
    if was_queued:
        return [fact_assigned(at=at, group_id=group_id, agent_id=agent_id, queued_at=queued_at,
                              sla_minutes=sla_minutes, open_seconds=open_seconds)]  # fmt: skip
    return facts_direct_transfer(at=at, group_id=group_id, agent_id=agent_id, was_queued=False, queued_at=queued_at,
                                 sla_minutes=sla_minutes, open_seconds=open_seconds)  # fmt: skip


def fact_closed(
    *, at: datetime, group_id: int, agent_id: int | None, was_queued: bool, assigned_at: datetime | None
) -> Fact:
    handled = 1 if agent_id is not None and assigned_at is not None else 0
    return Fact(
        at=at, group_id=group_id, agent_id=agent_id, closed=1, abandoned=1 if was_queued else 0, handled=handled,
        handling_seconds=_seconds(at, assigned_at) if handled else 0.0,
    )  # fmt: skip
