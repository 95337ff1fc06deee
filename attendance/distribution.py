"""Queue distribution (SPEC §8.3).

How the guarantees hold with any number of workers:

- A group is distributed by one worker at a time: the worker locks the group's
  ``GroupDistributionState`` row with ``FOR UPDATE SKIP LOCKED``; a worker that finds it
  locked asks for another pass shortly instead of waiting.
- Each batch locks its queued attendances (``FOR UPDATE SKIP LOCKED``, queue order) and
  the candidate agents' ``AgentPresence`` rows (``FOR UPDATE``, always in agent-id order,
  so two workers of different groups never deadlock), then counts those agents'
  attendances in progress *after* taking the locks: every assignment to an agent, in
  any group, holds that agent's row, so the count is exact and ``max_simultaneous`` is
  never exceeded.
- Assignment is a conditional ``UPDATE ... WHERE status = 'queued'``; the whole batch
  commits or nothing does, so a worker killed mid-batch leaves the attendances queued.

Strategies are small classes behind one interface (``Strategy.rank``), picked by the
group's ``distribution_strategy``; they take plain data (``Candidate`` rows) so the
worker, the benchmark and the tests call them alike.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from core.bulk import insert_rows
from users.models import AGENT_ROLES, User
from users.work_hours import is_within

from . import errors
from .models import (
    AgentPresence,
    Attendance,
    DistributionStrategy,
    Event,
    GroupDistributionState,
    PresenceState,
    ServiceGroup,
    Status,
)
from .selectors import presence_fresh_since


class DistributionConflict(Exception):
    """A batch found its attendances changed under it; the transaction is rolled back."""


# Strategies ---------------------------------------------------------------------------


@dataclass
class Candidate:
    """An eligible agent with the figures the strategies compare."""

    id: int
    name: str
    priority: int
    capacity: int  # free slots now
    handled_seconds: float = 0.0  # today, closed plus ongoing
    assigned_today: int = 0

    def figure(self, strategy: str):
        return {
            DistributionStrategy.AGENT_PRIORITY: self.priority,
            DistributionStrategy.LEAST_HANDLING_TIME: round(self.handled_seconds),
            DistributionStrategy.LEAST_ATTENDANCES: self.assigned_today,
        }.get(strategy)


def _rotation(candidates: list[Candidate], last_agent_id: int | None) -> list[Candidate]:
    """Agents by id, starting after the last one served, wrapping."""
    ordered = sorted(candidates, key=lambda c: c.id)
    if last_agent_id is None:
        return ordered
    after = [c for c in ordered if c.id > last_agent_id]
    return after + [c for c in ordered if c.id <= last_agent_id]


class Strategy:
    key: str

    def rank(self, candidates: list[Candidate], last_agent_id: int | None) -> list[Candidate]:
        """Candidates in order of preference (the first with free capacity is chosen)."""
        raise NotImplementedError


class Circular(Strategy):
    key = DistributionStrategy.CIRCULAR

    def rank(self, candidates, last_agent_id):
        return _rotation(candidates, last_agent_id)


class Random(Strategy):
    key = DistributionStrategy.RANDOM

    def rank(self, candidates, last_agent_id):
        shuffled = list(candidates)
        random.shuffle(shuffled)
        return shuffled


class AgentPriority(Strategy):
    """Highest priority first; agents of equal priority take turns (circular)."""

    key = DistributionStrategy.AGENT_PRIORITY

    def rank(self, candidates, last_agent_id):
        ranked = []
        for priority in sorted({c.priority for c in candidates}, reverse=True):
            ranked += _rotation([c for c in candidates if c.priority == priority], last_agent_id)
        return ranked


class LeastHandlingTime(Strategy):
    key = DistributionStrategy.LEAST_HANDLING_TIME

    def rank(self, candidates, last_agent_id):
        order = {c.id: index for index, c in enumerate(_rotation(candidates, last_agent_id))}
        return sorted(candidates, key=lambda c: (c.handled_seconds, order[c.id]))


class LeastAttendances(Strategy):
    key = DistributionStrategy.LEAST_ATTENDANCES

    def rank(self, candidates, last_agent_id):
        order = {c.id: index for index, c in enumerate(_rotation(candidates, last_agent_id))}
        return sorted(candidates, key=lambda c: (c.assigned_today, order[c.id]))


STRATEGIES: dict[str, Strategy] = {s.key: s() for s in (Circular, Random, AgentPriority, LeastHandlingTime,
                                                          LeastAttendances)}  # fmt: skip


@dataclass
class Choice:
    agent: Candidate
    reason: dict = field(default_factory=dict)


def choose(
    strategy: Strategy, candidates: list[Candidate], last_agent_id: int | None, wallet_agent_id=None
) -> Choice | None:
    """The agent for one attendance, and why (the "por que este agente?" record)."""
    free = [c for c in candidates if c.capacity > 0]
    if not free:
        return None
    ranked = strategy.rank(free, last_agent_id)
    wallet = next((c for c in free if c.id == wallet_agent_id), None)
    chosen = wallet or ranked[0]
    reason = {
        "strategy": strategy.key,
        "wallet_agent": wallet is not None,
        "candidates": [
            {"agent": c.id, "name": c.name, "position": index + 1, "figure": c.figure(strategy.key),
             "free_slots": c.capacity}
            for index, c in enumerate(ranked)
        ],
        "chosen": chosen.id,
    }  # fmt: skip
    return Choice(chosen, reason)


# The distribution pass ---------------------------------------------------------------------


def _today_start(now: datetime, time_zone: str) -> datetime:
    import zoneinfo

    local = timezone.localtime(now, zoneinfo.ZoneInfo(time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _candidates(group: ServiceGroup, now: datetime, strategy: str) -> list[Candidate]:
    """Eligible agents with their figures, their presence rows locked in id order."""
    time_zone = group.operation.company.time_zone
    agents = list(
        User.objects.filter(
            service_groups=group,
            is_active=True,
            role__in=AGENT_ROLES,
            max_simultaneous__gt=0,
            presence__state=PresenceState.ONLINE,
            presence__heartbeat_at__gte=presence_fresh_since(now),
        )
        .order_by("pk")
        .only("pk", "display_name", "priority", "max_simultaneous", "work_hours")
    )
    agents = [a for a in agents if is_within(a.work_hours, now, time_zone)]
    if not agents:
        return []
    ids = [a.pk for a in agents]
    # Lock in id order: every worker locks agents in the same order, so none deadlocks.
    list(AgentPresence.objects.select_for_update(of=("self",)).filter(agent_id__in=ids).order_by("agent_id")
         .values_list("pk", flat=True))  # fmt: skip
    busy = dict(
        Attendance.objects.filter(agent_id__in=ids, status=Status.IN_PROGRESS)
        .values("agent_id").annotate(n=Count("pk")).values_list("agent_id", "n")
    )  # fmt: skip
    today = {}
    if strategy in (DistributionStrategy.LEAST_ATTENDANCES, DistributionStrategy.LEAST_HANDLING_TIME):
        start = _today_start(now, time_zone)
        rows = (
            Attendance.objects.filter(agent_id__in=ids, assigned_at__gte=start)
            .values("agent_id")
            .annotate(n=Count("pk"), seconds=Sum(Coalesce("closed_at", Now()) - F("assigned_at")))
        )
        today = {row["agent_id"]: row for row in rows}
    return [
        Candidate(
            id=a.pk,
            name=a.display_name,
            priority=a.priority,
            capacity=a.max_simultaneous - busy.get(a.pk, 0),
            handled_seconds=_seconds(today.get(a.pk, {}).get("seconds")),
            assigned_today=today.get(a.pk, {}).get("n", 0),
        )
        for a in agents
    ]


def _seconds(value) -> float:
    if value is None:
        return 0.0
    return value.total_seconds() if isinstance(value, timedelta) else float(value) / 1_000_000


def distribute_group(*, group_id: int, batch: int | None = None) -> int | None:
    """Assign as many queued attendances of the group as agents can take.

    Returns how many were assigned, or ``None`` when another worker holds the group."""
    total = 0
    while True:
        assigned = _distribute_batch(group_id, batch or settings.DISTRIBUTION_BATCH)
        if assigned is None:
            return None if total == 0 else total
        total += assigned
        if assigned == 0:
            return total


@transaction.atomic
def _distribute_batch(group_id: int, batch: int) -> int | None:
    state, _ = GroupDistributionState.objects.get_or_create(group_id=group_id)
    state = GroupDistributionState.objects.select_for_update(skip_locked=True).filter(pk=state.pk).first()
    if state is None:
        return None
    group = ServiceGroup.objects.select_related("operation__company").get(pk=group_id)
    if not group.is_active:
        return 0
    order = ["-priority", "queued_at", "pk"] if group.priority_to_agent else ["queued_at", "pk"]
    queued = list(
        Attendance.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(group_id=group_id, status=Status.QUEUED)
        .select_related("customer")
        .order_by(*order)[:batch]
    )
    if not queued:
        return 0
    for attendance in queued:
        attendance.group = group  # the group loaded above: no query per message (sender name)
    now = timezone.now()
    candidates = _candidates(group, now, group.distribution_strategy)
    if not candidates:
        return 0
    strategy = STRATEGIES[group.distribution_strategy]
    last_agent = state.last_agent_id
    assignments, events = [], []
    for attendance in queued:
        choice = choose(strategy, candidates, last_agent, attendance.customer.wallet_agent_id)
        if choice is None:
            break
        choice.agent.capacity -= 1
        choice.agent.assigned_today += 1
        last_agent = choice.agent.id
        assignments.append((attendance, choice.agent.id))
        events.append(Event(attendance=attendance, type="assigned", at=now, data=choice.reason))
    done = _assign_rows(assignments, now)
    if done != len(assignments):
        # Only possible without row locks (SQLite): undo the batch; the next pass redoes it.
        raise DistributionConflict(f"{len(assignments) - done} attendances changed during the batch")
    insert_rows(events)  # core/bulk.py: the "why" records are large JSON
    state.last_agent_id = last_agent
    state.last_assigned_at = now
    state.save(update_fields=["last_agent", "last_assigned_at"])
    _notify_assigned(assignments)
    if done:
        from .tasks import queue_positions_task

        transaction.on_commit(lambda: queue_positions_task.delay(group_id))  # positions changed
    return done


def _assign_rows(assignments: list[tuple[Attendance, int]], now) -> int:
    """Write the batch's assignments; returns how many rows were still queued.

    On PostgreSQL one ``UPDATE ... FROM (VALUES ...)`` for the whole batch (the rows are
    locked by this transaction); elsewhere one conditional UPDATE per agent. In both,
    ``timer_due_at = now`` lets the timer sweep compute the new timers."""
    from django.db import connection

    if not assignments:
        return 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Attendance._meta.db_table)
        values = ", ".join(["(%s::bigint, %s::bigint)"] * len(assignments))
        params = [value for attendance, agent_id in assignments for value in (attendance.pk, agent_id)]
        sql = (
            f"UPDATE {table} AS a SET agent_id = v.agent_id, status = %s, assigned_at = %s, timer_due_at = %s "  # noqa: S608
            f"FROM (VALUES {values}) AS v(id, agent_id) WHERE a.id = v.id AND a.status = %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [Status.IN_PROGRESS, now, now, *params, Status.QUEUED])
            return cursor.rowcount
    by_agent: dict[int, list[int]] = {}
    for attendance, agent_id in assignments:
        by_agent.setdefault(agent_id, []).append(attendance.pk)
    return sum(
        Attendance.objects.filter(pk__in=ids, status=Status.QUEUED).update(
            agent_id=agent_id, status=Status.IN_PROGRESS, assigned_at=now, timer_due_at=now
        )
        for agent_id, ids in by_agent.items()
    )


def _notify_assigned(assignments) -> None:
    """Tell the customer who is answering (the group's "name shown in the message")."""
    from django.utils.translation import gettext as _

    from .messaging import messages_out_bulk

    if not assignments:
        return
    names = dict(User.objects.filter(pk__in={a for _, a in assignments}).values_list("pk", "display_name"))
    items = []
    for attendance, agent_id in assignments:
        attendance.status, attendance.agent_id = Status.IN_PROGRESS, agent_id
        items.append((attendance, _("%(agent)s is now assisting you.") % {"agent": names[agent_id]}))
    messages_out_bulk(items=items)


# Direct assignment (transfer to an agent) ---------------------------------------------------


def assign_directly(*, attendance: Attendance, agent: User, group: ServiceGroup, actor=None) -> Attendance:
    """Transfer to a named agent: online, or paused when the target group accepts paused
    agents; capacity checked under the agent's lock like the distribution does."""
    from .lifecycle import log_event, request_distribution

    presence = AgentPresence.objects.select_for_update().filter(agent=agent).first()
    allowed = {PresenceState.ONLINE} | ({PresenceState.PAUSED} if group.transfer_to_paused_agents else set())
    if presence is None or presence.state not in allowed or not agent.is_active:
        raise ValidationError({"agent": [errors.AGENT_UNAVAILABLE]})
    busy = Attendance.objects.filter(agent=agent, status=Status.IN_PROGRESS).exclude(pk=attendance.pk).count()
    if busy >= agent.max_simultaneous:
        raise ValidationError({"agent": [errors.AGENT_FULL]})
    previous_agent, from_group = attendance.agent_id, attendance.group_id
    now = timezone.now()
    Attendance.objects.filter(pk=attendance.pk).update(
        agent=agent, group=group, status=Status.IN_PROGRESS, assigned_at=now, queued_at=attendance.queued_at or now
    )
    attendance.refresh_from_db()
    from .timers import timers_reschedule

    timers_reschedule(attendance)
    log_event(attendance, "transferred", at=now, to_agent=agent.pk, to_group=group.pk, from_group=from_group,
              from_agent=previous_agent, by=getattr(actor, "pk", None))  # fmt: skip
    if previous_agent and previous_agent != agent.pk:
        request_distribution(*ServiceGroup.objects.filter(agents=previous_agent).values_list("pk", flat=True))
    return attendance


def groups_with_queue() -> list[int]:
    return list(
        Attendance.objects.filter(status=Status.QUEUED).values_list("group_id", flat=True).distinct().order_by()
    )


__all__ = ["STRATEGIES", "Candidate", "Choice", "choose", "distribute_group", "groups_with_queue"]
