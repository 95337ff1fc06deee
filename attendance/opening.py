"""Whether a group answers now (SPEC §14): its calendar's status, read through the engine
cache, so the inbound path and the distribution pay a dictionary lookup and a few
comparisons per question. A group without a calendar is always open (``None``)."""

from __future__ import annotations

from datetime import datetime

from calendars.hours import Status, schedule_of

from .engine_cache import engine_calendar
from .models import ServiceGroup


def group_calendar(group: ServiceGroup):
    """The group's calendar (with its company) or ``None``; an inactive calendar no longer
    applies: the group is then always open, as without one."""
    if group.calendar_id is None:
        return None
    calendar = engine_calendar(group.calendar_id)
    return calendar if calendar.is_active else None


def group_status(group: ServiceGroup, at: datetime) -> Status | None:
    """The calendar's status at ``at``, or ``None`` when the group has no calendar."""
    calendar = group_calendar(group)
    return None if calendar is None else schedule_of(calendar).status(at)


def group_open_seconds(group: ServiceGroup):
    """The group's business clock: ``open_seconds(start, end)`` of its calendar, or ``None``
    (clock time) without one — what queue waits and the initial SLA count (SPEC §14)."""
    calendar = group_calendar(group)
    return None if calendar is None else schedule_of(calendar).open_seconds


def group_closed(group: ServiceGroup, at: datetime) -> Status | None:
    """The status when the group's calendar is closed at ``at``; ``None`` when it answers."""
    calendar = group_calendar(group)
    if calendar is None:
        return None
    schedule = schedule_of(calendar)
    return None if schedule.is_open(at) else schedule.status(at)
