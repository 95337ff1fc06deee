"""SPEC §12 P1 and P2: distribution throughput and queue → assigned latency.

Usage: ``.venv/bin/python bench/distribution.py [--queued 20000] [--agents 500]`` (see
bench/README.md).

1. Creates its own PostgreSQL database (``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/atende_bench_dist``; dropped and recreated at start,
   dropped at the end), migrates it, seeds ``--groups`` groups (mixed strategies),
   ``--agents`` online agents (each in two groups) and ``--queued`` queued attendances.
2. Starts a private ``redis-server`` on a free port and ``--workers`` real Celery worker
   processes (``celery -A config worker --pool=solo``).
3. P1, Atende: sends ``distribute_group_task`` for every group (``--triggers`` times each)
   and waits until the queue is empty; the rate counts assignments from the first to the
   last ``assigned_at``. Then, on the same attendances reset to queued, the baseline: as
   many processes running a bare ``FOR UPDATE SKIP LOCKED`` assignment transaction loop
   in raw psycopg. Both runs are checked with SQL (nobody assigned twice, no agent over
   capacity, all assigned).
4. P2: with the workers idle and every agent free, queues attendances one at a time
   through ``transitions.queue`` (the event-driven path: ``core.followups.distribute`` →
   ``on_commit`` → ``distribute_group_task.delay`` → a worker) at ``--rate`` per second
   for ``--seconds``, and reports percentiles of ``assigned_at - queued_at``.
5. Prints ONE JSON line with the figures on stdout; progress goes to stderr. Every
   process it started is stopped (process groups), also on error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    Processes,
    bench_environment,
    exit_on_sigterm,
    fresh_database,
    load_avg,
    make_logger,
    percentile,
    raw_connection,
    record,
    sql,
    start_run,
    tear_down,
    wait_for_workers,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atende_bench_dist"
TARGETS = {"p1_assignments_per_s": 1000, "p1_ratio_to_bare_loop": 0.5, "p2_p95_seconds": 1.0}
STRATEGIES = ["circular", "least_attendances", "agent_priority", "random", "least_handling_time"]
log = make_logger("distribution")


def setup_environment(work: Path, redis_port: int) -> dict[str, str]:
    """Environment of this process (set before Django starts) and of the workers."""
    return bench_environment(work, redis_port, DEFAULT_DATABASE_URL)


# Seeding ------------------------------------------------------------------------------------


def seed(args) -> list[int]:
    """Groups, online agents (each in two groups) and queued attendances; returns group ids."""
    from django.utils import timezone

    from attendance.models import AgentPresence, Attendance, PresenceState, ServiceGroup, Status
    from attendance.services import group_save
    from customers.models import Customer
    from organisation.models import Company, Operation
    from users.models import Role, User

    company = Company.objects.create(name="Empresa Bench")
    operation = Operation.objects.create(name="Operação Bench", company=company)
    users = []
    for index in range(args.agents):
        user = User(username=f"agent{index:04d}", display_name=f"Agente {index:04d}", role=Role.AGENT,
                    max_simultaneous=args.capacity, priority=index % 5, work_hours=[])  # fmt: skip
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)
    User.operations.through.objects.bulk_create(
        User.operations.through(user_id=u.pk, operation_id=operation.pk) for u in users
    )
    groups = []
    for g in range(args.groups):
        members = [u for i, u in enumerate(users) if i % args.groups in (g, (g + 1) % args.groups)]
        group = ServiceGroup(name=f"Grupo {g}", operation=operation,
                             distribution_strategy=STRATEGIES[g % len(STRATEGIES)])  # fmt: skip
        groups.append(group_save(group=group, agents=members))
    now = timezone.now()
    AgentPresence.objects.bulk_create(
        AgentPresence(agent=u, state=PresenceState.ONLINE, changed_at=now, heartbeat_at=now) for u in users
    )
    total = args.queued + args.rate * args.seconds  # P2's attendances too (status bot until queued)
    customers = Customer.objects.bulk_create(
        (Customer(display_name=f"Cliente {i}", network="whatsapp", phone=f"+5534{900000000 + i}",
                  username=f"whatsapp_5534{900000000 + i}") for i in range(total)),
        batch_size=2000,
    )  # fmt: skip
    start = now - timezone.timedelta(seconds=args.queued / 100)
    Attendance.objects.bulk_create(
        (Attendance(protocol=f"B{i:010d}", customer=c, group=groups[i % len(groups)],
                    status=Status.QUEUED if i < args.queued else Status.BOT, opened_at=now,
                    queued_at=start + timezone.timedelta(milliseconds=10 * i) if i < args.queued else None)
         for i, c in enumerate(customers)),
        batch_size=2000,
    )  # fmt: skip
    return [g.pk for g in groups]


def refresh_heartbeats() -> None:
    sql("UPDATE attendance_agentpresence SET heartbeat_at = now()", fetch=False)


class Heartbeats(threading.Thread):
    """The agents' browsers: every ``interval`` seconds the online agents' heartbeats are
    refreshed (own connection), so nobody expires (``PRESENCE_TIMEOUT_SECONDS``) during a
    long run on a slow machine."""

    def __init__(self, interval: float = 10.0):
        super().__init__(daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self):
        # One row per statement, as each browser does: a single UPDATE of every row locked
        # them in the table's order and deadlocked with the assigners, which lock presence
        # rows in agent-id order (the thread died and the agents went stale during P2).
        with raw_connection(autocommit=True) as conn:
            agents = [row[0] for row in conn.execute("SELECT agent_id FROM attendance_agentpresence ORDER BY agent_id")]
            while not self.stopped.wait(self.interval):
                for agent_id in agents:
                    conn.execute("UPDATE attendance_agentpresence SET heartbeat_at = now() "
                                 "WHERE agent_id = %s AND state = 'online'", [agent_id])  # fmt: skip


def vacuum() -> None:
    from django.db import connection

    connection.close()
    with raw_connection(autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def reset_to_queued(queued_ids_upto: int) -> None:
    """The P1 attendances queued again, as before the Atende run (same rows, same order)."""
    sql(
        "UPDATE attendance_attendance SET status = 'queued', agent_id = NULL, assigned_at = NULL WHERE protocol <= %s",
        [f"B{queued_ids_upto - 1:010d}"],
        fetch=False,
    )
    sql("DELETE FROM attendance_event WHERE type = 'assigned'", fetch=False)
    sql("DELETE FROM attendance_message", fetch=False)
    sql("UPDATE attendance_groupdistributionstate SET last_agent_id = NULL", fetch=False)


def verify(expected: int) -> dict:
    """SQL checks after a P1 run: all assigned, none twice, no agent over capacity."""
    queued = sql("SELECT count(*) FROM attendance_attendance WHERE status = 'queued'")[0][0]
    assigned = sql("SELECT count(*) FROM attendance_attendance WHERE status = 'in_progress'")[0][0]
    over = sql(
        """SELECT count(*) FROM (SELECT a.agent_id, count(*) AS n, max(u.max_simultaneous) AS cap
           FROM attendance_attendance a JOIN users_user u ON u.id = a.agent_id
           WHERE a.status = 'in_progress' GROUP BY a.agent_id) t WHERE t.n > t.cap"""
    )[0][0]
    twice = sql(
        "SELECT count(*) FROM (SELECT attendance_id FROM attendance_event WHERE type = 'assigned'"
        " GROUP BY attendance_id HAVING count(*) > 1) t"
    )[0][0]
    return {"assigned": assigned, "left_queued": queued, "agents_over_capacity": over, "assigned_twice": twice,
            "ok": assigned == expected and queued == 0 and over == 0 and twice == 0}  # fmt: skip


def span_rate() -> dict:
    """Assignments per second between the first and the last ``assigned_at`` (the start of
    the assigning transaction): the assignments *started* in [first, last) over its length."""
    first, last = sql("SELECT min(assigned_at), max(assigned_at) FROM attendance_attendance"
                      " WHERE status = 'in_progress'")[0]  # fmt: skip
    within = sql("SELECT count(*) FROM attendance_attendance WHERE status = 'in_progress' AND assigned_at < %s",
                 [last])[0][0]  # fmt: skip
    seconds = (last - first).total_seconds()
    return {"seconds": round(seconds, 3), "per_s": round(within / seconds) if seconds > 0 else None}


def wait_until_empty(timeout: float) -> float:
    """Polls until no attendance is queued; returns the time it took."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    last_report = 0.0
    while time.monotonic() < deadline:
        left = sql("SELECT count(*) FROM attendance_attendance WHERE status = 'queued'")[0][0]
        if left == 0:
            return time.perf_counter() - started
        if time.monotonic() - last_report > 2:
            log(f"  {left} still queued")
            last_report = time.monotonic()
        time.sleep(0.05)
    raise RuntimeError(f"the queue was not emptied within {timeout} s")


