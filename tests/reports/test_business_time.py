"""Business time (SPEC §14): with a service calendar, queue waits and the initial SLA count
open time only — in the rollups, the dashboard and ``reports_verify`` alike."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

import pytest
from django.db.models import Sum
from django.test import TestCase
from django.utils import timezone

from attendance.distribution import distribute_group
from attendance.models import Attendance
from calendars.models import Calendar
from calendars.services import calendar_save
from reports.models import GroupHour
from reports.recompute import verify_day
from tests.factories import ServiceGroupFactory, UserFactory, make_channel, online
from users.models import Role

pytestmark = pytest.mark.django_db

SP = zoneinfo.ZoneInfo("America/Sao_Paulo")


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = datetime(2026, 12, 8, 21, 0, tzinfo=SP)  # Tuesday night, closed

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def night(api, clock, operation_a, company):
    """Maria writes at 21:00 to a group open 08:00–18:00 with a 30-minute SLA; Rita takes
    her at 08:20 the next morning; Joana writes at 08:05 and waits until 08:45."""
    calendar = calendar_save(calendar=Calendar(name="Comercial", company=company, intervals=[
        {"weekday": day, "start": "08:00", "end": "18:00"} for day in range(5)]))  # fmt: skip
    rita = UserFactory(username="rita", role=Role.AGENT, operations=[operation_a], max_simultaneous=1)
    group = ServiceGroupFactory(name="Suporte", operation=operation_a, calendar=calendar, initial_sla_minutes=30,
                                agents=[rita])  # fmt: skip
    _channel, token = make_channel()

    def write(phone):
        payload = {"network": "whatsapp", "country_code": "55", "phone": phone, "display_name": "Cliente",
                   "kind": "text", "text": "Oi"}  # fmt: skip
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = api.post("/api/v1/inbound/", payload, format="json", HTTP_AUTHORIZATION=f"Bearer {token}")
        return Attendance.objects.get(pk=response.json()["attendance"])

    maria = write("(34) 99000-0001")
    clock.now = datetime(2026, 12, 9, 8, 5, tzinfo=SP)
    joana = write("(34) 99000-0002")
    clock.now = datetime(2026, 12, 9, 8, 20, tzinfo=SP)
    online(rita)
    distribute_group(group_id=group.pk)
    return {"group": group, "rita": rita, "maria": maria, "joana": joana}


def test_a_wait_across_the_closed_night_counts_only_open_time(night, clock):
    figures = GroupHour.objects.filter(group=night["group"]).aggregate(
        assigned=Sum("assigned"), wait=Sum("wait_sum"), met=Sum("sla_met")
    )
    assert figures == {"assigned": 1, "wait": 20 * 60, "met": 1}  # 08:00–08:20, not 11 h 20 min


def test_reports_verify_agrees_with_the_rollups_in_business_time(night, clock):
    clock.now = datetime(2026, 12, 9, 12, 0, tzinfo=SP)
    for day in (datetime(2026, 12, 8).date(), datetime(2026, 12, 9).date()):
        assert verify_day(day, "America/Sao_Paulo") == []


def test_the_dashboard_shows_the_longest_wait_and_service_level_in_business_time(api_as, admin_user, night, clock):
    clock.now = datetime(2026, 12, 9, 8, 45, tzinfo=SP)
    totals = api_as(admin_user).get("/api/v1/dashboard/").json()["totals"]
    assert totals["queued"] == 1
    assert totals["longest_wait_seconds"] == 40 * 60  # Joana, since 08:05
    assert totals["today"]["service_level_percent"] == 100.0
    assert totals["today"]["avg_wait_seconds"] == 20 * 60


def test_the_report_says_which_rule_each_group_used(api_as, web_as, admin_user, night, operation_a):
    ServiceGroupFactory(name="Plantão", operation=operation_a)
    body = api_as(admin_user).get("/api/v1/reports/service-level/", {"start": "2026-12-09", "end": "2026-12-09"}).json()
    rules = {rule["name"]: (rule["rule"], rule["calendar"]) for rule in body["wait_rules"]}
    assert rules == {"Suporte": ("business_hours", "Comercial"), "Plantão": ("clock", None)}
    page = web_as(admin_user).get("/reports/service-level/").content.decode()
    assert "Suporte: horário de atendimento (Comercial), conta só o tempo aberto" in page
    assert "Plantão: tempo corrido" in page
