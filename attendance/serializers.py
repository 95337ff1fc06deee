from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from calendars.models import Calendar
from classifications.models import Classification
from core.api import ActiveRelatedField, SafeJSONField
from core.scoping import operation_ids_for
from core.text import name_without_spaces
from organisation.models import Company, Operation
from surveys.models import Survey
from users.models import User

from . import errors
from .bot_scope import bots_routing_within
from .models import Bot, BotKind, ServiceGroup
from .models.groups import DURATION_FIELDS
from .services import bot_save, group_save, group_validate_relations


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "time_zone", "answer_deadline_days", "is_active", "created_at"]
        read_only_fields = ["created_at"]


class OperationSerializer(serializers.ModelSerializer):
    company = ActiveRelatedField(queryset=Company.objects.all())

    class Meta:
        model = Operation
        fields = ["id", "name", "company", "is_active", "created_at"]
        read_only_fields = ["created_at"]


class BotSerializer(serializers.ModelSerializer):
    menu = SafeJSONField(required=False, allow_null=True, help_text="Service bots: the menu tree (SPEC §3).")

    class Meta:
        model = Bot
        fields = ["id", "name", "kind", "menu", "message", "is_active", "created_at"]
        read_only_fields = ["created_at"]

    def to_internal_value(self, data):
        """Spaces in the name become "_", as in a survey's name (and on the bot screen)."""
        if isinstance(data, dict) and isinstance(data.get("name"), str):  # a form's QueryDict is one
            data = data.copy()  # a form's QueryDict stays one (``{**data}`` would make lists of it)
            data["name"] = name_without_spaces(data["name"])
        return super().to_internal_value(data)

    def validate_kind(self, value):
        if value == BotKind.SURVEY and (self.instance is None or self.instance.kind != BotKind.SURVEY):
            raise serializers.ValidationError(errors.SURVEY_BOT_MANAGED)
        return value

    def _save(self, bot: Bot, data: dict) -> Bot:
        for name, value in data.items():
            setattr(bot, name, value)
        return bot_save(bot=bot, for_survey=bot.kind == BotKind.SURVEY)

    def create(self, validated_data):
        return self._save(Bot(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class RoutingBotField(ActiveRelatedField):
    """A bot the viewer may choose: for supervisors, only bots whose menu routes within
    their operations (another one answers like a missing id)."""

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return bots_routing_within(super().get_queryset(), operation_ids=operation_ids_for(user))


class ServiceGroupSerializer(serializers.ModelSerializer):
    operation = ActiveRelatedField(queryset=Operation.objects.all())
    parent = ActiveRelatedField(queryset=ServiceGroup.objects.all(), required=False, allow_null=True)
    initialization_bot = RoutingBotField(queryset=Bot.objects.all(), required=False, allow_null=True)
    inactivity_bot = ActiveRelatedField(queryset=Bot.objects.all(), required=False, allow_null=True)
    finalization_bot = ActiveRelatedField(queryset=Bot.objects.all(), required=False, allow_null=True)
    bot_inactivity_target_group = ActiveRelatedField(
        queryset=ServiceGroup.objects.all(), required=False, allow_null=True
    )
    survey = ActiveRelatedField(queryset=Survey.objects.all(), required=False, allow_null=True)
    classification = ActiveRelatedField(queryset=Classification.objects.all(), required=False, allow_null=True)
    calendar = ActiveRelatedField(queryset=Calendar.objects.all(), required=False, allow_null=True)
    out_of_hours_group = ActiveRelatedField(queryset=ServiceGroup.objects.all(), required=False, allow_null=True)
    agents = ActiveRelatedField(queryset=User.objects.all(), many=True, required=False)
    transfer_targets = ActiveRelatedField(queryset=ServiceGroup.objects.all(), many=True, required=False)

    class Meta:
        model = ServiceGroup
        exclude = []
        read_only_fields = ["created_at"]
        # The 30-day bound says so, rather than DRF's "less than or equal to 43200".
        extra_kwargs = {name: {"error_messages": {"max_value": errors.DURATION_TOO_LONG}} for name in DURATION_FIELDS}

    def validate(self, attrs):
        """Run the model's own rules on the would-be row, so errors come back per field."""
        relations = {name: attrs.pop(name) for name in ("agents", "transfer_targets") if name in attrs}
        group = self.instance or ServiceGroup()
        for name, value in attrs.items():
            setattr(group, name, value)
        group.normalise_dependents()
        try:
            group.full_clean()
            group_validate_relations(group=group, **{k: relations.get(k) for k in ("agents", "transfer_targets")})
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        self._group, self._relations = group, relations
        return attrs

    def _save(self):
        return group_save(group=self._group, actor=self.context["request"].user, **self._relations)

    def create(self, validated_data):
        return self._save()

    def update(self, instance, validated_data):
        return self._save()
