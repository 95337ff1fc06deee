"""SPEC §8.3: eligibility, queue order, wallet agent, the five strategies and their tie
rules, capacity across groups, and the "why this agent" record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from attendance.distribution import STRATEGIES, Candidate, _today_start, choose, distribute_group
from attendance.models import Attendance, Event, GroupDistributionState, Status
from tests.factories import ServiceGroupFactory, UserFactory, online, queued_attendance
from users.models import Role

pytestmark = pytest.mark.django_db


def _agents(operation, count, **fields):
    return [UserFactory(username=f"ag{index}_{operation.pk}", role=Role.AGENT, operations=[operation], **fields)
            for index in range(count)]  # fmt: skip


@pytest.fixture
def team(operation_a):
    agents = _agents(operation_a, 3, max_simultaneous=2)
    for agent in agents:
        online(agent)
    return agents


def _assigned(attendances):
    return [Attendance.objects.get(pk=a.pk).agent_id for a in attendances]


def test_circular_rotates_by_agent_id_and_wraps(operation_a, team):
    group = ServiceGroupFactory(operation=operation_a, agents=team, distribution_strategy="circular")
    attendances = [queued_attendance(group, f"3499100000{i}") for i in range(5)]
    assert distribute_group(group_id=group.pk) == 5
    ids = [a.pk for a in team]
    assert _assigned(attendances) == [ids[0], ids[1], ids[2], ids[0], ids[1]]


def test_circular_continues_the_rotation_after_a_restart(operation_a, team):
    group = ServiceGroupFactory(operation=operation_a, agents=team)
    GroupDistributionState.objects.create(group=group, last_agent=team[1])
    attendance = queued_attendance(group, "34991000001")
    distribute_group(group_id=group.pk)
    assert _assigned([attendance]) == [team[2].pk]


def test_agent_priority_prefers_the_highest_and_rotates_ties(operation_a):
    low, high_1, high_2 = _agents(operation_a, 3, max_simultaneous=5)
    for agent, priority in ((low, 1), (high_1, 9), (high_2, 9)):
        agent.priority = priority
        agent.save()
        online(agent)
    group = ServiceGroupFactory(
        operation=operation_a, agents=[low, high_1, high_2], distribution_strategy="agent_priority"
    )
    attendances = [queued_attendance(group, f"3499200000{i}") for i in range(3)]
    distribute_group(group_id=group.pk)
    assert _assigned(attendances) == [high_1.pk, high_2.pk, high_1.pk]


def test_least_attendances_counts_todays_assignments(operation_a, team):
    group = ServiceGroupFactory(operation=operation_a, agents=team, distribution_strategy="least_attendances")
    other = ServiceGroupFactory(operation=operation_a)
    now = timezone.now()
    for index, agent in enumerate(team[:2]):
        for n in range(2 - index):
            Attendance.objects.create(protocol=f"X{index}{n}", customer=queued_attendance(other, f"3498{index}{n}00000").customer,
                                      group=other, agent=agent, status=Status.CLOSED, opened_at=now, assigned_at=now,
                                      closed_at=now)  # fmt: skip
    attendance = queued_attendance(group, "34991000009")
    distribute_group(group_id=group.pk)
    assert _assigned([attendance]) == [team[2].pk]
    event = Event.objects.get(attendance=attendance, type="assigned")
    figures = {c["agent"]: c["figure"] for c in event.data["candidates"]}
    assert figures == {team[0].pk: 2, team[1].pk: 1, team[2].pk: 0}


def test_least_handling_time_sums_closed_and_ongoing_time_today(operation_a, team):
    group = ServiceGroupFactory(operation=operation_a, agents=team, distribution_strategy="least_handling_time")
    other = ServiceGroupFactory(operation=operation_a)
    now = timezone.now()
    # Within today (the company's day): spans as parts of the time since its midnight, so
    # the test means the same at 00:10 as at noon.
    since_midnight = now - _today_start(now, operation_a.company.time_zone)
    spans = {team[0]: since_midnight * 0.6, team[1]: since_midnight * 0.1, team[2]: since_midnight * 0.4}
    for index, (agent, span) in enumerate(spans.items()):
        Attendance.objects.create(protocol=f"H{index}", customer=queued_attendance(other, f"3497000000{index}").customer,
                                  group=other, agent=agent, status=Status.CLOSED, opened_at=now - span,
                                  assigned_at=now - span, closed_at=now)  # fmt: skip
    attendance = queued_attendance(group, "34991000008")
    distribute_group(group_id=group.pk)
    assert _assigned([attendance]) == [team[1].pk]


def test_random_picks_uniformly_among_the_eligible():
    candidates = [Candidate(id=i, name=str(i), priority=0, capacity=1) for i in range(1, 4)]
    chosen = {choose(STRATEGIES["random"], candidates, None).agent.id for _ in range(200)}
    assert chosen == {1, 2, 3}


def test_the_wallet_agent_is_chosen_first_when_eligible(operation_a, team):
    group = ServiceGroupFactory(operation=operation_a, agents=team)
    attendance = queued_attendance(group, "34991000007", wallet_agent=team[2])
    distribute_group(group_id=group.pk)
    assert _assigned([attendance]) == [team[2].pk]
    assert Event.objects.get(attendance=attendance, type="assigned").data["wallet_agent"] is True


def test_customer_priority_orders_the_queue_when_priority_to_agent(operation_a):
    agent = _agents(operation_a, 1, max_simultaneous=1)[0]
    online(agent)
    group = ServiceGroupFactory(operation=operation_a, agents=[agent], priority_to_agent=True)
    now = timezone.now()
    first = queued_attendance(group, "34991000001", priority=0, queued_at=now - timedelta(minutes=5))
    urgent = queued_attendance(group, "34991000002", priority=9, queued_at=now)
    distribute_group(group_id=group.pk)
    assert _assigned([first, urgent]) == [None, agent.pk]


def test_without_priority_to_agent_the_oldest_goes_first(operation_a):
    agent = _agents(operation_a, 1, max_simultaneous=1)[0]
    online(agent)
    group = ServiceGroupFactory(operation=operation_a, agents=[agent])
    now = timezone.now()
    first = queued_attendance(group, "34991000001", priority=0, queued_at=now - timedelta(minutes=5))
    urgent = queued_attendance(group, "34991000002", priority=9, queued_at=now)
    distribute_group(group_id=group.pk)
    assert _assigned([first, urgent]) == [agent.pk, None]


def test_paused_offline_out_of_hours_and_zero_capacity_agents_get_nothing(operation_a):
    paused, offline, night, zero, ok = _agents(operation_a, 5, max_simultaneous=3)
    online(paused, "paused")
    weekday = (timezone.localtime().weekday() + 3) % 7
    night.work_hours = [{"weekday": weekday, "start": "01:00", "end": "02:00"}]
    night.save()
    zero.max_simultaneous = 0
    zero.save()
    for agent in (night, zero, ok):
        online(agent)
    group = ServiceGroupFactory(operation=operation_a, agents=[paused, offline, night, zero, ok])
    attendances = [queued_attendance(group, f"3499300000{i}") for i in range(4)]
    assert distribute_group(group_id=group.pk) == 3
    assert _assigned(attendances) == [ok.pk, ok.pk, ok.pk, None]


def test_capacity_counts_in_progress_across_groups_but_not_pending(operation_a):
    agent = _agents(operation_a, 1, max_simultaneous=2)[0]
    online(agent)
    first, second = (
        ServiceGroupFactory(operation=operation_a, agents=[agent]),
        ServiceGroupFactory(operation=operation_a, agents=[agent]),
    )
    busy = queued_attendance(first, "34991000001")
    distribute_group(group_id=first.pk)
    parked = queued_attendance(first, "34991000002")
    distribute_group(group_id=first.pk)
    Attendance.objects.filter(pk=parked.pk).update(status=Status.PENDING)
    waiting = [queued_attendance(second, f"3499400000{i}") for i in range(2)]
    distribute_group(group_id=second.pk)
    assert _assigned(waiting) == [agent.pk, None]
    assert Attendance.objects.filter(agent=agent, status=Status.IN_PROGRESS).count() == 2
    assert _assigned([busy]) == [agent.pk]


def test_every_assignment_records_why(operation_a, team):
    group = ServiceGroupFactory(operation=operation_a, agents=team)
    attendance = queued_attendance(group, "34991000001")
    distribute_group(group_id=group.pk)
    event = Event.objects.get(attendance=attendance, type="assigned")
    assert event.data["strategy"] == "circular"
    assert event.data["chosen"] == team[0].pk
    assert [c["agent"] for c in event.data["candidates"]] == [a.pk for a in team]
    assert all({"position", "figure", "free_slots", "name"} <= set(c) for c in event.data["candidates"])
