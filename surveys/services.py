"""Survey writes (SPEC §5.1): name rules, the survey bot kept in sync, nested questions,
and deactivation that detaches the survey from every group."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from core.text import name_without_spaces, whole_number

from . import errors
from .hooks import answer_recorded, survey_changed
from .models import OPTION_MAX_LENGTH, QUESTION_MAX_LENGTH, Question, QuestionType, Response, Survey


def survey_normalize_name(name: str) -> str:
    """Spaces (and runs of them) become ``_``: the survey bot's name cannot have spaces."""
    return name_without_spaces(name)


def question_normalize(data: dict, index: int) -> dict:
    """Validate one question payload ``{type, text, options}``; raise per-question errors."""
    kind = data.get("type")
    text = str(data.get("text") or "").strip()
    problems = []
    if kind not in QuestionType.values:
        problems.append(errors.QUESTION_BAD_TYPE % {"index": index})
    if not text:
        problems.append(errors.QUESTION_NO_TEXT % {"index": index})
    elif len(text) > QUESTION_MAX_LENGTH:
        problems.append(errors.QUESTION_TOO_LONG % {"index": index, "limit": QUESTION_MAX_LENGTH})
    options = []
    if kind == QuestionType.CSAT:
        for option in data.get("options") or []:
            option_text = str((option or {}).get("text") or "").strip()
            if option_text:
                options.append({"text": option_text, "satisfied": bool(option.get("satisfied"))})
        if any(len(option["text"]) > OPTION_MAX_LENGTH for option in options):
            problems.append(errors.OPTION_TOO_LONG % {"index": index, "limit": OPTION_MAX_LENGTH})
        if len(options) < 2:
            problems.append(errors.CSAT_NEEDS_OPTIONS % {"index": index})
        elif not any(option["satisfied"] for option in options):
            problems.append(errors.CSAT_NEEDS_SATISFIED % {"index": index})
        texts = [option["text"].casefold() for option in options]
        if len(set(texts)) != len(texts):
            problems.append(errors.CSAT_DUPLICATE_OPTION % {"index": index})
    elif data.get("options"):
        problems.append(errors.OPTIONS_ONLY_CSAT % {"index": index})
    if problems:
        raise ValidationError(problems)
    return {"type": kind, "text": text, "options": options}


@dataclass
class SurveySaved:
    survey: Survey
    renamed: bool  # spaces in the name were replaced by "_"
    detached_groups: int  # groups the survey was removed from (deactivation)


@transaction.atomic
def survey_save(*, survey: Survey, questions: list[dict] | None = None) -> SurveySaved:
    """Create or update a survey, its questions and its bot.

    ``questions`` (``None`` = unchanged) replaces the active list in order: an item with
    the ``id`` of one of this survey's questions updates it, one without creates it, and
    questions left out are deactivated (answers keep pointing at them). Returns the survey
    whether its name had to be changed (spaces → ``_``), for the form to say so, and how
    many groups it was detached from if this save deactivates it.
    """
    was_active = survey.pk is not None and Survey.objects.filter(pk=survey.pk, is_active=True).exists()
    original = survey.name
    survey.name = survey_normalize_name(survey.name or "")
    renamed = survey.name != original
    survey.send_on_close_by = sorted(set(survey.send_on_close_by or []))
    survey.full_clean(exclude=["bot"])
    clean_questions = _validate_questions(questions) if questions is not None else None
    if clean_questions is None and survey.pk is None:
        raise ValidationError({"questions": [errors.SURVEY_NEEDS_QUESTION]})
    survey_changed(survey=survey)  # the engine keeps the survey's bot in step
    survey.save()
    if clean_questions is not None:
        _replace_questions(survey, clean_questions)
    detached = _detach_from_groups(survey) if was_active and not survey.is_active else 0
    return SurveySaved(survey, renamed, detached)


def _validate_questions(questions: list[dict]) -> list[dict]:
    if not questions:
        raise ValidationError({"questions": [errors.SURVEY_NEEDS_QUESTION]})
    clean, problems = [], []
    for index, data in enumerate(questions, start=1):
        try:
            item = question_normalize(data, index)
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        item["id"] = data.get("id")
        clean.append(item)
    if problems:
        raise ValidationError({"questions": problems})
    return clean


def _replace_questions(survey: Survey, questions: list[dict]) -> None:
    existing = {question.pk: question for question in survey.questions.all()}
    kept = set()
    for position, data in enumerate(questions):
        question = existing.get(data["id"]) if data["id"] is not None else None
        if question is None:
            question = Question(survey=survey)
        changed = (question.type, question.text, question.options, question.position, question.is_active) != (
            data["type"],
            data["text"],
            data["options"],
            position,
            True,
        )
        if question.pk is None or changed:
            question.type, question.text, question.options = data["type"], data["text"], data["options"]
            question.position, question.is_active = position, True
            question.save()
        kept.add(question.pk)
    for pk, question in existing.items():
        if pk not in kept and question.is_active:
            question.is_active = False
            question.save(update_fields=["is_active"])


@transaction.atomic
def survey_deactivate(*, survey: Survey) -> int:
    """Deactivate the survey and its bot, and detach it from every group that uses it
    (clearing ``survey_required``), each change audited. Returns how many groups changed."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    survey.is_active = False
    survey_changed(survey=survey)  # the engine keeps the survey's bot in step
    survey.save(update_fields=["is_active", "bot"])
    return _detach_from_groups(survey)


def _detach_from_groups(survey: Survey) -> int:
    count = 0
    for group in survey.groups.select_for_update().order_by("pk"):
        group.survey = None
        group.survey_required = False
        group.save(update_fields=["survey", "survey_required"])
        count += 1
    return count


@transaction.atomic
def survey_activate(*, survey: Survey) -> None:
    survey.is_active = True
    survey_changed(survey=survey)  # the engine keeps the survey's bot in step
    survey.save(update_fields=["is_active", "bot"])


def response_record(
    *, question: Question, attendance_id: int, answer: str, answered_at, group=None, agent=None
) -> Response:
    """Store a customer's answer to a question, validated by type: NPS 0–10, CSAT one of the
    options (by text or 1-based number), open any text. A repeated answer is ignored."""
    answer = (answer or "").strip()
    response = Response(
        survey=question.survey,
        question=question,
        attendance_id=attendance_id,
        group=group,
        agent=agent,
        answered_at=answered_at,
    )
    if question.type == QuestionType.NPS:
        score = whole_number(answer, max_digits=2)
        if score is None or not 0 <= score <= 10:
            raise ValidationError(errors.NPS_ANSWER)
        response.score = score
    elif question.type == QuestionType.CSAT:
        option = _match_option(question.options, answer)
        if option is None:
            raise ValidationError(
                errors.CSAT_ANSWER, params={"options": ", ".join(o["text"] for o in question.options)}
            )
        response.option, response.satisfied = option["text"], option["satisfied"]
    else:
        response.text = answer
    existing = Response.objects.filter(attendance_id=attendance_id, question=question).first()
    if existing is not None:
        return existing
    response.save()
    answer_recorded(response)  # the reports' CSAT/NPS figures, in the answer's transaction
    return response


def _match_option(options: list[dict], answer: str) -> dict | None:
    number = whole_number(answer, max_digits=3)
    if number is not None and 1 <= number <= len(options):
        return options[number - 1]
    folded = answer.casefold()
    return next((option for option in options if option["text"].casefold() == folded), None)
