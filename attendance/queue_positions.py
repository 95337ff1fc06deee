"""Queue position messages (SPEC §8.3): "Você é o 3º da fila", with an estimated wait
from the group's recent pace (assignments in the last 30 minutes).

With ``queue_position_by_period`` a queued customer hears their position every
``queue_position_interval_minutes``; otherwise whenever it changes. So that a long queue
moving fast does not flood customers, a change is told at most once per
``QUEUE_POSITION_MIN_SECONDS`` (30 s by default); the next pass tells the latest one.
"""

from __future__ import annotations

import math
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .messaging import message_out
from .models import Attendance, Event, EventType, ServiceGroup, Status
from .opening import group_closed

PACE_WINDOW = timedelta(minutes=30)


def estimated_wait_minutes(*, group: ServiceGroup, position: int, now=None) -> int:
    now = now or timezone.now()
    recent = Event.objects.filter(type=EventType.ASSIGNED, at__gte=now - PACE_WINDOW, attendance__group=group).count()
    per_minute = recent / (PACE_WINDOW.total_seconds() / 60)
    if per_minute <= 0:
        return max(1, position * 5)  # no recent pace: a cautious guess of 5 minutes a place
    return max(1, math.ceil(position / per_minute))


def estimated_wait_from_opening(*, group: ServiceGroup, position: int, now) -> tuple[int, datetime | None]:
    """(minutes, opening): with the group's calendar closed, the wait counts from the next
    opening (SPEC §14): the time until it opens plus the estimate for the position."""
    minutes = estimated_wait_minutes(group=group, position=position, now=now)
    closed = group_closed(group, now)
    if closed is None or closed.next_open_at is None:
        return minutes, None
    until_open = math.ceil((closed.next_open_at - now).total_seconds() / 60)
    return until_open + minutes, closed.next_open_at


def position_text(position: int, minutes: int, opens_at: datetime | None = None, time_zone: str = "UTC",
                  now: datetime | None = None) -> str:  # fmt: skip
    """The position and the wait; while closed, the opening and the expected time of
    service, which counts from the opening (company time)."""
    if opens_at is not None:
        zone = zoneinfo.ZoneInfo(time_zone)
        opens, expected = (
            opens_at.astimezone(zone),
            ((now or timezone.now()) + timedelta(minutes=minutes)).astimezone(zone),
        )
        return _(
            "You are number %(position)d in the queue. We open on %(date)s at %(time)s; "
            "expected to be answered at about %(expected)s."
        ) % {"position": position, "date": f"{opens:%d/%m}", "time": f"{opens:%H:%M}", "expected": f"{expected:%H:%M}"}
    return _("You are number %(position)d in the queue. Estimated wait: %(minutes)d min.") % {
        "position": position,
        "minutes": minutes,
    }


@transaction.atomic
def queue_positions_notify(*, group_id: int, now=None) -> int:
    """Tell queued customers of the group their position where it is due; returns how many.

    It takes no row locks: locking the head of the queue would make a concurrent
    distribution batch skip those rows and stop early. A customer assigned meanwhile is
    not told a stale position (the update below only touches rows still queued)."""
    now = now or timezone.now()
    group = ServiceGroup.objects.get(pk=group_id)
    queued = list(
        Attendance.objects.filter(group_id=group_id, status=Status.QUEUED)
        .select_related("customer", "group__operation__company", "channel")
        .order_by(*group.queue_order())[: settings.QUEUE_POSITION_MAX_NOTIFIED]
    )
    if not queued:
        return 0
    interval = timedelta(minutes=group.queue_position_interval_minutes or 0)
    throttle = timedelta(seconds=settings.QUEUE_POSITION_MIN_SECONDS)
    sent = 0
    pace_cache: dict[int, int] = {}
    for position, attendance in enumerate(queued, start=1):
        last_at = attendance.queue_position_sent_at
        if group.queue_position_by_period:
            due = last_at is None or now - last_at >= interval
        else:
            due = attendance.queue_position_sent != position and (last_at is None or now - last_at >= throttle)
        if not due:
            continue
        claimed = Attendance.objects.filter(pk=attendance.pk, status=Status.QUEUED).update(
            queue_position_sent=position, queue_position_sent_at=now
        )
        if not claimed:
            continue  # assigned meanwhile
        if position not in pace_cache:
            pace_cache[position] = estimated_wait_from_opening(group=group, position=position, now=now)
        minutes, opens_at = pace_cache[position]
        zone = attendance.group.operation.company.time_zone
        message_out(attendance=attendance, body=position_text(position, minutes, opens_at, zone, now))
        sent += 1
    return sent
