"""Real Celery worker processes: on Redis (CI) and on the embedded broker of `make run`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.cache.backends.filebased import FileBasedCache

from config.celery import app
from core.tasks import HEARTBEAT_KEY

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(env: dict, queue: str = "celery") -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _stop(worker: subprocess.Popen) -> str:
    worker.terminate()
    try:
        output, _ = worker.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    return output.decode(errors="replace")


@pytest.mark.redis
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
@pytest.mark.django_db
def test_a_worker_consumes_tasks_from_redis_and_the_health_check_sees_it(client):
    cache.delete(HEARTBEAT_KEY)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    queue = f"test-worker-{uuid.uuid4().hex}"  # a queue of its own: nothing else's tasks reach it
    worker = _start_worker(env, queue)
    try:
        app.send_task("core.tasks.heartbeat", queue=queue)  # send_task always goes through the broker
        assert _wait_for(lambda: cache.get(HEARTBEAT_KEY) is not None), "the worker never ran the task"
    finally:
        output = _stop(worker)
    assert "Traceback" not in output, output
    report = client.get("/health/").json()
    assert (report["status"], report["database"], report["broker"], report["worker"]) == (
        "ok", "ok", {"status": "ok"}, "ok",
    )  # fmt: skip


def test_a_worker_runs_on_the_embedded_broker_without_any_server(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DATABASE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "1", "ATENDE_VAR_DIR": str(tmp_path)})
    worker = _start_worker(env)
    try:
        sender = subprocess.run(
            [sys.executable, "-c", "from config.celery import app; app.send_task('core.tasks.heartbeat')"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=60,
        )
        assert sender.returncode == 0, sender.stderr.decode()
        file_cache = FileBasedCache(str(tmp_path / "cache"), {})
        assert _wait_for(lambda: file_cache.get(HEARTBEAT_KEY) is not None), "the worker never ran the task"
    finally:
        output = _stop(worker)
    assert "Traceback" not in output, output


@pytest.mark.django_db
def test_the_health_check_reports_an_unknown_worker(client, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # no supervisor here
    cache.delete(HEARTBEAT_KEY)
    report = client.get("/health/").json()
    assert (report["status"], report["database"], report["worker"]) == ("degraded", "ok", "unknown")
    assert "supervisor" not in report


@pytest.mark.redis
@pytest.mark.django_db
def test_a_worker_runs_a_message_pushed_the_short_way(settings):
    """core/redis_broker.py: a task's second message is one LPUSH of the recorded first."""
    import redis

    from core.redis_broker import publish
    from core.tasks import heartbeat

    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client, queue = redis.Redis.from_url(app.conf.broker_url), app.conf.task_default_queue
    client.delete(queue)  # the tests' own Redis database: only what this test pushes
    publish(heartbeat, ())  # the whole way: recorded…
    assert client.rpop(queue) is not None  # …and taken away before any worker sees it
    publish(heartbeat, ())  # the short way
    assert client.llen(queue) == 1
    cache.delete(HEARTBEAT_KEY)
    worker = _start_worker({**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}, queue)
    try:
        assert _wait_for(lambda: cache.get(HEARTBEAT_KEY) is not None), "the worker never ran the pushed message"
    finally:
        output = _stop(worker)
        client.delete(queue)
    assert "Traceback" not in output, output
