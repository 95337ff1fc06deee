"""Calendar writes (SPEC §14): hours checked and normalised before they are saved."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from . import errors
from .hours import span
from .models import STATE_CHOICES, Calendar

MAX_INTERVALS = 70
MAX_DATES = 400
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _time(value) -> str | None:
    """ "HH:MM" (ASCII digits; "8:00" becomes "08:00"), or ``None``."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"[0-9]:[0-5][0-9]", text):
        text = "0" + text
    if re.fullmatch(r"[0-9]{2}:[0-5][0-9]:00", text):
        text = text[:5]
    return text if TIME.match(text) else None


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _overlaps(spans: list[tuple[int, int, int]]) -> tuple[int, int] | None:
    """The first pair of overlapping (start, length, index) on a line of minutes, or None."""
    ordered = sorted(spans)
    for (start, length, first), (next_start, _, second) in zip(ordered, ordered[1:], strict=False):
        if next_start < start + length:
            return tuple(sorted((first, second)))
    return None


def intervals_normalize(value) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(errors.INTERVALS_NOT_LIST)
    if len(value) > MAX_INTERVALS:
        raise ValidationError(errors.TOO_MANY_ITEMS, params={"limit": MAX_INTERVALS})
    clean, problems, line = [], [], []
    for index, item in enumerate(value, start=1):
        item = item if isinstance(item, dict) else {}
        weekday = item.get("weekday")
        if isinstance(weekday, str) and weekday.isascii() and weekday.isdigit():
            weekday = int(weekday)
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            problems.append(ValidationError(errors.INTERVAL_BAD_WEEKDAY, params={"index": index}))
            continue
        start, end = _time(item.get("start")), _time(item.get("end"))
        if start is None or end is None:
            problems.append(ValidationError(errors.INTERVAL_BAD_TIME, params={"index": index}))
            continue
        clean.append({"weekday": weekday, "start": start, "end": end})
        first, length = span(start, end)
        # One line of minutes around the week: past-midnight shifts wrap into Monday.
        for shift in (0, 7 * 1440):
            line.append((weekday * 1440 + first - shift, length, index))
    if problems:
        raise ValidationError(problems)
    clash = _overlaps(line)
    if clash:
        raise ValidationError(errors.INTERVAL_OVERLAP, params={"first": clash[0], "second": clash[1]})
    return sorted(clean, key=lambda item: (item["weekday"], item["start"]))


def dates_normalize(value) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(errors.DATES_NOT_LIST)
    if len(value) > MAX_DATES:
        raise ValidationError(errors.TOO_MANY_ITEMS, params={"limit": MAX_DATES})
    days = []
    for item in value:
        day = _date(item)
        if day is None:
            raise ValidationError(errors.BAD_DATE, params={"value": str(item)[:20]})
        days.append(day.isoformat())
    return sorted(set(days))


def special_normalize(value) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(errors.SPECIAL_NOT_LIST)
    if len(value) > MAX_DATES:
        raise ValidationError(errors.TOO_MANY_ITEMS, params={"limit": MAX_DATES})
    clean, per_day = [], {}
    for index, item in enumerate(value, start=1):
        item = item if isinstance(item, dict) else {}
        day, start, end = _date(item.get("date")), _time(item.get("start")), _time(item.get("end"))
        if day is None or start is None or end is None:
            raise ValidationError(errors.SPECIAL_BAD_ITEM, params={"index": index})
        clean.append({"date": day.isoformat(), "start": start, "end": end})
        first, length = span(start, end)
        per_day.setdefault(day, []).append((first, length, index))
    for day, spans in per_day.items():
        clash = _overlaps(spans)
        if clash:
            raise ValidationError(errors.SPECIAL_OVERLAP, params={"index": clash[1], "date": day.strftime("%d/%m/%Y")})
    return sorted(clean, key=lambda item: (item["date"], item["start"]))


def calendar_clean(calendar: Calendar) -> None:
    """Normalise and check the hours; raise per-field messages (Portuguese)."""
    problems = {}
    for field, normalize in (
        ("intervals", intervals_normalize),
        ("closed_dates", dates_normalize),
        ("special_hours", special_normalize),
    ):
        try:
            setattr(calendar, field, normalize(getattr(calendar, field)))
        except ValidationError as error:
            problems[field] = error.messages
    if calendar.holidays_subdivision not in {"", None} | {code for code, _ in STATE_CHOICES}:
        problems["holidays_subdivision"] = [errors.BAD_SUBDIVISION]
    calendar.holidays_subdivision = calendar.holidays_subdivision or ""
    if not problems:
        both = sorted(set(calendar.closed_dates) & {item["date"] for item in calendar.special_hours})
        if both:
            shown = date.fromisoformat(both[0]).strftime("%d/%m/%Y")
            problems["closed_dates"] = [errors.SPECIAL_AND_CLOSED % {"date": shown}]
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def calendar_save(*, calendar: Calendar) -> Calendar:
    calendar_clean(calendar)
    calendar.full_clean(exclude=["intervals", "closed_dates", "special_hours", "holidays_subdivision"])
    calendar.save()
    return calendar
