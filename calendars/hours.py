"""The one rule of SPEC §14: is a calendar open at a moment, why, until when, and when
does it open next. The engine, the queue-position ETA, the API, the admin screen and the
reports all ask ``calendar_status`` (or the windows behind it, ``open_windows``).

Decisions (users of a Brazilian contact center would expect these):

- A shift belongs to the day it starts on: Monday 22:00–06:00 is Monday's, and a holiday
  or closed date on Tuesday does not cut it short; a holiday on Monday cancels it whole.
- A date's ``special_hours`` replace that date's weekly hours, holiday or not (opening on
  a holiday is a special day); ``closed_dates`` close the date, whatever else says.
- Back-to-back shifts (Monday 22:00–00:00 and Tuesday 00:00–06:00) are one opening:
  ``closes_at`` is 06:00. A calendar open around the clock has ``closes_at`` null, and one
  that never opens again within a year has ``next_open_at`` null. While open,
  ``next_open_at`` is null (it is open now).
- Holidays are the ``holidays`` package's for Brazil (national; plus the state's with
  ``holidays_subdivision``), in Portuguese.

A calendar is compiled once per revision (``updated_at``) and time zone into a
``Schedule`` kept in a process-local cache: a save changes ``updated_at``, so the next
caller with the saved row compiles it again; nothing is read from the database here.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import holidays

REASON_HOURS = "hours"
REASON_CLOSED_HOURS = "closed_hours"
REASON_HOLIDAY = "holiday"
REASON_CLOSED_DATE = "closed_date"
REASON_SPECIAL = "special_hours"

SEARCH_DAYS = 400  # how far ahead the next opening is looked for
DAY = timedelta(days=1)
WEEKDAY_NAMES = ["Segunda", "Terça", "Quarta", "Quinta", "Sexta", "Sábado", "Domingo"]


def minutes_of(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def span(start: str, end: str) -> tuple[int, int]:
    """(start minute, length in minutes); an end at or before the start runs past midnight."""
    first, last = minutes_of(start), minutes_of(end)
    return first, (last - first) if last > first else (last + 1440 - first)


@lru_cache(maxsize=256)
def holidays_of(subdivision: str, year: int) -> dict[date, str]:
    """Brazil's holidays of ``year`` (plus the state's), named in Portuguese."""
    found = holidays.Brazil(years=year, subdiv=subdivision or None, language="pt_BR")
    return {day: "; ".join(dict.fromkeys(name.split("; "))) for day, name in found.items()}


@dataclass(frozen=True)
class Status:
    open: bool
    reason: str
    holiday_name: str | None
    next_open_at: datetime | None
    closes_at: datetime | None

    def as_dict(self) -> dict:
        return {
            "open": self.open,
            "reason": self.reason,
            "holiday_name": self.holiday_name,
            "next_open_at": self.next_open_at,
            "closes_at": self.closes_at,
        }


class Schedule:
    """A calendar compiled for fast questions (built by ``schedule_of``)."""

    def __init__(self, *, time_zone: str, intervals, subdivision: str, closed_dates, special_hours) -> None:
        self.zone = zoneinfo.ZoneInfo(time_zone)
        self.subdivision = subdivision or ""
        self.weekly: dict[int, list[tuple[int, int]]] = {day: [] for day in range(7)}
        for item in intervals or []:
            self.weekly[int(item["weekday"])].append(span(item["start"], item["end"]))
        self.closed = {date.fromisoformat(str(day)) for day in closed_dates or []}
        self.special: dict[date, list[tuple[int, int]]] = {}
        for item in special_hours or []:
            self.special.setdefault(date.fromisoformat(str(item["date"])), []).append(span(item["start"], item["end"]))
        for spans in [*self.weekly.values(), *self.special.values()]:
            spans.sort()
        self.always_closed = not any(self.weekly.values()) and not self.special
        self._days: dict[date, list[tuple[datetime, datetime, str]]] = {}  # day_windows, memoised

    # One day ------------------------------------------------------------------------------------

    def holiday(self, day: date) -> str | None:
        return holidays_of(self.subdivision, day.year).get(day)

    def day_rule(self, day: date) -> tuple[str, str | None, list[tuple[int, int]]]:
        """(reason, holiday name, spans) of the shifts that start on ``day``."""
        if day in self.closed:
            return REASON_CLOSED_DATE, None, []
        if day in self.special:
            return REASON_SPECIAL, self.holiday(day), self.special[day]
        name = self.holiday(day)
        if name is not None:
            return REASON_HOLIDAY, name, []
        return REASON_HOURS, None, self.weekly[day.weekday()]

    def day_windows(self, day: date) -> list[tuple[datetime, datetime, str]]:
        """The shifts starting on ``day`` as UTC (start, end, reason) — wall-clock times of the
        zone; memoised per day (a few hundred days at most are kept)."""
        found = self._days.get(day)
        if found is None:
            if len(self._days) > 1000:
                self._days.clear()
            found = self._days[day] = self._day_windows(day)
        return found

    def _day_windows(self, day: date) -> list[tuple[datetime, datetime, str]]:
        reason, _name, spans = self.day_rule(day)
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        windows = []
        for start, length in spans:
            opens = midnight + timedelta(minutes=start)
            closes = opens + timedelta(minutes=length)
            windows.append((opens.astimezone(UTC), closes.astimezone(UTC), reason))
        return windows

    # Questions ----------------------------------------------------------------------------------

    def windows_from(self, day: date, days: int):
        """Every shift starting from ``day`` on, in order, for ``days`` days."""
        for offset in range(days):
            yield from self.day_windows(day + offset * DAY)

    def merged_end(self, end: datetime, day: date) -> datetime | None:
        """The end of the opening that runs until ``end``, following back-to-back shifts
        (``None``: open around the clock for the next weeks)."""
        for start, closes, _ in self.windows_from(day, 15):
            if start > end:
                return end
            end = max(end, closes)
        return None

    def is_open(self, at: datetime) -> bool:
        """Only whether it is open (the engine's question on every entry into a queue)."""
        at = at.astimezone(UTC)
        today = at.astimezone(self.zone).date()
        return any(start <= at < end for start, end, _ in self.windows_from(today - DAY, 2))

    def status(self, at: datetime) -> Status:
        at = at.astimezone(UTC)
        today = at.astimezone(self.zone).date()
        for start, end, reason in self.windows_from(today - DAY, 2):
            if start <= at < end:
                return Status(True, reason, self.holiday(today) if reason == REASON_SPECIAL else None,
                              None, self.merged_end(end, today))  # fmt: skip
        reason, name, _ = self.day_rule(today)
        if reason == REASON_HOURS:
            reason = REASON_CLOSED_HOURS
        return Status(False, reason, name, self.next_open(at), None)

    def next_open(self, at: datetime) -> datetime | None:
        if self.always_closed and not any(day >= at.date() for day in self.special):
            return None
        today = at.astimezone(self.zone).date()
        return next((start for start, _, _ in self.windows_from(today, SEARCH_DAYS) if start > at), None)

    def open_windows(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The merged open periods overlapping [start, end), clipped to it (UTC)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        first = start.astimezone(self.zone).date() - DAY
        days = (end.astimezone(self.zone).date() - first).days + 1
        merged: list[list[datetime]] = []
        for opens, closes, _ in self.windows_from(first, days):
            if merged and opens <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], closes)
            else:
                merged.append([opens, closes])
        return [(max(a, start), min(b, end)) for a, b in merged if b > start and a < end]

    def open_seconds(self, start: datetime, end: datetime) -> float:
        """How much of [start, end) the calendar was open (business time)."""
        if end <= start:
            return 0.0
        return sum((b - a).total_seconds() for a, b in self.open_windows(start, end))

    def openings(self, at: datetime, count: int) -> list[tuple[datetime, datetime | None]]:
        """The next ``count`` openings after ``at`` as (opens, closes) in the company's zone."""
        found: list[tuple[datetime, datetime | None]] = []
        cursor = at
        while len(found) < count:
            opens = self.next_open(cursor)
            if opens is None:
                break
            closes = self.status(opens).closes_at
            found.append((opens.astimezone(self.zone), closes.astimezone(self.zone) if closes else None))
            if closes is None:
                break
            cursor = closes
        return found


