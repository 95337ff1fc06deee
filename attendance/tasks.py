"""Engine tasks: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from .distribution import distribute_group
from .messaging import message_deliver
from .presence import presence_expire
from .providers.services import provider_acknowledge
from .queue_positions import queue_positions_notify
from .selectors import groups_with_queue
from .timers import messages_due, timers_sweep

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


@shared_task(
    ignore_result=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=2, retry_backoff_max=300,
    retry_jitter=True, max_retries=8,
)  # fmt: skip
def deliver_message_task(message_id: int) -> None:
    message_deliver(message_id=message_id)


@shared_task(ignore_result=True, acks_late=True)
def deliver_messages_task(message_ids: list[int]) -> None:
    """A batch of deliveries; one that fails is handed to the retrying single task."""
    for message_id in message_ids:
        try:
            message_deliver(message_id=message_id)
        except Exception:  # noqa: BLE001 - retried with backoff by deliver_message_task
            deliver_message_task.delay(message_id)


@shared_task(ignore_result=True)
def provider_acknowledge_task(channel_id: int, callback_id: str) -> None:
    """Answer an interactive press (Telegram's button stops spinning). Not retried: the
    provider takes the answer only for a few seconds; a failure is logged."""
    provider_acknowledge(channel_id=channel_id, callback_id=callback_id)


@shared_task(ignore_result=True, acks_late=True, time_limit=60, soft_time_limit=50)
def timers_sweep_task() -> int:
    """Beat, every ``TIMER_SWEEP_SECONDS``: fire due timers (see attendance/timers.py)."""
    return timers_sweep()


@shared_task(ignore_result=True)
def messages_due_task() -> int:
    """Beat: deliver delayed active messages whose time came, and lost deliveries."""
    ids = messages_due()
    for message_id in ids:
        deliver_message_task.delay(message_id)
    return len(ids)
