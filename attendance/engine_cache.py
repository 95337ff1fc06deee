"""Process-local cache of the configuration the inbound hot path reads on every message
(SPEC §12 P7): the channel of a token, a group with its operation, company and
initialization bot, the default main group, the groups' calendars (SPEC §14) and the
groups' time zones (the daily report rollups).

An entry lives ``ENGINE_CONFIG_CACHE_SECONDS`` (default 2 s; 0 turns the cache off). A
save in this process of a channel, group, bot, operation or company empties the cache;
other processes see the change within that time — a configuration edit applies from the
next messages, at most a couple of seconds later. The cached objects are shared between
requests: callers read them and never change them.
"""

from __future__ import annotations

import time

from django.conf import settings

from calendars.models import Calendar
from core.queries import one_or_none

from .models import Channel, ServiceGroup
from .selectors import default_main_group

_entries: dict[object, tuple[float, object]] = {}


def _cached(key, load):
    ttl = settings.ENGINE_CONFIG_CACHE_SECONDS
    if ttl <= 0:
        return load()
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    value = load()
    _entries[key] = (now + ttl, value)
    return value


def engine_group(group_id: int) -> ServiceGroup:
    """The group with ``operation.company`` and ``initialization_bot`` loaded."""
    return _cached(
        group_id,
        lambda: ServiceGroup.objects.select_related("operation__company", "initialization_bot").get(pk=group_id),
    )


def engine_calendar(calendar_id: int) -> Calendar:
    """A group's calendar with its company (the time zone), for ``attendance.opening``."""
    return _cached(("calendar", calendar_id), lambda: Calendar.objects.select_related("company").get(pk=calendar_id))


def engine_channel(token_hash: str) -> Channel | None:
    """The active channel with this token (``None``: no such active channel)."""
    return _cached(
        ("channel", token_hash), lambda: one_or_none(Channel.objects.filter(token_hash=token_hash, is_active=True))
    )


def engine_channel_public(public_id: str) -> Channel | None:
    """The active channel with this public id (provider webhooks; ``None``: unknown)."""
    return _cached(
        ("public", public_id), lambda: one_or_none(Channel.objects.filter(public_id=public_id, is_active=True))
    )


def engine_main_group() -> ServiceGroup | None:
    """``selectors.default_main_group()``, cached."""
    return _cached("main", default_main_group)


def engine_time_zones(group_ids) -> dict[int, str]:
    """The time zone of each group's company (the daily report rollups, ``reports.days``),
    cached like the groups: one query for those not cached."""
    ttl = settings.ENGINE_CONFIG_CACHE_SECONDS
    now = time.monotonic()
    zones: dict[int, str] = {}
    missing = []
    for pk in group_ids:
        entry = _entries.get(("zone", pk))
        if entry is not None and entry[0] > now:
            zones[pk] = entry[1]
        else:
            missing.append(pk)
    if missing:
        rows = ServiceGroup.objects.filter(pk__in=missing).values_list("pk", "operation__company__time_zone")
        for pk, name in rows:
            zones[pk] = name
            if ttl > 0:
                _entries[("zone", pk)] = (now + ttl, name)
    return zones


def engine_cache_clear(**_signal_kwargs) -> None:
    _entries.clear()
