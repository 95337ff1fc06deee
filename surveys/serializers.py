from __future__ import annotations

from rest_framework import serializers

from core.api import AsciiIntegerField

from .models import OPTION_MAX_LENGTH, QUESTION_MAX_LENGTH, SURVEY_CLOSER_CHOICES, QuestionType, Survey
from .services import survey_save


class OptionSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=OPTION_MAX_LENGTH)
    satisfied = serializers.BooleanField(default=False)


class QuestionSerializer(serializers.Serializer):
    id = AsciiIntegerField(required=False, help_text="Send it back to update a question in place.")
    type = serializers.ChoiceField(choices=QuestionType.choices)
    text = serializers.CharField(max_length=QUESTION_MAX_LENGTH)
    options = OptionSerializer(many=True, required=False)


class SurveySerializer(serializers.ModelSerializer):
    send_on_close_by = serializers.MultipleChoiceField(choices=SURVEY_CLOSER_CHOICES, required=False)
    questions = QuestionSerializer(many=True, required=False)
    bot = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Survey
        fields = ["id", "name", "send_on_close_by", "questions", "bot", "is_active", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"name": {"validators": []}}  # uniqueness is checked after normalising

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["send_on_close_by"] = sorted(instance.send_on_close_by)
        data["questions"] = [
            {"id": q.pk, "type": q.type, "text": q.text, "options": q.options}
            for q in instance.questions.all()
            if q.is_active
        ]
        return data

    def _save(self, survey: Survey, data: dict) -> Survey:
        questions = data.pop("questions", None)
        if "send_on_close_by" in data:
            data["send_on_close_by"] = sorted(data["send_on_close_by"])
        for name, value in data.items():
            setattr(survey, name, value)
        questions = (
            [dict(q, options=[dict(o) for o in q.get("options", [])]) for q in questions]
            if questions is not None
            else None
        )
        result = survey_save(survey=survey, questions=questions)
        self.renamed, self.detached_groups = result.renamed, result.detached_groups
        return result.survey

    def create(self, validated_data):
        return self._save(Survey(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)
