"""Platform tasks."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "atende:worker-heartbeat"


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is consuming the queue (beat sends this every 30 s)."""
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)
