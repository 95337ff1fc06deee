"""Survey screen: name rule, "send when closed by" checkboxes, questions inline."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.text import NO_SPACES_HELP

from . import errors
from .hooks import survey_name_check
from .models import SURVEY_CLOSER_CHOICES, Question, Survey
from .services import question_normalize, survey_normalize_name

OPTIONS_HELP = _("CSAT only: one option per line, in order. Start with “+” the options that count as satisfied.")


class SurveyForm(forms.ModelForm):
    send_on_close_by = forms.MultipleChoiceField(
        label=_("Satisfaction survey sending"),
        choices=SURVEY_CLOSER_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("A timer closing the attendance counts as bot."),
    )

    class Meta:
        model = Survey
        fields = ["name", "send_on_close_by", "is_active"]
        help_texts = {"name": NO_SPACES_HELP}  # the same rule, said the same way, as a bot's name

    def clean_name(self):
        name = survey_normalize_name(self.cleaned_data["name"])
        survey_name_check(name=name, survey=self.instance)
        return name


class QuestionForm(forms.ModelForm):
    options_text = forms.CharField(
        label=_("Options"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 30}), help_text=OPTIONS_HELP
    )

    class Meta:
        model = Question
        fields = ["type", "text", "options_text", "is_active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.options:
            self.initial["options_text"] = "\n".join(
                ("+ " if option["satisfied"] else "") + option["text"] for option in self.instance.options
            )

    def clean(self):
        data = super().clean()
        if not data.get("type") or data.get("DELETE"):
            return data
        options = []
        for line in (data.get("options_text") or "").splitlines():
            line = line.strip()
            if line:
                satisfied = line.startswith("+")
                options.append({"text": line.lstrip("+").strip(), "satisfied": satisfied})
        index = int(self.prefix.rsplit("-", 1)[-1]) + 1 if self.prefix else 1
        clean = question_normalize({"type": data["type"], "text": data.get("text"), "options": options}, index)
        data["options"] = clean["options"]
        return data


class QuestionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        active = [
            form
            for form in self.forms
            if form.cleaned_data and form.cleaned_data.get("is_active", True) and form.cleaned_data.get("type")
        ]
        if not active:
            raise ValidationError(errors.SURVEY_NEEDS_QUESTION)

    def questions_payload(self) -> list[dict]:
        """The active questions, in order, for ``survey_save``."""
        payload = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or not data.get("type") or not data.get("is_active", True):
                continue
            payload.append(
                {
                    "id": form.instance.pk,
                    "type": data["type"],
                    "text": data["text"],
                    "options": data.get("options", []),
                }
            )
        return payload
