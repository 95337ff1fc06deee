"""SPEC §12 P3: timers with 1,000,000 open attendances, 100,000 due.

Usage: ``.venv/bin/python bench/timers.py [--open 1000000] [--due 100000] [--workers 4]``
(see bench/README.md).

1. Creates its own PostgreSQL database (``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/atende_bench_timers``; dropped and recreated at
   start, dropped at the end), migrates it and creates one company, one operation, four
   groups with a mix of inactivity settings (``GROUPS``) and 50 agents per group.
2. Starts a private ``redis-server`` on a free port and ``--workers`` real Celery worker
   processes (``celery -A config worker --pool=solo -Q bench_timers``). The bench plays
   the beat: it sends the real ``attendance.tasks.timers_sweep_task`` to that queue.
   Deliveries and distribution requests written by the effects (``deliver_message_task``,
   ``distribute_group_task``) are really enqueued, on the default queue, which no worker
   consumes: they are counted and purged (``ATENDE_OUTBOUND_LOG_ONLY=1`` anyway).
3. Per scenario (first ``--small-open``/``--small-due``, then ``--open``/``--due``, in the
   same run): customers and open attendances (``in_progress``) written with
   ``INSERT ... SELECT ... FROM generate_series`` (no ORM), ``VACUUM ANALYZE``.
   Not-due attendances are silent for a while (70 % not warned yet, 30 % already
   warned) with their next timer at least ``--margin`` minutes away. The due ones are
   "armed" just before a phase (their silence moved back so the deadline falls where
   the phase wants it, bench table ``bench_due`` keeps the deadline): half get the
   inactivity **warning** (message + ``warned`` event + next due time), half were
   already warned and get the inactivity **close** (``closed`` event, status, reason).
   - ``backlog``: every deadline within the ``--spread`` seconds before the trigger;
     one sweep task per worker at the trigger, then one a second (the beat). Gives
     fired/s (fired / (last effect − trigger)) and the cost per fired timer: CPU
     seconds of the worker processes and of their PostgreSQL backends, and worker
     wall seconds (workers × drain time), per fired timer.
   - ``stream`` (large scenario only): ``--due`` more deadlines spread evenly over
     ``--stream-seconds`` (default 20 s → 5,000 deadlines/s, the P3 rate) while the
     beat sends one sweep task a second. Gives the lateness (effect time − deadline).
4. Checks with SQL after each phase: every due timer produced exactly one event of its
   kind (and its message / close / next due time), no other attendance got a timer
   event.
5. Prints ONE JSON line with the figures on stdout; progress goes to stderr. Every
   process it started is stopped (process groups) and the database dropped, also on
   error.

``--profile FILE``: no Celery; seeds ``--open``/``--due`` and runs ``timers_sweep()`` in
this process under pyinstrument (a text profile in FILE).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
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
    wait_for_low_load,
    wait_for_workers,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atende_bench_timers"
QUEUE = "bench_timers"
TARGETS = {"fired_per_s": 5000, "p99_lateness_seconds": 5.0, "cost_ratio_1m_to_10k": 1.5}
AGENTS_PER_GROUP = 50
# (name, inactivity_timeout_minutes, inactivity_warning_percent, inactivity_close_by)
GROUPS = [
    ("Suporte", 60, 50, "client"),
    ("Vendas", 60, 50, "client_and_agent"),
    ("Cobrança", 120, 75, "client"),
    ("SAC", 1440, 90, "client_and_agent"),
]
log = make_logger("timers")


def setup_environment(work: Path, redis_port: int) -> dict[str, str]:
    """Environment of this process (set before Django starts) and of the workers; one
    database backend per worker for the whole run (CPU accounting)."""
    return bench_environment(work, redis_port, DEFAULT_DATABASE_URL, DATABASE_CONN_MAX_AGE="600")


def maintenance(statement: str) -> None:
    with raw_connection(autocommit=True) as conn:
        conn.execute(statement)


# Seeding ------------------------------------------------------------------------------------


def seed_organisation() -> None:
    """Company, operation, the four groups and their agents; the bench's own table."""
    from attendance.models import ServiceGroup
    from attendance.services import group_save
    from organisation.models import Company, Operation
    from users.models import Role, User

    company = Company.objects.create(name="Empresa Bench")
    operation = Operation.objects.create(name="Operação Bench", company=company)
    for index, (name, timeout, percent, close_by) in enumerate(GROUPS):
        agents = []
        for a in range(AGENTS_PER_GROUP):
            user = User(username=f"agent{index}_{a:02d}", display_name=f"Agente {index}.{a:02d}", role=Role.AGENT,
                        max_simultaneous=10_000, work_hours=[])  # fmt: skip
            user.set_unusable_password()
            agents.append(user)
        agents = User.objects.bulk_create(agents)
        User.operations.through.objects.bulk_create(
            User.operations.through(user_id=u.pk, operation_id=operation.pk) for u in agents
        )
        group = ServiceGroup(name=name, operation=operation, inactivity_timeout_minutes=timeout,
                             inactivity_warning_percent=percent, inactivity_close_by=close_by)  # fmt: skip
        group_save(group=group, agents=agents)
    sql(
        "CREATE TABLE bench_due (attendance_id bigint PRIMARY KEY, phase text NOT NULL, kind text NOT NULL,"
        " deadline timestamptz NOT NULL, ref timestamptz NOT NULL, next_due timestamptz)",
        fetch=False,
    )


