"""Attendance list filters (SPEC §7 API additions): status, agent=me, group, q,
opened_after, opened_before — applied inside the caller's visibility."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import django_filters
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import serializers

from attendance.models import Attendance, Status
from core.dates import INVALID_DATE, day_in_range, local_day_start, out_of_range_message
from core.text import whole_number

from . import errors
from .selectors import attendance_search


def _moment(value: str, *, end_of_day: bool, tz: zoneinfo.ZoneInfo) -> datetime:
    """A date means the whole day of the company (``opened_before=2026-11-29`` includes
    the 29th, up to its midnight in ``tz``); a date and time without an offset is read in
    ``tz`` too. A
    well-formed but impossible date ("2026-13-45", "T25:00") is invalid like any other
    text; a date outside ``core.dates``' years is refused with that range."""
    value = (value or "").strip()
    try:
        day = parse_date(value) if len(value) == 10 else None
        moment = None if day is not None else parse_datetime(value)
    except ValueError:
        raise ValidationError(INVALID_DATE) from None
    if day is None and moment is None:
        raise ValidationError(INVALID_DATE)
    if not day_in_range(day or moment):
        raise ValidationError(out_of_range_message())
    if day is not None:
        return local_day_start(day + timedelta(days=1) if end_of_day else day, tz)
    return timezone.make_aware(moment, tz) if timezone.is_naive(moment) else moment


class StatusInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    pass


class AttendanceFilter(django_filters.FilterSet):
    status = StatusInFilter(choices=Status.choices, help_text="One status or several, comma-separated.")
    agent = django_filters.CharFilter(method="filter_agent", help_text="“me” or an agent's id.")
    group = django_filters.NumberFilter()
    customer = django_filters.NumberFilter()
    q = django_filters.CharFilter(
        method="filter_q",
        help_text="Protocol, customer name, phone or document, or words of any message (accents and case ignored).",
    )
    opened_after = django_filters.CharFilter(method="filter_after", help_text="Date or date-time (inclusive).")
    opened_before = django_filters.CharFilter(method="filter_before", help_text="Date (inclusive) or date-time.")

    class Meta:
        model = Attendance
        fields = ["status", "agent", "group", "customer", "q", "opened_after", "opened_before"]

    def filter_agent(self, queryset, name, value):
        if value == "me":
            return queryset.filter(agent=self.request.user)
        agent_id = whole_number(value)
        if agent_id is None:
            raise serializers.ValidationError({"agent": [errors.INVALID_AGENT_FILTER]})
        return queryset.filter(agent_id=agent_id)

    def filter_q(self, queryset, name, value):
        return attendance_search(queryset=queryset, term=value)

    def filter_after(self, queryset, name, value):
        return queryset.filter(opened_at__gte=self._parse(name, value, end_of_day=False))

    def filter_before(self, queryset, name, value):
        return queryset.filter(opened_at__lt=self._parse(name, value, end_of_day=True))

    def _parse(self, name, value, *, end_of_day):
        try:
            return _moment(value, end_of_day=end_of_day, tz=zoneinfo.ZoneInfo(self.request.user.time_zone_name))
        except ValidationError as error:
            raise serializers.ValidationError({name: error.messages}) from None
