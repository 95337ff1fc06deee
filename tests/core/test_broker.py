"""The embedded broker of `make run` (core/broker.py): a SQLite file that real worker and
publisher processes share (SPEC §11: no broker that can corrupt or half-read a message)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from django.core.cache.backends.filebased import FileBasedCache
from kombu import Connection

from core.tasks import HEARTBEAT_KEY

ROOT = Path(__file__).resolve().parents[2]
WAIT = 90.0  # generous: the machine is shared


def _embedded_env(var: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "1", "ATENDE_VAR_DIR": str(var)})
    return env


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=1", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _send(env: dict, code: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"from config.celery import app; {code}"], cwd=ROOT, env=env, capture_output=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()


def _wait_for(what: str, predicate, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


def _rows(var: Path, where: str = "1") -> int:
    with sqlite3.connect(var / "celery-broker.sqlite3", timeout=30) as connection:
        return connection.execute(f"SELECT count(*) FROM kombu_message WHERE {where}").fetchone()[0]  # noqa: S608


def _stop(worker: subprocess.Popen) -> str:
    worker.terminate()
    try:
        output, _ = worker.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        output, _ = worker.communicate()
    return output.decode(errors="replace")


def test_a_worker_consumes_tasks_and_an_acknowledged_message_leaves_the_file(tmp_path):
    env = _embedded_env(tmp_path)
    worker = _worker(env)
    try:
        _send(env, "app.send_task('core.tasks.heartbeat')")
        heartbeat = FileBasedCache(str(tmp_path / "cache"), {})
        _wait_for("the worker to run the heartbeat", lambda: heartbeat.get(HEARTBEAT_KEY) is not None)
        # Kombu's own transport would keep the row forever (visible = 0): the file would grow.
        _wait_for("the acknowledged message to be deleted", lambda: _rows(tmp_path) == 0)
    finally:
        output = _stop(worker)
    assert "Traceback" not in output, output


def test_a_task_held_by_a_worker_killed_with_sigkill_runs_in_the_next_worker(tmp_path):
    env = _embedded_env(tmp_path)
    heartbeat = FileBasedCache(str(tmp_path / "cache"), {})
    first = _worker(env)
    try:
        # A countdown keeps the message in the worker, received and unacknowledged, for a while.
        _send(env, "app.send_task('core.tasks.heartbeat', countdown=8)")
        _wait_for("the first worker to receive the message", lambda: _rows(tmp_path, "visible = 0") == 1)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate()
    assert heartbeat.get(HEARTBEAT_KEY) is None
    second = _worker(env)
    try:
        _wait_for("the next worker to run the task", lambda: heartbeat.get(HEARTBEAT_KEY) is not None)
        _wait_for("the message to be acknowledged", lambda: _rows(tmp_path) == 0)
    finally:
        output = _stop(second)
    assert "1 unacknowledged message(s) delivered again" in output, output


PUBLISHER = """
import sys
from kombu import Connection
from core.broker import Transport
with Connection(sys.argv[1], transport=Transport) as connection:
    queue = connection.SimpleQueue("soak")
    for n in range(int(sys.argv[3])):
        queue.put({"publisher": sys.argv[2], "n": n, "padding": "x" * (n * 37 % 5000)})
"""


def test_messages_from_concurrent_publishers_arrive_whole_and_once(tmp_path):
    """Three processes publish while this one consumes: the filesystem transport's failure
    (a reader meeting a file still being written) cannot happen to a transaction."""
    from core.broker import Transport

    url, per_publisher = f"sqlite:///{tmp_path / 'broker.sqlite3'}", 150
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    publishers = [
        subprocess.Popen([sys.executable, "-c", PUBLISHER, url, str(p), str(per_publisher)], env=env, cwd=ROOT)
        for p in range(3)
    ]
    received = []
    with Connection(url, transport=Transport) as connection:
        queue = connection.SimpleQueue("soak")
        deadline = time.monotonic() + 3 * WAIT
        while len(received) < 3 * per_publisher and time.monotonic() < deadline:
            try:
                message = queue.get(timeout=1)
            except queue.Empty:
                continue
            received.append((message.payload["publisher"], message.payload["n"], len(message.payload["padding"])))
            message.ack()
        queue.close()
    assert [publisher.wait(timeout=WAIT) for publisher in publishers] == [0, 0, 0]
    assert sorted(received) == sorted(
        (str(p), n, n * 37 % 5000) for p in range(3) for n in range(per_publisher)
    )  # every message, once, whole
    with sqlite3.connect(tmp_path / "broker.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM kombu_message").fetchone()[0] == 0
