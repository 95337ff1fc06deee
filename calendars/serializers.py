from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ActiveRelatedField, SafeJSONField
from organisation.models import Company

from .hours import REASON_CLOSED_DATE, REASON_CLOSED_HOURS, REASON_HOLIDAY, REASON_HOURS, REASON_SPECIAL
from .models import Calendar
from .services import calendar_clean, calendar_save

# The company model, through the calendar's relation (its app moves with issue 24).


class IntervalSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday.")
    start = serializers.CharField(help_text="HH:MM")
    end = serializers.CharField(help_text="HH:MM; at or before start: the shift ends the next day.")


class SpecialDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    start = serializers.CharField(help_text="HH:MM")
    end = serializers.CharField(help_text="HH:MM")


@extend_schema_field(IntervalSerializer(many=True))
class IntervalsField(SafeJSONField):
    pass


@extend_schema_field(SpecialDaySerializer(many=True))
class SpecialHoursField(SafeJSONField):
    pass


@extend_schema_field(serializers.ListField(child=serializers.DateField()))
class DatesField(SafeJSONField):
    pass


class CalendarSerializer(serializers.ModelSerializer):
    company = ActiveRelatedField(queryset=Company.objects.all())
    intervals = IntervalsField(required=False)
    closed_dates = DatesField(required=False)
    special_hours = SpecialHoursField(required=False)

    class Meta:
        model = Calendar
        fields = ["id", "name", "company", "intervals", "holidays_subdivision", "closed_dates", "special_hours",
                  "is_active", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        """The hours checked and normalised by the service, errors per field."""
        calendar = Calendar()
        if self.instance is not None:  # a copy: the instance changes only when saved
            for field in Calendar._meta.concrete_fields:
                setattr(calendar, field.attname, getattr(self.instance, field.attname))
            calendar._state.adding = False
        for name, value in attrs.items():
            setattr(calendar, name, value)
        try:
            calendar_clean(calendar)
            calendar.full_clean(exclude=["intervals", "closed_dates", "special_hours", "holidays_subdivision"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        for name in ("intervals", "closed_dates", "special_hours", "holidays_subdivision"):
            attrs[name] = getattr(calendar, name)
        return attrs


class CalendarStatusSerializer(serializers.Serializer):
    open = serializers.BooleanField()
    reason = serializers.ChoiceField(
        choices=[REASON_HOURS, REASON_CLOSED_HOURS, REASON_HOLIDAY, REASON_CLOSED_DATE, REASON_SPECIAL]
    )
    holiday_name = serializers.CharField(allow_null=True)
    next_open_at = serializers.DateTimeField(allow_null=True, help_text="Null while open, or if it never opens again.")
    closes_at = serializers.DateTimeField(
        allow_null=True, help_text="Null while closed, or when open around the clock."
    )

    def create(self, validated_data):
        return calendar_save(calendar=Calendar(**validated_data))

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return calendar_save(calendar=instance)
