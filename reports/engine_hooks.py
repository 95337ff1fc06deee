"""TEMPORARY: facts from the current engine's objects, called by the ``# HOOK(dashboard)``
lines in attendance/lifecycle.py, timer_batch.py, distribution.py and surveys/services.py
until the transitions module builds the facts itself (issue 11). Every function runs in
the caller's transaction and only reads what the caller already holds in memory.
"""

from __future__ import annotations

from collections.abc import Iterable

from .events import is_queue_entry
from .rollups import Fact, fact_answer, fact_assigned, fact_closed, fact_queued, facts_direct_transfer, rollup_record


def rollup_events(events: Iterable) -> None:
    """Queue entries and closes, from the events just written (``log_event`` and the timer
    sweep's batch): the event's ``at`` is the moment of the change."""
    facts: list[Fact] = []
    for event in events:
        data = event.data or {}
        if is_queue_entry(event.type, data):
            facts.append(fact_queued(at=event.at, group_id=int(data["group"])))
        elif event.type == "closed":
            attendance = event.attendance
            facts.append(
                fact_closed(at=event.at, group_id=attendance.group_id, agent_id=data.get("agent"),
                            was_queued=bool(data.get("abandoned")), assigned_at=attendance.assigned_at)
            )  # fmt: skip
    rollup_record(facts)


def rollup_assigned(assignments, now) -> None:
    """A distribution batch: ``[(attendance, agent_id)]``, each attendance with its group."""
    rollup_record(
        [
            fact_assigned(at=now, group_id=attendance.group_id, agent_id=agent_id, queued_at=attendance.queued_at,
                          sla_minutes=attendance.group.initial_sla_minutes)
            for attendance, agent_id in assignments
        ]
    )  # fmt: skip


def rollup_direct(attendance, group, agent, now) -> None:
    """A transfer straight to ``agent`` in ``group``; ``attendance`` as it was before."""
    rollup_record(
        facts_direct_transfer(at=now, group_id=group.pk, agent_id=agent.pk, was_queued=attendance.status == "queued",
                              queued_at=attendance.queued_at, sla_minutes=group.initial_sla_minutes)
    )  # fmt: skip


def rollup_answer(response) -> None:
    if response.group_id is None:
        return
    fact = fact_answer(at=response.answered_at, group_id=response.group_id, agent_id=response.agent_id,
                       type_=response.question.type, satisfied=response.satisfied, score=response.score)  # fmt: skip
    if fact is not None:
        rollup_record([fact])
