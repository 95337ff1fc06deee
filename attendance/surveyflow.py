"""The survey after closing (SPEC §5.1, §8.5): the survey bot asks each active question
in order; the customer's replies are recorded as answers; an invalid answer repeats the
question with a hint."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.models import QuestionType, Survey
from surveys.services import response_record

from .messaging import message_out
from .models import Attendance


def _questions(survey: Survey):
    return list(survey.questions.filter(is_active=True).order_by("position", "pk"))


def question_text(question) -> str:
    if question.type == QuestionType.CSAT:
        options = "\n".join(f"{index} - {o['text']}" for index, o in enumerate(question.options, start=1))
        return f"{question.text}\n{options}"
    if question.type == QuestionType.NPS:
        return f"{question.text} (0-10)"
    return question.text


def first_question_text(survey: Survey) -> str | None:
    """What the survey asks first; ``None`` when it has no active question (no survey)."""
    question = survey.questions.filter(is_active=True).order_by("position", "pk").first()
    return question_text(question) if question is not None else None


def survey_start(*, attendance: Attendance, survey: Survey) -> None:
    first = first_question_text(survey)
    if first is None:
        return
    attendance.survey, attendance.survey_step = survey, 0
    attendance.save(update_fields=["survey", "survey_step"])
    message_out(attendance=attendance, body=first)


def survey_answer(*, attendance: Attendance, text: str) -> None:
    questions = _questions(attendance.survey)
    step = attendance.survey_step or 0
    if step >= len(questions):
        attendance.survey_step = None
        attendance.save(update_fields=["survey_step"])
        return
    question = questions[step]
    try:
        response_record(
            question=question, attendance_id=attendance.pk, answer=text, answered_at=timezone.now(),
            group=attendance.group, agent=attendance.agent,
        )  # fmt: skip
    except ValidationError as error:
        message_out(attendance=attendance, body=f"{error.messages[0]}\n{question_text(question)}")
        return
    step += 1
    if step < len(questions):
        attendance.survey_step = step
        attendance.save(update_fields=["survey_step"])
        message_out(attendance=attendance, body=question_text(questions[step]))
    else:
        attendance.survey_step = None
        attendance.save(update_fields=["survey_step"])
        message_out(attendance=attendance, body=_("Thank you for your answers!"))
