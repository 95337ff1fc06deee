"""The ``calendars`` resource and its status (SPEC §14, §10): audited, scoped, never deleted."""

from __future__ import annotations

import pytest

from calendars.models import Calendar
from calendars.services import calendar_save
from tests.factories import CompanyFactory, OperationFactory

pytestmark = pytest.mark.django_db

HOURS = [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(5)]


def make_calendar(company, name="Comercial", **fields):
    return calendar_save(calendar=Calendar(name=name, company=company, intervals=fields.pop("intervals", HOURS),
                                           **fields))  # fmt: skip


def test_an_admin_creates_a_calendar_with_split_shifts_and_reads_it_back(api_as, admin_user, company):
    body = {
        "name": "Comercial MG",
        "company": company.pk,
        "intervals": [
            {"weekday": 0, "start": "13:00", "end": "18:00"},
            {"weekday": 0, "start": "8:00", "end": "12:00"},
        ],
        "holidays_subdivision": "MG",
        "closed_dates": ["2026-12-31"],
        "special_hours": [{"date": "2026-12-24", "start": "08:00", "end": "12:00"}],
    }
    response = api_as(admin_user).post("/api/v1/calendars/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["intervals"] == [{"weekday": 0, "start": "08:00", "end": "12:00"},
                                 {"weekday": 0, "start": "13:00", "end": "18:00"}]  # fmt: skip
    assert (data["holidays_subdivision"], data["closed_dates"]) == ("MG", ["2026-12-31"])
    assert api_as(admin_user).get(f"/api/v1/calendars/{data['id']}/").json()["name"] == "Comercial MG"


def test_it_refuses_bad_hours_field_by_field_in_portuguese(api_as, admin_user, company):
    body = {"name": "Ruim", "company": company.pk, "intervals": [{"weekday": 0, "start": "25:00", "end": "18:00"}],
            "closed_dates": ["31/12/2026"]}  # fmt: skip
    response = api_as(admin_user).post("/api/v1/calendars/", body, format="json", HTTP_ACCEPT_LANGUAGE="pt-br")
    assert response.status_code == 400
    errors = response.json()
    assert "HH:MM" in errors["intervals"][0]
    assert "AAAA-MM-DD" in errors["closed_dates"][0]
    assert not Calendar.objects.exists()
    not_a_list = api_as(admin_user).post("/api/v1/calendars/", {"name": "X", "company": company.pk, "intervals": "seg"},
                                         format="json")  # fmt: skip
    assert not_a_list.status_code == 400 and "intervals" in not_a_list.json()


def test_status_answers_open_closed_holiday_and_special_hours(api_as, admin_user, company):
    calendar = make_calendar(company, special_hours=[{"date": "2026-12-24", "start": "08:00", "end": "12:00"}])
    client = api_as(admin_user)
    url = f"/api/v1/calendars/{calendar.pk}/status/"
    tuesday = client.get(url, {"at": "2026-12-08T10:00:00-03:00"}).json()
    assert tuesday == {"open": True, "reason": "hours", "holiday_name": None, "next_open_at": None,
                       "closes_at": "2026-12-08T18:00:00-03:00"}  # fmt: skip
    christmas = client.get(url, {"at": "2026-12-25T03:00:00-03:00"}).json()
    assert (christmas["open"], christmas["reason"], christmas["holiday_name"]) == (False, "holiday", "Natal")
    assert christmas["next_open_at"] == "2026-12-28T08:00:00-03:00"
    eve = client.get(url, {"at": "2026-12-24T15:00:00Z"}).json()  # 12:00 in São Paulo
    assert (eve["open"], eve["reason"]) == (False, "special_hours")
    naive = client.get(url, {"at": "2026-12-08T21:00"}).json()  # the company's time
    assert (naive["reason"], naive["next_open_at"]) == ("closed_hours", "2026-12-09T08:00:00-03:00")


@pytest.mark.parametrize("at", ["amanhã", "2026-13-40T10:00", "٢٠٢٦-12-08T10:00", "x" * 100])
def test_status_refuses_a_bad_moment_with_a_message(api_as, admin_user, company, at):
    calendar = make_calendar(company)
    response = api_as(admin_user).get(f"/api/v1/calendars/{calendar.pk}/status/", {"at": at},
                                      HTTP_ACCEPT_LANGUAGE="pt-br")  # fmt: skip
    assert response.status_code == 400
    assert "data e hora ISO" in response.json()["at"][0]


def test_delete_is_refused_and_deactivation_is_audited(api_as, admin_user, company):
    calendar = make_calendar(company)
    client = api_as(admin_user)
    assert client.delete(f"/api/v1/calendars/{calendar.pk}/").status_code == 405
    changed = client.patch(
        f"/api/v1/calendars/{calendar.pk}/", {"is_active": False, "holidays_subdivision": "SP"}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    history = client.get(f"/api/v1/calendars/{calendar.pk}/history/").json()
    assert history[0]["type"] == "changed"
    assert {change["field"] for change in history[0]["changes"]} == {"is_active", "holidays_subdivision"}
    assert Calendar.objects.get(pk=calendar.pk).is_active is False


def test_a_supervisor_sees_only_the_calendars_of_their_operations_companies(api_as, supervisor_a, operation_a):
    other_company = CompanyFactory(name="Outra Empresa")
    OperationFactory(name="Operação X", company=other_company)
    mine, theirs = make_calendar(operation_a.company, "Nosso"), make_calendar(other_company, "Deles")
    from django.contrib.auth.models import Permission

    supervisor_a.profile.permissions.add(Permission.objects.get(codename="view_calendar"))
    supervisor_a = type(supervisor_a).objects.get(pk=supervisor_a.pk)
    client = api_as(supervisor_a)
    names = [row["name"] for row in client.get("/api/v1/calendars/").json()["results"]]
    assert names == ["Nosso"]
    assert client.get(f"/api/v1/calendars/{theirs.pk}/status/").status_code == 404
    assert client.get(f"/api/v1/calendars/{mine.pk}/status/").status_code == 200


def test_an_agent_gets_403(api_as, agent_a, company):
    calendar = make_calendar(company)
    assert api_as(agent_a).get(f"/api/v1/calendars/{calendar.pk}/status/").status_code == 403
