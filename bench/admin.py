"""P5 — the admin at a million rows (SPEC §12): changelists, search and change pages of
customers and attendances at 10,000 rows, then at 1,000,000 rows, side by side.

    .venv/bin/python bench/admin.py                    # 10,000 then 1,000,000 rows
    .venv/bin/python bench/admin.py --large 200000     # a quicker look
    .venv/bin/python bench/admin.py --keep             # keep the databases afterwards
    .venv/bin/python bench/admin.py --keep --reuse     # measure kept databases again, no seeding

``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/atende_bench_admin``)
names the database of the large size; the small size has its own, the same name with
``_small``. Each is dropped and recreated (and dropped at the end unless ``--keep``),
except with ``--reuse`` when it already holds exactly the rows asked for: then it is only
migrated (new indexes are built) and measured, so the slow seed of a million rows can run
while the machine is busy and the measurement later on a quiet one. Rows are written by
``INSERT … SELECT generate_series`` (one statement per table and size), then ``VACUUM
ANALYZE``. Pages are requested in-process through Django's test
client logged in as an administrator (no network, no server: the figure is the view's
own cost: queries, template), ``--repeat`` times each after two warm-up requests.
Prints one JSON line, appended to bench/results.jsonl: per page, p50/p95 in ms at each size
and the ratio large/small.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    bench_environment,
    django_setup_and_migrate,
    drop_database,
    exit_on_sigterm,
    load_avg,
    make_logger,
    percentile,
    raw_connection,
    record,
    recreate_database,
)

log = make_logger("admin")

FIRST_NAMES = ["Maria", "José", "Ana", "João", "Antônio", "Francisca", "Carlos", "Paulo", "Pedro", "Lucas",
               "Luiz", "Marcos", "Luís", "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno", "Eduardo", "Felipe",
               "Juliana", "Márcia", "Fernanda", "Patrícia", "Aline", "Camila", "Amanda", "Bruna", "Jéssica",
               "Letícia"]  # fmt: skip
LAST_NAMES = ["Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima",
              "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes",
              "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira", "Nunes", "Marques",
              "Machado", "Mendes", "Freitas", "Cardoso", "Ramos", "Gonçalves", "Santana", "Teixeira"]  # fmt: skip


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def use_database(url: str) -> None:
    """Point the raw helpers and Django's connection at ``url``."""
    from django.db import connections

    os.environ["DATABASE_URL"] = url
    connections.close_all()
    import dj_database_url

    connections["default"].settings_dict["NAME"] = dj_database_url.parse(url)["NAME"]


def seeded_rows() -> int | None:
    """The number of customers and attendances the bench database holds (``None``: no
    such database, or not one this script seeded: ids not 1..n in both tables)."""
    import psycopg

    try:
        with raw_connection(autocommit=True) as connection:
            found = [
                connection.execute(f"SELECT count(*) = max(id), max(id) FROM {table}").fetchone()  # noqa: S608
                for table in ("customers_customer", "attendance_attendance")
            ]
    except psycopg.Error:
        return None
    if all(full for full, _n in found) and found[0][1] == found[1][1]:
        return found[0][1]
    return None


def fixed_from_database() -> dict:
    """The administrator and groups of a reused database."""
    from attendance.models import ServiceGroup
    from users.models import User

    admin = User.objects.get(username="bench_admin")
    return {"admin": admin, "group_ids": list(ServiceGroup.objects.order_by("pk").values_list("pk", flat=True))}


def prepare(url: str, rows: int, reuse: bool) -> tuple[dict, float | None]:
    """The database of one size, seeded (or reused): ``(fixed objects, seed seconds)``."""
    use_database(url)
    if reuse and seeded_rows() == rows:
        django_setup_and_migrate()
        log(f"reused {url.rsplit('/', 1)[-1]} with {rows:,} customers and attendances")
        return fixed_from_database(), None
    recreate_database()
    django_setup_and_migrate()
    fixed = seed_fixed()
    started = time.perf_counter()
    seed_rows(1, rows, fixed["group_ids"])
    seconds = time.perf_counter() - started
    log(f"seeded {rows:,} customers and attendances in {seconds:.1f} s")
    return fixed, seconds


def seed_fixed() -> dict:
    """Company, operations, groups and an administrator, through the services."""
    from attendance.models import ServiceGroup
    from attendance.services import group_save
    from organisation.models import Company, Operation
    from users.models import Role
    from users.services import user_create

    company = Company.objects.create(name="Bench")
    operations = [Operation.objects.create(name=f"Operação {n}", company=company) for n in "AB"]
    groups = [group_save(group=ServiceGroup(name=f"Grupo {i}", operation=operations[i % 2])) for i in range(1, 9)]
    admin = user_create(username="bench_admin", password="Bench@2026x", role=Role.ADMIN, company=company)
    return {"admin": admin, "group_ids": [g.pk for g in groups]}