# P1: Atende ------------------------------------------------------------------------------


def run_atende(args, group_ids: list[int]) -> dict:
    from attendance.tasks import distribute_group_task

    refresh_heartbeats()
    log(f"P1 Atende: {args.queued} queued, {args.workers} workers; sending distribute_group_task…")
    started = time.perf_counter()
    for _ in range(args.triggers):
        for group_id in group_ids:
            distribute_group_task.delay(group_id)
    wait_until_empty(args.timeout)
    wall = time.perf_counter() - started
    rate = span_rate()
    checks = verify(args.queued)
    log(f"  {rate['per_s']} assignments/s over {rate['seconds']} s (wall {wall:.2f} s); checks {checks}")
    return {"assignments_per_s": rate["per_s"], "first_to_last_seconds": rate["seconds"],
            "wall_seconds": round(wall, 3), "wall_per_s": round(args.queued / wall), "checks": checks}  # fmt: skip


# P1: the bare FOR UPDATE SKIP LOCKED loop -------------------------------------------------

PICK_ATTENDANCE = """
    SELECT id FROM attendance_attendance
    WHERE status = 'queued' AND group_id = ANY(%s)
    ORDER BY priority DESC, queued_at LIMIT 1 FOR UPDATE SKIP LOCKED"""
PICK_AGENT = """
    SELECT p.agent_id, u.max_simultaneous
    FROM attendance_agentpresence p
    JOIN users_user u ON u.id = p.agent_id
    JOIN attendance_servicegroup_agents ga ON ga.user_id = p.agent_id AND ga.servicegroup_id = %s
    WHERE p.state = 'online' AND p.heartbeat_at >= now() - make_interval(secs => %s) AND u.is_active
      AND NOT (p.agent_id = ANY(%s))
    ORDER BY p.agent_id > %s DESC, p.agent_id
    LIMIT 1 FOR UPDATE OF p SKIP LOCKED"""
