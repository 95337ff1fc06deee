"""Helpers shared by bench/distribution.py and bench/inbound.py: the bench database, a
private Redis, child processes in their own process groups, percentiles."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def make_logger(name: str):
    def log(message: str) -> None:
        print(f"[bench/{name}] {message}", file=sys.stderr, flush=True)

    return log


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# The database ------------------------------------------------------------------------------


def _admin_connection():
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    connection = psycopg.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=True,
    )
    return connection, config["NAME"]


def raw_connection(autocommit: bool = False):
    """A plain psycopg connection to the bench database (no Django)."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    return psycopg.connect(
        dbname=config["NAME"],
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=autocommit,
    )


def recreate_database() -> None:
    from psycopg import sql

    connection, name = _admin_connection()
    with connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database() -> None:
    from psycopg import sql

    connection, name = _admin_connection()
    with connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def django_setup_and_migrate() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# Child processes ---------------------------------------------------------------------------


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
        process = self.spawn(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], "redis"
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return process
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def celery_worker(self, index: int) -> subprocess.Popen:
        return self.spawn(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
             f"--hostname=bench{index}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            f"worker-{index}",
        )  # fmt: skip

    def celery_beat(self, schedule: Path) -> subprocess.Popen:
        return self.spawn([sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=WARNING",
                           f"--schedule={schedule}"], "beat")  # fmt: skip

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=5)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout=5)
        try:  # a child that exited may have left grandchildren in its group
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def stop_all(self) -> None:
        for process in reversed(self.children):
            self.kill(process)
        self.children.clear()


def wait_for_workers(count: int, timeout: float = 60) -> None:
    """Until ``count`` Celery workers answer a ping (the app must already be configured)."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= count:
            return
    raise RuntimeError(f"only {len(replies)} of {count} Celery workers answered")


def load_avg() -> float:
    return round(os.getloadavg()[0], 2)


def exit_on_sigterm() -> None:
    """SIGTERM (and SIGINT) end the run through ``finally``: children stopped, database dropped."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def bench_environment(work, redis_port: int, database_url: str, **extra: str) -> dict[str, str]:
    """Set this process's environment (before Django starts) for a bench with its own
    database, private Redis and work folder; returns it for the worker processes too."""
    os.environ.setdefault("DATABASE_URL", database_url)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DEBUG"] = "0"
    os.environ["ATENDE_VAR_DIR"] = str(work / "var")
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    os.environ["ATENDE_OUTBOUND_LOG_ONLY"] = "1"
    os.environ.update(extra)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return dict(os.environ)
