"""SPEC §7 / §8.3 / §8.5 through the API: presence, disconnect, messages with media
rules, transfers, closing with classification and survey."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from attendance.distribution import distribute_group
from attendance.models import AgentPresence, Attendance, Message, PauseReason, Status
from attendance.presence import presence_expire
from attendance.services import group_save
from surveys.models import Response
from tests.factories import (
    ServiceGroupFactory,
    UserFactory,
    make_channel,
    make_classification,
    make_survey,
    online,
    queued_attendance,
)
from users.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(operation_a):
    """eva works in Suporte and can transfer to Vendas; davi works in Vendas."""
    eva = UserFactory(username="eva2", role=Role.AGENT, operations=[operation_a], max_simultaneous=3)
    davi = UserFactory(username="davi2", role=Role.AGENT, operations=[operation_a], max_simultaneous=3)
    vendas = ServiceGroupFactory(name="Vendas", operation=operation_a, agents=[davi])
    suporte = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva], transfer_targets=[vendas])
    online(eva)
    online(davi)
    attendance = queued_attendance(suporte, "34991234567")
    distribute_group(group_id=suporte.pk)
    attendance.refresh_from_db()
    assert attendance.agent == eva
    return {"eva": eva, "davi": davi, "vendas": vendas, "suporte": suporte, "attendance": attendance}


def _act(api_as, user, attendance, action, payload):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return api_as(user).post(f"/api/v1/attendances/{attendance.pk}/{action}/", payload, format="json")


def test_the_agent_answers_and_the_message_is_delivered(api_as, desk):
    response = _act(api_as, desk["eva"], desk["attendance"], "messages", {"kind": "text", "text": "Olá!"})
    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.sender, message.agent, message.delivery) == ("agent", desk["eva"], "sent")
    assert message.sender_name == "eva2".title()  # display_name_mode = agent


def test_only_the_assigned_agent_can_answer(api_as, desk):
    response = _act(api_as, desk["davi"], desk["attendance"], "messages", {"text": "oi"})
    assert response.status_code == 404  # not his attendance: answered like a missing one (SPEC §10)


def test_receive_only_groups_and_media_flags_are_honoured(api_as, desk):
    suporte = desk["suporte"]
    assert (
        _act(api_as, desk["eva"], desk["attendance"], "messages", {"kind": "image", "text": "x.png"}).status_code == 400
    )
    suporte.allow_image = True
    group_save(group=suporte)
    assert (
        _act(api_as, desk["eva"], desk["attendance"], "messages", {"kind": "image", "text": "x.png"}).status_code == 201
    )
    suporte.receive_only = True
    group_save(group=suporte)
    response = _act(api_as, desk["eva"], desk["attendance"], "messages", {"text": "oi"})
    assert response.status_code == 400 and "kind" in response.json()


def test_transfer_to_a_permitted_group_queues_it_there(api_as, desk):
    response = _act(api_as, desk["eva"], desk["attendance"], "transfer", {"group": desk["vendas"].pk})
    assert response.status_code == 200
    attendance = Attendance.objects.get(pk=desk["attendance"].pk)
    assert attendance.group == desk["vendas"]
    assert attendance.agent == desk["davi"]  # distributed on commit to Vendas' agent
    assert attendance.events.filter(type="transferred").exists()


def test_transfer_to_a_group_not_permitted_is_refused(api_as, desk, operation_a):
    other = ServiceGroupFactory(name="Outro", operation=operation_a)
    response = _act(api_as, desk["eva"], desk["attendance"], "transfer", {"group": other.pk})
    assert response.status_code == 400 and "group" in response.json()
    assert Attendance.objects.get(pk=desk["attendance"].pk).group == desk["suporte"]


def test_transfer_to_a_paused_agent_only_where_the_group_accepts_it(api_as, desk):
    online(desk["davi"], "paused")
    response = _act(api_as, desk["eva"], desk["attendance"], "transfer", {"agent": desk["davi"].pk})
    assert response.status_code == 400 and "agent" in response.json()
    desk["vendas"].transfer_to_paused_agents = True
    group_save(group=desk["vendas"])
    response = _act(api_as, desk["eva"], desk["attendance"], "transfer", {"agent": desk["davi"].pk})
    assert response.status_code == 200
    attendance = Attendance.objects.get(pk=desk["attendance"].pk)
    assert (attendance.agent, attendance.group, attendance.status) == (desk["davi"], desk["vendas"], Status.IN_PROGRESS)


def test_closing_requires_a_leaf_when_the_group_requires_classification(api_as, desk):
    classification = make_classification()
    suporte = desk["suporte"]
    suporte.classification, suporte.classification_required = classification, True
    group_save(group=suporte)
    assert _act(api_as, desk["eva"], desk["attendance"], "close", {}).status_code == 400
    parent = classification.nodes.get(name="Dúvida")
    assert _act(api_as, desk["eva"], desk["attendance"], "close", {"classification_node": parent.pk}).status_code == 400
    leaf = classification.nodes.get(name="Preço")
    response = _act(api_as, desk["eva"], desk["attendance"], "close", {"classification_node": leaf.pk})
    assert response.status_code == 200
    attendance = Attendance.objects.get(pk=desk["attendance"].pk)
    assert (attendance.status, attendance.close_reason, attendance.classification_node) == (
        Status.CLOSED,
        "agent",
        leaf,
    )


def test_the_survey_goes_out_on_close_and_the_answers_are_recorded(api, api_as, desk):
    survey = make_survey(send_on_close_by=["agent"])
    suporte = desk["suporte"]
    suporte.survey, suporte.survey_required = survey, True
    group_save(group=suporte)
    channel, token = make_channel()
    Attendance.objects.filter(pk=desk["attendance"].pk).update(channel=channel)
    assert _act(api_as, desk["eva"], desk["attendance"], "close", {}).status_code == 200
    bot_messages = Message.objects.filter(attendance=desk["attendance"], sender="bot")
    assert "Como foi?" in bot_messages.last().body
    for answer in ["1", "9", "Tudo certo"]:
        with TestCase.captureOnCommitCallbacks(execute=True):
            reply = api.post("/api/v1/inbound/", {"network": "whatsapp", "phone": "34991234567", "text": answer},
                             format="json", HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
        assert reply.status_code == 200
    responses = Response.objects.filter(attendance=desk["attendance"]).order_by("question__position")
    assert [(r.question.type, r.satisfied, r.score, r.text) for r in responses] == [
        ("csat", True, None, ""), ("nps", None, 9, ""), ("open", None, None, "Tudo certo"),
    ]  # fmt: skip
    assert Attendance.objects.filter(customer=desk["attendance"].customer).count() == 1  # no new attendance


def test_without_survey_required_the_agent_chooses(api_as, desk):
    survey = make_survey(send_on_close_by=["agent"])
    desk["suporte"].survey = survey
    group_save(group=desk["suporte"])
    _act(api_as, desk["eva"], desk["attendance"], "close", {"send_survey": False})
    assert Attendance.objects.get(pk=desk["attendance"].pk).survey_step is None


def test_presence_requires_a_reason_to_pause(api_as, desk):
    response = api_as(desk["eva"]).post("/api/v1/agents/me/presence/", {"state": "paused"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    PauseReason.objects.create(name="Café")
    ok = api_as(desk["eva"]).post("/api/v1/agents/me/presence/", {"state": "paused", "reason": "Café"}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == "paused"


@pytest.mark.parametrize("redirect", [True, False])
def test_going_offline_requeues_whatever_the_redirect_setting(api_as, desk, redirect):
    """SPEC §7.1: the agent's own "Offline" never closes; only a vanished agent's may."""
    desk["suporte"].redirect_on_agent_disconnect = redirect
    group_save(group=desk["suporte"])
    other = UserFactory(username="ze", role=Role.AGENT, max_simultaneous=2)
    group_save(group=desk["suporte"], agents=[desk["eva"], other])
    online(other)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api_as(desk["eva"]).post("/api/v1/agents/me/presence/", {"state": "offline"}, format="json")
    assert response.status_code == 200
    attendance = Attendance.objects.get(pk=desk["attendance"].pk)
    assert attendance.status == Status.IN_PROGRESS
    assert attendance.agent == other and attendance.events.filter(type="requeued").exists()


def test_a_vanished_agent_becomes_offline(desk):
    AgentPresence.objects.filter(agent=desk["eva"]).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert presence_expire() == 1
    assert AgentPresence.objects.get(agent=desk["eva"]).state == "offline"
    assert Attendance.objects.get(pk=desk["attendance"].pk).status == Status.CLOSED


def test_agents_see_only_their_attendances(api_as, desk):
    mine = api_as(desk["eva"]).get("/api/v1/attendances/").json()["results"]
    assert [a["id"] for a in mine] == [desk["attendance"].pk]
    assert api_as(desk["davi"]).get("/api/v1/attendances/").json()["results"] == []
    detail = api_as(desk["eva"]).get(f"/api/v1/attendances/{desk['attendance'].pk}/").json()
    assigned = [e for e in detail["events"] if e["type"] == "assigned"][0]
    assert {"strategy", "candidates", "chosen"} <= set(assigned["data"])
