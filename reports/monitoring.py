"""Attendance monitoring for supervisors (SPEC §9): the filtered list of their operations'
attendances; the readable event log (names, not ids; local times; "por que este agente?")
is the engine's ``attendance.event_log``, shared with the back office's detail page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from attendance.event_log import LogLine, describe, event_log  # noqa: F401 - the monitor's log, shared
from attendance.models import Attendance, Event, EventType, Status
from attendance.selectors import attendances_visible_to
from core.dates import INVALID_DATE, day_in_range, local_day_start, out_of_range_message
from core.text import whole_number

from .selectors import sac_overdue_q, time_zone_for, visible_groups
from .serializers import END_BEFORE_START

DATE_FIELDS = {"opened": "opened_at", "queued": "queued_at", "assigned": "assigned_at", "closed": "closed_at"}


@dataclass
class Filters:
    status: str = ""
    operation: int | None = None
    group: int | None = None
    agent: int | None = None
    date_field: str = "opened"
    date_from: date | None = None
    date_to: date | None = None
    abandoned: bool = False
    sla_missed: bool = False
    sac_overdue: bool = False
    protocol: str = ""
    errors: list[str] = field(default_factory=list)


def _int(value: str) -> int | None:
    return whole_number(value, max_digits=9)


def _date(value: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(str(INVALID_DATE))
        return None
    if not day_in_range(day):
        errors.append(out_of_range_message())
        return None
    return day


def parse_filters(params) -> Filters:
    errors: list[str] = []
    status = params.get("status", "")
    filters = Filters(
        status=status if status in Status.values else "",
        operation=_int(params.get("operation", "")),
        group=_int(params.get("group", "")),
        agent=_int(params.get("agent", "")),
        date_field=params.get("date_field") if params.get("date_field") in DATE_FIELDS else "opened",
        date_from=_date(params.get("date_from", ""), errors),
        date_to=_date(params.get("date_to", ""), errors),
        abandoned=params.get("abandoned") == "1",
        sla_missed=params.get("sla_missed") == "1",
        sac_overdue=params.get("sac_overdue") == "1",
        protocol=params.get("protocol", "").strip()[:20],
        errors=errors,
    )
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        # A reversed range lists nothing, and says why (SPEC §9.1).
        errors.append(str(END_BEFORE_START))
    return filters


def monitored_attendances(user, filters: Filters, now: datetime | None = None) -> QuerySet[Attendance]:
    """The viewer's operations' attendances matching ``filters``, newest first."""
    now = now or timezone.now()
    rows = attendances_visible_to(user).select_related("customer", "group", "agent")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.operation is not None:
        rows = rows.filter(group__operation_id=filters.operation)
    if filters.group is not None:
        rows = rows.filter(group_id=filters.group)
    if filters.agent is not None:
        rows = rows.filter(agent_id=filters.agent)
    if filters.protocol:
        rows = rows.filter(protocol=filters.protocol)
    column = DATE_FIELDS[filters.date_field]
    tz = time_zone_for(user)
    if filters.date_from:
        rows = rows.filter(**{f"{column}__gte": local_day_start(filters.date_from, tz)})
    if filters.date_to:
        rows = rows.filter(**{f"{column}__lt": local_day_start(filters.date_to + timedelta(days=1), tz)})
    if filters.abandoned:
        closed_queued = Event.objects.filter(attendance=OuterRef("pk"), type=EventType.CLOSED, data__abandoned=True)
        rows = rows.filter(status=Status.CLOSED).filter(Exists(closed_queued))
    if filters.sla_missed:
        rows = rows.filter(_sla_missed(user, now))
    if filters.sac_overdue:
        rows = rows.filter(sac_overdue_q(visible_groups(user), now))
    return rows.order_by("-opened_at", "-pk")


def _sla_missed(user, now) -> Q:
    """Assigned later than the group's SLA after entering the queue, or still waiting past it."""
    missed = Q(pk__in=[])
    for group_id, minutes in (
        visible_groups(user).filter(initial_sla_minutes__gt=0).values_list("pk", "initial_sla_minutes")
    ):
        limit = timedelta(minutes=minutes)
        missed |= Q(group_id=group_id, assigned_at__gt=F("queued_at") + limit, assigned_at__isnull=False)
        missed |= Q(group_id=group_id, status=Status.QUEUED, queued_at__lt=now - limit)
    return missed
