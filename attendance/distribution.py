"""Queue distribution (SPEC §8.3).

How the guarantees hold with any number of workers:

- A group is distributed by one worker at a time: the worker locks the group's
  ``GroupDistributionState`` row with ``FOR UPDATE SKIP LOCKED``; a worker that finds it
  locked asks for another pass shortly instead of waiting.
- Each batch locks its queued attendances (``FOR UPDATE SKIP LOCKED``, queue order) and
  the eligible agents' presence rows (``selectors.eligible_agents(lock=True)``: in agent-id
  order, so two workers of different groups never deadlock), then counts those agents'
  attendances in progress *after* taking the locks: every assignment to an agent, in any
  group, holds that agent's row, so the count is exact and ``max_simultaneous`` is never
  exceeded.
- A group whose calendar is closed is not distributed (SPEC §14): its queue waits, and the
  beat's ``distribution_sweep`` (every few seconds, for every group with a queue) finds it
  open at the opening time and distributes it. Nothing is scheduled in memory, so an
  opening that passes while the workers are down is distributed when they return.
- The batch's assignments are ``transitions.assign`` into one ``Changes`` written as sets;
  the whole batch commits or nothing does, so a worker killed mid-batch leaves the
  attendances queued.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from . import transitions
from .models import Attendance, GroupDistributionState, ServiceGroup, Status
from .opening import group_closed
from .selectors import eligible_agents
from .strategies import STRATEGIES, Candidate, Strategy, choose
from .transitions import Changes


def _today_start(now: datetime, time_zone: str) -> datetime:
    local = timezone.localtime(now, zoneinfo.ZoneInfo(time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _candidates(group: ServiceGroup, now: datetime, strategy: Strategy) -> list[Candidate]:
    """Eligible agents with their free slots and, when the strategy compares them, today's
    figures; their presence rows stay locked until the batch commits."""
    loads = [load for load in eligible_agents(group=group, now=now, lock=True) if load.free > 0]
    if not loads:
        return []
    today = {}
    if strategy.needs_today:
        start = _today_start(now, group.operation.company.time_zone)
        rows = (
            Attendance.objects.filter(agent_id__in=[a.id for a in loads], assigned_at__gte=start)
            .values("agent_id")
            .annotate(n=Count("pk"), seconds=Sum(Coalesce("closed_at", Now()) - F("assigned_at")))
        )
        today = {row["agent_id"]: row for row in rows}
    return [
        Candidate(
            id=load.id, name=load.name, priority=load.priority, capacity=load.free,
            handled_seconds=_seconds(today.get(load.id, {}).get("seconds")),
            assigned_today=today.get(load.id, {}).get("n", 0),
        )
        for load in loads
    ]  # fmt: skip


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
    if not group.is_active or group_closed(group, timezone.now()) is not None:
        return 0  # a closed group's queue waits: the sweep distributes it once it opens (SPEC §14)
    queued = list(
        Attendance.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(group_id=group_id, status=Status.QUEUED)
        .select_related("customer")
        .order_by(*group.queue_order())[:batch]
    )
    if not queued:
        return 0
    changes = Changes()
    strategy = STRATEGIES[group.distribution_strategy]
    candidates = _candidates(group, changes.at, strategy)
    if not candidates:
        return 0
    last_agent = state.last_agent_id
    skip = transitions.transfer_senders([a.pk for a in queued])
    done = 0
    for attendance in queued:
        choice = choose(strategy, candidates, last_agent, attendance.customer.wallet_agent_id, skip.get(attendance.pk))
        if choice is None:
            if attendance.pk in skip and any(c.capacity > 0 for c in candidates):
                continue  # only its sender could take it: it waits, the queue behind it goes on
            break
        choice.agent.capacity -= 1
        choice.agent.assigned_today += 1
        last_agent = choice.agent.id
        attendance.group = group  # loaded once: no query per row (sender names, timers)
        transitions.assign(changes, attendance, agent_id=choice.agent.id, agent_name=choice.agent.name,
                           why=choice.reason)  # fmt: skip
        done += 1
    if done:
        changes.position_groups.add(group_id)  # the rest of the queue moved up
        changes.flush()
        state.last_agent_id = last_agent
        state.last_assigned_at = changes.at
        state.save(update_fields=["last_agent", "last_assigned_at"])
    return done
