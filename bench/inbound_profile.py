"""P7 helper: CPU and queries per inbound message, in-process (no gunicorn, no load).

``.venv/bin/python bench/inbound_profile.py [--provider whatsapp_cloud] [--messages 1000] [--profile /tmp/inbound.txt]``

Seeds the same data as ``bench/inbound.py`` in its own database (``DATABASE_URL``,
default ``postgres://postgres@127.0.0.1:5432/atende_bench_inbound_profile``; dropped and
recreated, dropped at the end) and posts ``--messages`` messages through Django's WSGI
handler (the whole middleware stack, DRF, the services; Celery publishes go to the Redis
of ``REDIS_URL``, default ``redis://127.0.0.1:6379/15``), 30 % from new customers. Prints
one JSON line: CPU milliseconds (this process) and queries per message, for new
customers and follow-ups separately. With ``--profile``, a pyinstrument text profile.
It measures where a request's time goes; P7's figure is ``bench/inbound.py``'s.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import drop_database, record, recreate_database  # noqa: E402
from bench.inbound import request_for, seed, setup_environment  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atende_bench_inbound_profile"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--provider", choices=["generic", "whatsapp_cloud"], default="generic")
    parser.add_argument("--profile", metavar="FILE")
    parser.add_argument(
        "--target",
        choices=["product", "bare"],
        default="product",
        help="the product endpoint or the bare floor view (bench/bare_inbound.py)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    with tempfile.TemporaryDirectory(prefix="atende-inbound-profile-") as work:
        os.environ.update(setup_environment(Path(work), 6379))  # with the bare view's URLconf
        os.environ["REDIS_URL"] = redis_url
        recreate_database()
        try:
            record(run(args), bench="inbound_profile")
        finally:
            from django.db import connections

            connections.close_all()
            drop_database()


def run(args) -> dict:
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    spec = {"channel": seed(args.provider), "target": args.target, "tag": "profile"}
    handler = WSGIHandler()  # as gunicorn calls it (the test client adds signal handlers per request)
    rng = random.Random(7)
    known: list[int] = []
    figures = {"new": [0.0, 0, 0], "follow_up": [0.0, 0, 0]}  # cpu seconds, queries, messages
    queries = [0]
    show_queries = int(os.environ.get("BENCH_SHOW_QUERIES", "0"))  # the first N statements, on stderr

    def count(execute, sql, params, many, context):
        queries[0] += 1
        if show_queries and queries[0] <= show_queries:
            print(f"[{queries[0]}] {sql[:300]}", file=sys.stderr)
        return execute(sql, params, many, context)

    sent = iter(range(10**9))

    def post(index: int) -> int:
        path, body, headers = request_for(spec, next(sent), index)
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": headers.pop("Content-Type"),
            **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
        }  # fmt: skip
        status = []
        b"".join(handler(environ, lambda line, response_headers, exc_info=None: status.append(line)))
        return int(status[0].split()[0])

    for index in range(20):  # warm up (imports, first connections)
        post(10_000 + index)
    from core.runtime import freeze_startup_objects

    freeze_startup_objects()  # as config/wsgi.py does in a served process
    profiler = None
    cprofile = os.environ.get("BENCH_PROFILER") == "cprofile"  # CPU by function (tottime) instead
    if args.profile:
        if cprofile:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
        else:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    backend_cpu_before = _process_cpu(backend)
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        for _ in range(args.messages):
            new = not known or rng.random() < 0.3
            index = len(known) if new else rng.choice(known)
            before_cpu, before_queries = time.process_time(), queries[0]
            code = post(index)
            assert code in (200, 201), code
            kind = figures["new" if new else "follow_up"]
            kind[0] += time.process_time() - before_cpu
            kind[1] += queries[0] - before_queries
            kind[2] += 1
            if new:
                known.append(index)
    wall = time.perf_counter() - started
    backend_cpu = _process_cpu(backend) - backend_cpu_before
    if profiler is not None and cprofile:
        profiler.disable()
        out = io.StringIO()
        if os.environ.get("BENCH_PROFILE_DUMP"):
            profiler.dump_stats(os.environ["BENCH_PROFILE_DUMP"])
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "tottime")).print_stats(80)
        Path(args.profile).write_text(out.getvalue(), encoding="utf-8")
    elif profiler is not None:
        profiler.stop()
        Path(args.profile).write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
    return {
        "provider": args.provider,
        "target": args.target,
        "messages": args.messages,
        "wall_ms_per_message": round(1000 * wall / args.messages, 3),
        # The PostgreSQL backend's CPU (same machine: /proc), all messages together.
        "postgres_cpu_ms_per_message": round(1000 * backend_cpu / args.messages, 3),
        **{
            kind: {"messages": n, "cpu_ms": round(1000 * cpu / n, 3), "queries": round(q / n, 2)}
            for kind, (cpu, q, n) in figures.items()
            if n
        },
    }


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
