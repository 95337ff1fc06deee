"""Health check for load balancers and `make run` users."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from .tasks import HEARTBEAT_KEY

WORKER_STALE_AFTER = timedelta(minutes=2)


def health(request):
    """``{"database": ok, "worker": ok|stale|unknown}``; 503 when the database is down."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        database = "down"
    beat = cache.get(HEARTBEAT_KEY)
    if beat is None:
        worker = "unknown"
    else:
        worker = "ok" if timezone.now() - datetime.fromisoformat(beat) < WORKER_STALE_AFTER else "stale"
    return JsonResponse({"database": database, "worker": worker}, status=200 if database == "ok" else 503)
