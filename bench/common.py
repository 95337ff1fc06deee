"""Helpers shared by every bench script: the bench database, a private Redis, child
processes and servers in their own process groups, waits, percentiles, and ``record``,
which appends each run's JSON line to ``bench/results.jsonl``."""

from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = Path(__file__).resolve().parent / "results.jsonl"
HOST = "127.0.0.1"  # servers listen, and load goes, only on loopback
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdef"  # ≥ 50 characters: production settings


def make_logger(name: str):
    def log(message: str) -> None:
        print(f"[bench/{name}] {message}", file=sys.stderr, flush=True)

    return log


log = make_logger("common")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def phone_of(index: int, *, typed: bool = False) -> str:
    """The bench's ``index``-th customer phone, a valid Brazilian mobile of DDD 34: in
    E.164 (``+5534990000012``), or ``typed`` as a person writes it (``(34) 99000-0012``)."""
    number = f"99{index:07d}"
    return f"(34) {number[:5]}-{number[5:]}" if typed else f"+5534{number}"


# Recording a run -----------------------------------------------------------------------------


def git_commit() -> str | None:
    """The checked-out commit (short), with ``+dirty`` when tracked files differ from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True, timeout=30).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True, timeout=30).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+dirty" if dirty else commit


def record(result: dict, *, bench: str, path: Path | None = None) -> int | None:
    """Print the run's JSON line on stdout (as every bench always did) and append it to
    ``bench/results.jsonl`` with when (UTC), which commit, the machine's 1-minute load
    average and cores, and the command's options; returns its line number there (the
    README links a figure of record as ``results.jsonl#L<n>``).

    The load average is the one the run measured at its start, before its own processes
    (``load_avg_1m_at_start`` in its figures: how quiet the machine was), or the load now
    when the figures give none.

    ``BENCH_RESULTS`` names another file (a smoke run with tiny options, not worth keeping).
    The file is append-only: a run is never rewritten or removed, a worse one included. An
    empty ``result`` (a run that failed before it measured anything) is printed but not
    recorded: there is no figure to keep."""
    print(json.dumps(result), flush=True)
    if not result:
        make_logger(bench)("nothing measured: not recorded in bench/results.jsonl")
        return None
    path = path or Path(os.environ.get("BENCH_RESULTS") or RESULTS)
    line = {
        "bench": bench,
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": git_commit(),
        "load_avg_1m": result.get("load_avg_1m_at_start", load_avg()),
        "cores": os.cpu_count(),
        "argv": sys.argv[1:],
        "result": result,
    }
    text = json.dumps(line, ensure_ascii=False, separators=(", ", ": "))
    with path.open("a+", encoding="utf-8") as handle:
        handle.seek(0)
        count = sum(1 for _ in handle)
        handle.write(text + "\n")
    make_logger(bench)(f"recorded as {path.name}#L{count + 1}")
    return count + 1


# The environment and the database --------------------------------------------------------------


def bench_environment(
    work: Path | None, redis_port: int | None, database_url: str, *, redis: bool = True, **extra: str
) -> dict[str, str]:
    """Set this process's environment (before Django starts) for a bench with its own
    database (``DATABASE_URL`` if set, else ``database_url``), a private Redis on
    ``redis_port`` (``None``: the caller's ``REDIS_URL``, if any; ``redis=False``: none, the
    embedded broker and a local cache) and a work folder for the var and media directories
    (``None``: the defaults); ``extra`` last. Returns it, for the processes the bench starts."""
    os.environ.setdefault("DATABASE_URL", database_url)
    os.environ["SECRET_KEY"] = SECRET_KEY
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DEBUG"] = "0"  # DEBUG would keep every SQL query in memory
    os.environ["ALLOWED_HOSTS"] = f"testserver,{HOST},localhost"
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # production settings, served over plain HTTP on loopback
    os.environ["ATENDE_OUTBOUND_LOG_ONLY"] = "1"
    if work is not None:
        os.environ["ATENDE_VAR_DIR"] = str(work / "var")
        os.environ["MEDIA_ROOT"] = str(work / "media")
    if not redis:
        os.environ.pop("REDIS_URL", None)
    elif redis_port is not None:
        os.environ["REDIS_URL"] = f"redis://{HOST}:{redis_port}/0"
    os.environ.update(extra)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return dict(os.environ)


def _connect(dbname: str | None = None, autocommit: bool = False):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    return psycopg.connect(
        dbname=dbname or config["NAME"],
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=autocommit,
    )


def raw_connection(autocommit: bool = False):
    """A plain psycopg connection to the bench database (no Django)."""
    return _connect(autocommit=autocommit)


def drop_database(*, create: bool = False) -> None:
    """Drop the bench database (``DATABASE_URL``), and create it empty again with ``create``."""
    import dj_database_url
    from psycopg import sql

    name = dj_database_url.parse(os.environ["DATABASE_URL"])["NAME"]
    with _connect("postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def recreate_database() -> None:
    drop_database(create=True)


def django_setup_and_migrate() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def sql(query: str, params=None, fetch: bool = True):
    """One statement on Django's connection; its rows unless ``fetch`` is false."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if fetch else None


def close_django_connections() -> None:
    """Close Django's connections, if Django was set up (so the database can be dropped)."""
    if "django.db" not in sys.modules:
        return
    from django.apps import apps

    if not apps.ready:
        return
    from django.db import connections

    connections.close_all()


# Child processes and servers ---------------------------------------------------------------


