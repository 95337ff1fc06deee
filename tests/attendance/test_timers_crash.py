"""SPEC §8.4 / §12 R1 R2 for timers on PostgreSQL: workers and beats killed with SIGKILL
while timers are due, two beats at once, then restarted: every timer fires exactly once."""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from attendance.models import Attendance, Event, Message, Status
from attendance.timers import INACTIVITY_WARNING
from customers.models import Customer
from tests.factories import ServiceGroupFactory, UserFactory

from .test_distribution_crash import Cluster

COUNT = 1000


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_every_due_timer_fires_exactly_once_through_crashes(operation_a, tmp_path, monkeypatch):
    monkeypatch.setattr("core.followups.distribute", lambda group_ids: None)
    agent = UserFactory(username="timer_agent", role="agent", operations=[operation_a], max_simultaneous=80)
    group = ServiceGroupFactory(operation=operation_a, agents=[agent], inactivity_timeout_minutes=10,
                                inactivity_warning_percent=50)  # fmt: skip
    past = timezone.now() - timedelta(minutes=30)
    customers = Customer.objects.bulk_create(
        Customer(display_name=f"T{i}", network="telegram", phone=f"+55349{i:08d}", username=f"telegram_55349{i:08d}")
        for i in range(COUNT)
    )  # fmt: skip
    # Due while no worker runs: silent for 30 minutes (warning at 5, close at 10).
    Attendance.objects.bulk_create(
        Attendance(protocol=f"TM{i:08d}", customer=c, group=group, agent=agent, status=Status.IN_PROGRESS,
                   opened_at=past, queued_at=past, assigned_at=past, timer_due_at=past)
        for i, c in enumerate(customers)
    )  # fmt: skip
    cluster = Cluster(tmp_path)
    cluster.env.update({"TIMER_SWEEP_SECONDS": "1", "TIMER_BATCH": "50"})
    cluster.start_redis()
    workers = [cluster.worker() for _ in range(4)]
    beats = [cluster.beat(0), cluster.beat(1)]
    kills = 0
    try:
        deadline = time.monotonic() + float(os.environ.get("ATENDE_CRASH_SECONDS", "120"))
        while time.monotonic() < deadline:
            time.sleep(1.5)  # long enough for a restarted worker to start and sweep a few batches
            if random.random() < 0.7:
                index = random.randrange(len(workers))
                cluster.kill(workers[index])
                workers[index] = cluster.worker()
                kills += 1
            if random.random() < 0.15:
                index = random.randrange(len(beats))
                cluster.kill(beats[index])
                beats[index] = cluster.beat(index)
                kills += 1
            if kills >= 20 and not Attendance.objects.exclude(status=Status.CLOSED).exists():
                break
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
