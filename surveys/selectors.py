"""Survey reads: NPS and CSAT (SPEC §5.1)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import QuestionType, Response


def survey_nps(*, responses: QuerySet[Response]) -> float | None:
    """NPS = % promoters (9–10) − % detractors (0–6), over NPS answers; None without any."""
    figures = responses.filter(question__type=QuestionType.NPS, score__isnull=False).aggregate(
        total=Count("pk"),
        promoters=Count("pk", filter=Q(score__gte=9)),
        detractors=Count("pk", filter=Q(score__lte=6)),
    )
    if not figures["total"]:
        return None
    return round(100.0 * (figures["promoters"] - figures["detractors"]) / figures["total"], 1)


def survey_csat(*, responses: QuerySet[Response]) -> float | None:
    """CSAT = % of CSAT answers whose option counts as satisfied; None without any."""
    figures = responses.filter(question__type=QuestionType.CSAT, satisfied__isnull=False).aggregate(
        total=Count("pk"), satisfied=Count("pk", filter=Q(satisfied=True))
    )
    if not figures["total"]:
        return None
    return round(100.0 * figures["satisfied"] / figures["total"], 1)
