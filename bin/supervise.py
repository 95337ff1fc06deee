#!/usr/bin/env python
"""`make run`'s last step: serves http://127.0.0.1:$ATENDE_PORT (8000) with a Celery worker
and beat under a supervisor (core/supervisor.py). Ctrl-C stops all three.

``--prepare`` only writes ``<var>/local.env`` (core/local_env.py) and exits: `make run` calls it
before ``migrate`` so that every ``manage.py`` command of the checkout works unexported.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.local_env import FILENAME, local_env_write  # noqa: E402
from core.supervisor import Program, Supervisor  # noqa: E402

WORKER_FLAGS = ["--without-gossip", "--without-mingle", "--without-heartbeat"]


def var_dir() -> Path:
    # The rule of config/settings/base.py, without importing Django.
    return Path(os.environ.get("ATENDE_VAR_DIR", ROOT / "var"))


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


def main(argv: list[str]) -> int:
    var = var_dir()
    var.mkdir(parents=True, exist_ok=True)
    if argv[:1] == ["--prepare"]:
        local_env_write(path=var / FILENAME)
        return 0
    host, port = "127.0.0.1", int(os.environ.get("ATENDE_PORT", "8000"))
    if port_in_use(host, port):
        print(f"Port {port} is already in use: stop what serves it, or `make run ATENDE_PORT=<port>`.")
        return 1
    python = sys.executable
    # SQLite has no row locks: one worker process; with PostgreSQL (DATABASE_URL), two.
    concurrency = 2 if os.environ.get("DATABASE_URL", "").startswith("postgres") else 1
    celery = [python, "-m", "celery", "-A", "config"]
    programs = [
        Program("web", [python, "manage.py", "runserver", f"{host}:{port}"]),
        # Gossip, mingle and heartbeats need a broker with fanout (Redis): off for everyone.
        Program("worker", [*celery, "worker", "--loglevel=INFO", f"--concurrency={concurrency}", *WORKER_FLAGS]),
        Program("beat", [*celery, "beat", "--loglevel=INFO", f"--schedule={var / 'celerybeat-schedule'}"]),
    ]
    supervisor = Supervisor(programs=programs, var_dir=var, cwd=ROOT)
    supervisor.log(f"Atende at http://{host}:{port}/ · logs in {var / 'log'} · Ctrl-C stops everything")
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
