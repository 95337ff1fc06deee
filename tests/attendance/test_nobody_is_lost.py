"""SPEC §7.1, nobody is lost at the edges: an attendance leaves an agent only by a rule
the agent or the customer can see. Going offline requeues (never closes) with the
customer's place kept; a vanished agent follows ``redirect_on_agent_disconnect`` and the
customer is told either way; a transfer to a group never bounces back to its sender."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from attendance.agent_actions import attendance_transfer
from attendance.distribution import distribute_group
from attendance.models import AgentPresence, Attendance, Message, Status
from attendance.presence import presence_expire, presence_set
from attendance.services import group_save
from tests.factories import ServiceGroupFactory, UserFactory, online, queued_attendance
from users.models import Role

pytestmark = pytest.mark.django_db

REQUEUED = "Você será atendido por outro agente em instantes."
DISCONNECTED = (
    "Seu atendimento foi encerrado porque o agente ficou indisponível. "
    "Envie uma nova mensagem para ser atendido novamente."
)


def _fresh(attendance):
    return Attendance.objects.get(pk=attendance.pk)


def _customer_reads(attendance):
    """What the customer was sent, in order (system notes and internal texts excluded)."""
    return list(
        Message.objects.filter(attendance=attendance, direction="out")
        .exclude(sender="system")
        .order_by("created_at", "pk")
        .values_list("body", flat=True)
    )


def _agent(operation, name, capacity=3, state="online"):
    agent = UserFactory(username=name, role=Role.AGENT, operations=[operation], max_simultaneous=capacity)
    if state:
        online(agent, state)
    return agent


@pytest.fixture
def suporte(operation_a):
    """eva is the only one online in Suporte; ze belongs to it but is offline."""
    eva = _agent(operation_a, "eva", capacity=1)
    ze = _agent(operation_a, "ze", capacity=1, state=None)
    group = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva, ze])
    first = queued_attendance(group, "34991230001", queued_at=timezone.now() - timedelta(minutes=10))
    distribute_group(group_id=group.pk)
    assert _fresh(first).agent == eva
    return {"group": group, "eva": eva, "ze": ze, "first": first}


# Going offline --------------------------------------------------------------------------------


def test_going_offline_returns_the_attendance_to_the_queue_and_never_closes_it(suporte):
    assert suporte["group"].redirect_on_agent_disconnect is False  # whatever the group says
    presence_set(agent=suporte["eva"], state="offline")
    attendance = _fresh(suporte["first"])
    assert (attendance.status, attendance.agent, attendance.closed_at) == (Status.QUEUED, None, None)
    event = attendance.events.get(type="requeued")
    assert (event.data["reason"], event.data["agent"]) == ("agent_offline", suporte["eva"].pk)


def test_the_customer_is_told_another_agent_is_coming_when_the_agent_goes_offline(suporte):
    presence_set(agent=suporte["eva"], state="offline")
    assert _customer_reads(suporte["first"])[-1] == REQUEUED


def test_a_requeued_customer_keeps_their_place_ahead_of_those_who_came_later(suporte):
    original = _fresh(suporte["first"]).queued_at
    later = queued_attendance(suporte["group"], "34991230002", queued_at=timezone.now() - timedelta(minutes=1))
    presence_set(agent=suporte["eva"], state="offline")
    assert _fresh(suporte["first"]).queued_at == original
    online(suporte["ze"])  # capacity 1: takes the one first in line
    distribute_group(group_id=suporte["group"].pk)
    assert _fresh(suporte["first"]).agent == suporte["ze"]
    assert _fresh(later).status == Status.QUEUED


def test_going_offline_through_the_api_requeues_too(api_as, suporte):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api_as(suporte["eva"]).post("/api/v1/agents/me/presence/", {"state": "offline"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "offline"
    assert _fresh(suporte["first"]).status == Status.QUEUED


def test_pausing_keeps_the_attendances_with_the_agent_and_sends_no_new_ones(suporte):
    online(suporte["eva"], "paused")
    attendance = _fresh(suporte["first"])
    assert (attendance.status, attendance.agent) == (Status.IN_PROGRESS, suporte["eva"])
    assert REQUEUED not in _customer_reads(attendance)


# Disconnection (the heartbeat expired) ----------------------------------------------------------


def _vanish(agent):
    AgentPresence.objects.filter(agent=agent).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert presence_expire() == 1


def test_a_vanished_agents_attendance_goes_back_to_the_queue_where_the_group_redirects(suporte):
    suporte["group"].redirect_on_agent_disconnect = True
    group_save(group=suporte["group"])
    _vanish(suporte["eva"])
    attendance = _fresh(suporte["first"])
    assert attendance.status == Status.QUEUED
    assert attendance.events.get(type="requeued").data["reason"] == "agent_disconnected"
    assert _customer_reads(attendance)[-1] == REQUEUED


def test_a_vanished_agents_attendance_is_closed_otherwise_and_the_customer_is_told_why(suporte):
    _vanish(suporte["eva"])
    attendance = _fresh(suporte["first"])
    assert (attendance.status, attendance.close_reason) == (Status.CLOSED, "agent_disconnected")
    assert DISCONNECTED in _customer_reads(attendance)


# Transfer to a group ---------------------------------------------------------------------------------


@pytest.fixture
def two_groups(operation_a):
    """eva works in Vendas and Suporte; davi only in Suporte (offline at first)."""
    eva = _agent(operation_a, "eva", capacity=3)
    davi = _agent(operation_a, "davi", capacity=3, state=None)
    suporte = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva, davi])
    vendas = ServiceGroupFactory(name="Vendas", operation=operation_a, agents=[eva], transfer_targets=[suporte])
    attendance = queued_attendance(vendas, "34991230003")
    distribute_group(group_id=vendas.pk)
    assert _fresh(attendance).agent == eva
    return {"eva": eva, "davi": davi, "suporte": suporte, "vendas": vendas, "attendance": attendance}


def test_a_transfer_to_a_group_of_the_sender_never_hands_it_back_to_them(two_groups):
    online(two_groups["davi"])
    attendance_transfer(attendance=two_groups["attendance"], actor=two_groups["eva"], group=two_groups["suporte"])
    distribute_group(group_id=two_groups["suporte"].pk)
    attendance = _fresh(two_groups["attendance"])
    assert (attendance.group, attendance.agent) == (two_groups["suporte"], two_groups["davi"])
    event = attendance.events.get(type="transferred")
    assert (event.data["from_agent"], event.data["by"]) == (two_groups["eva"].pk, two_groups["eva"].pk)
    assert _customer_reads(attendance)[-1] == "Davi está atendendo você agora."


def test_with_nobody_else_eligible_the_transferred_attendance_waits_in_the_queue(two_groups):
    attendance_transfer(attendance=two_groups["attendance"], actor=two_groups["eva"], group=two_groups["suporte"])
    behind = queued_attendance(two_groups["suporte"], "34991230004")
    distribute_group(group_id=two_groups["suporte"].pk)
    assert _fresh(two_groups["attendance"]).status == Status.QUEUED
    assert _fresh(behind).agent == two_groups["eva"]  # the queue behind it is not held up
    assert _customer_reads(two_groups["attendance"]).count("Eva está atendendo você agora.") == 1  # only in Vendas
    online(two_groups["davi"])
    distribute_group(group_id=two_groups["suporte"].pk)
    assert _fresh(two_groups["attendance"]).agent == two_groups["davi"]


def test_a_supervisors_transfer_leaves_out_the_agent_who_held_it(two_groups, supervisor_a):
    online(two_groups["davi"])
    attendance_transfer(attendance=two_groups["attendance"], actor=supervisor_a, group=two_groups["suporte"])
    distribute_group(group_id=two_groups["suporte"].pk)
    attendance = _fresh(two_groups["attendance"])
    assert attendance.agent == two_groups["davi"]
    event = attendance.events.get(type="transferred")
    assert (event.data["from_agent"], event.data["by"]) == (two_groups["eva"].pk, supervisor_a.pk)


def test_the_sender_may_receive_it_again_after_someone_else_was_assigned(two_groups):
    """Left out of the *next* assignment only: once davi had it, a later requeue may reach eva."""
    online(two_groups["davi"])
    attendance_transfer(attendance=two_groups["attendance"], actor=two_groups["eva"], group=two_groups["suporte"])
    distribute_group(group_id=two_groups["suporte"].pk)
    presence_set(agent=two_groups["davi"], state="offline")
    distribute_group(group_id=two_groups["suporte"].pk)
    assert _fresh(two_groups["attendance"]).agent == two_groups["eva"]
