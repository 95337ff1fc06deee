"""The calendar screen's form: a week grid of hours, days off and special days, typed as
people write them ("08:00-12:00, 13:00-18:00"; "25/12/2026"; "24/12/2026 08:00-12:00")."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .hours import WEEKDAY_NAMES
from .models import Calendar
from .services import calendar_clean

DAY_FIELDS = [f"day_{weekday}" for weekday in range(7)]
SPAN = re.compile(r"^\s*([0-9]{1,2}:[0-9]{2})\s*(?:-|–|—|até|às|as|a)\s*([0-9]{1,2}:[0-9]{2})\s*$")
DAY_LIMIT = 500

BAD_SPANS = _("Write the hours as 08:00-12:00, separated by commas (e.g. 08:00-12:00, 13:00-18:00).")
BAD_DATE_LINE = _("Line %(line)d: write one date a line, as 25/12/2026.")
BAD_SPECIAL_LINE = _("Line %(line)d: write the date and its hours, as 24/12/2026 08:00-12:00.")


def parse_spans(text: str) -> list[tuple[str, str]]:
    spans = []
    for part in filter(None, (piece.strip() for piece in (text or "").split(","))):
        match = SPAN.match(part)
        if match is None:
            raise ValidationError(BAD_SPANS)
        spans.append(match.groups())
    return spans


def parse_day(text: str) -> str | None:
    """ "25/12/2026" (or 2026-12-25) as ISO, or ``None``."""
    text = text.strip()
    match = re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1])).isoformat()
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return date.fromisoformat(text).isoformat()
    except ValueError:
        return None
    return None


def shown_day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def _day_field(weekday: int) -> forms.CharField:
    return forms.CharField(
        label=WEEKDAY_NAMES[weekday], required=False, max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "08:00-12:00, 13:00-18:00", "class": "calendar-day"}),
    )  # fmt: skip


class CalendarForm(forms.ModelForm):
    day_0, day_1, day_2, day_3, day_4, day_5, day_6 = (_day_field(weekday) for weekday in range(7))
    closed_dates_text = forms.CharField(
        label=_("Closed dates"),
        required=False,
        max_length=DAY_LIMIT * 12,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "31/12/2026"}),
        help_text=_("The company's own days off, one a line (e.g. 31/12/2026). Holidays need not be listed."),
    )
    special_hours_text = forms.CharField(
        label=_("Special hours"),
        required=False,
        max_length=DAY_LIMIT * 30,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "24/12/2026 08:00-12:00"}),
        help_text=_("A date's own hours, one a line, replacing the week's (e.g. 24/12/2026 08:00-12:00)."),
    )

    class Meta:
        model = Calendar
        fields = ["name", "company", "holidays_subdivision", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        by_day: dict[int, list[str]] = {weekday: [] for weekday in range(7)}
        for item in self.instance.intervals or []:
            by_day[item["weekday"]].append(f"{item['start']}-{item['end']}")
        for weekday, name in enumerate(DAY_FIELDS):
            self.fields[name].initial = ", ".join(by_day[weekday])
        self.fields["day_0"].help_text = _(
            "Several intervals a day make split shifts; an end at or before the start runs past midnight (22:00-06:00)."
        )
        self.fields["closed_dates_text"].initial = "\n".join(shown_day(day) for day in self.instance.closed_dates or [])
        self.fields["special_hours_text"].initial = "\n".join(
            f"{shown_day(item['date'])} {item['start']}-{item['end']}" for item in self.instance.special_hours or []
        )

    def clean(self):
        data = super().clean()
        intervals = []
        for weekday, name in enumerate(DAY_FIELDS):
            try:
                spans = parse_spans(data.get(name, ""))
            except ValidationError as error:
                self.add_error(name, error)
                continue
            intervals += [{"weekday": weekday, "start": start, "end": end} for start, end in spans]
        closed = []
        for line, text in enumerate((data.get("closed_dates_text") or "").splitlines(), start=1):
            if text.strip():
                day = parse_day(text)
                if day is None:
                    self.add_error("closed_dates_text", BAD_DATE_LINE % {"line": line})
                    break
                closed.append(day)
        special = []
        for line, text in enumerate((data.get("special_hours_text") or "").splitlines(), start=1):
            if not text.strip():
                continue
            head, _space, rest = text.strip().partition(" ")
            day, spans = parse_day(head), None
            try:
                spans = parse_spans(rest) if rest.strip() else None
            except ValidationError:
                spans = None
            if day is None or not spans:
                self.add_error("special_hours_text", BAD_SPECIAL_LINE % {"line": line})
                break
            special += [{"date": day, "start": start, "end": end} for start, end in spans]
        if self.errors:
            return data
        self.instance.intervals, self.instance.closed_dates, self.instance.special_hours = intervals, closed, special
        self.instance.holidays_subdivision = data.get("holidays_subdivision") or ""
        try:
            calendar_clean(self.instance)
        except ValidationError as error:
            where = {"intervals": None, "closed_dates": "closed_dates_text", "special_hours": "special_hours_text"}
            for field, messages in error.message_dict.items():
                self.add_error(where.get(field, field), messages)
        return data