def seed_rows(start: int, end: int, group_ids: list[int]) -> None:
    """Customers ``start..end`` and one attendance each (the same ids): 2 % open."""
    groups = "ARRAY[" + ",".join(map(str, group_ids)) + "]"
    first, last = _sql_array(FIRST_NAMES), _sql_array(LAST_NAMES)
    with raw_connection() as connection:
        connection.execute(f"""
            INSERT INTO customers_customer (id, is_active, display_name, username, network, phone, email,
                birth_date, show_name_in_greeting, document_type, document, priority, attributes, created_at,
                group_id, wallet_agent_id)
            SELECT i, i % 25 <> 0,
                   ({first})[1 + i % {len(FIRST_NAMES)}] || ' ' || ({last})[1 + (i / 7) % {len(LAST_NAMES)}]
                       || ' ' || ({last})[1 + (i / 131) % {len(LAST_NAMES)}],
                   'whatsapp_55' || (34900000000 + i)::text, 'whatsapp', '+55' || (34900000000 + i)::text,
                   CASE WHEN i % 4 = 0 THEN 'cliente' || i || '@exemplo.com.br' ELSE '' END,
                   NULL, true,
                   CASE WHEN i % 3 = 0 THEN 'cpf' ELSE '' END,
                   CASE WHEN i % 3 = 0 THEN lpad((10000000000 + i * 7)::text, 11, '0') ELSE '' END,
                   0, '[]'::jsonb, now() - make_interval(secs => i),
                   ({groups})[1 + i % {len(group_ids)}], NULL
            FROM generate_series({start}, {end}) AS i
        """)  # noqa: S608 - bench-only SQL from integers and fixed names
        connection.execute(f"""
            INSERT INTO attendance_attendance (id, protocol, status, priority, opened_at, queued_at, assigned_at,
                closed_at, last_customer_message_at, last_agent_message_at, close_reason, bot_path, customer_id,
                group_id)
            SELECT i, to_char(now() - make_interval(secs => i), 'YYYYMMDD') || lpad(i::text, 8, '0'),
                   CASE WHEN i % 50 = 0 THEN 'queued' WHEN i % 50 = 1 THEN 'in_progress' ELSE 'closed' END,
                   0, now() - make_interval(secs => i), now() - make_interval(secs => i),
                   CASE WHEN i % 50 = 0 THEN NULL ELSE now() - make_interval(secs => i - 30) END,
                   CASE WHEN i % 50 IN (0, 1) THEN NULL ELSE now() - make_interval(secs => i - 600) END,
                   now() - make_interval(secs => i), NULL,
                   CASE WHEN i % 50 IN (0, 1) THEN '' ELSE 'agent' END, '[]'::jsonb, i,
                   ({groups})[1 + i % {len(group_ids)}]
            FROM generate_series({start}, {end}) AS i
        """)  # noqa: S608
        for table in ("customers_customer", "attendance_attendance"):
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        connection.commit()
    with raw_connection(autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE customers_customer")
        connection.execute("VACUUM ANALYZE attendance_attendance")


def pages(rows: int, group_id: int) -> dict[str, tuple[str, str]]:
    """name → (kind, URL); ``kind`` is "page" or "search" (the two targets)."""
    sample = max(1, rows // 3 * 3 - 3)  # a customer with a CPF, inside this size
    phone = f"{34900000000 + sample:011d}"
    cpf = f"{10000000000 + sample * 7:011d}"
    from attendance.models import Attendance

    protocol = Attendance.objects.values_list("protocol", flat=True).get(pk=sample)
    customers, attendances = "/admin/customers/customer/", "/admin/attendance/attendance/"
    return {
        "customers_default": ("page", customers),
        "customers_active": ("page", f"{customers}?status=active"),
        "customers_group": ("page", f"{customers}?group__id__exact={group_id}"),
        "customers_sorted_phone": ("page", f"{customers}?o=3"),
        "customers_change": ("page", f"{customers}{sample}/change/"),
        "customers_search_name": ("search", f"{customers}?q=Fernanda+Rocha"),
        "customers_search_name_part": ("search", f"{customers}?q=ernand"),
        "customers_search_phone": ("search", f"{customers}?q=(34)+{phone[2:7]}-{phone[7:]}"),
        "customers_search_phone_digits": ("search", f"{customers}?q=55{phone}"),
        "customers_search_cpf": ("search", f"{customers}?q={cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"),
        "attendances_default": ("page", attendances),
        "attendances_status": ("page", f"{attendances}?status__exact=queued"),
        "attendances_group": ("page", f"{attendances}?group__id__exact={group_id}"),
        "attendances_status_group": ("page", f"{attendances}?status__exact=closed&group__id__exact={group_id}"),
        "attendances_sorted_protocol": ("page", f"{attendances}?o=1"),
        "attendances_change": ("page", f"{attendances}{sample}/change/"),
        "attendances_search_protocol": ("search", f"{attendances}?q={protocol}"),
        "attendances_search_name": ("search", f"{attendances}?q=Fernanda+Rocha"),
    }


class SqlTimer:
    """Time spent inside the database per request (``connection.execute_wrapper``): the
    part that grows with the table, and suffers less from a busy CPU than the template."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def measure(client, url: str, repeat: int) -> dict:
    from django.db import connection

    for _ in range(2):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    times, sql_times = [], []
    for _ in range(repeat):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        sql_times.append(timer.seconds * 1000)
        assert response.status_code == 200, url
    changelist = (getattr(response, "context_data", None) or {}).get("cl")
    return {
        "p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1),
        "sql_p50_ms": round(percentile(sql_times, 50), 1), "sql_p95_ms": round(percentile(sql_times, 95), 1),
        # the rows the page lists (a list; none for a change page): a search lists fewer at 10,000 rows
        "rows_listed": len(changelist.result_list) if changelist is not None else None,
    }  # fmt: skip


def run_size(client, rows: int, group_id: int, repeat: int) -> dict:
    from core.runtime import freeze_startup_objects

    for _kind, url in pages(rows, group_id).values():  # every view and template loaded once
        client.get(url)
    freeze_startup_objects()  # as config/wsgi.py does in a served process
    figures = {}
    for name, (_kind, url) in pages(rows, group_id).items():
        figures[name] = measure(client, url, repeat)
        item = figures[name]
        log(
            f"{rows:>9,} {name:<30} p50 {item['p50_ms']:>7} p95 {item['p95_ms']:>7} ms;"
            f" SQL p95 {item['sql_p95_ms']:>6} ms"
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--reuse", action="store_true", help="reuse kept databases that hold the rows asked for")
    args = parser.parse_args()
    bench_environment(None, None, "postgres://postgres@127.0.0.1:5432/atende_bench_admin", redis=False)
    exit_on_sigterm()
    load_at_start = load_avg()
    large_url = os.environ["DATABASE_URL"]
    small_url = large_url.split("?")[0] + "_small"
    try:
        import django

        django.setup()
        from django.test import Client

        results: dict[str, dict] = {}
        seed_seconds = load_at_large = None
        for size, url, rows in (("small", small_url, args.small), ("large", large_url, args.large)):
            fixed, seconds = prepare(url, rows, args.reuse)
            if size == "large":
                seed_seconds, load_at_large = seconds, load_avg()
            client = Client()
            client.force_login(fixed["admin"])
            results[size] = run_size(client, rows, fixed["group_ids"][0], args.repeat)
        group_id = fixed["group_ids"][0]
        kinds = {name: kind for name, (kind, _url) in pages(args.large, group_id).items()}
        report = {}
        for name, kind in kinds.items():
            small, large = results["small"][name], results["large"][name]
            target = 100 if kind == "search" else 300
            ratio = round(large["p95_ms"] / max(small["p95_ms"], 0.1), 2)
            sql_ratio = round(large["sql_p95_ms"] / max(small["sql_p95_ms"], 0.1), 2)
            report[name] = {
                "kind": kind, "small": small, "large": large, "ratio_p95": ratio, "ratio_sql_p95": sql_ratio,
                "meets": large["p95_ms"] <= target and ratio <= 2.0,
            }  # fmt: skip
        record({
            "bench": "admin", "small_rows": args.small, "large_rows": args.large, "repeat": args.repeat,
            "load_avg_1m_at_start": load_at_start, "load_avg_1m_at_end": load_avg(),
            "seed_large_seconds": round(seed_seconds, 1) if seed_seconds else None, "reused": args.reuse,
            "load_avg_1m_at_large": load_at_large, "pages": report,
            "all_meet": all(item["meets"] for item in report.values()),
        }, bench="admin")  # fmt: skip
    finally:
        if not args.keep:
            for url in (small_url, large_url):
                use_database(url)
                drop_database()


if __name__ == "__main__":
    main()
