"""Satisfaction surveys (SPEC §5.1): questions, the survey bot, responses."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.errors import DeletionForbidden
from core.history import HistoricalRecords
from core.models import ActiveModel

from .errors import BAD_CLOSER

# A question is one chat message; an option is a short answer.
QUESTION_MAX_LENGTH = 1000
OPTION_MAX_LENGTH = 200


class QuestionType(models.TextChoices):
    OPEN = "open", _("Open question")
    CSAT = "csat", _("CSAT")
    NPS = "nps", _("NPS")


class Closer(models.TextChoices):
    """Who closes an attendance: the engine's closers (``attendance.transitions.close``,
    the event log's ``by``) and the survey's "Envio da Pesquisa de Satisfação" choices
    (``SURVEY_CLOSERS``: a supervisor's close never sends the survey)."""

    BOT = "bot", _("Bot")
    AGENT = "agent", _("Agent")
    SUPERVISOR_AGENT = "supervisor_agent", _("Supervisor agent")
    SUPERVISOR = "supervisor", _("Supervisor")


SURVEY_CLOSERS = [Closer.BOT, Closer.AGENT, Closer.SUPERVISOR_AGENT]
SURVEY_CLOSER_CHOICES = [(closer.value, closer.label) for closer in SURVEY_CLOSERS]


def validate_closers(value) -> None:
    if not isinstance(value, list) or not set(value) <= set(SURVEY_CLOSERS):
        raise ValidationError(BAD_CLOSER)


class Survey(ActiveModel):
    """A survey; its ``name`` has no spaces (they become ``_``), and a ``survey`` bot of the
    same name is created and kept in sync (``surveys.services``)."""

    name = models.CharField(
        _("Survey name"),
        max_length=100,
        unique=True,
        help_text=_("Spaces are replaced by “_” when saved."),
        error_messages={"unique": _("A survey with this name already exists.")},
    )
    send_on_close_by = models.JSONField(
        _("Satisfaction survey sending"),
        default=list,
        blank=True,
        validators=[validate_closers],
        help_text=_("The survey is sent when one of these closes the attendance (a timer counts as bot)."),
    )
    bot = models.OneToOneField(
        "attendance.Bot",
        verbose_name=_("Survey bot"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="survey",
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def history_value_text(cls, field: str, value) -> str | None:
        """Who sends the survey, in words, on the history page (``core.audit``)."""
        if field == "send_on_close_by" and isinstance(value, list):
            labels = dict(SURVEY_CLOSER_CHOICES)
            return ", ".join(str(labels.get(item, item)) for item in value)
        return None


class Question(ActiveModel):
    """One question. CSAT questions keep an ordered list of ``options``
    (``[{"text": "Ótimo", "satisfied": true}, …]``)."""

    survey = models.ForeignKey(Survey, verbose_name=_("Survey"), on_delete=models.PROTECT, related_name="questions")
    position = models.PositiveSmallIntegerField(_("Position"), default=0)
    type = models.CharField(_("Type"), max_length=10, choices=QuestionType.choices)
    text = models.TextField(_("Question"), validators=[MaxLengthValidator(QUESTION_MAX_LENGTH)])
    options = models.JSONField(_("Options"), default=list, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    @classmethod
    def history_value_text(cls, field: str, value) -> str | None:
        """CSAT options as "Ótimo (satisfeito), Ruim" (``core.audit``)."""
        if field == "options" and isinstance(value, list):
            satisfied = _("satisfied")
            return ", ".join(
                f"{option.get('text')} ({satisfied})" if option.get("satisfied") else str(option.get("text"))
                for option in value
                if isinstance(option, dict)
            )
        return None


class Response(models.Model):
    """A customer's answer to one question of one attendance. Answers are records, not
    configuration: written once, never edited."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    attendance = models.ForeignKey(
        "attendance.Attendance", verbose_name=_("Attendance"), on_delete=models.PROTECT, related_name="survey_responses"
    )
    group = models.ForeignKey(
        "attendance.ServiceGroup", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("Answered at"), db_index=True)
    score = models.PositiveSmallIntegerField(
        _("Score"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    option = models.CharField(_("Option"), max_length=200, blank=True)
    satisfied = models.BooleanField(_("Satisfied"), null=True)
    text = models.TextField(_("Answer"), blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["attendance", "question"], name="one_response_per_question"),
        ]
        indexes = [
            # NPS/CSAT per group over a period (dashboard, service-level report).
            models.Index(fields=["group", "answered_at"], name="response_group_time"),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.score if self.score is not None else self.option or self.text}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()
