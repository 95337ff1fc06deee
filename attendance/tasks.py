"""Engine tasks: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from .distribution import distribute_group
from .presence import presence_expire
from .queue_positions import queue_positions_notify
from .selectors import groups_with_queue
from .timers import timers_sweep

RETRY_KEY = "atende:distribute-retry:{group}"


@shared_task(ignore_result=True, acks_late=True)
def distribute_group_task(group_id: int) -> None:
    """Distribute a group now. If another worker holds it, ask for one more pass shortly
    (deduplicated), so an attendance queued during that worker's last batch is not left
    for the sweep."""
    busy = distribute_group(group_id=group_id) is None
    if busy and cache.add(RETRY_KEY.format(group=group_id), 1, timeout=1):
        distribute_group_task.apply_async((group_id,), countdown=0.3)


@shared_task(ignore_result=True)
def distribution_sweep() -> int:
    """Safety net (beat): every group with a queue gets a distribution pass, then its
    queue position messages."""
    groups = groups_with_queue()
    for group_id in groups:
        distribute_group_task.delay(group_id)
        queue_positions_task.delay(group_id)
    return len(groups)


@shared_task(ignore_result=True)
def queue_positions_task(group_id: int) -> int:
    return queue_positions_notify(group_id=group_id)


@shared_task(ignore_result=True)
def presence_expire_task() -> int:
    return presence_expire()


@shared_task(ignore_result=True, acks_late=True, time_limit=60, soft_time_limit=50)
def timers_sweep_task() -> int:
    """Beat, every ``TIMER_SWEEP_SECONDS``: fire due timers (see attendance/timers.py)."""
    return timers_sweep()
