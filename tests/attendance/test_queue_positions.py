"""SPEC §8.3: "Você é o 3º da fila", with an estimated wait, on change or by period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from attendance.distribution import distribute_group
from attendance.models import Message
from attendance.queue_positions import position_text, queue_positions_notify
from attendance.services import group_save
from tests.factories import ServiceGroupFactory, UserFactory, online, queued_attendance
from users.models import Role

pytestmark = pytest.mark.django_db


def _positions(attendance):
    return [m.body for m in Message.objects.filter(attendance=attendance, body__contains="fila")]


def test_the_text_says_the_position_and_the_wait():
    with override("pt-br"):
        assert position_text(3, 4) == "Você é o 3º da fila. Tempo estimado de espera: 4 min."


def test_positions_are_told_when_they_change(operation_a, settings):
    settings.QUEUE_POSITION_MIN_SECONDS = 0
    agent = UserFactory(role=Role.AGENT, operations=[operation_a], max_simultaneous=1)
    group = ServiceGroupFactory(operation=operation_a, agents=[agent])
    now = timezone.now()
    waiting = [queued_attendance(group, f"3499500000{i}", queued_at=now - timedelta(minutes=5 - i)) for i in range(3)]
    with override("pt-br"):
        assert queue_positions_notify(group_id=group.pk) == 3
        assert queue_positions_notify(group_id=group.pk) == 0  # nothing changed
        online(agent)
        distribute_group(group_id=group.pk)
        assert queue_positions_notify(group_id=group.pk) == 2
    assert [body.split(".")[0] for body in _positions(waiting[2])] == ["Você é o 3º da fila", "Você é o 2º da fila"]


def test_by_period_the_position_is_repeated_every_interval(operation_a):
    group = ServiceGroupFactory(operation=operation_a, queue_position_by_period=True, queue_position_interval_minutes=2)
    attendance = queued_attendance(group, "34995000001")
    now = timezone.now()
    assert queue_positions_notify(group_id=group.pk, now=now) == 1
    assert queue_positions_notify(group_id=group.pk, now=now + timedelta(minutes=1)) == 0
    assert queue_positions_notify(group_id=group.pk, now=now + timedelta(minutes=2)) == 1
    assert len(_positions(attendance)) == 2 or Message.objects.filter(attendance=attendance).count() == 2


def test_the_estimate_follows_the_groups_recent_pace(operation_a):
    from attendance.queue_positions import estimated_wait_minutes

    group = ServiceGroupFactory(operation=operation_a)
    assert estimated_wait_minutes(group=group, position=2) == 10  # no pace yet: 5 min a place
    agent = UserFactory(role=Role.AGENT, operations=[operation_a], max_simultaneous=30)
    group_save(group=group, agents=[agent])
    online(agent)
    for i in range(30):
        queued_attendance(group, f"349960000{i:02d}")
    distribute_group(group_id=group.pk)  # 30 assignments in the last 30 minutes: one a minute
    assert estimated_wait_minutes(group=group, position=4) == 4


@pytest.mark.parametrize("priority_to_agent", [False, True])
def test_the_place_told_is_the_order_distribution_serves(operation_a, settings, priority_to_agent):
    """One queue order (ServiceGroup.queue_order): the customer told "1º da fila" is the one
    the next free agent gets, with and without priority, whatever the entry times."""
    settings.QUEUE_POSITION_MIN_SECONDS = 0
    agent = UserFactory(role=Role.AGENT, operations=[operation_a], max_simultaneous=1)
    group = ServiceGroupFactory(operation=operation_a, agents=[agent], priority_to_agent=priority_to_agent)
    now = timezone.now()
    old_plain = queued_attendance(group, "34995000011", priority=0, queued_at=now - timedelta(minutes=9))
    new_vip = queued_attendance(group, "34995000012", priority=9, queued_at=now - timedelta(minutes=1))
    with override("pt-br"):
        queue_positions_notify(group_id=group.pk)
    first = next(a for a in (old_plain, new_vip) if _positions(a)[0].startswith("Você é o 1º da fila"))
    assert first == (new_vip if priority_to_agent else old_plain)
    online(agent)
    distribute_group(group_id=group.pk)
    first.refresh_from_db()
    assert first.agent_id == agent.pk
