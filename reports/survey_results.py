"""Survey results (SPEC §9, §5.1): per question the count of each option or score, CSAT %,
NPS and the open answers, over the answers given in a range of the company's days, in
the viewer's groups (the group and agent an answer counts for are those of its
attendance when it was answered)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db.models import Count, QuerySet
from django.utils import timezone

from core.dates import local_days
from surveys.models import Question, QuestionType, Response, Survey

from .selectors import time_zone_for, visible_groups


def visible_surveys(user) -> QuerySet[Survey]:
    """Surveys of the viewer's groups (surveys are global; answers are scoped by group)."""
    if getattr(user, "is_admin", False):
        return Survey.objects.order_by("name")
    groups = visible_groups(user)
    used = Response.objects.filter(group__in=groups).values("survey_id").distinct()
    return Survey.objects.filter(pk__in=used).order_by("name") | Survey.objects.filter(groups__in=groups).distinct()


def answers(
    user, *, start: date, end: date, group_id: int | None = None, agent_id: int | None = None,
    survey_id: int | None = None,
) -> QuerySet[Response]:  # fmt: skip
    tz = time_zone_for(user)
    begin, finish = local_days(start, end, tz)
    rows = Response.objects.filter(
        group__in=visible_groups(user, group_id=group_id), answered_at__gte=begin, answered_at__lt=finish
    )
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    if survey_id is not None:
        rows = rows.filter(survey_id=survey_id)
    return rows


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def survey_results(rows: QuerySet[Response]) -> dict:
    """Per question: answers, options or scores with counts, CSAT % / NPS; and overall."""
    counts = rows.values("question_id", "option", "score", "satisfied").annotate(n=Count("pk")).order_by()
    by_question: dict[int, dict] = {}
    satisfied_of: dict[int, int] = {}
    for row in counts:
        tally = by_question.setdefault(row["question_id"], {})
        tally[(row["option"], row["score"])] = tally.get((row["option"], row["score"]), 0) + row["n"]
        if row["satisfied"]:
            satisfied_of[row["question_id"]] = satisfied_of.get(row["question_id"], 0) + row["n"]
    questions = Question.objects.filter(pk__in=list(by_question)).select_related("survey")
    body, csat_total, csat_yes, nps_total, nps_net = [], 0, 0, 0, 0
    for question in sorted(questions, key=lambda q: (q.survey.name, q.position, q.pk)):
        tally = by_question[question.pk]
        total = sum(tally.values())
        entry = {"id": question.pk, "survey": question.survey_id, "survey_name": question.survey.name,
                 "text": question.text, "type": question.type, "answers": total, "options": [], "scores": [],
                 "csat_percent": None, "nps": None}  # fmt: skip
        if question.type == QuestionType.CSAT:
            known = {o["text"] for o in question.options}
            entry["options"] = [
                {"text": o["text"], "satisfied": bool(o["satisfied"]), "count": tally.get((o["text"], None), 0)}
                for o in question.options
            ]
            entry["options"] += [  # options since removed from the question keep their answers
                {"text": text, "satisfied": None, "count": n} for (text, _s), n in tally.items() if text not in known
            ]
            satisfied = satisfied_of.get(question.pk, 0)
            entry["csat_percent"] = _percent(satisfied, total)
            csat_total, csat_yes = csat_total + total, csat_yes + satisfied
        elif question.type == QuestionType.NPS:
            scores = {score: n for (_o, score), n in tally.items() if score is not None}
            entry["scores"] = [{"score": score, "count": scores.get(score, 0)} for score in range(11)]
            promoters = sum(n for score, n in scores.items() if score >= 9)
            detractors = sum(n for score, n in scores.items() if score <= 6)
            entry["nps"] = round(100.0 * (promoters - detractors) / total, 1) if total else None
            nps_total, nps_net = nps_total + total, nps_net + promoters - detractors
        body.append(entry)
    return {
        "answers": sum(q["answers"] for q in body),
        "csat_percent": _percent(csat_yes, csat_total),
        "nps": round(100.0 * nps_net / nps_total, 1) if nps_total else None,
        "questions": body,
    }


def open_answers(rows: QuerySet[Response]) -> QuerySet[Response]:
    return (
        rows.filter(question__type=QuestionType.OPEN)
        .exclude(text="")
        .select_related("question", "attendance", "group", "agent")
        .order_by("-answered_at", "-pk")
    )


EXPORT_HEADER = ["Respondida em", "Protocolo", "Grupo", "Agente", "Pesquisa", "Pergunta", "Tipo", "Resposta",
                 "Nota", "Satisfeito"]  # fmt: skip


def export_rows(rows: QuerySet[Response], user) -> Iterator[list]:
    """One line per answer, streamed from a server-side cursor (constant memory)."""
    tz = time_zone_for(user)
    columns = rows.order_by("answered_at", "pk").values_list(
        "answered_at", "attendance__protocol", "group__name", "agent__display_name", "survey__name",
        "question__text", "question__type", "option", "text", "score", "satisfied",
    )  # fmt: skip
    types = dict(QuestionType.choices)
    for at, protocol, group, agent, survey, question, type_, option, text, score, satisfied in columns.iterator(
        chunk_size=5000
    ):
        yield [
            timezone.localtime(at, tz).strftime("%d/%m/%Y %H:%M:%S"), protocol, group or "", agent or "", survey,
            question, str(types.get(type_, type_)), option or text, "" if score is None else score,
            "" if satisfied is None else ("Sim" if satisfied else "Não"),
        ]  # fmt: skip
