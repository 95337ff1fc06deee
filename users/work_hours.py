"""Work hours ("Horário de trabalho"): per weekday, one or more ``HH:MM`` intervals.

Stored on the user as ``[{"weekday": 0-6 (0 = Monday), "start": "HH:MM", "end": "HH:MM"}]``,
normalised (sorted, zero-padded). An empty schedule means no restriction. An interval
may not cross midnight: a night shift is two intervals on consecutive days.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

NOT_A_LIST = _("Work hours must be a list of intervals.")
BAD_INTERVAL = _("Each interval needs weekday, start and end.")
BAD_WEEKDAY = _("The weekday must be a number from 0 (Monday) to 6 (Sunday).")
BAD_TIME = _("%(day)s: “%(value)s” is not a time in the HH:MM format.")
END_BEFORE_START = _("%(day)s: the end (%(end)s) must be after the start (%(start)s).")
OVERLAP = _("%(day)s: the intervals %(first)s and %(second)s overlap.")


def _parse_time(value, day) -> time:
    match = TIME_RE.match(str(value).strip()) if value is not None else None
    if not match:
        raise ValidationError(BAD_TIME, params={"day": day, "value": value}, code="bad_time")
    return time(int(match.group(1)), int(match.group(2)))


def normalize_work_hours(value) -> list[dict]:
    """Validate and normalise a schedule; raises ``ValidationError`` with every problem."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(NOT_A_LIST, code="not_a_list")
    errors: list[ValidationError] = []
    intervals: list[tuple[int, time, time]] = []
    for item in value:
        if not isinstance(item, dict) or not {"weekday", "start", "end"} <= set(item):
            errors.append(ValidationError(BAD_INTERVAL, code="bad_interval"))
            continue
        weekday = item["weekday"]
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            errors.append(ValidationError(BAD_WEEKDAY, code="bad_weekday"))
            continue
        day = WEEKDAYS[weekday]
        try:
            start, end = _parse_time(item["start"], day), _parse_time(item["end"], day)
        except ValidationError as error:
            errors.append(error)
            continue
        if end <= start:
            errors.append(
                ValidationError(
                    END_BEFORE_START,
                    params={"day": day, "start": _fmt(start), "end": _fmt(end)},
                    code="end_before_start",
                )
            )
            continue
        intervals.append((weekday, start, end))
    intervals.sort()
    for previous, current in zip(intervals, intervals[1:], strict=False):
        if previous[0] == current[0] and current[1] < previous[2]:
            errors.append(
                ValidationError(
                    OVERLAP,
                    params={
                        "day": WEEKDAYS[current[0]],
                        "first": f"{_fmt(previous[1])}–{_fmt(previous[2])}",
                        "second": f"{_fmt(current[1])}–{_fmt(current[2])}",
                    },
                    code="overlap",
                )
            )
    if errors:
        raise ValidationError(errors)
    return [{"weekday": w, "start": _fmt(s), "end": _fmt(e)} for w, s, e in intervals]


def _fmt(value: time) -> str:
    return value.strftime("%H:%M")


def is_within(schedule: list[dict], moment: datetime, time_zone: str) -> bool:
    """Whether ``moment`` falls inside the schedule, read in ``time_zone``."""
    if not schedule:
        return True
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(time_zone))
    now = _fmt(local.time())
    weekday = local.weekday()
    return any(item["weekday"] == weekday and item["start"] <= now < item["end"] for item in schedule)


def describe(schedule: list[dict]) -> str:
    """A human summary, e.g. "Monday 08:00–12:00, 13:00–18:00; Tuesday …"."""
    by_day: dict[int, list[str]] = {}
    for item in schedule:
        by_day.setdefault(item["weekday"], []).append(f"{item['start']}–{item['end']}")
    return "; ".join(f"{WEEKDAYS[day]} {', '.join(spans)}" for day, spans in sorted(by_day.items()))