GROUPS_CTE = """
g AS (
    SELECT sg.id AS gid, s.gi, s.warn_min, s.close_min, s.mode,
           (SELECT array_agg(ga.user_id ORDER BY ga.user_id) FROM attendance_servicegroup_agents ga
             WHERE ga.servicegroup_id = sg.id) AS agents
    FROM unnest(%(names)s::text[], %(warn)s::float8[], %(close)s::float8[], %(modes)s::text[])
         WITH ORDINALITY AS s(name, warn_min, close_min, mode, gi)
    JOIN attendance_servicegroup sg ON sg.name = s.name
)"""


def group_params() -> dict:
    return {
        "names": [name for name, *_ in GROUPS],
        "warn": [timeout * percent / 100 for _, timeout, percent, _ in GROUPS],
        "close": [float(timeout) for _, timeout, _, _ in GROUPS],
        "modes": [mode for *_, mode in GROUPS],
    }


def seed_attendances(count: int, margin_minutes: float) -> None:
    """``count`` customers and as many open attendances, none due (``--margin`` minutes
    at least before the next timer): 70 % silent for a while and not warned yet, 30 %
    silent past the warning (warned) and before the close."""
    sql(
        "TRUNCATE attendance_event, attendance_message, attendance_attendance, customers_customer, bench_due"
        " RESTART IDENTITY CASCADE",
        fetch=False,
    )
    sql("SELECT setseed(0.4242)")
    sql(
        """
        INSERT INTO customers_customer (is_active, display_name, username, network, phone, email,
            show_name_in_greeting, document_type, document, priority, attributes, created_at)
        SELECT true, 'Cliente ' || i, 'whatsapp_55' || (34900000000 + i), 'whatsapp', '+55' || (34900000000 + i),
               '', false, '', '', 0, '[]'::jsonb, now()
        FROM generate_series(1, %(count)s) AS i
        """,
        {"count": count},
        fetch=False,
    )
    sql(
        "WITH "
        + GROUPS_CTE
        + """,
        r AS (
            SELECT c.id, g.gid, g.mode, g.warn_min, g.close_min,
                   g.agents[1 + (c.id / 4) %% array_length(g.agents, 1)] AS agent_id,
                   random() < 0.3 AS warned, random() AS u
            FROM customers_customer c JOIN g ON g.gi = c.id %% 4 + 1
        ),
        s AS (
            SELECT r.*, CASE WHEN warned
                   THEN now() - make_interval(secs => 60 * (warn_min + u * (close_min - warn_min - %(margin)s)))
                   ELSE now() - make_interval(secs => 60 * u * (warn_min - %(margin)s)) END AS ref
            FROM r
        )
        INSERT INTO attendance_attendance (protocol, customer_id, group_id, agent_id, status, priority,
            opened_at, queued_at, assigned_at, last_customer_message_at, last_agent_message_at, close_reason,
            bot_path, timer_due_at, inactivity_warned_ref)
        SELECT 'T' || lpad(id::text, 10, '0'), id, gid, agent_id, 'in_progress', 0,
               ref - interval '10 minutes', ref - interval '9 minutes', ref - interval '8 minutes',
               CASE WHEN mode = 'client' THEN ref ELSE ref - interval '30 seconds' END,
               CASE WHEN mode = 'client' THEN ref - interval '30 seconds' ELSE ref END,
               '', '[]'::jsonb,
               ref + make_interval(secs => 60 * CASE WHEN warned THEN close_min ELSE warn_min END),
               CASE WHEN warned THEN ref END
        FROM s ORDER BY id
        """,
        group_params() | {"margin": margin_minutes},
        fetch=False,
    )
    from django.db import connection

    connection.close()
    maintenance("VACUUM ANALYZE")
    maintenance("CHECKPOINT")


