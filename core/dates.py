"""The dates a person may type into a filter or a report's period.

A date is turned into moments and ranges (the day after, the company's midnight in UTC,
two days either side of a period), and Python's dates end at the years 1 and 9999: a
filter "until 31/12/9999" was a server error (``OverflowError``) instead of an answer. The
engine has nothing before 2000 or after 2100 to find, so a date outside those years is
refused with one clear message everywhere (reports, the attendances' filters, the
monitoring screen) rather than clamped in silence.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
# The one message for a date that cannot be read, on every screen and API filter.
INVALID_DATE = gettext_lazy("Invalid date: use YYYY-MM-DD.")


def local_day_start(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    """Midnight of ``day`` in ``tz`` (the company's), as an aware moment."""
    return datetime.combine(day, time.min, tzinfo=tz)


def local_days(first: date, last: date, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """The local days ``first``..``last`` (both included) as an aware ``[start, end)`` range:
    every period a person types ("de 01/12 a 07/12") means whole days of the company."""
    return local_day_start(first, tz), local_day_start(last + timedelta(days=1), tz)


def day_in_range(day: date | datetime) -> bool:
    """Whether ``day`` (a date, or a moment's date) is one a filter may use."""
    return EARLIEST <= (day.date() if isinstance(day, datetime) else day) <= LATEST


def out_of_range_message() -> str:
    """The message "Use uma data entre 01/01/2000 e 31/12/2100." in the request's language."""
    return _("Use a date between %(earliest)s and %(latest)s.") % {
        "earliest": formats.date_format(EARLIEST, "SHORT_DATE_FORMAT"),
        "latest": formats.date_format(LATEST, "SHORT_DATE_FORMAT"),
    }
