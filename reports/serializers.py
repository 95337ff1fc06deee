"""Query parameters and response shapes of the reports API (SPEC §9); the response
serializers document the bodies in the OpenAPI schema."""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.dates import day_in_range, out_of_range_message
from surveys.models import Survey

from .selectors import BY_CHOICES, visible_agents, visible_groups, visible_operations

MAX_DAYS = 366
NO_SUCH_GROUP = _("No such group.")
NO_SUCH_AGENT = _("No such agent.")
NO_SUCH_OPERATION = _("No such operation.")
NO_SUCH_SURVEY = _("No such survey.")
END_BEFORE_START = _("The end date must not be before the start date.")
RANGE_TOO_LONG = _("The period can have at most %(days)s days.")
START_REQUIRED = _("Give the first day of the period (start) as YYYY-MM-DD, e.g. 2026-03-01.")
END_REQUIRED = _("Give the last day of the period (end) as YYYY-MM-DD, e.g. 2026-03-31.")
NOT_A_DAY = _("Not a date: write the day as YYYY-MM-DD, e.g. 2026-03-01.")
NOT_AN_ID = _("Not an id: use the number that identifies the record.")
NOT_A_CHOICE = _("“{input}” is not an option: use %(options)s.")


def _id_field(**kwargs):
    """An optional id: anything but a number says so (DRF's message names no field)."""
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1, error_messages={"invalid": NOT_AN_ID},
        **kwargs,
    )  # fmt: skip


def _choice_field(choices, **kwargs):
    """A choice whose refusal lists the options the report accepts."""
    message = lazy(lambda: str(NOT_A_CHOICE) % {"options": ", ".join(choices)}, str)()
    return serializers.ChoiceField(choices=list(choices), error_messages={"invalid_choice": message}, **kwargs)


def _day_field(required_message):
    return serializers.DateField(error_messages={"required": required_message, "invalid": NOT_A_DAY})


class _Scoped(serializers.Serializer):
    """Ids the viewer may not see get exactly the answer of ids that do not exist."""

    def _user(self):
        return self.context["request"].user

    def validate_group(self, value):
        if value is not None and not visible_groups(self._user(), group_id=value).exists():
            raise serializers.ValidationError(NO_SUCH_GROUP)
        return value

    def validate_agent(self, value):
        if value is not None and not visible_agents(self._user()).filter(pk=value).exists():
            raise serializers.ValidationError(NO_SUCH_AGENT)
        return value

    def validate_operation(self, value):
        if value is not None and not visible_operations(self._user()).filter(pk=value).exists():
            raise serializers.ValidationError(NO_SUCH_OPERATION)
        return value


class DashboardQuery(_Scoped):
    operation = _id_field()
    group = _id_field()


class _Period(_Scoped):
    start = _day_field(START_REQUIRED)
    end = _day_field(END_REQUIRED)
    group = _id_field()
    agent = _id_field()
    file_format = _choice_field(["csv", "xlsx"], required=False)
    dialect = _choice_field(["csv", "excel_br"], required=False, default="csv")

    def validate_start(self, value):
        return _day(value)

    def validate_end(self, value):
        return _day(value)

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [END_BEFORE_START]})
        if (attrs["end"] - attrs["start"]).days + 1 > MAX_DAYS:
            raise serializers.ValidationError({"end": [RANGE_TOO_LONG % {"days": MAX_DAYS}]})
        return attrs


def _day(value):
    if not day_in_range(value):
        raise serializers.ValidationError(out_of_range_message())
    return value


class ServiceLevelQuery(_Period):
    by = _choice_field(BY_CHOICES, required=False, default="day")


class SurveyQuery(_Period):
    survey = _id_field()
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=1_000_000)

    def validate_survey(self, value):
        if value is not None and not Survey.objects.filter(pk=value).exists():
            raise serializers.ValidationError(NO_SUCH_SURVEY)
        return value


# Response shapes (documentation) ---------------------------------------------------------