def arm(phase: str, residue: int, start: float, end: float) -> int:
    """Make the attendances with ``id % 10 == residue`` due between the epoch seconds
    ``start`` and ``end`` (uniformly at random): even tens get the warning, odd tens were
    warned already and get the close. Returns how many.

    The deadline's subquery refers to the row (``0 * a.id``): without an outer reference
    PostgreSQL evaluates it once, and every attendance would get the same deadline."""
    sql(
        "WITH "
        + GROUPS_CTE
        + """
        INSERT INTO bench_due (attendance_id, phase, kind, deadline, ref, next_due)
        SELECT a.id, %(phase)s, k.kind, d.deadline,
               d.deadline - make_interval(secs => 60 * CASE WHEN k.kind = 'warning' THEN g.warn_min ELSE g.close_min END),
               CASE WHEN k.kind = 'warning' THEN d.deadline + make_interval(secs => 60 * (g.close_min - g.warn_min)) END
        FROM attendance_attendance a
        JOIN g ON g.gid = a.group_id
        CROSS JOIN LATERAL (SELECT CASE WHEN (a.id / 10) %% 2 = 0 THEN 'warning' ELSE 'close' END AS kind) k
        CROSS JOIN LATERAL (SELECT to_timestamp(%(start)s + random() * (%(end)s - %(start)s) + 0 * a.id) AS deadline) d
        WHERE a.id %% 10 = %(residue)s AND a.status = 'in_progress'
        """,  # noqa: E501
        group_params() | {"phase": phase, "residue": residue, "start": start, "end": end},
        fetch=False,
    )
    sql(
        "WITH "
        + GROUPS_CTE
        + """
        UPDATE attendance_attendance a SET
            opened_at = d.ref - interval '10 minutes', queued_at = d.ref - interval '9 minutes',
            assigned_at = d.ref - interval '8 minutes',
            last_customer_message_at = CASE WHEN g.mode = 'client' THEN d.ref ELSE d.ref - interval '30 seconds' END,
            last_agent_message_at = CASE WHEN g.mode = 'client' THEN d.ref - interval '30 seconds' ELSE d.ref END,
            inactivity_warned_ref = CASE WHEN d.kind = 'close' THEN d.ref END,
            timer_due_at = d.deadline
        FROM bench_due d, g
        WHERE a.id = d.attendance_id AND d.phase = %(phase)s AND g.gid = a.group_id
        """,
        group_params() | {"phase": phase},
        fetch=False,
    )
    maintenance("ANALYZE attendance_attendance")
    return sql("SELECT count(*) FROM bench_due WHERE phase = %s", [phase])[0][0]


# Measuring ----------------------------------------------------------------------------------


def proc_cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(worker_pids: list[int]) -> dict[str, dict[int, float]]:
    """CPU seconds of the workers and of the database's backends (except this process's)."""
    backends = [row[0] for row in sql(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend'"
    )]  # fmt: skip
    snap: dict[str, dict[int, float]] = {"workers": {}, "backends": {}}
    for kind, pids in (("workers", worker_pids), ("backends", backends)):
        for pid in pids:
            value = proc_cpu_seconds(pid)
            if value is not None:
                snap[kind][pid] = value
    return snap