def kill_group(process: subprocess.Popen, *, grace: float = 5) -> None:
    """SIGTERM to ``process``'s process group, SIGKILL after ``grace`` seconds; then
    SIGKILL to the group anyway: a child that exited may have left grandchildren in it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=grace)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Processes:
    """Children started in their own session (process group), all killed by ``stop_all``."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.children: list[subprocess.Popen] = []

    def spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log_file = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        log_file.close()
        self.children.append(process)
        return process

    def redis(self, port: int) -> subprocess.Popen:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is needed (apt-get install -y redis-server)")
        process = self.spawn([server, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"], "redis")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, port), timeout=0.2):
                    return process
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def celery_worker(self, index: int, *, queue: str | None = None, prefix: str = "bench") -> subprocess.Popen:
        return self.spawn(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
             *(["-Q", queue] if queue else []), f"--hostname={prefix}{index}@%h", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            f"worker-{index}",
        )  # fmt: skip

    def celery_beat(self, schedule: Path) -> subprocess.Popen:
        return self.spawn([sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=WARNING",
                           f"--schedule={schedule}"], "beat")  # fmt: skip

    def gunicorn(self, port: int, workers: int, *extra: str) -> subprocess.Popen:
        """``gunicorn config.wsgi`` with sync workers on loopback (the settings: the env's)."""
        return self.spawn([sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(workers), "-b", f"{HOST}:{port}",
                           "--log-level", "warning", "--backlog", "2048", *extra], "gunicorn")  # fmt: skip

    def uvicorn(self, port: int, workers: int) -> subprocess.Popen:
        """``uvicorn config.asgi:application`` on loopback (the event streams)."""
        return self.spawn([sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", HOST, "--port",
                           str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
                          "uvicorn")  # fmt: skip

    kill = staticmethod(kill_group)

    def stop_all(self) -> None:
        for process in reversed(self.children):
            kill_group(process)
        self.children.clear()


def new_work_dir(name: str) -> Path:
    """A temporary work folder for one run, with its ``logs`` folder (the children's output)."""
    work = Path(tempfile.mkdtemp(prefix=f"atende-bench-{name}-"))
    (work / "logs").mkdir()
    return work


def start_run(name: str, setup_environment) -> tuple[Path, int, Processes]:
    """A run's work folder, the port of its private Redis, the environment
    (``setup_environment(work, redis_port)``, set before Django starts) and the
    ``Processes`` that will run its children with it."""
    work = new_work_dir(name)
    redis_port = free_port()
    env = setup_environment(work, redis_port)
    return work, redis_port, Processes(env, work / "logs")


def fresh_database(work: Path) -> None:
    """The bench database dropped, created empty and migrated; Django set up."""
    log(f"database {os.environ['DATABASE_URL'].rsplit('@', 1)[-1]} (recreated), work dir {work}")
    recreate_database()
    django_setup_and_migrate()


def tear_down(processes: Processes | None, work: Path | None, *, drop: bool = True, keep_work: bool = False) -> None:
    """The end of every run, also on error or SIGTERM: children stopped, Django's
    connections closed, the bench database dropped, the work folder removed (unless
    ``keep_work``: a failed run's servers' logs)."""
    try:
        if processes is not None:
            processes.stop_all()
        close_django_connections()
    finally:
        if drop:
            drop_database()
        if work is not None:
            if keep_work:
                log(f"the servers' logs are kept in {work / 'logs'}")
            else:
                shutil.rmtree(work, ignore_errors=True)


def wait_for_http(port: int, path: str = "/health/", timeout: float = 60) -> None:
    """Until a server on loopback ``port`` answers ``GET path`` with any HTTP response."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", path)
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered GET {path} on port {port} within {timeout:.0f} s")


def wait_for_workers(count: int, timeout: float = 60) -> None:
    """Until ``count`` Celery workers answer a ping (the app must already be configured)."""
    from config.celery import app

    replies: list = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= count:
            return
    raise RuntimeError(f"only {len(replies)} of {count} Celery workers answered within {timeout:.0f} s")


# The machine ---------------------------------------------------------------------------------


def load_avg() -> float:
    return round(os.getloadavg()[0], 2)


def _proc_status_mb(field: str) -> float | None:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def peak_rss_mb() -> float:
    """Peak RSS of this process image. ``getrusage(RUSAGE_SELF).ru_maxrss`` is NOT used:
    Linux carries it across ``execve``, so a child started by a parent holding more memory
    would report the parent's peak. ``VmHWM`` is the high-water mark of this image's own
    memory, reset at ``exec``."""
    peak = _proc_status_mb("VmHWM")
    return peak if peak is not None else round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    return _proc_status_mb("VmRSS") or 0.0


def machine_busy_seconds() -> tuple[float, float]:
    """CPU seconds all cores spent not idle (``/proc/stat``), and when it was read."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK"), time.monotonic()


def wait_for_idle_cores(busy_below: float = 0.3, timeout: float = 120) -> None:
    """Until the machine's cores are less than ``busy_below`` busy over a second (the
    previous run's requests served, the database's writes flushed), or ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = machine_busy_seconds()
        time.sleep(1)
        after = machine_busy_seconds()
        if (after[0] - before[0]) / ((after[1] - before[1]) * (os.cpu_count() or 1)) < busy_below:
            return
    log(f"the machine stayed busy for {timeout:.0f} s; measuring anyway")


def wait_for_low_load(limit: float, max_wait: float) -> None:
    """Before a long run: until the 1-minute load average is below ``limit``, for at most
    ``max_wait`` seconds (0: not at all)."""
    if max_wait <= 0:
        return
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        log(f"load average {load_avg()} ≥ {limit}: waiting…")
        time.sleep(20)
    if os.getloadavg()[0] >= limit:
        log(f"load average still {load_avg()} after {max_wait:.0f} s: measuring anyway")


def exit_on_sigterm() -> None:
    """SIGTERM (and SIGINT) end the run through ``finally``: children stopped, database dropped."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
