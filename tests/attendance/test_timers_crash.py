"""SPEC §8.4 / §12 R1 R2 for timers on PostgreSQL: workers and beats killed with SIGKILL
while timers are due, two beats at once, then restarted: every timer fires exactly once."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from attendance.models import Attendance, Event, Message, Status
from attendance.timers import INACTIVITY_WARNING
from customers.models import Customer
from tests.factories import ServiceGroupFactory, UserFactory

from .test_distribution_crash import Cluster, Progress

WAVES = 20
PER_WAVE = 50
COUNT = WAVES * PER_WAVE


def _arm(group, agent, wave: int) -> None:
    """A wave of attendances silent for 30 minutes (warning at 5, close at 10): due now."""
    past = timezone.now() - timedelta(minutes=30)
    customers = Customer.objects.bulk_create(
        Customer(display_name=f"T{wave}-{i}", network="telegram", phone=f"+55349{wave:03d}{i:05d}",
                 username=f"telegram_55349{wave:03d}{i:05d}")
        for i in range(PER_WAVE)
    )  # fmt: skip
    Attendance.objects.bulk_create(
        Attendance(protocol=f"TM{wave:03d}{i:05d}", customer=c, group=group, agent=agent, status=Status.IN_PROGRESS,
                   opened_at=past, queued_at=past, assigned_at=past, timer_due_at=past)
        for i, c in enumerate(customers)
    )  # fmt: skip


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_every_due_timer_fires_exactly_once_through_crashes(operation_a, tmp_path, monkeypatch):
    monkeypatch.setattr("core.followups.distribute", lambda group_ids: None)
    agent = UserFactory(username="timer_agent", role="agent", operations=[operation_a], max_simultaneous=80)
    group = ServiceGroupFactory(operation=operation_a, agents=[agent], inactivity_timeout_minutes=10,
                                inactivity_warning_percent=50)  # fmt: skip
    cluster = Cluster(tmp_path)
    cluster.env.update({"TIMER_SWEEP_SECONDS": "1", "TIMER_BATCH": "10"})
    cluster.start_redis()
    workers = [cluster.worker() for _ in range(4)]
    beats = [cluster.beat(0), cluster.beat(1)]
    kills = 0
    closed = Progress(lambda: Attendance.objects.filter(status=Status.CLOSED).count())
    try:
        # Kills are paced by progress: the timers come due in waves, and a worker is killed
        # as soon as the sweep has started on a wave, so every kill lands mid-work.
        for wave in range(WAVES):
            _arm(group, agent, wave)
            closed.wait_for(1, what=f"the first timer of wave {wave + 1}")
            index = random.randrange(len(workers))
            cluster.kill(workers[index])
            workers[index] = cluster.worker()
            kills += 1
            if wave % 4 == 3:
                index = random.randrange(len(beats))
                cluster.kill(beats[index])
                beats[index] = cluster.beat(index)
                kills += 1
        while closed.last < COUNT:
            closed.wait_for(1, what=f"the rest of the {COUNT} timers")
    finally:
        for process in [*workers, *beats, cluster.redis]:
            cluster.kill(process)
    assert kills >= 20
    assert Attendance.objects.filter(status=Status.CLOSED, close_reason="inactivity").count() == COUNT, "never fired"
    with connection.cursor() as cursor:
        for event_type in ("warned", "closed"):
            cursor.execute(
                "SELECT count(*) FROM (SELECT attendance_id FROM attendance_event WHERE type = %s"
                " GROUP BY attendance_id HAVING count(*) <> 1) t",
                [event_type],
            )
            assert cursor.fetchone()[0] == 0, f"a {event_type} timer fired twice or never"
    assert Event.objects.filter(type="warned").count() == COUNT
    assert Message.objects.filter(body=INACTIVITY_WARNING).count() == COUNT