def cpu_delta(before: dict, after: dict, kind: str) -> float:
    return sum(value - before[kind].get(pid, 0.0) for pid, value in after[kind].items())


def cpu_merge(seen: dict, snap: dict) -> None:
    """Keep the last CPU figure of every process seen: Celery closes the task's database
    connection at the end of each task, so backends come and go during a phase."""
    for kind in snap:
        seen[kind].update(snap[kind])


class Beat(threading.Thread):
    """The beat: ``initial`` sweep tasks at once, then one every ``interval`` seconds."""

    def __init__(self, initial: int, interval: float = 1.0):
        super().__init__(daemon=True)
        self.initial, self.interval = initial, interval
        self.stop = threading.Event()
        self.sent = 0

    def run(self) -> None:
        from attendance.tasks import timers_sweep_task

        for _ in range(self.initial):
            timers_sweep_task.apply_async(queue=QUEUE)
            self.sent += 1
        while not self.stop.wait(self.interval):
            timers_sweep_task.apply_async(queue=QUEUE)
            self.sent += 1


def remaining_due(until: float) -> int:
    return sql(
        "SELECT count(*) FROM attendance_attendance WHERE status <> 'closed' AND timer_due_at <= to_timestamp(%s)",
        [until],
    )[0][0]


def drain_queues() -> dict[str, int]:
    """Empty the bench queue (stale beat ticks) and count, then drop, the tasks the effects
    enqueued on the default queue (deliveries, distribution requests)."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete(QUEUE)
    counts: dict[str, int] = {}
    if client.exists("celery"):
        client.rename("celery", "bench_counted")  # atomic: later enqueues go to a new list
        total = client.llen("bench_counted")
        for offset in range(0, total, 5000):
            for raw in client.lrange("bench_counted", offset, offset + 4999):
                name = json.loads(raw).get("headers", {}).get("task", "?").rsplit(".", 1)[-1]
                counts[name] = counts.get(name, 0) + 1
        client.delete("bench_counted")
    client.close()
    return counts


def wait_idle(seconds: float = 2.0) -> dict[str, int]:
    """Let the tasks still running find nothing and end; the enqueued tasks, counted."""
    counts = drain_queues()
    time.sleep(seconds)
    for name, count in drain_queues().items():
        counts[name] = counts.get(name, 0) + count
    return counts


def run_phase(phase: str, due: int, trigger_at: float, until: float, initial: int, worker_pids, timeout) -> dict:
    delay = trigger_at - time.time()
    if delay > 0:
        time.sleep(delay)
    before = cpu_snapshot(worker_pids)
    seen = {"workers": dict(before["workers"]), "backends": dict(before["backends"])}
    beat = Beat(initial)
    triggered = time.time()
    beat.start()
    deadline = time.monotonic() + timeout
    left = due
    last_log = time.monotonic()
    try:
        while True:
            time.sleep(0.1)
            cpu_merge(seen, cpu_snapshot(worker_pids))
            now = time.time()
            left = remaining_due(min(now, until))  # due by now: a small count while the sweep keeps up
            if left == 0 and now >= until:
                break
            if time.monotonic() > deadline:
                log(f"  {phase}: {left} timers still due after {timeout} s: stopping (figures so far)")
                break
            if time.monotonic() - last_log > 5:
                log(f"  {phase}: {left} due and not fired yet (load average {load_avg()})")
                last_log = time.monotonic()
    finally:
        beat.stop.set()
        beat.join()
    cpu_merge(seen, cpu_snapshot(worker_pids))
    after = seen
    enqueued = wait_idle()
    return {
        "timed_out": left > 0,
        "triggered": triggered,
        "tasks_sent": beat.sent,
        "cpu_workers": cpu_delta(before, after, "workers"),
        "cpu_backends": cpu_delta(before, after, "backends"),
        "enqueued": enqueued,
    }


def effects(phase: str) -> dict:
    """Per fired timer: the effect's time (the warning message's ``created_at``, the
    attendance's ``closed_at``) minus its deadline."""
    from attendance.timers import INACTIVITY_WARNING

    # Fresh statistics first: with the effects' new rows unknown to the planner it picks
    # nested loops that re-aggregate the messages per row (minutes at 1M).
    maintenance("ANALYZE attendance_attendance, attendance_event, attendance_message, bench_due")
    row = sql(
        """
        WITH e AS (
            SELECT coalesce(m.at, a.closed_at) AS at, d.deadline
            FROM bench_due d JOIN attendance_attendance a ON a.id = d.attendance_id
            LEFT JOIN LATERAL (SELECT min(m.created_at) AS at FROM attendance_message m
                               WHERE m.attendance_id = d.attendance_id AND m.body = %(body)s) m ON d.kind = 'warning'
            WHERE d.phase = %(phase)s
        ), l AS (SELECT at, extract(epoch FROM at - deadline)::float8 AS late FROM e WHERE at IS NOT NULL)
        SELECT count(*), extract(epoch FROM min(at))::float8, extract(epoch FROM max(at))::float8,
               percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY late), max(late)
        FROM l
        """,
        {"body": INACTIVITY_WARNING, "phase": phase},
    )[0]
    count, first, last, pcts, worst = row
    # Lateness by second of deadline (p50, max): shows whether the sweep keeps up or drifts.
    by_second = sql(
        """
        WITH e AS (
            SELECT coalesce(m.at, a.closed_at) AS at, d.deadline
            FROM bench_due d JOIN attendance_attendance a ON a.id = d.attendance_id
            LEFT JOIN LATERAL (SELECT min(m.created_at) AS at FROM attendance_message m
                               WHERE m.attendance_id = d.attendance_id AND m.body = %(body)s) m ON d.kind = 'warning'
            WHERE d.phase = %(phase)s
        )
        SELECT floor(extract(epoch FROM deadline - min(deadline) OVER ()))::int AS s, extract(epoch FROM at - deadline)
        FROM e WHERE at IS NOT NULL
        """,
        {"body": INACTIVITY_WARNING, "phase": phase},
    )
    buckets: dict[int, list[float]] = {}
    for second, late in by_second:
        buckets.setdefault(second, []).append(float(late))
    profile = [[s, round(percentile(v, 50), 2), round(max(v), 2)] for s, v in sorted(buckets.items())]
    return {"count": count, "first": first, "last": last, "p50": pcts[0], "p95": pcts[1], "p99": pcts[2],
            "max": worst, "by_deadline_second": profile}  # fmt: skip


