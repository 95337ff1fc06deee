"""Agents' control (SPEC §9.1): a supervisor pauses an agent (with a reason), puts them
offline (§7.1: their attendances requeued, never closed) or ends their session (browser
and API token, until they log in again); the agent's open page is told live; an agent
out of the supervisor's operations answers 404."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client, TestCase
from knox.models import AuthToken

from attendance.distribution import distribute_group
from attendance.event_log import event_log
from attendance.models import AgentPresence, Attendance, Status
from core.live import live_last_id, live_since
from tests.factories import ServiceGroupFactory, UserFactory, online, queued_attendance
from users.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor(operation_a, operation_b, supervisor_profile):
    supervisor_profile.permissions.add(
        Permission.objects.get(content_type__app_label="reports", codename="monitor_attendances")
    )
    eva = UserFactory(username="eva", display_name="Eva Agente", role=Role.AGENT, operations=[operation_a])
    sara = UserFactory(username="sara", display_name="Sara Supervisora", role=Role.SUPERVISOR,
                       operations=[operation_a], profile=supervisor_profile)  # fmt: skip
    caio = UserFactory(username="caio", role=Role.SUPERVISOR, operations=[operation_b], profile=supervisor_profile)
    suporte = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva])
    online(eva)
    attendance = queued_attendance(suporte, "34991234567")
    distribute_group(group_id=suporte.pk)
    assert Attendance.objects.get(pk=attendance.pk).agent == eva
    return {"eva": eva, "sara": sara, "caio": caio, "attendance": attendance}


def _post(client, url, data=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {}, format="json")


def _live(user, since):
    return [(e.event, e.data) for e in live_since(user.pk, since)[0] if e.event != "delivery"]


def test_a_supervisor_pauses_an_agent_with_a_reason_and_the_agents_page_is_told(api_as, floor):
    online(floor["eva"], "paused", "Almoço")  # creates the reason
    online(floor["eva"])
    since = live_last_id(floor["eva"].pk)
    response = _post(api_as(floor["sara"]), f"/api/v1/agents/{floor['eva'].pk}/presence/",
                     {"state": "paused", "reason": "Almoço"})  # fmt: skip
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["reason"]) == ("paused", "Almoço")
    assert AgentPresence.objects.get(agent=floor["eva"]).state == "paused"
    assert ("presence", {"state": "paused", "forced": True, "reason": "Almoço"}) in _live(floor["eva"], since)
    assert Attendance.objects.get(pk=floor["attendance"].pk).agent == floor["eva"]  # a pause keeps them


def test_a_pause_without_an_active_reason_is_refused_with_a_message(api_as, floor):
    response = api_as(floor["sara"]).post(f"/api/v1/agents/{floor['eva'].pk}/presence/", {"state": "paused"},
                                          format="json")  # fmt: skip
    assert response.status_code == 400 and response.json()["reason"] == ["Informe o motivo da pausa."]


def test_putting_an_agent_offline_requeues_their_attendances_and_the_log_says_who(api_as, floor):
    response = _post(api_as(floor["sara"]), f"/api/v1/agents/{floor['eva'].pk}/presence/", {"state": "offline"})
    assert response.status_code == 200
    attendance = Attendance.objects.get(pk=floor["attendance"].pk)
    assert (attendance.status, attendance.agent, attendance.closed_at) == (Status.QUEUED, None, None)
    event = attendance.events.get(type="requeued")
    assert (event.data["reason"], event.data["by"]) == ("agent_offline", floor["sara"].pk)
    lines = [line.text for line in event_log(attendance, floor["sara"])]
    assert "De volta à fila de Suporte: Sara Supervisora colocou Eva Agente offline." in lines


def test_ending_an_agents_session_logs_them_out_everywhere_and_tells_their_page(api_as, floor):
    browser = Client()
    browser.force_login(floor["eva"])
    assert browser.get("/workspace/inbox/").status_code == 200
    _instance, token = AuthToken.objects.create(user=floor["eva"])
    api_ok = Client().get("/api/v1/attendances/", HTTP_AUTHORIZATION=f"Token {token}")
    assert api_ok.status_code == 200
    since = live_last_id(floor["eva"].pk)

    response = _post(api_as(floor["sara"]), f"/api/v1/agents/{floor['eva'].pk}/logout/")

    assert response.status_code == 200 and response.json()["ended"] == 2
    assert browser.get("/workspace/inbox/").status_code in (302, 401, 403)
    assert Client().get("/api/v1/attendances/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    assert ("session_ended", {"by": "Sara Supervisora"}) in _live(floor["eva"], since)
    assert AgentPresence.objects.get(agent=floor["eva"]).state == "offline"
    assert Attendance.objects.get(pk=floor["attendance"].pk).status == Status.QUEUED  # requeued, never closed
    again = Client()
    again.force_login(floor["eva"])  # she may log in again
    assert again.get("/workspace/inbox/").status_code == 200


@pytest.mark.parametrize("action", ["presence", "logout"])
def test_an_agent_of_another_operation_answers_404_and_nothing_changes(api_as, floor, action):
    response = api_as(floor["caio"]).post(f"/api/v1/agents/{floor['eva'].pk}/{action}/", {"state": "offline"},
                                          format="json")  # fmt: skip
    assert response.status_code == 404
    assert AgentPresence.objects.get(agent=floor["eva"]).state == "online"


@pytest.mark.parametrize("action", ["presence", "logout"])
def test_an_agent_cannot_control_a_colleague(api_as, floor, operation_a, action):
    lia = UserFactory(username="lia", role=Role.AGENT, operations=[operation_a])
    response = api_as(lia).post(f"/api/v1/agents/{floor['eva'].pk}/{action}/", {"state": "offline"}, format="json")
    assert response.status_code == 403
    assert AgentPresence.objects.get(agent=floor["eva"]).state == "online"


def test_the_dashboard_agents_panel_shows_the_last_answer_the_waiting_customer_and_the_actions(web_as, api_as, floor):
    from django.utils import timezone

    Attendance.objects.filter(pk=floor["attendance"].pk).update(last_customer_message_at=timezone.now())
    floor["sara"].profile.permissions.add(
        Permission.objects.get(content_type__app_label="attendance", codename="view_dashboard")
    )
    page = web_as(floor["sara"]).get("/dashboard/").content.decode()
    assert 'data-control="1"' in page and "Cliente esperando" in page and "Última resposta" in page
    assert "Colocar offline" in page and "Encerrar sess\\u00e3o" in page  # the script's labels (JSON)
    rows = api_as(floor["sara"]).get("/api/v1/dashboard/").json()["agents"]
    eva = next(row for row in rows if row["id"] == floor["eva"].pk)
    assert eva["waiting_since"] is not None and eva["in_progress"] == 1