ANY_QUEUED = "SELECT EXISTS (SELECT 1 FROM attendance_attendance WHERE status = 'queued' AND group_id = %s)"
COUNT_BUSY = "SELECT count(*) FROM attendance_attendance WHERE agent_id = %s AND status = 'in_progress'"
ASSIGN = """UPDATE attendance_attendance SET status = 'in_progress', agent_id = %s, assigned_at = now()
    WHERE id = %s AND status = 'queued'"""


def bare_child(group_ids: list[int], offset: int, start_at: float, timeout_seconds: int) -> dict:
    """One process of the baseline: one attendance per transaction, groups in turn."""
    conn = raw_connection()
    full: set[int] = set()
    last_agent = dict.fromkeys(group_ids, 0)
    empty: set[int] = set()
    assigned = retries = 0
    position = offset
    time.sleep(max(0.0, start_at - time.time()))
    started = time.perf_counter()
    while len(empty) < len(group_ids):
        group_id = group_ids[position % len(group_ids)]
        position += 1
        if group_id in empty:
            continue
        with conn.transaction(), conn.cursor() as cursor:
            cursor.execute(PICK_ATTENDANCE, ([group_id],))
            row = cursor.fetchone()
            if row is None:
                cursor.execute(ANY_QUEUED, (group_id,))  # none free: all assigned, or locked by another process?
                if not cursor.fetchone()[0]:
                    empty.add(group_id)
                continue
            while True:
                cursor.execute(PICK_AGENT, (group_id, timeout_seconds, list(full), last_agent[group_id]))
                agent = cursor.fetchone()
                if agent is None:  # the agents with room are locked by the other processes now
                    break
                cursor.execute(COUNT_BUSY, (agent[0],))
                if cursor.fetchone()[0] < agent[1]:
                    break
                full.add(agent[0])
            if agent is not None:
                cursor.execute(ASSIGN, (agent[0], row[0]))
                assigned += cursor.rowcount
                last_agent[group_id] = agent[0]
        if agent is None:  # nothing was written: the transaction only released its locks; again
            retries += 1
            if retries > 10_000:
                raise RuntimeError(f"no agent with capacity for group {group_id}")
            time.sleep(0.001)
    conn.close()
    return {"assigned": assigned, "seconds": round(time.perf_counter() - started, 3)}


