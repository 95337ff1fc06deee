"""A day's figures recomputed from the raw attendances, events and survey answers, to
check the rollups (``manage.py reports_verify``, SPEC §9).

Each attendance that has an event in the day is replayed from its first event (state:
status, group, agent, entry into the queue, assignment), and the day's changes become
the same ``Fact`` values the engine records (``reports.events`` lists the event data
relied on). The SLA is the group's ``initial_sla_minutes`` now: a day during which it
was changed shows a difference in ``sla_met``. Waits count the open time of the group's
service calendar as it is now (business time, SPEC §14), as the engine did; a calendar
edited since shows a difference in the waits of its groups.

The daily rows (``GroupDay``, ``AgentDay``) of the day are compared with the recomputed
hours added up by local date — the hours that start within the local day (``reports.days``).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from attendance.models import Event, EventType, ServiceGroup
from calendars.hours import schedule_of
from calendars.models import Calendar
from core.dates import local_days
from surveys.models import Response

from .events import is_queue_entry
from .models import AgentDay, AgentHour, GroupDay, GroupHour
from .rollups import (
    COLUMNS,
    Fact,
    aggregate,
    fact_answer,
    fact_assigned,
    fact_closed,
    fact_queued,
    facts_direct_transfer,
    facts_taken_over,
)

FLOAT_TOLERANCE = 0.01  # seconds: the engine and the log may differ by float rounding only
FLOATS = {"wait_sum", "wait_max", "handling_sum"}


def day_bounds(day: date, time_zone: str) -> tuple[datetime, datetime]:
    """The company's local day as an aware [start, end) range."""
    return local_days(day, day, zoneinfo.ZoneInfo(time_zone))


@dataclass
class _State:
    status: str = "bot"
    group_id: int | None = None
    agent_id: int | None = None
    queued_at: datetime | None = None
    assigned_at: datetime | None = None


def business_clocks() -> dict:
    """``{group id: open_seconds}`` of the groups with an active service calendar."""
    calendars = {c.pk: c for c in Calendar.objects.filter(is_active=True).select_related("company")}
    return {
        group_id: schedule_of(calendars[calendar_id]).open_seconds
        for group_id, calendar_id in ServiceGroup.objects.filter(calendar__isnull=False).values_list("pk", "calendar")
        if calendar_id in calendars
    }


def _replay(events: list[Event], sla: dict[int, int | None], clocks: dict | None = None) -> Iterator[Fact]:
    """The facts of one attendance's events, in order."""
    state = _State()
    clocks = clocks or {}
    for event in events:
        data, at = event.data or {}, event.at
        if event.type == EventType.OPENED:
            state.group_id = int(data["group"])
        elif is_queue_entry(event.type, data):
            # A requeue that keeps the customer's place records the original ``queued_at``.
            queued_at = datetime.fromisoformat(data["queued_at"]) if data.get("queued_at") else at
            state.status, state.group_id, state.agent_id, state.queued_at = (
                "queued",
                int(data["group"]),
                None,
                queued_at,
            )
            yield fact_queued(at=at, group_id=state.group_id)
        elif event.type == EventType.ASSIGNED:
            agent = int(data["chosen"])
            yield fact_assigned(at=at, group_id=state.group_id, agent_id=agent, queued_at=state.queued_at,
                                sla_minutes=sla.get(state.group_id),
                                open_seconds=clocks.get(state.group_id))  # fmt: skip
            state.status, state.agent_id, state.assigned_at = "in_progress", agent, at
        elif event.type == EventType.TRANSFERRED and "to_agent" in data:
            group, agent = int(data["to_group"]), int(data["to_agent"])
            yield from facts_direct_transfer(at=at, group_id=group, agent_id=agent, was_queued=state.status == "queued",
                                             queued_at=state.queued_at, sla_minutes=sla.get(group),
                                             open_seconds=clocks.get(group))  # fmt: skip
            state.status, state.group_id, state.agent_id, state.assigned_at = "in_progress", group, agent, at
            state.queued_at = state.queued_at or at
        elif event.type == EventType.TAKEN_OVER:
            group, agent = int(data["to_group"]), int(data["to_agent"])
            yield from facts_taken_over(at=at, group_id=group, agent_id=agent, was_queued=state.status == "queued",
                                        queued_at=state.queued_at, sla_minutes=sla.get(group),
                                        open_seconds=clocks.get(group))  # fmt: skip
            state.status, state.group_id, state.agent_id, state.assigned_at = "in_progress", group, agent, at
            state.queued_at = state.queued_at or at
        elif event.type == EventType.ACTIVE_MESSAGE and data.get("opened"):
            state.status, state.agent_id, state.assigned_at, state.queued_at = "in_progress", int(data["agent"]), at, at
        elif event.type == EventType.PENDING:
            state.status = "pending"
        elif event.type == EventType.REOPENED:
            state.status = "in_progress"
        elif event.type == EventType.CLOSED:
            yield fact_closed(at=at, group_id=state.group_id, agent_id=state.agent_id,
                              was_queued=state.status == "queued", assigned_at=state.assigned_at)  # fmt: skip
            state.status = "closed"


