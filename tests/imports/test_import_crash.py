"""A real worker process killed with SIGKILL mid-import; another worker resumes the job:
every row is accounted for once, nothing imported twice (PostgreSQL + Redis)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from customers.models import Customer
from imports.models import ImportJob, JobStatus
from imports.runner import import_start
from imports.tasks import resume_stalled_imports

from .helpers import CUSTOMER_HEADER, csv_bytes, customer_row, upload

ROOT = Path(__file__).resolve().parents[2]


def _worker_env(media_root: Path) -> dict:
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": "crash-test",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(media_root),
        "IMPORT_CHUNK_ROWS": "100",
        "IMPORT_STALE_SECONDS": "1",
    }


def _start_worker(env, queue: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=1", "--pool=solo",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "-Q", queue],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _wait(predicate, timeout=90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_is_resumed_exactly_once(admin_user, media_root, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.IMPORT_STALE_SECONDS = 1
    rows = [customer_row(f"3499{index:07d}", f"Cliente {index}") for index in range(6000)]
    rows += [customer_row("34990000001", "Duplicado")] * 5 + [customer_row("+1 202 555 0100", "Estrangeiro")] * 5
    job = import_start(kind="customers", upload=upload("c.csv", csv_bytes(CUSTOMER_HEADER, rows)), user=admin_user)
    env = _worker_env(media_root)
    # A queue of its own: the killed worker's unacknowledged task never reaches other tests' workers.
    from config.celery import app

    queue = f"test-import-crash-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.conf, "task_default_queue", queue)
    worker = _start_worker(env, queue)
    try:
        from imports.tasks import run_import_task

        run_import_task.delay(job.pk)
        assert _wait(lambda: ImportJob.objects.get(pk=job.pk).processed >= 500), "the import never started"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = ImportJob.objects.get(pk=job.pk)
        assert killed_at.status == JobStatus.RUNNING and killed_at.processed < killed_at.total
        time.sleep(1.5)  # the heartbeat goes stale
        worker = _start_worker(env, queue)
        assert resume_stalled_imports() == 1  # the beat's safety net re-queues it
        assert _wait(lambda: ImportJob.objects.get(pk=job.pk).status == JobStatus.DONE), "never resumed"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    job.refresh_from_db()
    assert (job.total, job.imported, job.duplicates, job.errors) == (6010, 6000, 5, 5)
    assert Customer.objects.count() == 6000