def run_bare(args, group_ids: list[int]) -> dict:
    from django.conf import settings
    from django.db import connections

    refresh_heartbeats()
    connections.close_all()
    log(f"P1 bare loop: {args.queued} queued, {args.workers} processes…")
    start_at = time.time() + 1.5  # every process connected before the first assignment
    children = []
    for index in range(args.workers):
        command = [sys.executable, str(Path(__file__).resolve()), "--bare-child",
                   json.dumps({"groups": group_ids, "offset": index, "start_at": start_at,
                               "timeout": settings.PRESENCE_TIMEOUT_SECONDS})]  # fmt: skip
        children.append(subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                                         start_new_session=True))  # fmt: skip
    results = []
    try:
        for child in children:
            out, _ = child.communicate(timeout=args.timeout)
            if child.returncode != 0:
                raise RuntimeError(f"a bare-loop process failed with exit code {child.returncode}")
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for child in children:
            Processes.kill(child)
    rate = span_rate()
    checks = verify(args.queued)
    wall = max(r["seconds"] for r in results)
    log(f"  {rate['per_s']} assignments/s over {rate['seconds']} s (slowest process {wall:.2f} s); checks {checks}")
    return {"assignments_per_s": rate["per_s"], "first_to_last_seconds": rate["seconds"],
            "wall_seconds": wall, "wall_per_s": round(args.queued / wall), "checks": checks}  # fmt: skip


# P2 ----------------------------------------------------------------------------------------


def run_latency(args, group_ids: list[int]) -> dict:
    from django.db import transaction

    from attendance import transitions
    from attendance.models import Attendance, ServiceGroup, Status

    # Every agent free again: the P1 attendances are closed.
    sql("UPDATE attendance_attendance SET status = 'closed', closed_at = now() WHERE status <> 'bot'", fetch=False)
    refresh_heartbeats()
    groups = {g.pk: g for g in ServiceGroup.objects.filter(pk__in=group_ids)}
    pending = list(Attendance.objects.filter(status=Status.BOT).select_related("customer").order_by("pk"))
    count = min(len(pending), args.rate * args.seconds)
    log(f"P2: queueing {count} attendances one at a time at {args.rate}/s through transitions.queue…")
    interval = 1.0 / args.rate
    started = time.perf_counter()
    for index, attendance in enumerate(pending[:count]):
        time.sleep(max(0.0, started + index * interval - time.perf_counter()))
        with transaction.atomic(), transitions.at_once() as changes:
            transitions.queue(changes, attendance, groups[attendance.group_id])
    ids = [a.pk for a in pending[:count]]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not Attendance.objects.filter(pk__in=ids, assigned_at__isnull=True).exists():
            break
        time.sleep(0.1)
    rows = list(Attendance.objects.filter(pk__in=ids).values_list("queued_at", "assigned_at"))
    latencies = [(assigned - queued).total_seconds() for queued, assigned in rows if assigned]
    figures = {
        "count": count,
        "assigned": len(latencies),
        "offered_per_s": args.rate,
        "p50_seconds": round(percentile(latencies, 50), 4),
        "p95_seconds": round(percentile(latencies, 95), 4),
        "p99_seconds": round(percentile(latencies, 99), 4),
        "max_seconds": round(max(latencies), 4),
    }
    log(f"  {figures}")
    return figures


