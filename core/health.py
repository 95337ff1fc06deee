"""What ``/health/`` reports: the database, the broker, the worker's heartbeat and, under
`make run`, the supervised programs (``<var>/supervisor.json``, core/supervisor.py)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from .broker import waiting_messages
from .supervisor import STATE_FILENAME
from .tasks import HEARTBEAT_KEY

WORKER_STALE_AFTER = timedelta(minutes=2)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return "down"
    return "ok"


def broker_status() -> dict:
    """``{"status": ok|down}``, with the messages waiting on the embedded broker."""
    try:
        if getattr(settings, "CELERY_BROKER_TRANSPORT", "") == "core.broker:Transport":
            return {"status": "ok", "waiting": waiting_messages(settings.CELERY_BROKER_URL)}
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return {"status": "down"}
    return {"status": "ok"}


def worker_status() -> str:
    """ok when a worker ran the beat's heartbeat task in the last two minutes."""
    beat = cache.get(HEARTBEAT_KEY)
    if beat is None:
        return "unknown"
    return "ok" if timezone.now() - datetime.fromisoformat(beat) < WORKER_STALE_AFTER else "stale"


def supervisor_status() -> dict | None:
    """The supervisor's last written state, or None when nothing supervises this var dir."""
    try:
        state = json.loads((settings.VAR_DIR / STATE_FILENAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if state.get("state") != "stopped" and not _alive(state.get("pid")):
        state["state"] = "gone"  # killed without writing its last state
    return state


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (TypeError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def health_report() -> tuple[dict, int]:
    """The report and its HTTP status: 503 when the database or the broker is down."""
    database, broker, worker = database_status(), broker_status(), worker_status()
    report = {
        "status": "ok" if database == "ok" and broker["status"] == "ok" and worker == "ok" else "degraded",
        "database": database,
        "broker": broker,
        "worker": worker,
    }
    supervisor = supervisor_status()
    if supervisor is not None:
        report["supervisor"] = supervisor
    down = database != "ok" or broker["status"] != "ok"
    return report, 503 if down else 200
