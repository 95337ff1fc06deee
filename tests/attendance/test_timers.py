"""SPEC §8.4 timers, with controlled time: each rule and unit, warning once per silence,
close-by modes, resets on messages, pending and back, partner warning, agent response,
delayed active messages, and settings changes applying from then on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from attendance.agent_actions import active_message_send, agent_message_send
from attendance.distribution import distribute_group
from attendance.models import Attendance, Bot, BotKind, Event, Message, Status
from attendance.services import group_save
from attendance.timers import INACTIVITY_WARNING, messages_due, timers_reschedule, timers_sweep
from tests.factories import ServiceGroupFactory, UserFactory, online, queued_attendance
from users.models import Role

pytestmark = pytest.mark.django_db


def _later(attendance, **delta):
    return (attendance.assigned_at or attendance.opened_at) + timedelta(**delta)


def _refresh(attendance):
    attendance.refresh_from_db()
    return attendance


def _in_progress(operation, phone="34991234567", **group_fields):
    agent = UserFactory(role=Role.AGENT, operations=[operation], max_simultaneous=5)
    online(agent)
    group = ServiceGroupFactory(operation=operation, agents=[agent], **group_fields)
    attendance = queued_attendance(group, phone)
    distribute_group(group_id=group.pk)
    attendance = _refresh(attendance)
    timers_reschedule(attendance)
    return _refresh(attendance), agent, group


def _in_bot(operation, phone="34991234567", **group_fields):
    group = ServiceGroupFactory(operation=operation, bot_inactivity_enabled=True, **group_fields)
    attendance = queued_attendance(group, phone)
    Attendance.objects.filter(pk=attendance.pk).update(status=Status.BOT, queued_at=None)
    attendance = _refresh(attendance)
    timers_reschedule(attendance)
    return _refresh(attendance), group


@pytest.mark.parametrize("unit, amount, delta", [("seconds", 30, {"seconds": 30}), ("minutes", 2, {"minutes": 2}),
                                                 ("hours", 1, {"hours": 1}), ("days", 1, {"days": 1})])  # fmt: skip
def test_bot_inactivity_in_every_unit_closes_at_the_deadline(operation_a, unit, amount, delta):
    attendance, _ = _in_bot(operation_a, bot_inactivity_timeout=amount, bot_inactivity_unit=unit,
                            bot_inactivity_action="close")  # fmt: skip
    almost = attendance.opened_at + timedelta(**delta) - timedelta(seconds=1)
    assert timers_sweep(now=almost) == 0 and _refresh(attendance).status == Status.BOT
    assert timers_sweep(now=attendance.opened_at + timedelta(**delta)) == 1
    attendance = _refresh(attendance)
    assert (attendance.status, attendance.close_reason) == (Status.CLOSED, "inactivity")


def test_bot_inactivity_can_send_to_another_group_or_to_the_queue(operation_a):
    target = ServiceGroupFactory(operation=operation_a)
    attendance, _ = _in_bot(operation_a, bot_inactivity_timeout=1, bot_inactivity_unit="minutes",
                            bot_inactivity_action="send_to_group", bot_inactivity_target_group=target)  # fmt: skip
    timers_sweep(now=attendance.opened_at + timedelta(minutes=1))
    attendance = _refresh(attendance)
    assert (attendance.status, attendance.group) == (Status.QUEUED, target)
    other, group = _in_bot(operation_a, "34991234568", bot_inactivity_timeout=1, bot_inactivity_unit="minutes",
                           bot_inactivity_action="send_to_queue")  # fmt: skip
    timers_sweep(now=other.opened_at + timedelta(minutes=1))
    assert (_refresh(other).status, _refresh(other).group) == (Status.QUEUED, group)


def test_the_inactivity_bot_speaks_before_acting(operation_a):
    bot = Bot.objects.create(name="inativo", kind=BotKind.INACTIVITY, message="Ainda está aí?")
    attendance, _ = _in_bot(operation_a, bot_inactivity_timeout=1, bot_inactivity_unit="minutes",
                            bot_inactivity_action="close", inactivity_bot=bot)  # fmt: skip
    timers_sweep(now=attendance.opened_at + timedelta(minutes=1))
    assert Message.objects.filter(attendance=attendance, body="Ainda está aí?").exists()


def test_inactivity_closes_after_customer_silence(operation_a):
    attendance, agent, _ = _in_progress(operation_a, inactivity_timeout_minutes=10)
    agent_message_send(attendance=attendance, agent=agent, kind="text", text="Olá")  # the agent speaking is not enough
    timers_sweep(now=_later(attendance, minutes=9, seconds=59))
    assert _refresh(attendance).status == Status.IN_PROGRESS
    timers_sweep(now=_later(attendance, minutes=10))
    attendance = _refresh(attendance)
    assert (attendance.status, attendance.close_reason) == (Status.CLOSED, "inactivity")


def test_client_and_agent_mode_counts_the_agents_messages_too(operation_a):
    attendance, agent, _ = _in_progress(
        operation_a, inactivity_timeout_minutes=10, inactivity_close_by="client_and_agent"
    )
    Attendance.objects.filter(pk=attendance.pk).update(last_agent_message_at=_later(attendance, minutes=8))
    timers_reschedule(_refresh(attendance))
    timers_sweep(now=_later(attendance, minutes=12))
    assert _refresh(attendance).status == Status.IN_PROGRESS
    timers_sweep(now=_later(attendance, minutes=18))
    assert _refresh(attendance).status == Status.CLOSED


def test_the_warning_is_sent_once_per_silence(operation_a):
    attendance, _, _ = _in_progress(operation_a, inactivity_timeout_minutes=10, inactivity_warning_percent=50)
    assert timers_sweep(now=_later(attendance, minutes=5)) == 1
    assert timers_sweep(now=_later(attendance, minutes=6)) == 0
    warnings = Message.objects.filter(attendance=attendance, body=INACTIVITY_WARNING)
    assert warnings.count() == 1
    # The customer writes: a new silence starts, and may be warned about again.
    Attendance.objects.filter(pk=attendance.pk).update(last_customer_message_at=_later(attendance, minutes=7))
    timers_reschedule(_refresh(attendance))
    assert timers_sweep(now=_later(attendance, minutes=11)) == 0
    assert timers_sweep(now=_later(attendance, minutes=12)) == 1
    assert warnings.count() == 2
    assert Event.objects.filter(attendance=attendance, type="warned").count() == 2


def test_auto_pending_frees_capacity_and_a_customer_message_brings_it_back(operation_a, api):
    from django.test import TestCase

    from tests.factories import make_channel

    attendance, agent, group = _in_progress(operation_a, auto_pending=True, pending_after_minutes=15)
    timers_sweep(now=_later(attendance, minutes=15))
    attendance = _refresh(attendance)
    assert attendance.status == Status.PENDING
    assert Event.objects.filter(attendance=attendance, type="pending").exists()
    channel, token = make_channel()
    with TestCase.captureOnCommitCallbacks(execute=True):
        api.post("/api/v1/inbound/", {"network": "whatsapp", "phone": "34991234567", "text": "voltei"},
                 format="json", HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    assert _refresh(attendance).status == Status.IN_PROGRESS


def test_the_partner_warning_comes_before_the_whatsapp_session_ends(operation_a):
    attendance, _, _ = _in_progress(operation_a, whatsapp_partner=True, partner_inactivity_warning_minutes=30,
                                    inactivity_timeout_minutes=10_000)  # fmt: skip
    spoke = _later(attendance, minutes=1)
    Attendance.objects.filter(pk=attendance.pk).update(last_customer_message_at=spoke)
    timers_reschedule(_refresh(attendance))
    assert timers_sweep(now=spoke + timedelta(hours=23, minutes=29)) == 0
    assert timers_sweep(now=spoke + timedelta(hours=23, minutes=30)) == 1
    assert timers_sweep(now=spoke + timedelta(hours=23, minutes=40)) == 0
    assert Event.objects.filter(attendance=attendance, type="partner_warning").count() == 1


def test_an_agent_who_does_not_answer_in_time_loses_the_attendance_to_the_queue(operation_a):
    attendance, agent, group = _in_progress(operation_a, agent_response_minutes=3)
    timers_sweep(now=_later(attendance, minutes=3))
    attendance = _refresh(attendance)
    assert attendance.events.filter(type="agent_timeout").exists()
    assert attendance.status in (Status.QUEUED, Status.IN_PROGRESS)


def test_an_agent_who_answers_keeps_the_attendance(operation_a):
    attendance, agent, _ = _in_progress(operation_a, agent_response_minutes=3)
    agent_message_send(attendance=attendance, agent=agent, kind="text", text="Oi!")
    timers_sweep(now=_later(attendance, minutes=5))
    assert not _refresh(attendance).events.filter(type="agent_timeout").exists()


def test_an_active_message_to_a_customer_with_an_open_attendance_waits_the_delay(operation_a):
    attendance, agent, group = _in_progress(operation_a, active_message_delay_minutes=10)
    message = active_message_send(agent=agent, customer=attendance.customer, group=group, text="Promoção!")
    assert message.delivery == "pending" and message.deliver_at is not None
    assert message.pk not in messages_due(now=message.created_at + timedelta(minutes=9))
    assert message.pk in messages_due(now=message.created_at + timedelta(minutes=10))


def test_without_delay_the_active_message_goes_at_once(operation_a):
    attendance, agent, group = _in_progress(operation_a)
    message = active_message_send(agent=agent, customer=attendance.customer, group=group, text="Oi")
    assert message.deliver_at is None


def test_a_settings_change_applies_to_open_attendances_from_then_on(operation_a):
    attendance, _, group = _in_progress(operation_a, inactivity_timeout_minutes=600)
    assert timers_sweep(now=_later(attendance, minutes=30)) == 0
    group.inactivity_timeout_minutes = 20
    group_save(group=group)
    assert timers_sweep(now=_later(attendance, minutes=30)) == 1
    assert _refresh(attendance).status == Status.CLOSED


def test_a_repeated_sweep_fires_nothing_twice(operation_a):
    attendance, _, _ = _in_progress(operation_a, inactivity_timeout_minutes=10, inactivity_warning_percent=80)
    at = _later(attendance, minutes=20)
    assert timers_sweep(now=at) == 2  # warning and close, once each
    assert timers_sweep(now=at) == 0
    assert Message.objects.filter(attendance=attendance, body=INACTIVITY_WARNING).count() == 1
    assert Event.objects.filter(attendance=attendance, type="closed").count() == 1


def test_closed_attendances_leave_the_timer_index(operation_a):
    attendance, _, _ = _in_progress(operation_a, inactivity_timeout_minutes=10)
    timers_sweep(now=_later(attendance, minutes=10))
    assert _refresh(attendance).timer_due_at is None


# One sweep batch, many attendances, every effect at once (written as sets) ------------------


def test_one_batch_applies_each_attendances_own_effects(operation_a, settings, django_capture_on_commit_callbacks):
    settings.TIMER_BATCH = 500
    agent = UserFactory(role=Role.AGENT, operations=[operation_a], max_simultaneous=50)
    online(agent)
    closing = ServiceGroupFactory(operation=operation_a, agents=[agent], inactivity_timeout_minutes=10)
    warning = ServiceGroupFactory(operation=operation_a, agents=[agent], inactivity_timeout_minutes=100,
                                  inactivity_warning_percent=10)  # fmt: skip
    pending = ServiceGroupFactory(operation=operation_a, agents=[agent], inactivity_timeout_minutes=1000,
                                  auto_pending=True, pending_after_minutes=10)  # fmt: skip
    planned = {}
    for index, group in enumerate([closing, warning, pending] * 4):
        attendance = queued_attendance(group, f"3499123{index:04d}")
        planned[attendance.pk] = group
    for group in (closing, warning, pending):
        distribute_group(group_id=group.pk)
    for attendance in Attendance.objects.filter(pk__in=planned):
        timers_reschedule(attendance)
    start = max(Attendance.objects.filter(pk__in=planned).values_list("assigned_at", flat=True))
    with django_capture_on_commit_callbacks(execute=True):  # deliveries and distribution after commit
        assert timers_sweep(now=start + timedelta(minutes=10, seconds=1)) == 12
    for attendance in Attendance.objects.filter(pk__in=planned).prefetch_related("events"):
        group, events = planned[attendance.pk], [e.type for e in attendance.events.all()]
        if group == closing:
            assert (attendance.status, attendance.close_reason, attendance.timer_due_at) == (
                "closed",
                "inactivity",
                None,
            )
            assert events.count("closed") == 1 and attendance.closed_at is not None
        elif group == warning:
            assert attendance.status == "in_progress" and events.count("warned") == 1
            assert attendance.inactivity_warned_ref is not None
            assert attendance.timer_due_at == attendance.inactivity_warned_ref + timedelta(minutes=100)
            assert attendance.messages.filter(body=INACTIVITY_WARNING, sender="system", delivery="sent").exists()
        else:
            assert attendance.status == "pending" and events.count("pending") == 1
    assert timers_sweep(now=start + timedelta(minutes=10, seconds=1)) == 0


def test_a_timer_close_sends_the_survey_when_the_bot_is_among_its_closers(operation_a):
    from tests.factories import make_survey

    survey = make_survey(send_on_close_by=["bot"])
    attendance, _, group = _in_progress(operation_a, inactivity_timeout_minutes=10)
    group.survey, group.survey_required = survey, True
    group_save(group=group)
    timers_sweep(now=_later(attendance, minutes=11))
    attendance = _refresh(attendance)
    assert (attendance.status, attendance.survey, attendance.survey_step) == (Status.CLOSED, survey, 0)
    assert "Como foi?" in attendance.messages.filter(sender="bot").last().body
    other, _, other_group = _in_progress(operation_a, "34991230000", inactivity_timeout_minutes=10)
    other_group.survey, other_group.survey_required = make_survey("Só agentes", send_on_close_by=["agent"]), True
    group_save(group=other_group)
    timers_sweep(now=_later(other, minutes=11))
    assert _refresh(other).survey_step is None


def test_a_timer_close_frees_the_agent_for_the_next_in_queue(operation_a, django_capture_on_commit_callbacks):
    attendance, agent, group = _in_progress(operation_a, inactivity_timeout_minutes=10)
    agent.max_simultaneous = 1
    agent.save(update_fields=["max_simultaneous"])
    waiting = queued_attendance(group, "34991239999")
    assert distribute_group(group_id=group.pk) == 0  # the agent is full
    with django_capture_on_commit_callbacks(execute=True):  # the close asks for distribution (eager tasks)
        timers_sweep(now=_later(attendance, minutes=10))
    waiting = _refresh(waiting)
    assert (waiting.status, waiting.agent) == (Status.IN_PROGRESS, agent)
