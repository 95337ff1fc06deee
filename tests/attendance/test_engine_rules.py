"""The engine's rules a review found broken (issue 11 §6), each as the user meets it:
queue waits are not silence, nothing stays with the bot forever, capacity holds for
active messages, the "now talking to" notice follows ``display_name_mode``,
``requires_online_agent`` needs an agent who can receive, the greeting is written once,
and each bot kind speaks when SPEC §3 says."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from attendance import errors
from attendance.agent_actions import active_message_send, attendance_close, attendance_transfer
from attendance.distribution import distribute_group
from attendance.inbound import inbound_receive
from attendance.models import Attendance, Bot, BotKind, Message, Sender, Status
from attendance.timers import timers_reschedule, timers_sweep
from customers.models import Customer
from customers.services import customer_save
from tests.factories import ServiceGroupFactory, UserFactory, make_channel, make_survey, online, queued_attendance
from users.models import Role

pytestmark = pytest.mark.django_db


def _refresh(attendance):
    attendance.refresh_from_db()
    return attendance


def _bodies(attendance, sender=None):
    messages = Message.objects.filter(attendance=attendance).order_by("created_at", "pk")
    if sender:
        messages = messages.filter(sender=sender)
    return list(messages.values_list("body", flat=True))


def _agent(operation, **fields):
    agent = UserFactory(role=Role.AGENT, operations=[operation], **{"max_simultaneous": 5, **fields})
    online(agent)
    return agent


# a. Time spent queued is not silence ---------------------------------------------------------


def test_a_customer_who_waited_in_the_queue_is_not_closed_right_after_being_assigned(operation_a):
    agent = _agent(operation_a)
    group = ServiceGroupFactory(operation=operation_a, agents=[agent], inactivity_timeout_minutes=10,
                                inactivity_warning_percent=50)  # fmt: skip
    waited = timezone.now() - timedelta(minutes=15)
    attendance = queued_attendance(group, "34991234567", queued_at=waited)
    Attendance.objects.filter(pk=attendance.pk).update(last_customer_message_at=waited)
    distribute_group(group_id=group.pk)
    attendance = _refresh(attendance)
    assert attendance.status == Status.IN_PROGRESS
    assert timers_sweep(now=attendance.assigned_at + timedelta(seconds=1)) == 0
    assert _refresh(attendance).status == Status.IN_PROGRESS
    timers_sweep(now=attendance.assigned_at + timedelta(minutes=10))
    attendance = _refresh(attendance)
    assert (attendance.status, attendance.close_reason) == (Status.CLOSED, "inactivity")


# b. Nothing stays with the bot forever ----------------------------------------------------------


def test_an_attendance_left_with_the_bot_closes_after_the_groups_inactivity_time(operation_a):
    group = ServiceGroupFactory(operation=operation_a, bot_inactivity_enabled=False, inactivity_timeout_minutes=60)
    attendance = queued_attendance(group, "34991234567")
    Attendance.objects.filter(pk=attendance.pk).update(status=Status.BOT, queued_at=None)
    attendance = _refresh(attendance)
    timers_reschedule(attendance)
    assert timers_sweep(now=attendance.opened_at + timedelta(minutes=59)) == 0
    assert _refresh(attendance).status == Status.BOT
    assert timers_sweep(now=attendance.opened_at + timedelta(minutes=60)) == 1
    attendance = _refresh(attendance)
    assert (attendance.status, attendance.close_reason) == (Status.CLOSED, "inactivity")


# c. Capacity holds for active messages ------------------------------------------------------------


def test_an_active_message_never_puts_the_agent_over_capacity(operation_a):
    agent = _agent(operation_a, max_simultaneous=1)
    group = ServiceGroupFactory(operation=operation_a, agents=[agent])
    queued_attendance(group, "34991234567")
    distribute_group(group_id=group.pk)
    assert Attendance.objects.filter(agent=agent, status=Status.IN_PROGRESS).count() == 1
    other = customer_save(customer=Customer(), display_name="Outro", phone="34991234568")
    with pytest.raises(errors.AgentFullError) as error:
        active_message_send(agent=agent, customer=other, group=group, text="Oi!")
    assert str(error.value) == str(errors.CAPACITY_FULL_ACTIVE)
    assert Attendance.objects.filter(agent=agent, status=Status.IN_PROGRESS).count() == 1
    assert not Attendance.objects.filter(customer=other).exists()


def test_an_active_message_with_a_free_slot_opens_an_attendance_in_progress(operation_a):
    agent = _agent(operation_a, max_simultaneous=1)
    group = ServiceGroupFactory(operation=operation_a, agents=[agent])
    customer = customer_save(customer=Customer(), display_name="Novo", phone="34991234568")
    active_message_send(agent=agent, customer=customer, group=group, text="Oi!")
    attendance = Attendance.objects.get(customer=customer)
    assert (attendance.status, attendance.agent) == (Status.IN_PROGRESS, agent)


# d. The "now talking to" notice follows display_name_mode ---------------------------------------


@pytest.mark.parametrize("mode", ["agent", "company", "none"])
def test_the_now_assisting_notice_names_only_what_display_name_mode_allows(operation_a, mode):
    agent = _agent(operation_a, display_name="Zuleica Agente")
    group = ServiceGroupFactory(operation=operation_a, agents=[agent], display_name_mode=mode)
    attendance = queued_attendance(group, "34991234567")
    distribute_group(group_id=group.pk)
    notice = _bodies(attendance)[-1]
    company = operation_a.company.name
    assert ("Zuleica" in notice) == (mode == "agent")
    assert (company in notice) == (mode == "company")


# e. requires_online_agent needs an agent who can receive -------------------------------------------


def test_a_transfer_is_refused_when_the_only_online_agent_has_capacity_zero(operation_a):
    desk = _agent(operation_a)
    blocked = _agent(operation_a, max_simultaneous=0)
    target = ServiceGroupFactory(operation=operation_a, agents=[blocked], requires_online_agent=True)
    source = ServiceGroupFactory(operation=operation_a, agents=[desk], transfer_targets=[target])
    attendance = queued_attendance(source, "34991234567")
    distribute_group(group_id=source.pk)
    with pytest.raises(ValidationError) as error:
        attendance_transfer(attendance=attendance, actor=desk, group=target)
    assert "group" in error.value.message_dict
    assert _refresh(attendance).group == source


# h. The greeting is written once ------------------------------------------------------------------------


def _service_bot(text="Olá! Bem-vindo à Atende.", name="menu"):
    return Bot.objects.create(name=name, kind=BotKind.SERVICE,
                              menu={"text": text, "options": [{"key": "1", "label": "Sair", "action": "close"}]})  # fmt: skip


@pytest.mark.parametrize("show_name, expected", [(False, "Olá! Bem-vindo à Atende.\n1 - Sair"),
                                                 (True, "Olá, Maria! Bem-vindo à Atende.\n1 - Sair")])  # fmt: skip
def test_the_bot_greets_once_with_the_name_only_when_wanted(operation_a, show_name, expected):
    ServiceGroupFactory(operation=operation_a, initialization_bot=_service_bot())
    channel, _token = make_channel()
    customer_save(customer=Customer(), display_name="Maria Silva", phone="34991234567",
                  show_name_in_greeting=show_name)  # fmt: skip
    result = inbound_receive(channel=channel, network="whatsapp", phone="34991234567", text="Oi")
    assert _bodies(result.attendance, Sender.BOT) == [expected]


# i. Each bot kind speaks when SPEC §3 says ---------------------------------------------------------------


def test_a_transfer_bot_greets_whenever_an_attendance_enters_its_group(operation_a):
    transfer_bot = Bot.objects.create(name="boas-vindas", kind=BotKind.TRANSFER, message="Você está no suporte.")
    main = ServiceGroupFactory(operation=operation_a)
    support = ServiceGroupFactory(operation=operation_a, parent=main, initialization_bot=transfer_bot)
    bot = Bot.objects.create(name="menu2", kind=BotKind.SERVICE, menu={"text": "Escolha:", "options": [
        {"key": "1", "label": "Suporte", "action": "transfer_to_group", "group": support.pk}]})  # fmt: skip
    main.initialization_bot = bot
    main.save()
    channel, _token = make_channel()
    # By the menu choice.
    first = inbound_receive(channel=channel, network="whatsapp", phone="34991234567", text="Oi").attendance
    inbound_receive(channel=channel, network="whatsapp", phone="34991234567", text="1")
    assert _bodies(first)[-1] == "Você está no suporte."
    # By a transfer.
    desk = _agent(operation_a)
    source = ServiceGroupFactory(operation=operation_a, agents=[desk], transfer_targets=[support])
    second = queued_attendance(source, "34991234568")
    distribute_group(group_id=source.pk)
    attendance_transfer(attendance=second, actor=desk, group=support)
    assert _bodies(second)[-1] == "Você está no suporte."
    # By bot inactivity.
    timed = ServiceGroupFactory(operation=operation_a, bot_inactivity_enabled=True, bot_inactivity_timeout=1,
                                bot_inactivity_unit="minutes", bot_inactivity_action="send_to_group",
                                bot_inactivity_target_group=support)  # fmt: skip
    third = queued_attendance(timed, "34991234569")
    Attendance.objects.filter(pk=third.pk).update(status=Status.BOT, queued_at=None)
    third = _refresh(third)
    timers_reschedule(third)
    timers_sweep(now=third.opened_at + timedelta(minutes=1))
    assert (_refresh(third).group, _bodies(third)[-1]) == (support, "Você está no suporte.")


def test_the_finalization_bot_speaks_on_close_before_the_survey(operation_a):
    farewell = Bot.objects.create(name="tchau", kind=BotKind.FINALIZATION, message="Obrigado por falar conosco!")
    agent = _agent(operation_a)
    survey = make_survey(send_on_close_by=["agent"])
    group = ServiceGroupFactory(operation=operation_a, agents=[agent], finalization_bot=farewell, survey=survey,
                                survey_required=True)  # fmt: skip
    attendance = queued_attendance(group, "34991234567")
    distribute_group(group_id=group.pk)
    attendance_close(attendance=attendance, actor=agent)
    bodies = _bodies(attendance, Sender.BOT)
    assert bodies[-2:] == ["Obrigado por falar conosco!", "Como foi?\n1 - Ótimo\n2 - Ruim"]


def test_the_inactivity_bot_text_is_the_inactivity_warning_and_closing_message(operation_a):
    sleepy = Bot.objects.create(name="inativo", kind=BotKind.INACTIVITY, message="Ainda está aí?")
    agent = _agent(operation_a)
    group = ServiceGroupFactory(operation=operation_a, agents=[agent], inactivity_bot=sleepy,
                                inactivity_timeout_minutes=10, inactivity_warning_percent=50)  # fmt: skip
    attendance = queued_attendance(group, "34991234567")
    distribute_group(group_id=group.pk)
    attendance = _refresh(attendance)
    timers_sweep(now=attendance.assigned_at + timedelta(minutes=5))
    assert _bodies(attendance)[-1] == "Ainda está aí?"
    timers_sweep(now=attendance.assigned_at + timedelta(minutes=10))
    assert _refresh(attendance).status == Status.CLOSED
    assert _bodies(attendance)[-2:] == ["Ainda está aí?", "Ainda está aí?"]