def check(phases: list[str]) -> dict:
    """Every armed timer of these phases fired exactly once with its full effect; nothing
    else fired."""
    from attendance.timers import INACTIVITY_WARNING

    row = sql(
        """
        WITH ev AS (
            SELECT attendance_id, count(*) FILTER (WHERE type = 'warned') AS w,
                   count(*) FILTER (WHERE type = 'closed') AS c
            FROM attendance_event WHERE type IN ('warned', 'closed') GROUP BY attendance_id
        ), msg AS (
            SELECT attendance_id, count(*) AS n FROM attendance_message WHERE body = %(body)s GROUP BY attendance_id
        ), d AS NOT MATERIALIZED (SELECT * FROM bench_due WHERE phase = ANY(%(phases)s))  -- keeps its index
        SELECT
            (SELECT count(*) FROM d),
            (SELECT count(*) FROM d JOIN attendance_attendance a ON a.id = d.attendance_id
               LEFT JOIN ev ON ev.attendance_id = d.attendance_id LEFT JOIN msg ON msg.attendance_id = d.attendance_id
              WHERE (d.kind = 'warning' AND ev.w = 1 AND coalesce(ev.c, 0) = 0 AND msg.n = 1
                     AND a.status = 'in_progress' AND a.inactivity_warned_ref = d.ref AND a.timer_due_at = d.next_due)
                 OR (d.kind = 'close' AND ev.c = 1 AND coalesce(ev.w, 0) = 0 AND msg.n IS NULL
                     AND a.status = 'closed' AND a.close_reason = 'inactivity' AND a.timer_due_at IS NULL)),
            (SELECT count(*) FROM ev WHERE ev.w > 1 OR ev.c > 1),
            (SELECT count(*) FROM ev WHERE NOT EXISTS (SELECT 1 FROM d WHERE d.attendance_id = ev.attendance_id)),
            (SELECT count(*) FROM attendance_attendance a WHERE a.status = 'closed'
                AND NOT EXISTS (SELECT 1 FROM d WHERE d.attendance_id = a.id))
        """,
        {"body": INACTIVITY_WARNING, "phases": phases},
    )[0]
    armed, exact, twice, stray_events, stray_closed = row
    result = {"armed": armed, "fired_exactly_once": exact, "fired_twice": twice,
              "not_due_fired": stray_events + stray_closed}  # fmt: skip
    result["ok"] = exact == armed and twice == 0 and result["not_due_fired"] == 0
    return result


