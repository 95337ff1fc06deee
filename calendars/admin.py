"""Calendar screen ("Calendários de atendimento"): the week grid, the year's holidays as
the calendar applies them, and the next openings (SPEC §14)."""

from __future__ import annotations

from datetime import date

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from core.admin import AtendeAdmin, StatusFilter, status_column

from .forms import DAY_FIELDS, CalendarForm
from .hours import WEEKDAY_NAMES, Schedule, holidays_of, schedule_of
from .models import Calendar
from .services import calendar_save

NEXT_OPENINGS = 5


def week_grid(schedule: Schedule) -> list[dict]:
    """Each weekday's 48 half hours, open or not (shifts past midnight shade the next day)."""
    cells = {weekday: [False] * 48 for weekday in range(7)}
    for weekday, spans in schedule.weekly.items():
        for start, length in spans:
            for minute in range(start, start + length, 30):
                cells[(weekday + minute // 1440) % 7][(minute % 1440) // 30] = True
    return [{"name": WEEKDAY_NAMES[weekday], "cells": cells[weekday]} for weekday in range(7)]


def holidays_applied(schedule: Schedule, year: int) -> list[dict]:
    """The year's holidays with what the calendar does on each."""
    rows = []
    for day, name in sorted(holidays_of(schedule.subdivision, year).items()):
        reason, _name, spans = schedule.day_rule(day)
        if reason == "special_hours":
            effect = _gettext("Special hours: %(hours)s") % {
                "hours": ", ".join(f"{_hhmm(start)}–{_hhmm(start + length)}" for start, length in spans)
            }
        elif reason == "closed_date":
            effect = _gettext("Closed (closed date)")
        elif schedule.weekly[day.weekday()]:
            effect = _gettext("Closed (holiday)")
        else:
            effect = _gettext("Closed (no hours on this weekday)")
        rows.append({"date": day, "weekday": WEEKDAY_NAMES[day.weekday()], "name": name, "effect": effect,
                     "open": reason == "special_hours"})  # fmt: skip
    return rows


def _hhmm(minutes: int) -> str:
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@admin.register(Calendar)
class CalendarAdmin(AtendeAdmin):
    form = CalendarForm
    change_form_template = "calendars/admin/calendar_form.html"
    list_display = ["name", "company", "holidays_subdivision", "open_now", status_column]
    list_filter = [StatusFilter, "company"]
    search_fields = ["name", "company__name"]
    list_select_related = ["company"]
    fieldsets = [
        (None, {"fields": ["name", "company", "holidays_subdivision", "is_active"]}),
        (_("Week"), {"fields": DAY_FIELDS, "classes": ["calendar-week"]}),
        (_("Days off and special days"), {"fields": ["closed_dates_text", "special_hours_text"]}),
    ]

    @admin.display(description=_("Open now"), boolean=True)
    def open_now(self, obj) -> bool:
        return schedule_of(obj).status(timezone.now()).open

    def save_model(self, request, obj, form, change):
        calendar_save(calendar=obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        calendar = obj
        if calendar is None and context.get("object_id"):
            calendar = self.get_queryset(request).filter(pk=unquote(context["object_id"])).first()
        if calendar is not None and calendar.pk is not None:
            schedule = schedule_of(calendar)
            year = _year(request.GET.get("year"))
            now = timezone.now()
            context.update(
                calendar_grid=week_grid(schedule),
                calendar_hours=[f"{hour:02d}" for hour in range(24)],
                calendar_year=year,
                calendar_years=[year - 1, year + 1],
                calendar_holidays=holidays_applied(schedule, year),
                calendar_openings=schedule.openings(now, NEXT_OPENINGS),
                calendar_status=schedule.status(now),
                calendar_zone=schedule.zone,
            )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


def _year(text: str | None) -> int:
    """``?year=`` (four ASCII digits, 2000–2100), else this year."""
    if text and len(text) == 4 and text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return date.today().year