# The run ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queued", type=int, default=20_000, help="queued attendances for P1 (default 20000)")
    parser.add_argument("--agents", type=int, default=500, help="online agents (default 500)")
    parser.add_argument("--capacity", type=int, default=50, help="max_simultaneous of each agent (default 50)")
    parser.add_argument("--groups", type=int, default=4, help="groups, strategies mixed (default 4)")
    parser.add_argument("--workers", type=int, default=4, help="Celery worker processes (and bare-loop processes)")
    parser.add_argument("--triggers", type=int, default=2, help="distribute_group_task sent per group (default 2)")
    parser.add_argument("--rate", type=int, default=20, help="P2: attendances queued per second (default 20)")
    parser.add_argument("--seconds", type=int, default=15, help="P2: duration in seconds (default 15)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds allowed for each P1 run")
    parser.add_argument("--no-beat", action="store_true", help="no Celery beat (no periodic distribution sweep)")
    parser.add_argument("--skip-bare", action="store_true", help="no baseline (no ratio)")
    parser.add_argument("--bare-child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.bare_child:
        spec = json.loads(args.bare_child)
        print(json.dumps(bare_child(spec["groups"], spec["offset"], spec["start_at"], spec["timeout"])), flush=True)
        return 0

    exit_on_sigterm()
    load = load_avg()
    work, redis_port, processes = start_run("dist", setup_environment)
    figures: dict = {}
    heartbeats = None
    try:
        fresh_database(work)
        log(f"seeding {args.groups} groups, {args.agents} agents, {args.queued} queued attendances…")
        group_ids = seed(args)
        vacuum()
        heartbeats = Heartbeats()
        heartbeats.start()
        processes.redis(redis_port)
        for index in range(args.workers):
            processes.celery_worker(index)
        beat = None if args.no_beat else processes.celery_beat(work / "beat-schedule")  # the sweep: safety net
        wait_for_workers(args.workers)
        log(f"{args.workers} workers ready (load average {load_avg()})")

        atende = run_atende(args, group_ids)
        from config.celery import app

        time.sleep(1)
        app.control.purge()  # the outbound "is now assisting you" deliveries: not part of P1
        if beat is not None:  # its sweep would make the workers distribute during the baseline
            Processes.kill(beat)
        bare = None
        if not args.skip_bare:
            reset_to_queued(args.queued)
            vacuum()
            bare = run_bare(args, group_ids)
        app.control.purge()
        if beat is not None:
            processes.celery_beat(work / "beat-schedule-p2")
        p2 = run_latency(args, group_ids)

        ratio = round(atende["assignments_per_s"] / bare["assignments_per_s"], 2) if bare else None
        figures = {
            "queued": args.queued, "agents": args.agents, "capacity": args.capacity, "groups": args.groups,
            "workers": args.workers, "beat": not args.no_beat,
            "sweep_seconds": float(os.environ.get("DISTRIBUTION_SWEEP_SECONDS", "5")),
            "cores": os.cpu_count(), "load_avg_1m_at_start": load,
            "p1": {"atende": atende, "bare_loop": bare, "ratio": ratio},
            "p2": p2,
            "targets": TARGETS,
        }  # fmt: skip
        passed = {
            "p1_assignments_per_s": atende["assignments_per_s"] >= TARGETS["p1_assignments_per_s"],
            "p1_ratio": ratio >= TARGETS["p1_ratio_to_bare_loop"] if ratio is not None else None,
            "p1_checks": atende["checks"]["ok"] and (bare is None or bare["checks"]["ok"]),
            "p2_p95": p2["p95_seconds"] < TARGETS["p2_p95_seconds"] and p2["assigned"] == p2["count"],
        }
        passed["all"] = all(value is not False for value in passed.values())
        figures["pass"] = passed
    finally:
        if heartbeats is not None:
            heartbeats.stopped.set()
            heartbeats.join(timeout=15)
        tear_down(processes, work)
    record(figures, bench="distribution")
    return 0


if __name__ == "__main__":
    sys.exit(main())
