"""SPEC §2: work hours per weekday; outside them no login (screen or API) and sessions end."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from tests.factories import PASSWORD, UserFactory
from users.models import Role
from users.work_hours import is_within, normalize_work_hours

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def _other_weekday() -> int:
    """A weekday that is not today in São Paulo, so a schedule on it is 'outside'."""
    return (timezone.localtime(timezone.now(), SAO_PAULO).weekday() + 3) % 7


def _messages(error: ValidationError) -> list[str]:
    with translation.override("pt-br"):
        return [str(m) for m in error.messages]


def test_a_schedule_is_normalised_and_sorted():
    schedule = normalize_work_hours(
        [{"weekday": 1, "start": "13:00", "end": "18:00"}, {"weekday": 1, "start": "8:00", "end": "12:00"}]
    )
    assert schedule == [
        {"weekday": 1, "start": "08:00", "end": "12:00"},
        {"weekday": 1, "start": "13:00", "end": "18:00"},
    ]


def test_an_empty_schedule_means_no_restriction():
    assert normalize_work_hours([]) == []
    assert is_within([], timezone.now(), "America/Sao_Paulo")


def test_the_end_must_come_after_the_start():
    with pytest.raises(ValidationError) as error:
        normalize_work_hours([{"weekday": 0, "start": "12:00", "end": "08:00"}])
    assert _messages(error.value) == ["Segunda-feira: o fim (08:00) deve ser depois do início (12:00)."]


def test_overlapping_intervals_on_the_same_day_are_refused():
    with pytest.raises(ValidationError) as error:
        normalize_work_hours(
            [{"weekday": 2, "start": "08:00", "end": "12:00"}, {"weekday": 2, "start": "11:00", "end": "14:00"}]
        )
    assert _messages(error.value) == ["Quarta-feira: os intervalos 08:00–12:00 e 11:00–14:00 se sobrepõem."]


def test_touching_intervals_and_other_days_do_not_overlap():
    normalize_work_hours(
        [
            {"weekday": 2, "start": "08:00", "end": "12:00"},
            {"weekday": 2, "start": "12:00", "end": "14:00"},
            {"weekday": 3, "start": "09:00", "end": "10:00"},
        ]
    )


@pytest.mark.parametrize(
    "item",
    [{"weekday": 7, "start": "08:00", "end": "09:00"}, {"weekday": 0, "start": "25:00", "end": "26:00"}, {"day": 1}],
)
def test_malformed_intervals_are_refused(item):
    with pytest.raises(ValidationError):
        normalize_work_hours([item])


def test_the_schedule_is_read_in_the_company_time_zone():
    schedule = [{"weekday": 0, "start": "08:00", "end": "18:00"}]
    monday_9_in_sao_paulo = datetime(2026, 11, 23, 9, 0, tzinfo=SAO_PAULO)
    assert is_within(schedule, monday_9_in_sao_paulo, "America/Sao_Paulo")
    # The same instant is 04:00 in Manaus' neighbour zone shifted by 5 hours: outside.
    assert not is_within(schedule, monday_9_in_sao_paulo, "Pacific/Honolulu")
    assert not is_within(schedule, datetime(2026, 11, 23, 18, 0, tzinfo=SAO_PAULO), "America/Sao_Paulo")


@pytest.fixture
def off_hours_agent(operation_a):
    schedule = [{"weekday": _other_weekday(), "start": "08:00", "end": "12:00"}]
    return UserFactory(username="noturno", role=Role.AGENT, operations=[operation_a], work_hours=schedule)


@pytest.mark.django_db
def test_login_outside_work_hours_is_refused_with_the_schedule(client, off_hours_agent):
    response = client.post("/accounts/login/", {"username": "noturno", "password": PASSWORD})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Acesso não permitido fora do seu horário de trabalho." in page
    assert "08:00–12:00" in page
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_inside_work_hours_succeeds(client, operation_a):
    today = timezone.localtime(timezone.now(), SAO_PAULO).weekday()
    UserFactory(
        username="diurno", operations=[operation_a], work_hours=[{"weekday": today, "start": "00:00", "end": "23:59"}]
    )
    response = client.post("/accounts/login/", {"username": "diurno", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_session_ends_when_the_work_hours_end(web_as, agent_a):
    browser = web_as(agent_a)
    assert browser.get("/workspace/").status_code == 200
    agent_a.work_hours = [{"weekday": _other_weekday(), "start": "08:00", "end": "09:00"}]
    agent_a.save()
    response = browser.get("/workspace/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "Seu horário de trabalho terminou: a sessão foi encerrada." in response.content.decode()
    assert "_auth_user_id" not in browser.session


@pytest.mark.django_db
def test_the_api_token_is_refused_outside_work_hours(api, off_hours_agent):
    response = api.post("/api/v1/auth/token/", {"username": "noturno", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Acesso não permitido fora do seu horário de trabalho.")


@pytest.mark.django_db
def test_an_existing_token_stops_working_outside_work_hours(api, supervisor_a):
    token = api.post("/api/v1/auth/token/", {"username": "bia", "password": PASSWORD}, format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/operations/").status_code == 200
    supervisor_a.work_hours = [{"weekday": _other_weekday(), "start": "08:00", "end": "09:00"}]
    supervisor_a.save()
    response = api.get("/api/v1/operations/")
    assert response.status_code == 401
    assert "horário de trabalho" in response.json()["detail"]