# Scenarios ------------------------------------------------------------------------------------


def small_rounds(args, pids: list[int]) -> dict:
    """The cost baseline: the small scenario's backlog ``--small-rounds`` times (reseeded
    each time), CPU and fired summed. One round fires only 1,000 timers in well under a
    second, and ``/proc`` counts CPU in 10 ms ticks per process: a single round's figure
    would be mostly rounding."""
    rounds = [scenario(args, args.small_open, args.small_open // 10, False, pids)["backlog"] for _ in
              range(args.small_rounds)]  # fmt: skip
    fired = sum(r["fired"] for r in rounds)
    cpu_workers = sum(r["cpu_workers_s"] for r in rounds)
    cpu_backends = sum(r["cpu_db_backends_s"] for r in rounds)
    drain = sum(r["drain_seconds"] for r in rounds)
    backlog = {
        "rounds": len(rounds), "due": sum(r["due"] for r in rounds), "fired": fired,
        "drain_seconds": round(drain, 2), "fired_per_s": round(fired / drain),
        "cpu_workers_s": round(cpu_workers, 2), "cpu_db_backends_s": round(cpu_backends, 2),
        "cpu_ms_per_fired": round(1000 * (cpu_workers + cpu_backends) / fired, 3),
        "worker_wall_ms_per_fired": round(1000 * drain * args.workers / fired, 3),
        "cpu_ms_per_fired_by_round": [r["cpu_ms_per_fired"] for r in rounds],
        "check": {"ok": all(r["check"]["ok"] for r in rounds),
                  "fired_exactly_once": sum(r["check"]["fired_exactly_once"] for r in rounds)},
    }  # fmt: skip
    return {"open": args.small_open, "backlog": backlog}


def scenario(args, open_count: int, due: int, stream: bool, worker_pids: list[int]) -> dict:
    log(f"scenario {open_count:,} open: seeding…")
    started = time.monotonic()
    seed_attendances(open_count, args.margin)
    log(f"  seeded in {time.monotonic() - started:.0f} s (load average {load_avg()})")
    result: dict = {"open": open_count}

    # Backlog: every deadline within the --spread seconds before the trigger.
    trigger_at = time.time() + args.lead
    arm_started = time.monotonic()
    armed = arm("backlog", 0, trigger_at - args.spread, trigger_at)
    arm_seconds = time.monotonic() - arm_started
    if armed != due:
        log(f"  armed {armed} (asked {due}: the residue class decides)")
    log(f"  backlog: {armed:,} due within {args.spread} s before the trigger, {args.workers} workers…")
    run = run_phase("backlog", armed, trigger_at, trigger_at, args.workers, worker_pids, args.timeout)
    eff = effects("backlog")
    drain = eff["last"] - run["triggered"]
    cpu = run["cpu_workers"] + run["cpu_backends"]
    result["backlog"] = {
        "due": armed,
        "fired": eff["count"],
        "timed_out": run["timed_out"],
        "trigger_late_s": round(run["triggered"] - trigger_at, 2),
        "drain_seconds": round(drain, 2),
        "fired_per_s": round(eff["count"] / drain),
        "cpu_workers_s": round(run["cpu_workers"], 2),
        "cpu_db_backends_s": round(run["cpu_backends"], 2),
        "cpu_ms_per_fired": round(1000 * cpu / eff["count"], 3),
        "worker_wall_ms_per_fired": round(1000 * drain * args.workers / eff["count"], 3),
        "lateness_s": {k: round(eff[k], 3) for k in ("p50", "p95", "p99", "max")},
        "tasks_enqueued_by_effects": run["enqueued"],
        "check": check(["backlog"]),
    }
    log(f"  backlog: {result['backlog']}")

    if stream:
        # Arming takes a while at 1M: the first deadline comes after it (twice the backlog's).
        start = time.time() + max(args.lead, 2 * arm_seconds + 5)
        end = start + args.stream_seconds
        armed = arm("stream", 5, start, end)
        armed_at = time.time()
        if time.time() > start:
            log(f"  stream: armed {time.time() - start:.1f} s after the first deadline (lateness includes it)")
        log(f"  stream: {armed:,} deadlines over {args.stream_seconds} s "
            f"({armed / args.stream_seconds:,.0f}/s), beat every 1 s…")  # fmt: skip
        run = run_phase("stream", armed, time.time(), end, 1, worker_pids, args.timeout)
        eff = effects("stream")
        result["stream"] = {
            "due": armed,
            "deadlines_per_s": round(armed / args.stream_seconds),
            "armed_before_first_deadline_s": round(start - armed_at, 2),
            "fired": eff["count"],
            "timed_out": run["timed_out"],
            "fired_per_s": round(eff["count"] / (eff["last"] - start)),
            "lateness_s": {k: round(eff[k], 3) for k in ("p50", "p95", "p99", "max")},
            "lateness_by_deadline_second": eff["by_deadline_second"],  # [second, p50, max]
            "cpu_ms_per_fired": round(1000 * (run["cpu_workers"] + run["cpu_backends"]) / eff["count"], 3),
            "tasks_enqueued_by_effects": run["enqueued"],
            "check": check(["backlog", "stream"]),
        }
        log(f"  stream: {result['stream']}")
    return result


def profile_run(args) -> dict:
    """No Celery: ``timers_sweep()`` in this process, under pyinstrument."""
    from django.db import connection
    from pyinstrument import Profiler

    from attendance.timers import timers_sweep

    seed_attendances(args.open, args.margin)
    now = time.time()
    armed = arm("backlog", 0, now - args.spread, now)
    queries = [0]

    def count(execute, sql_, params, many, context):
        queries[0] += 1
        return execute(sql_, params, many, context)

    cprofile = os.environ.get("BENCH_PROFILER") == "cprofile"  # CPU by function (tottime) instead
    profiler = cProfile.Profile(time.process_time) if cprofile else Profiler(interval=0.001)
    started = time.perf_counter()
    cpu = time.process_time()
    profiler.enable() if cprofile else profiler.start()
    fired = 0
    with connection.execute_wrapper(count):
        while True:
            step = timers_sweep(budget_seconds=3600)
            fired += step
            if step == 0:
                break
    profiler.disable() if cprofile else profiler.stop()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if cprofile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(60)
        Path(args.profile).write_text(out.getvalue(), encoding="utf-8")
    else:
        show_all = bool(os.environ.get("BENCH_PROFILE_ALL"))  # every frame, library ones included
        text = profiler.output_text(unicode=True, color=False, show_all=show_all)
        Path(args.profile).write_text(text, encoding="utf-8")
    return {"open": args.open, "due": armed, "fired": fired, "seconds": round(seconds, 2),
            "fired_per_s": round(fired / seconds), "python_cpu_ms_per_fired": round(1000 * cpu / fired, 3),
            "queries_per_fired": round(queries[0] / fired, 2),
            "check": check(["backlog"]), "profile": str(Path(args.profile).resolve())}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", type=int, default=1_000_000, help="open attendances (default 1000000)")
    parser.add_argument("--due", type=int, default=100_000, help="due among them: every 10th (default 100000)")
    parser.add_argument("--small-open", type=int, default=10_000, help="the cost baseline's open (default 10000)")
    parser.add_argument("--workers", type=int, default=4, help="Celery worker processes (default 4)")
    parser.add_argument("--small-rounds", type=int, default=10,
                        help="the 10k backlog, reseeded this many times, CPU summed (default 10)")  # fmt: skip
    parser.add_argument("--spread", type=float, default=5.0, help="backlog: deadlines within these seconds")
    parser.add_argument("--stream-seconds", type=float, default=20.0, help="stream: deadlines over these seconds")
    parser.add_argument("--no-stream", action="store_true", help="skip the stream (lateness) phase")
    parser.add_argument("--lead", type=float, default=3.0, help="seconds between arming and the first deadline")
    parser.add_argument("--margin", type=float, default=20.0, help="minutes before any not-due timer is due")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed for each phase")
    parser.add_argument("--quiet-load", type=float, default=1.5, help="wait for a 1-minute load average below this")
    parser.add_argument("--quiet-wait", type=float, default=0.0, help="…for at most these seconds (default 0)")
    parser.add_argument("--profile", metavar="FILE", help="profile timers_sweep() in-process instead (no Celery)")
    args = parser.parse_args()
    if args.due * 10 != args.open:
        parser.error("--due must be --open / 10 (every 10th attendance is due)")

    exit_on_sigterm()
    wait_for_low_load(args.quiet_load, args.quiet_wait)
    load = load_avg()
    work, redis_port, processes = start_run("timers", setup_environment)
    figures: dict = {}
    try:
        fresh_database(work)
        seed_organisation()
        processes.redis(redis_port)
        if args.profile:
            figures = profile_run(args)
        else:
            workers = [processes.celery_worker(index, queue=QUEUE, prefix="timers") for index in range(args.workers)]
            wait_for_workers(args.workers)
            from attendance.tasks import timers_sweep_task

            for _ in range(args.workers * 2):  # warm-up: imports, database connections
                timers_sweep_task.apply_async(queue=QUEUE)
            time.sleep(3)
            log(f"{args.workers} workers ready (load average {load_avg()})")
            pids = [w.pid for w in workers]
            small = small_rounds(args, pids)
            large = scenario(args, args.open, args.due, not args.no_stream, pids)
            ratio = round(large["backlog"]["cpu_ms_per_fired"] / small["backlog"]["cpu_ms_per_fired"], 2)
            wall_ratio = round(
                large["backlog"]["worker_wall_ms_per_fired"] / small["backlog"]["worker_wall_ms_per_fired"], 2
            )
            p99 = large["stream"]["lateness_s"]["p99"] if "stream" in large else None
            correct = small["backlog"]["check"]["ok"] and large["backlog"]["check"]["ok"]
            if "stream" in large:
                correct = correct and large["stream"]["check"]["ok"]
            figures = {
                "open": args.open, "due": args.due, "small_open": args.small_open, "workers": args.workers,
                "timer_batch": int(os.environ.get("TIMER_BATCH", "500")), "mode": "celery workers, --pool=solo",
                "cores": os.cpu_count(), "load_avg_1m_at_start": load, "load_avg_1m_at_end": load_avg(),
                "large": large, "small": small,
                "cost_ratio_1m_to_10k": ratio, "wall_cost_ratio_1m_to_10k": wall_ratio,
                "targets": TARGETS,
                "pass": {
                    "fired_per_s": large["backlog"]["fired_per_s"] >= TARGETS["fired_per_s"],
                    "p99_lateness_seconds": p99 is not None and p99 <= TARGETS["p99_lateness_seconds"],
                    "cost_ratio_1m_to_10k": ratio <= TARGETS["cost_ratio_1m_to_10k"],
                    "correct": correct,
                },
            }  # fmt: skip
            figures["pass"]["all"] = all(figures["pass"].values())
    finally:
        tear_down(processes, work)
    record(figures, bench="timers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
