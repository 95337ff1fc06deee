"""SPEC §12 R1/R2 on PostgreSQL: four real worker processes distribute thousands of
attendances while workers and a beat are killed with SIGKILL at random, two beats run at
once and the Redis broker is restarted mid-run. Afterwards SQL finds no attendance
assigned twice, no agent over capacity and no attendance lost."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from attendance.agent_actions import attendance_close
from attendance.models import Attendance, CloseReason, Event, Status
from customers.models import Customer
from tests.factories import ServiceGroupFactory, UserFactory, online
from users.models import Role

ROOT = Path(__file__).resolve().parents[2]
QUEUED = 1500
AGENTS = 30
KILLS = 20
KILL_EVERY = 40  # assignments between two kills: 20 kills land in the first ~800 of 1,500
STALL_SECONDS = 180  # liveness: how long without any progress before the test gives up


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """Private Redis, workers and beats, each in its own process group."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port = _free_port()
        database = settings.DATABASES["default"]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "SECRET_KEY": "r1-test",
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "REDIS_URL": f"redis://127.0.0.1:{self.port}/0",
            "DISTRIBUTION_SWEEP_SECONDS": "1",
            "DISTRIBUTION_BATCH": "25",
            "PRESENCE_TIMEOUT_SECONDS": "3600",
            "ATENDE_OUTBOUND_LOG_ONLY": "1",
            "LOG_LEVEL": "WARNING",
        }
        self.redis = self.workers = self.beats = None

    def _spawn(self, args) -> subprocess.Popen:
        # ATENDE_CLUSTER_LOG=path keeps the processes' output for debugging.
        path = os.environ.get("ATENDE_CLUSTER_LOG")
        log = open(path, "ab") if path else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it open
        return subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)

    def start_redis(self):
        self.redis = self._spawn([shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no"])  # fmt: skip
        time.sleep(0.3)

    def worker(self) -> subprocess.Popen:
        return self._spawn([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
                            "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"])  # fmt: skip

    def beat(self, index: int) -> subprocess.Popen:
        return self._spawn([sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=WARNING",
                            f"--schedule={self.tmp / f'beat-{index}'}"])  # fmt: skip

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


class Progress:
    """Waits for a count to grow, failing only when it stops growing for STALL_SECONDS."""

    def __init__(self, count, tick=lambda: None):
        self.count = count
        self.tick = tick  # what keeps work flowing while waiting (freeing capacity)
        self.last = count()

    def wait_for(self, more: int, *, what: str) -> None:
        target = self.last + more
        stalled_since, seen = time.monotonic(), self.last
        while True:
            now_count = self.count()
            if now_count >= target:
                self.last = now_count
                return
            if now_count > seen:
                stalled_since, seen = time.monotonic(), now_count
            if time.monotonic() - stalled_since > STALL_SECONDS:
                pytest.fail(f"no progress for {STALL_SECONDS} s while waiting for {what} (count {now_count})")
            self.tick()
            time.sleep(0.1)


def _free_capacity(count: int = 80) -> None:
    """The "web": supervisors close attendances in progress, freeing the agents' slots."""
    for attendance in Attendance.objects.filter(status=Status.IN_PROGRESS).order_by("?")[:count]:
        attendance_close(attendance=attendance, reason=CloseReason.SUPERVISOR)
    assert _capacity_violations() == 0


def _capacity_violations() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM (
                 SELECT a.agent_id, count(*) AS n, max(u.max_simultaneous) AS cap
                 FROM attendance_attendance a JOIN users_user u ON u.id = a.agent_id
                 WHERE a.status = 'in_progress' GROUP BY a.agent_id) t WHERE t.n > t.cap"""
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_kills_and_restarts_never_break_the_guarantees(operation_a, tmp_path, settings, monkeypatch):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed to restart a private broker")
    settings.ATENDE_OUTBOUND_LOG_ONLY = True
    # Only the worker processes distribute (woken by the beats' sweeps), not this process.
    monkeypatch.setattr("core.followups.distribute", lambda group_ids: None)
    agents = [UserFactory(username=f"r1_{i}", role=Role.AGENT, operations=[operation_a], max_simultaneous=2 + i % 5)
              for i in range(AGENTS)]  # fmt: skip
    groups = [ServiceGroupFactory(operation=operation_a, agents=agents[i::2] + agents[:5], distribution_strategy=s)
              for i, s in enumerate(["circular", "least_attendances"])]  # fmt: skip
    for agent in agents:
        online(agent)
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        Customer(display_name=f"C{i}", network="whatsapp", phone=f"+55349{i:08d}", username=f"whatsapp_55349{i:08d}")
        for i in range(QUEUED)
    )  # fmt: skip
    Attendance.objects.bulk_create(
        Attendance(protocol=f"R{i:08d}", customer=c, group=groups[i % 2], status=Status.QUEUED, opened_at=now,
                   queued_at=now)
        for i, c in enumerate(customers)
    )  # fmt: skip
    cluster = Cluster(tmp_path)
    cluster.start_redis()
    workers = [cluster.worker() for _ in range(4)]
    beats = [cluster.beat(0), cluster.beat(1)]  # two beats at once: duplicate sweeps must be harmless
    kills, redis_restarted = 0, False
    # While killing, capacity frees slowly (a few closes per tick), so the assignments —
    # and so the kills — spread over the run instead of racing ahead of them.
    progress = Progress(lambda: Event.objects.filter(type="assigned").count(), tick=lambda: _free_capacity(5))
    try:
        # Kills are paced by progress, not by the clock: one after every KILL_EVERY new
        # assignments, so they land mid-work whatever the machine's speed.
        while kills < KILLS:
            progress.wait_for(KILL_EVERY, what=f"{KILL_EVERY} more assignments before kill {kills + 1}")
            index = random.randrange(len(workers))
            cluster.kill(workers[index])
            workers[index] = cluster.worker()
            kills += 1
            if kills % 5 == 0:
                index = random.randrange(len(beats))
                cluster.kill(beats[index])
                beats[index] = cluster.beat(index)
                kills += 1
            if not redis_restarted and kills >= KILLS // 2:
                cluster.kill(cluster.redis)
                time.sleep(0.5)
                cluster.start_redis()
                redis_restarted = True
        # Then no more kills: everything queued must still be served.
        progress.tick = _free_capacity
        while progress.last < QUEUED:
            progress.wait_for(1, what="any assignment while attendances are still queued")
        while Attendance.objects.filter(status=Status.IN_PROGRESS).exists():
            _free_capacity()
    finally:
        for process in [*workers, *beats, cluster.redis]:
            cluster.kill(process)
    assert kills >= 20 and redis_restarted
    assert Attendance.objects.count() == QUEUED  # none lost
    assert not Attendance.objects.exclude(status=Status.CLOSED).exists(), "queued attendances were left behind"
    assert _capacity_violations() == 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT attendance_id FROM attendance_event WHERE type = 'assigned'"
            " GROUP BY attendance_id HAVING count(*) > 1) t"
        )
        assert cursor.fetchone()[0] == 0, "an attendance was assigned twice"
    assert Event.objects.filter(type="assigned").count() == QUEUED  # each assigned exactly once
