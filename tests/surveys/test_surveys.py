"""SPEC §5.1: surveys, their bot, questions, deactivation, NPS and CSAT."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from attendance.models import Bot, BotKind
from surveys.models import Question, Survey
from surveys.selectors import survey_csat, survey_nps
from surveys.services import response_record, survey_deactivate, survey_save
from tests.factories import ServiceGroupFactory, make_survey

pytestmark = pytest.mark.django_db


def test_spaces_in_the_name_become_underscores_and_a_survey_bot_is_created():
    result = survey_save(survey=Survey(name="Pesquisa  de Satisfação"), questions=[{"type": "open", "text": "?"}])
    assert result.renamed
    assert result.survey.name == "Pesquisa_de_Satisfação"
    bot = result.survey.bot
    assert (bot.name, bot.kind, bot.is_active) == ("Pesquisa_de_Satisfação", BotKind.SURVEY, True)


def test_the_bot_follows_renames_and_status():
    survey = make_survey("Antiga")
    survey.name = "Nova pesquisa"
    survey_save(survey=survey)
    survey.bot.refresh_from_db()
    assert survey.bot.name == "Nova_pesquisa"
    survey_deactivate(survey=survey)
    survey.bot.refresh_from_db()
    assert survey.bot.is_active is False
    assert Bot.objects.filter(kind=BotKind.SURVEY).count() == 1


def test_a_name_taken_by_another_bot_is_refused(db):
    Bot.objects.create(name="Satisfacao", kind=BotKind.TRANSFER)
    with pytest.raises(ValidationError) as error:
        survey_save(survey=Survey(name="Satisfacao"), questions=[{"type": "open", "text": "?"}])
    assert "name" in error.value.message_dict


@pytest.mark.parametrize(
    "question",
    [
        {"type": "csat", "text": "Como foi?", "options": [{"text": "Ótimo", "satisfied": True}]},
        {"type": "csat", "text": "Como foi?", "options": [{"text": "A"}, {"text": "B"}]},
        {"type": "nps", "text": "?", "options": [{"text": "A", "satisfied": True}]},
        {"type": "emoji", "text": "?"},
        {"type": "open", "text": " "},
    ],
)
def test_invalid_questions_are_refused(question):
    with pytest.raises(ValidationError) as error:
        survey_save(survey=Survey(name="P"), questions=[question])
    assert "questions" in error.value.message_dict
    assert not Survey.objects.exists() and not Bot.objects.exists()


def test_a_survey_needs_a_question(db):
    with pytest.raises(ValidationError):
        survey_save(survey=Survey(name="P"), questions=[])


def test_questions_are_updated_in_place_and_left_out_ones_deactivated():
    survey = make_survey()
    csat, nps, open_ = survey.questions.order_by("position")
    survey_save(
        survey=survey,
        questions=[{"id": nps.pk, "type": "nps", "text": "Nota?"}, {"type": "open", "text": "Algo mais?"}],
    )
    nps.refresh_from_db()
    assert (nps.text, nps.position) == ("Nota?", 0)
    assert not Question.objects.get(pk=csat.pk).is_active
    assert [q.text for q in survey.questions.filter(is_active=True).order_by("position")] == ["Nota?", "Algo mais?"]


def test_deactivating_a_survey_detaches_it_from_every_group_and_says_how_many(operation_a):
    survey = make_survey()
    groups = [ServiceGroupFactory(operation=operation_a, survey=survey, survey_required=True) for _ in range(2)]
    other = ServiceGroupFactory(operation=operation_a)
    assert survey_deactivate(survey=survey) == 2
    for group in groups:
        group.refresh_from_db()
        assert (group.survey, group.survey_required) == (None, False)
        assert group.history.first().survey_id is None  # audited
    other.refresh_from_db()
    assert Survey.objects.get(pk=survey.pk).is_active is False


def test_the_api_deactivation_detaches_too(api_as, admin_user, operation_a):
    survey = make_survey()
    group = ServiceGroupFactory(operation=operation_a, survey=survey, survey_required=True)
    response = api_as(admin_user).patch(f"/api/v1/surveys/{survey.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200
    group.refresh_from_db()
    assert group.survey is None and not group.survey_required


def test_the_api_writes_questions_nested(api_as, admin_user):
    payload = {
        "name": "Pós venda",
        "send_on_close_by": ["agent", "bot"],
        "questions": [
            {
                "type": "csat",
                "text": "Como foi?",
                "options": [{"text": "Bom", "satisfied": True}, {"text": "Ruim", "satisfied": False}],
            },
            {"type": "nps", "text": "Recomendaria?"},
        ],
    }
    response = api_as(admin_user).post("/api/v1/surveys/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Pós_venda"
    assert body["send_on_close_by"] == ["agent", "bot"]
    assert [{k: q[k] for k in ("type", "text", "options")} for q in body["questions"]] == [
        {
            "type": "csat",
            "text": "Como foi?",
            "options": [{"text": "Bom", "satisfied": True}, {"text": "Ruim", "satisfied": False}],
        },
        {"type": "nps", "text": "Recomendaria?", "options": []},
    ]
    bad = api_as(admin_user).post(
        "/api/v1/surveys/", {"name": "X", "send_on_close_by": ["customer"], "questions": []}, format="json"
    )
    assert bad.status_code == 400 and "send_on_close_by" in bad.json()


def _answer(question, number, answer):
    """Answer as the customer of attendance ``number`` (created on first use)."""
    from attendance.models import Attendance
    from tests.factories import ServiceGroupFactory, queued_attendance

    existing = Attendance.objects.filter(customer__phone=f"+55349910000{number:02d}").first()
    if existing is None:
        group = ServiceGroupFactory()
        existing = queued_attendance(group, f"349910000{number:02d}")
    return response_record(question=question, attendance_id=existing.pk, answer=answer, answered_at=timezone.now())


def test_nps_is_promoters_minus_detractors():
    survey = make_survey()
    nps = survey.questions.get(type="nps")
    for attendance_id, score in enumerate(["10", "9", "9", "8", "7", "6", "0", "10", "3", "10"], start=1):
        _answer(nps, attendance_id, score)
    # 5 promoters, 3 detractors of 10 answers.
    assert survey_nps(responses=survey.responses.all()) == 20.0


def test_csat_is_the_share_of_satisfied_answers_by_text_or_number():
    survey = make_survey()
    csat = survey.questions.get(type="csat")
    for attendance_id, answer in enumerate(["Ótimo", "1", "ruim", "2"], start=1):
        _answer(csat, attendance_id, answer)
    assert survey_csat(responses=survey.responses.all()) == 50.0


def test_no_answers_means_no_score():
    survey = make_survey()
    assert survey_nps(responses=survey.responses.all()) is None
    assert survey_csat(responses=survey.responses.all()) is None


def test_answers_are_validated_and_stored_once():
    survey = make_survey()
    nps = survey.questions.get(type="nps")
    for typed in ("11", "²", "٣", "1" * 30):  # "²".isdigit() is true and int("²") fails
        with pytest.raises(ValidationError):
            _answer(nps, 1, typed)
    with pytest.raises(ValidationError):
        _answer(survey.questions.get(type="csat"), 1, "²")
    with pytest.raises(ValidationError):
        _answer(survey.questions.get(type="csat"), 1, "Maravilhoso")
    first = _answer(nps, 1, "9")
    assert _answer(nps, 1, "2") == first
    assert survey.responses.count() == 1
