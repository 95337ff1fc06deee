"""The survey screen: questions inline, name rule message, deactivation message."""

from __future__ import annotations

import pytest

from surveys.models import Survey
from tests.factories import ServiceGroupFactory, make_survey

pytestmark = pytest.mark.django_db


def _inline(rows: list[dict]) -> dict:
    data = {
        "questions-TOTAL_FORMS": str(len(rows)),
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"questions-{index}-{key}"] = value
    return data


def test_an_admin_creates_a_survey_with_a_csat_question_and_is_told_about_the_name(web_as, admin_user):
    response = web_as(admin_user).post(
        "/admin/surveys/survey/add/",
        {
            "name": "Pós venda",
            "send_on_close_by": ["agent"],
            "is_active": "on",
            **_inline(
                [
                    {"type": "csat", "text": "Como foi?", "options_text": "+ Ótimo\n+ Bom\nRuim", "is_active": "on"},
                    {"type": "nps", "text": "Recomendaria?", "is_active": "on"},
                ]
            ),
        },
        follow=True,
    )
    assert response.status_code == 200
    survey = Survey.objects.get()
    assert survey.name == "Pós_venda"
    assert "Pós_venda" in response.content.decode()
    csat = survey.questions.get(type="csat")
    assert csat.options == [
        {"text": "Ótimo", "satisfied": True},
        {"text": "Bom", "satisfied": True},
        {"text": "Ruim", "satisfied": False},
    ]


def test_a_csat_question_without_satisfied_option_shows_an_error(web_as, admin_user):
    response = web_as(admin_user).post(
        "/admin/surveys/survey/add/",
        {
            "name": "P",
            "is_active": "on",
            **_inline([{"type": "csat", "text": "?", "options_text": "A\nB", "is_active": "on"}]),
        },
    )
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]
    assert not Survey.objects.exists()


def test_the_deactivate_action_reports_how_many_groups_lost_the_survey(web_as, admin_user, operation_a):
    survey = make_survey()
    for _ in range(3):
        ServiceGroupFactory(operation=operation_a, survey=survey)
    response = web_as(admin_user).post(
        "/admin/surveys/survey/",
        {"action": "deactivate_selected", "_selected_action": [survey.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "3" in page and ("grupos" in page or "groups" in page)
    survey.refresh_from_db()
    assert survey.is_active is False
    assert survey.groups.count() == 0