_schedules: dict[int, tuple[tuple, Schedule]] = {}


def schedule_of(calendar) -> Schedule:
    """The calendar's compiled ``Schedule``, compiled again when the row changed (its
    ``updated_at``) or its company's time zone did. ``calendar.company`` should be loaded."""
    key = (calendar.updated_at, calendar.company.time_zone)
    entry = _schedules.get(calendar.pk) if calendar.pk is not None else None
    if entry is not None and entry[0] == key:
        return entry[1]
    schedule = Schedule(
        time_zone=calendar.company.time_zone,
        intervals=calendar.intervals,
        subdivision=calendar.holidays_subdivision,
        closed_dates=calendar.closed_dates,
        special_hours=calendar.special_hours,
    )
    if calendar.pk is not None:
        _schedules[calendar.pk] = (key, schedule)
    return schedule


def calendar_status(calendar, at: datetime) -> Status:
    """The one rule: open or closed at ``at`` (aware), why, until when, next opening."""
    return schedule_of(calendar).status(at)


# Words --------------------------------------------------------------------------------------------


def describe_intervals(intervals) -> str:
    """ "Segunda 08:00–12:00, 13:00–18:00; Sábado 08:00–12:00" (the history page, messages)."""
    by_day: dict[int, list[str]] = {}
    for item in intervals or []:
        if isinstance(item, dict) and item.get("weekday") in range(7):
            by_day.setdefault(item["weekday"], []).append(f"{item.get('start')}–{item.get('end')}")
    return "; ".join(f"{WEEKDAY_NAMES[day]} {', '.join(sorted(spans))}" for day, spans in sorted(by_day.items()))


def describe_special(special_hours) -> str:
    parts = []
    for item in special_hours or []:
        if isinstance(item, dict):
            try:
                shown = date.fromisoformat(str(item.get("date"))).strftime("%d/%m/%Y")
            except ValueError:
                shown = str(item.get("date"))
            parts.append(f"{shown} {item.get('start')}–{item.get('end')}")
    return ", ".join(parts)
