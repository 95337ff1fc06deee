"""SPEC §14 in the engine, with a frozen clock: a group's calendar decides what happens to
an attendance that would enter its queue while closed (queue, close, another group); the
bot still runs; a closed group's queue waits for the opening; the ETA counts from it."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

import pytest
from django.test import TestCase
from django.utils import timezone

from attendance.agent_actions import attendance_transfer
from attendance.distribution import distribute_group
from attendance.models import Attendance, Bot, BotKind, Event, Message, Status
from attendance.queue_positions import queue_positions_notify
from attendance.services import bot_save, group_save
from calendars.models import Calendar
from calendars.services import calendar_save
from tests.factories import ServiceGroupFactory, UserFactory, make_channel, online, queued_attendance
from users.models import Role

pytestmark = pytest.mark.django_db

SP = zoneinfo.ZoneInfo("America/Sao_Paulo")
CHRISTMAS = datetime(2026, 12, 25, 10, 0, tzinfo=SP)  # a Friday, national holiday
TUESDAY_NOON = datetime(2026, 12, 8, 12, 0, tzinfo=SP)
MONDAY_OPENING = datetime(2026, 12, 28, 8, 0, tzinfo=SP)


@pytest.fixture
def clock(monkeypatch):
    """``clock.set(datetime)``: the engine's ``timezone.now()`` answers that moment."""

    class Clock:
        now = CHRISTMAS

        def set(self, moment):
            self.now = moment

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def calendar(company):
    return calendar_save(calendar=Calendar(
        name="Comercial", company=company,
        intervals=[{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(5)],
    ))  # fmt: skip


@pytest.fixture
def agent(operation_a):
    return UserFactory(username="rita", role=Role.AGENT, operations=[operation_a], max_simultaneous=3)


def _group(operation, calendar, agent, **fields):
    return ServiceGroupFactory(name=fields.pop("name", "Suporte"), operation=operation, calendar=calendar,
                               agents=[agent], **fields)  # fmt: skip


def _inbound(api, token, text="Olá", phone="(34) 99123-4567"):
    payload = {"network": "whatsapp", "country_code": "55", "phone": phone, "display_name": "Maria Silva",
               "kind": "text", "text": text}  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post("/api/v1/inbound/", payload, format="json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code in (200, 201), response.content
    return Attendance.objects.get(pk=response.json()["attendance"])


def _said(attendance):
    return [m.body for m in Message.objects.filter(attendance=attendance, sender="bot").order_by("pk")]


def _events(attendance, type_):
    return list(Event.objects.filter(attendance=attendance, type=type_))


def test_on_christmas_the_customer_hears_the_hours_and_waits_for_the_opening(api, clock, operation_a, calendar, agent):
    group = _group(operation_a, calendar, agent, out_of_hours_action="queue")
    online(agent)
    _channel, token = make_channel()
    attendance = _inbound(api, token)
    assert (attendance.group_id, attendance.status, attendance.agent_id) == (group.pk, Status.QUEUED, None)
    message = next(body for body in _said(attendance) if body.startswith("Nosso horário"))
    assert "Segunda 08:00–18:00" in message
    assert "Hoje é feriado (Natal)." in message
    assert "Voltamos a atender em 28/12/2026 às 08:00." in message
    (event,) = _events(attendance, "out_of_hours")
    assert (event.data["action"], event.data["reason"], event.data["holiday"]) == ("queue", "holiday", "Natal")
    assert distribute_group(group_id=group.pk) == 0  # an agent is online, but the group is closed
    clock.set(MONDAY_OPENING)
    online(agent)
    assert distribute_group(group_id=group.pk) == 1
    assert Attendance.objects.get(pk=attendance.pk).agent_id == agent.pk


def test_with_close_the_attendance_closes_with_reason_out_of_hours(api, clock, operation_a, calendar, agent):
    group = _group(operation_a, calendar, agent, out_of_hours_action="close",
                   out_of_hours_message="Estamos fechados. Volte em horário comercial.")  # fmt: skip
    _channel, token = make_channel()
    attendance = _inbound(api, token)
    assert (attendance.status, attendance.close_reason, attendance.group_id) == (
        Status.CLOSED,
        "out_of_hours",
        group.pk,
    )
    assert "Estamos fechados. Volte em horário comercial." in _said(attendance)
    assert _events(attendance, "out_of_hours")[0].data["action"] == "close"
    assert _events(attendance, "closed")[0].data["reason"] == "out_of_hours"


def test_with_group_the_attendance_goes_to_the_out_of_hours_group(api, clock, operation_a, calendar, agent):
    group = _group(operation_a, calendar, agent)  # the oldest main group: where customers start
    plantao = ServiceGroupFactory(name="Plantão 24h", operation=operation_a, agents=[agent])
    group.out_of_hours_action, group.out_of_hours_group = "group", plantao
    group_save(group=group)
    _channel, token = make_channel()
    attendance = _inbound(api, token)
    assert (attendance.status, attendance.group_id) == (Status.QUEUED, plantao.pk)
    event = _events(attendance, "out_of_hours")[0]
    assert (event.data["group"], event.data["to_group"]) == (group.pk, plantao.pk)
    assert _events(attendance, "queued")[0].data["out_of_hours_from"] == group.pk


def test_in_hours_nothing_changes(api, clock, operation_a, calendar, agent):
    clock.set(TUESDAY_NOON)
    group = _group(operation_a, calendar, agent, out_of_hours_action="close")
    _channel, token = make_channel()
    attendance = _inbound(api, token)
    assert (attendance.status, attendance.group_id) == (Status.QUEUED, group.pk)
    assert not _events(attendance, "out_of_hours")


def test_the_bot_still_runs_and_the_rule_applies_when_its_choice_enters_a_closed_queue(
    api, clock, operation_a, calendar, agent
):
    vendas = _group(operation_a, calendar, agent, name="Vendas", out_of_hours_action="close")
    bot = bot_save(bot=Bot(name="menu", kind=BotKind.SERVICE, menu={"text": "Escolha:", "options": [
        {"key": "1", "label": "Vendas", "action": "transfer_to_group", "group": vendas.pk}]}))  # fmt: skip
    main = ServiceGroupFactory(name="Atendimento", operation=operation_a, calendar=calendar,
                               out_of_hours_action="close")  # fmt: skip
    main.initialization_bot = bot
    group_save(group=main)
    vendas.parent = main
    group_save(group=vendas)
    _channel, token = make_channel()
    attendance = _inbound(api, token)
    assert attendance.status == Status.BOT  # greeted by the bot on Christmas
    assert "Escolha:" in _said(attendance)[0]
    attendance = _inbound(api, token, text="1")
    assert (attendance.status, attendance.close_reason, attendance.group_id) == (
        Status.CLOSED,
        "out_of_hours",
        vendas.pk,
    )


def test_an_agent_transfer_into_a_closed_group_waits_for_the_opening(clock, operation_a, calendar, agent):
    clock.set(TUESDAY_NOON)
    origin = ServiceGroupFactory(name="Origem", operation=operation_a, agents=[agent])
    closed = _group(operation_a, calendar, agent, name="Fechado", out_of_hours_action="close")
    origin.transfer_targets.add(closed)
    attendance = queued_attendance(origin, "(34) 99111-0000")
    online(agent)
    distribute_group(group_id=origin.pk)
    clock.set(datetime(2026, 12, 8, 19, 0, tzinfo=SP))
    attendance_transfer(attendance=Attendance.objects.get(pk=attendance.pk), group=closed, actor=agent)
    attendance = Attendance.objects.get(pk=attendance.pk)
    assert (attendance.status, attendance.group_id) == (Status.QUEUED, closed.pk)
    assert _events(attendance, "out_of_hours")[0].data["action"] == "queue"


def test_the_queue_position_counts_from_the_opening(clock, operation_a, calendar, agent):
    group = _group(operation_a, calendar, agent)
    clock.set(datetime(2026, 12, 8, 21, 0, tzinfo=SP))  # Tuesday night
    first = queued_attendance(group, "(34) 99111-0001", queued_at=timezone.now())
    queued_attendance(group, "(34) 99111-0002", queued_at=timezone.now())
    assert queue_positions_notify(group_id=group.pk) == 2
    text = Message.objects.filter(attendance=first).last().body
    assert text.startswith("Você é o 1º da fila. Abrimos em 09/12 às 08:00; previsão de atendimento por volta das 08:")


def test_the_monitor_tells_the_out_of_hours_story_in_portuguese(api, web_as, admin_user, clock, operation_a, calendar,
                                                                agent):  # fmt: skip
    _group(operation_a, calendar, agent, out_of_hours_action="close")
    _channel, token = make_channel()
    attendance = _inbound(api, token)
    page = web_as(admin_user).get(f"/monitor/{attendance.pk}/").content.decode()
    assert "Fora do horário de Suporte: o atendimento foi encerrado. Feriado: Natal." in page
    assert "(Fora do horário)" in page  # the close reason's label


def test_the_group_rules_for_out_of_hours_are_checked_with_portuguese_messages(api_as, admin_user, operation_a,
                                                                               calendar):  # fmt: skip
    from tests.factories import CompanyFactory

    client = api_as(admin_user)
    base = {"name": "Noite", "operation": operation_a.pk, "calendar": calendar.pk, "out_of_hours_action": "group"}
    missing = client.post("/api/v1/groups/", base, format="json", HTTP_ACCEPT_LANGUAGE="pt-br")
    assert missing.status_code == 400
    assert missing.json()["out_of_hours_group"] == ["Escolha o grupo que recebe os atendimentos fora do horário."]
    other = calendar_save(calendar=Calendar(name="Outra", company=CompanyFactory(name="Outra Empresa")))
    foreign = client.post("/api/v1/groups/", {**base, "calendar": other.pk, "out_of_hours_action": "queue"},
                          format="json", HTTP_ACCEPT_LANGUAGE="pt-br")  # fmt: skip
    assert foreign.json()["calendar"] == ["O calendário deve ser da empresa da operação do grupo."]
    created = client.post("/api/v1/groups/", {**base, "out_of_hours_action": "close"}, format="json").json()
    assert (created["calendar"], created["out_of_hours_action"], created["send_protocol"]) == (
        calendar.pk,
        "close",
        True,
    )