class TodaySerializer(serializers.Serializer):
    queued = serializers.IntegerField()
    assigned = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    closed = serializers.IntegerField()
    avg_wait_seconds = serializers.FloatField(allow_null=True)
    max_wait_seconds = serializers.FloatField(allow_null=True)
    avg_handling_seconds = serializers.FloatField(allow_null=True)
    service_level_percent = serializers.FloatField(allow_null=True)
    csat_percent = serializers.FloatField(allow_null=True)
    nps = serializers.FloatField(allow_null=True)


class HourSerializer(serializers.Serializer):
    hour = serializers.IntegerField(min_value=0, max_value=23)
    queued = serializers.IntegerField()
    assigned = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    avg_wait_seconds = serializers.FloatField(allow_null=True)


class PresenceCountsSerializer(serializers.Serializer):
    online = serializers.IntegerField()
    paused = serializers.IntegerField()
    offline = serializers.IntegerField()


class TotalsSerializer(serializers.Serializer):
    queued = serializers.IntegerField()
    longest_wait_seconds = serializers.IntegerField(allow_null=True)
    bot = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    pending = serializers.IntegerField()
    sac_overdue = serializers.IntegerField(
        help_text="Queued or pending past the company's SAC answer deadline (answer_deadline_days since opening)."
    )
    agents = PresenceCountsSerializer()
    today = TodaySerializer()
    by_hour = HourSerializer(many=True)


class OperationFiguresSerializer(TotalsSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GroupFiguresSerializer(TotalsSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    operation = serializers.IntegerField()


class AgentRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    state = serializers.ChoiceField(choices=["online", "paused", "offline"])
    reason = serializers.CharField(allow_blank=True)
    since = serializers.DateTimeField(allow_null=True)
    in_progress = serializers.IntegerField()
    capacity = serializers.IntegerField()
    groups = serializers.ListField(child=serializers.IntegerField())
    last_message_at = serializers.DateTimeField(allow_null=True, help_text="The agent's last answer (in progress).")
    waiting_since = serializers.DateTimeField(
        allow_null=True, help_text="Since when the customer waiting longest for this agent's answer waits."
    )


class DashboardSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    totals = TotalsSerializer()
    operations = OperationFiguresSerializer(many=True)
    groups = GroupFiguresSerializer(many=True)
    agents = AgentRowSerializer(many=True)


class ReportRowSerializer(TodaySerializer):
    key = serializers.JSONField(help_text="day: YYYY-MM-DD; hour: 0–23; group / agent: id")
    label = serializers.CharField()


class WaitRuleSerializer(serializers.Serializer):
    group = serializers.IntegerField()
    name = serializers.CharField()
    rule = serializers.ChoiceField(
        choices=["business_hours", "clock"],
        help_text="business_hours: waits and the service level count the open time of the group's calendar only.",
    )
    calendar = serializers.CharField(allow_null=True)


class ServiceLevelSerializer(serializers.Serializer):
    rows = ReportRowSerializer(many=True)
    totals = TodaySerializer()
    wait_rules = WaitRuleSerializer(many=True)


class OptionCountSerializer(serializers.Serializer):
    text = serializers.CharField()
    satisfied = serializers.BooleanField(allow_null=True)
    count = serializers.IntegerField()


class ScoreCountSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=10)
    count = serializers.IntegerField()


class QuestionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.IntegerField()
    survey_name = serializers.CharField()
    text = serializers.CharField()
    type = serializers.ChoiceField(choices=["open", "csat", "nps"])
    answers = serializers.IntegerField()
    options = OptionCountSerializer(many=True)
    scores = ScoreCountSerializer(many=True)
    csat_percent = serializers.FloatField(allow_null=True)
    nps = serializers.FloatField(allow_null=True)


class OpenAnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    question_text = serializers.CharField()
    text = serializers.CharField()
    answered_at = serializers.DateTimeField()
    attendance = serializers.IntegerField()
    protocol = serializers.CharField()
    group = serializers.CharField(allow_null=True)
    agent = serializers.CharField(allow_null=True)


class OpenAnswersPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = OpenAnswerSerializer(many=True)


class SurveyResultsSerializer(serializers.Serializer):
    answers = serializers.IntegerField()
    csat_percent = serializers.FloatField(allow_null=True)
    nps = serializers.FloatField(allow_null=True)
    questions = QuestionResultSerializer(many=True)
    open_answers = OpenAnswersPageSerializer()
