"""Survey screen ("Pesquisa de Satisfação")."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import AtendeAdmin, StatusFilter, status_column

from . import errors
from .forms import QuestionForm, QuestionFormSet, SurveyForm
from .models import Question, Survey
from .services import survey_activate, survey_deactivate, survey_save


class QuestionInline(admin.StackedInline):
    model = Question
    form = QuestionForm
    formset = QuestionFormSet
    extra = 1
    can_delete = False
    ordering = ["position", "pk"]
    verbose_name = _("question")
    verbose_name_plural = _("questions (deactivate instead of deleting)")


@admin.register(Survey)
class SurveyAdmin(AtendeAdmin):
    form = SurveyForm
    inlines = [QuestionInline]
    list_display = ["name", "question_count", "groups_using", status_column]
    list_filter = [StatusFilter]
    search_fields = ["name"]
    fields = ["name", "send_on_close_by", "is_active"]

    class Media:
        js = ["js/survey_form.js"]

    @admin.display(description=_("Questions"))
    def question_count(self, obj) -> int:
        return obj.questions.filter(is_active=True).count()

    @admin.display(description=_("Groups"))
    def groups_using(self, obj) -> int:
        return obj.groups.count()

    def save_model(self, request, obj, form, change):
        """Saved with its questions by ``survey_save`` in ``save_related``."""

    def save_related(self, request, form, formsets, change):
        questions = next(fs for fs in formsets if isinstance(fs, QuestionFormSet)).questions_payload()
        typed_name = form.data.get("name", "")
        result = survey_save(survey=form.instance, questions=questions)
        for formset in formsets:  # saved by the service; the admin's change message reads these
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if " " in typed_name.strip() or result.renamed:
            self.message_user(request, errors.NAME_NORMALISED % {"name": result.survey.name}, messages.INFO)
        if result.detached_groups:
            self._detached_message(request, result.detached_groups)

    def _set_active(self, request, queryset, active: bool) -> None:
        """Surveys change status through their services: the bot follows, groups detach."""
        changed = detached = 0
        with transaction.atomic():
            for survey in queryset.filter(is_active=not active):
                if active:
                    survey_activate(survey=survey)
                else:
                    detached += survey_deactivate(survey=survey)
                changed += 1
        self.message_user(request, self.status_message(changed, active), messages.SUCCESS)
        if not active:
            self._detached_message(request, detached)

    def _detached_message(self, request, count: int) -> None:
        message = ngettext(
            "The survey was removed from %(count)d group.",
            "The survey was removed from %(count)d groups.",
            count,
        )
        self.message_user(request, message % {"count": count}, messages.WARNING if count else messages.INFO)
