"""P6 (SPEC §12): the dashboard API and page, the service-level report over 30 days and a
streamed 1,000,000-row export, at 100,000 and then 10,000,000 attendances.

    .venv/bin/python bench/dashboard.py                       # 10M attendances (100k today)
    .venv/bin/python bench/dashboard.py --history 2000000     # a smaller history
    .venv/bin/python bench/dashboard.py --keep                # keep the database afterwards
    .venv/bin/python bench/dashboard.py --keep --seed-only    # seed (tens of minutes at 10M), measure nothing
    .venv/bin/python bench/dashboard.py --reuse               # measure a kept, seeded database (no seeding)

``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/atende_bench_dashboard``)
names a database the script drops and recreates at start (and drops at the end unless
``--keep``). Seeding is SQL (``generate_series``): 5 operations × 10 groups, 500 agents
(each in two groups, mixed presence), ``--today`` attendances of today (the last 2 % still
open: bot, queued, in progress, pending), then ``--history`` closed attendances over the
365 days before, 1,000,000 survey answers, and the hourly rollups computed from those
rows with the rollups' own definitions (so they are consistent with the data).

Measured in-process with Django's test client (the whole request: middleware, auth,
queries, JSON or template), as a supervisor of every operation (50 groups, 500 agents:
the largest dashboard): p50/p95 of the dashboard API and page, first with only today's
attendances (``--today``, the "100,000 attendances" point) and again after the history is
added (``--reuse``: only this second point — the kept database already holds the
history); the service-level report over the last 30 days (``by`` day, hour, group, agent in
turn); and the survey answers' CSV and XLSX export (1,000,000 rows) in a child process
whose peak RSS (``VmHWM``: ``ru_maxrss`` would carry the parent's across ``exec``) is
reported. One JSON line on stdout, appended to
bench/results.jsonl.

``--reuse`` leaves the database in place (never drops it): it migrates, checks that the
seeded rows are there (``--today`` + ``--history`` attendances, the supervisor, the
hourly rollups), re-derives the daily rollups from the hourly rows with SQL when they do
not add up to the same totals (a database seeded before they existed), and measures. The
dashboard's "today" is the local day of the seed: reuse it the same São Paulo day.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    bench_environment,
    close_django_connections,
    current_rss_mb,
    django_setup_and_migrate,
    drop_database,
    load_avg,
    make_logger,
    peak_rss_mb,
    percentile,
    record,
    recreate_database,
    sql,
)

log = make_logger("dashboard")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/atende_bench_dashboard"
GROUPS, OPERATIONS, AGENTS = 50, 5, 500


def _sql(statement: str, params=None) -> None:
    sql(statement, params, fetch=False)


def seed_configuration() -> dict:
    """Company, operations, groups, agents (two groups each), presences, a supervisor, a survey."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Permission

    from attendance.models import AgentPresence, ServiceGroup
    from organisation.models import Company, Operation
    from surveys.models import Survey
    from surveys.services import survey_save
    from users.models import Profile, Role, User

    company = Company.objects.create(name="Bench")
    operations = [Operation.objects.create(company=company, name=f"Operação {i + 1}") for i in range(OPERATIONS)]
    groups = ServiceGroup.objects.bulk_create(
        ServiceGroup(name=f"Grupo {i + 1:02d}", operation=operations[i // (GROUPS // OPERATIONS)],
                     initial_sla_minutes=3)
        for i in range(GROUPS)
    )  # fmt: skip
    password = make_password("Bench@2026")
    agents = User.objects.bulk_create(
        User(username=f"agente{i:03d}", display_name=f"Agente {i:03d}", role=Role.AGENT, password=password,
             max_simultaneous=5, company=company)
        for i in range(AGENTS)
    )  # fmt: skip
    through = ServiceGroup.agents.through
    through.objects.bulk_create(
        through(servicegroup_id=groups[(k // 10 + extra) % GROUPS].pk, user_id=agent.pk)
        for k, agent in enumerate(agents)
        for extra in (0, 1)
    )
    User.operations.through.objects.bulk_create(
        User.operations.through(user_id=agent.pk, operation_id=groups[k // 10].operation_id)
        for k, agent in enumerate(agents)
    )
    states = ["online"] * 6 + ["paused"] * 2 + ["offline"] * 2
    AgentPresence.objects.bulk_create(
        AgentPresence(agent=agent, state=states[k % 10], reason="Almoço" if states[k % 10] == "paused" else "")
        for k, agent in enumerate(agents)
    )
    profile = Profile.objects.create(name="Supervisão")
    profile.permissions.set(Permission.objects.filter(codename__in=[
        "view_dashboard", "view_service_level_report", "view_survey_results", "monitor_attendances"]))  # fmt: skip
    supervisor = User.objects.create(username="supervisora", display_name="Supervisora", role=Role.SUPERVISOR,
                                     password=password, profile=profile, company=company)  # fmt: skip
    supervisor.operations.set(operations)
    survey = survey_save(survey=Survey(name="Bench"), questions=[{"type": "nps", "text": "Recomendaria?"}]).survey
    return {"groups": [g.pk for g in groups], "agents": [a.pk for a in agents], "supervisor": supervisor,
            "survey": survey, "question": survey.questions.get().pk}  # fmt: skip


ATTENDANCE_COLUMNS = """protocol, status, priority, opened_at, queued_at, assigned_at, closed_at, close_reason,
    bot_path, agent_id, customer_id, group_id"""


def seed_attendances(*, first: int, count: int, start_sql: str, span_sql: str, open_share: float, ids: dict) -> None:
    """``count`` attendances numbered from ``first``, opened evenly from ``start_sql`` over
    ``span_sql``; the last ``open_share`` of them still open. Every 20th was abandoned."""
    g0, a0 = ids["groups"][0], ids["agents"][0]
    open_from = first + int(count * (1 - open_share))
    # The rows reference seeded customers, groups and agents by construction: skip the
    # deferred foreign-key checks (30 million trigger calls at commit for 10M rows).
    _sql("SET session_replication_role = replica")
    _sql(f"""
        INSERT INTO attendance_attendance ({ATTENDANCE_COLUMNS})
        SELECT 'B' || i, status, 0, opened, opened + interval '5 seconds',
               CASE WHEN status IN ('in_progress', 'pending') OR (status = 'closed' AND i % 20 <> 0)
                    THEN opened + interval '5 seconds' + make_interval(secs => (i * 7) % 400) END,
               CASE WHEN status = 'closed'
                    THEN opened + interval '5 seconds' + make_interval(secs => 60 + (i * 13) % 900) END,
               CASE WHEN status = 'closed' THEN (CASE WHEN i % 20 = 0 THEN 'abandoned' ELSE 'agent' END) ELSE '' END,
               '[]'::jsonb,
               CASE WHEN status IN ('in_progress', 'pending') OR (status = 'closed' AND i % 20 <> 0)
                    THEN {a0} + ((i % {GROUPS}) * 10 + (i / {GROUPS}) % 10) END,
               1 + (i % 200000), {g0} + (i % {GROUPS})
        FROM (
            SELECT i, {start_sql} + ({span_sql}) * ((i - {first})::float / {count}) AS opened,
                   CASE WHEN i < {open_from} THEN 'closed'
                        ELSE (ARRAY['bot', 'queued', 'in_progress', 'pending'])[1 + i % 4] END AS status
            FROM generate_series({first}, {first + count - 1}) AS i
        ) AS s
    """)  # noqa: S608 - numbers only
    _sql("SET session_replication_role = DEFAULT")


def seed_customers(count: int) -> None:
    _sql(f"""
        INSERT INTO customers_customer (is_active, display_name, username, network, phone, email, show_name_in_greeting,
            document_type, document, priority, attributes, created_at)
        SELECT true, 'Cliente ' || i, 'c' || i, 'whatsapp', '+55349' || lpad(i::text, 8, '0'), '', false, '', '', 0,
               '[]'::jsonb, now()
        FROM generate_series(1, {count}) AS i
    """)  # noqa: S608


def seed_answers(count: int, ids: dict) -> None:
    """One NPS answer for each of the first ``count`` closed attendances with an agent."""
    _sql(f"""
        INSERT INTO surveys_response (answered_at, score, option, satisfied, text, agent_id, attendance_id, group_id,
            question_id, survey_id)
        SELECT closed_at + interval '1 minute', (id * 7) % 11, '', NULL, '', agent_id, id, group_id,
               {ids["question"]}, {ids["survey"].pk}
        FROM attendance_attendance WHERE status = 'closed' AND agent_id IS NOT NULL
        ORDER BY id DESC LIMIT {count}
    """)  # noqa: S608


def seed_rollups() -> None:
    """The hourly rollups from the rows, with ``reports.rollups``' definitions (inserted in
    hour order, as the engine writes them hour after hour): an entry into
    the queue at ``queued_at``, an assignment at ``assigned_at`` (wait, SLA 3 min), a close
    at ``closed_at`` (abandoned when it had no agent), NPS answers when answered."""
    facts = """
        SELECT date_trunc('hour', queued_at) AS hour, group_id, NULL::bigint AS agent_id, 1 AS queued, 0 AS assigned,
               0.0 AS wait, 0 AS sla, 0 AS abandoned, 0 AS closed, 0 AS handled, 0.0 AS handling, 0 AS nps,
               0 AS promoters, 0 AS detractors
        FROM attendance_attendance WHERE queued_at IS NOT NULL
        UNION ALL
        SELECT date_trunc('hour', assigned_at), group_id, agent_id, 0, 1, extract(epoch FROM assigned_at - queued_at),
               (assigned_at - queued_at <= interval '3 minutes')::int, 0, 0, 0, 0.0, 0, 0, 0
        FROM attendance_attendance WHERE assigned_at IS NOT NULL
        UNION ALL
        SELECT date_trunc('hour', closed_at), group_id, agent_id, 0, 0, 0.0, 0, (agent_id IS NULL)::int, 1,
               (agent_id IS NOT NULL)::int, coalesce(extract(epoch FROM closed_at - assigned_at), 0.0), 0, 0, 0
        FROM attendance_attendance WHERE closed_at IS NOT NULL
        UNION ALL
        SELECT date_trunc('hour', answered_at), group_id, agent_id, 0, 0, 0.0, 0, 0, 0, 0, 0.0, 1,
               (score >= 9)::int, (score <= 6)::int
        FROM surveys_response
    """
    sums = """sum(queued), sum(assigned), sum(wait), max(CASE WHEN assigned = 1 THEN wait ELSE 0 END), sum(sla),
              sum(abandoned), sum(closed), sum(handled), sum(handling), 0, 0, sum(nps), sum(promoters),
              sum(detractors)"""
    columns = """queued, assigned, wait_sum, wait_max, sla_met, abandoned, closed, handled, handling_sum, csat_answers,
                 csat_satisfied, nps_answers, nps_promoters, nps_detractors"""
    _sql("CREATE TEMPORARY TABLE bench_facts AS " + facts)
    _sql(f"INSERT INTO reports_grouphour (hour, group_id, {columns}) "  # noqa: S608
         f"SELECT hour, group_id, {sums} FROM bench_facts GROUP BY hour, group_id ORDER BY hour, group_id")  # fmt: skip
    _sql(f"INSERT INTO reports_agenthour (hour, group_id, agent_id, {columns}) "  # noqa: S608
         f"SELECT hour, group_id, agent_id, {sums} FROM bench_facts WHERE agent_id IS NOT NULL "
         f"GROUP BY hour, group_id, agent_id ORDER BY hour, group_id, agent_id")  # fmt: skip
    _sql("DROP TABLE bench_facts")
    seed_days()


def seed_days() -> None:
    """The daily rollups from the hourly ones (the engine writes both; ``reports.days``)."""
    from reports.days import days_rebuild

    days_rebuild()


def days_agree() -> bool:
    """Whether the daily rows add up to the hourly rows' totals (both tables)."""
    from django.db import connection

    checks = []
    with connection.cursor() as cursor:
        for hours, days in (("reports_grouphour", "reports_groupday"), ("reports_agenthour", "reports_agentday")):
            totals = "count(*) > 0, sum(queued), sum(assigned), sum(closed), sum(nps_answers), max(wait_max)"
            cursor.execute(f"SELECT {totals} FROM {hours}")  # noqa: S608 - names only
            want = cursor.fetchone()
            cursor.execute(f"SELECT {totals} FROM {days}")  # noqa: S608 - names only
            checks.append(want == cursor.fetchone())
    return all(checks)


def analyze() -> None:
    for table in ("attendance_attendance", "reports_grouphour", "reports_agenthour", "reports_groupday",
                  "reports_agentday", "surveys_response", "customers_customer", "users_user",
                  "attendance_servicegroup_agents", "attendance_agentpresence"):  # fmt: skip
        _sql(f"VACUUM ANALYZE {table}")


def timed(client, url: str, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
        if getattr(response, "streaming", False):
            for _chunk in response.streaming_content:
                pass
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1), "n": repeat}


def measure_dashboard(client, repeat: int) -> dict:
    return {"api": timed(client, "/api/v1/dashboard/", repeat), "page": timed(client, "/dashboard/", repeat)}


def export_child(kind: str) -> None:
    """In a fresh process: download the survey answers export, print bytes and peak RSS."""
    import django

    django.setup()
    from django.test import Client

    from users.models import User

    client = Client()
    client.force_login(User.objects.get(username="supervisora"))
    baseline = current_rss_mb()
    started = time.perf_counter()
    response = client.get(_export_url(kind))
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    print(json.dumps({"bytes": size, "seconds": round(time.perf_counter() - started, 1),
                      "peak_rss_mb": peak_rss_mb(), "rss_before_mb": baseline}))  # fmt: skip


def _export_url(kind: str) -> str:
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    start = today - timedelta(days=365)
    return f"/api/v1/reports/surveys/?start={start}&end={today}&file_format={kind}"


def seed(args, client, figures: dict) -> dict:
    """Seeds today's attendances, measures the dashboard at that point, adds the history;
    returns the dashboard's figures at today's attendances only."""
    began = time.perf_counter()
    ids = seed_configuration()
    seed_customers(200_000)
    today = "date_trunc('day', now() AT TIME ZONE 'America/Sao_Paulo') AT TIME ZONE 'America/Sao_Paulo'"
    seed_attendances(first=1, count=args.today, start_sql=today, span_sql=f"(now() - {today}) * 0.98",
                     open_share=0.02, ids=ids)  # fmt: skip
    seed_rollups()
    analyze()
    log(f"today's {args.today} attendances seeded in {time.perf_counter() - began:.0f}s")
    client.force_login(ids["supervisor"])
    client.get("/api/v1/dashboard/")  # warm-up: imports, connections, plans
    client.get("/dashboard/")
    from core.runtime import freeze_startup_objects

    freeze_startup_objects()  # as config/wsgi.py does in a served process
    small = None if args.seed_only else measure_dashboard(client, args.repeat)
    log(f"at {args.today}: {small}")
    began = time.perf_counter()
    _sql("TRUNCATE reports_grouphour, reports_agenthour, reports_groupday, reports_agentday")
    if args.history:
        seed_attendances(first=args.today + 1, count=args.history, start_sql=f"{today} - interval '365 days'",
                         span_sql="interval '365 days' - interval '1 minute'", open_share=0, ids=ids)  # fmt: skip
        log(f"history of {args.history} seeded in {time.perf_counter() - began:.0f}s")
    seed_answers(args.answers, ids)
    seed_rollups()
    analyze()
    figures["seed_seconds"] = round(time.perf_counter() - began)
    log(f"seeded in {figures['seed_seconds']}s")
    return small


def reused(args):
    """The kept database's supervisor, after checking the seeded rows are there (and
    deriving the daily rollups when they are missing); raises when it is not seeded."""
    from attendance.models import Attendance
    from reports.models import GroupHour
    from users.models import User

    supervisor = User.objects.filter(username="supervisora").first()
    count = Attendance.objects.count()
    if supervisor is None or count != args.today + args.history or not GroupHour.objects.exists():
        raise SystemExit(
            f"--reuse: {os.environ['DATABASE_URL']} is not a database seeded with --today "
            f"{args.today} --history {args.history} ({count} attendances): seed it with --keep"
        )
    if not days_agree():
        began = time.perf_counter()
        seed_days()
        analyze()
        log(f"daily rollups derived from the hourly ones in {time.perf_counter() - began:.0f}s")
    log(f"reusing {count} attendances")
    return supervisor


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--today", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=9_900_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--seed-only", action="store_true", help="seed (with --keep) and measure nothing")
    parser.add_argument("--reuse", action="store_true", help="measure a kept, seeded database without seeding")
    parser.add_argument("--export-child", choices=["csv", "xlsx"])
    args = parser.parse_args()
    bench_environment(None, None, DEFAULT_URL)
    if args.export_child:
        export_child(args.export_child)
        return 0
    figures = {"bench": "P6 dashboard", "load_avg_1m_at_start": load_avg(), "today": args.today,
               "history": args.history}  # fmt: skip
    if args.seed_only and not args.keep:
        parser.error("--seed-only needs --keep (the seeded database is what it leaves)")
    if not args.reuse:
        recreate_database()
    small = None
    try:
        django_setup_and_migrate()
        from django.test import Client

        from core.runtime import freeze_startup_objects

        client = Client()
        if args.reuse:
            client.force_login(reused(args))
        else:
            small = seed(args, client, figures)
            if args.seed_only:
                log("seeded; measure later with --reuse")
                return 0
        total = args.today + args.history
        client.get("/api/v1/dashboard/")
        client.get("/dashboard/")
        freeze_startup_objects()  # as config/wsgi.py does in a served process
        large = measure_dashboard(client, args.repeat)
        log(f"at {total}: {large}")
        end = time.strftime("%Y-%m-%d")
        start = time.strftime("%Y-%m-%d", time.localtime(time.time() - 29 * 86400))
        report_times = []
        for by in ("day", "hour", "group", "agent"):
            result = timed(client, f"/api/v1/reports/service-level/?start={start}&end={end}&by={by}",
                           max(5, args.repeat // 4))  # fmt: skip
            report_times.append(result["p95_ms"])
            figures[f"report_30d_by_{by}"] = result
        exports = {}
        for kind in ("csv", "xlsx"):
            output = subprocess.run([sys.executable, __file__, "--export-child", kind], capture_output=True, text=True,
                                    env=os.environ.copy(), check=True)  # fmt: skip
            exports[kind] = json.loads(output.stdout.strip().splitlines()[-1])
            log(f"export {kind}: {exports[kind]}")
        if small is not None:
            figures.update({
                "at_today_only": {"attendances": args.today, **small},
                "dashboard_api_ratio": round(large["api"]["p95_ms"] / small["api"]["p95_ms"], 2),
                "dashboard_page_ratio": round(large["page"]["p95_ms"] / small["page"]["p95_ms"], 2),
            })  # fmt: skip
        figures.update({
            "reused": args.reuse,
            "at_full": {"attendances": total, **large},
            "report_30d_p95_ms_worst": max(report_times),
            "export_rows": args.answers,
            "export": exports,
            "load_avg_1m_at_end": load_avg(),
        })  # fmt: skip
    finally:
        close_django_connections()
        if not (args.keep or args.reuse):
            drop_database()
    record(figures, bench="dashboard")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