def recompute(start: datetime, end: datetime) -> tuple[dict, dict]:
    """Sums per (hour, group) and (hour, group, agent) of the changes in [start, end)."""
    sla = dict(ServiceGroup.objects.values_list("pk", "initial_sla_minutes"))
    clocks = business_clocks()
    ids = list(
        Event.objects.filter(at__gte=start, at__lt=end).values_list("attendance_id", flat=True).distinct().order_by()
    )
    facts: list[Fact] = []
    for chunk in range(0, len(ids), 2000):
        events = Event.objects.filter(attendance_id__in=ids[chunk : chunk + 2000], at__lt=end).order_by(
            "attendance_id", "at", "pk"
        )
        current, log = None, []
        for event in events.iterator(chunk_size=5000):
            if event.attendance_id != current and log:
                facts += [f for f in _replay(log, sla, clocks) if f.at >= start]
                log = []
            current = event.attendance_id
            log.append(event)
        if log:
            facts += [f for f in _replay(log, sla, clocks) if f.at >= start]
    answers = Response.objects.filter(answered_at__gte=start, answered_at__lt=end, group__isnull=False)
    for row in answers.values("answered_at", "group_id", "agent_id", "question__type", "satisfied", "score"):
        fact = fact_answer(at=row["answered_at"], group_id=row["group_id"], agent_id=row["agent_id"],
                           type_=row["question__type"], satisfied=row["satisfied"], score=row["score"])  # fmt: skip
        if fact is not None:
            facts.append(fact)
    return aggregate(facts)


def stored(start: datetime, end: datetime) -> tuple[dict, dict]:
    """The rollups' rows for [start, end), keyed as ``recompute``'s."""
    groups = {
        (row["hour"], row["group_id"]): {name: row[name] for name in COLUMNS}
        for row in GroupHour.objects.filter(hour__gte=start, hour__lt=end).values("hour", "group_id", *COLUMNS)
    }
    agents = {
        (row["hour"], row["group_id"], row["agent_id"]): {name: row[name] for name in COLUMNS}
        for row in AgentHour.objects.filter(hour__gte=start, hour__lt=end).values(
            "hour", "group_id", "agent_id", *COLUMNS
        )
    }
    return groups, agents


def by_day(hours: dict, tz: zoneinfo.ZoneInfo) -> dict:
    """Hourly sums (keyed ``(hour, *ids)``) added up per local date (``(day, *ids)``)."""
    days: dict[tuple, dict] = {}
    for (hour, *ids), sums in hours.items():
        total = days.setdefault((hour.astimezone(tz).date(), *ids), dict.fromkeys(COLUMNS, 0))
        for name in COLUMNS:
            total[name] = max(total[name], sums[name]) if name == "wait_max" else total[name] + sums[name]
    return days


def stored_days(day: date) -> tuple[dict, dict]:
    """The daily rows of ``day``, keyed as ``by_day``'s."""
    groups = {
        (row["day"], row["group_id"]): {name: row[name] for name in COLUMNS}
        for row in GroupDay.objects.filter(day=day).values("day", "group_id", *COLUMNS)
    }
    agents = {
        (row["day"], row["group_id"], row["agent_id"]): {name: row[name] for name in COLUMNS}
        for row in AgentDay.objects.filter(day=day).values("day", "group_id", "agent_id", *COLUMNS)
    }
    return groups, agents


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:00Z}" if isinstance(moment, datetime) else f"{moment:%Y-%m-%d}"


def differences(expected: dict, actual: dict, table: str) -> list[str]:
    """Readable lines, one per figure that differs (missing rows count as zero)."""
    lines = []
    zero = dict.fromkeys(COLUMNS, 0)
    for key in sorted(set(expected) | set(actual), key=lambda k: (k[0], *k[1:])):
        want, got = expected.get(key, zero), actual.get(key, zero)
        for name in COLUMNS:
            if abs(float(want[name]) - float(got[name])) > (FLOAT_TOLERANCE if name in FLOATS else 0):
                when, *ids = key
                lines.append(f"{table} {_when(when)} {ids}: {name} recomputed={want[name]} stored={got[name]}")
    return lines


def verify_day(day: date, time_zone: str, group_ids: set[int] | None = None) -> list[str]:
    """Every difference between the rollups (hourly and daily) and the recomputation of
    the local day."""
    start, end = day_bounds(day, time_zone)
    want_groups, want_agents = recompute(start, end)
    got_groups, got_agents = stored(start, end)
    tz = zoneinfo.ZoneInfo(time_zone)
    want_group_days = {k: v for k, v in by_day(want_groups, tz).items() if k[0] == day}
    want_agent_days = {k: v for k, v in by_day(want_agents, tz).items() if k[0] == day}
    got_group_days, got_agent_days = stored_days(day)
    tables = [
        ("group", want_groups, got_groups), ("agent", want_agents, got_agents),
        ("group day", want_group_days, got_group_days), ("agent day", want_agent_days, got_agent_days),
    ]  # fmt: skip
    lines = []
    for table, want, got in tables:
        if group_ids is not None:
            want = {k: v for k, v in want.items() if k[1] in group_ids}
            got = {k: v for k, v in got.items() if k[1] in group_ids}
        lines += differences(want, got, table)
    for table, model in (("group day", GroupDay), ("agent day", AgentDay)):
        other = model.objects.filter(day=day).exclude(time_zone=time_zone).order_by("group_id", "pk")
        if group_ids is not None:
            other = other.filter(group_id__in=group_ids)
        for row in other:
            ids = [row.group_id] if model is GroupDay else [row.group_id, row.agent_id]
            lines.append(f"{table} {day:%Y-%m-%d} {ids}: time_zone expected={time_zone} stored={row.time_zone!r}")
    return lines
