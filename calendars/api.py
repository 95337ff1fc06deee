"""API: service calendars and their status (SPEC §14)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import AtendeViewSet
from core.filters import FilterSet

from . import errors
from .hours import calendar_status, schedule_of
from .models import Calendar
from .serializers import CalendarSerializer, CalendarStatusSerializer


class CalendarFilter(FilterSet):
    class Meta:
        model = Calendar
        fields = {"is_active": ["exact"], "company": ["exact"], "name": ["exact", "icontains"]}


def parse_at(text: str | None, time_zone) -> timezone.datetime:
    """``?at=`` as an ISO date and time (a time without offset is the company's); now if absent."""
    if text is None or text == "":
        return timezone.now()
    try:
        value = parse_datetime(text.strip()) if len(text) <= 40 and text.isascii() else None
    except ValueError:
        value = None
    if value is None:
        raise ValidationError({"at": [errors.BAD_AT]})
    return timezone.make_aware(value, time_zone) if timezone.is_naive(value) else value


class CalendarViewSet(AtendeViewSet):
    queryset = Calendar.objects.select_related("company")
    serializer_class = CalendarSerializer
    filterset_class = CalendarFilter
    search_fields = ["name", "company__name"]
    ordering_fields = ["name", "id"]

    @extend_schema(
        parameters=[OpenApiParameter("at", OpenApiTypes.DATETIME, description="When to ask (default: now).")],
        responses={200: CalendarStatusSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def status(self, request, pk=None):
        """Open or closed at ``at``, why, until when and the next opening (the one rule)."""
        calendar = self.get_object()
        at = parse_at(request.query_params.get("at"), schedule_of(calendar).zone)
        data = calendar_status(calendar, at).as_dict()
        return Response(CalendarStatusSerializer(data).data)
