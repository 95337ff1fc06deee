"""Delivery tasks: thin, safe to run twice.

Their Celery names are those they had in ``attendance.tasks`` before delivery moved to
the providers: messages queued by a running release (and the beat's schedule) still find
them after an upgrade."""

from __future__ import annotations

from celery import shared_task

from attendance.timers import messages_due

from .email_ingest import email_channels_due, email_poll
from .outbox import webhook_attempt, webhooks_due
from .services import message_deliver, provider_acknowledge


@shared_task(
    name="attendance.tasks.deliver_message_task", ignore_result=True, acks_late=True, autoretry_for=(Exception,),
    retry_backoff=2, retry_backoff_max=300,
    retry_jitter=True, max_retries=8,
)  # fmt: skip
def deliver_message_task(message_id: int) -> None:
    message_deliver(message_id=message_id)


@shared_task(name="attendance.tasks.deliver_messages_task", ignore_result=True, acks_late=True)
def deliver_messages_task(message_ids: list[int]) -> None:
    """A batch of deliveries; one that fails is handed to the retrying single task."""
    for message_id in message_ids:
        try:
            message_deliver(message_id=message_id)
        except Exception:  # noqa: BLE001 - retried with backoff by deliver_message_task
            deliver_message_task.delay(message_id)


@shared_task(name="attendance.tasks.provider_acknowledge_task", ignore_result=True)
def provider_acknowledge_task(channel_id: int, callback_id: str) -> None:
    """Answer an interactive press (Telegram's button stops spinning). Not retried: the
    provider takes the answer only for a few seconds; a failure is logged."""
    provider_acknowledge(channel_id=channel_id, callback_id=callback_id)


@shared_task(name="attendance.tasks.messages_due_task", ignore_result=True)
def messages_due_task() -> int:
    """Beat: deliver delayed active messages whose time came, and lost deliveries."""
    ids = messages_due()
    for message_id in ids:
        deliver_message_task.delay(message_id)
    return len(ids)


@shared_task(name="providers.tasks.webhook_attempt_task", ignore_result=True, acks_late=True)
def webhook_attempt_task(delivery_id: int) -> None:
    """One try of an outbound webhook delivery (providers/outbox.py). Not retried by
    Celery: the delivery row holds its own schedule, and the beat's sweep tries it when due
    (a worker killed mid-try loses nothing)."""
    webhook_attempt(delivery_id=delivery_id)


@shared_task(name="providers.tasks.webhooks_due_task", ignore_result=True)
def webhooks_due_task() -> int:
    """Beat: outbound webhook deliveries whose next try is due (or whose worker died)."""
    ids = webhooks_due()
    for delivery_id in ids:
        webhook_attempt_task.delay(delivery_id)
    return len(ids)


@shared_task(name="providers.tasks.email_poll_task", ignore_result=True, acks_late=True)
def email_poll_task(channel_id: int) -> None:
    """Read an e-mail channel's new mails (providers/email_ingest.py): each is committed,
    then flagged read; a worker killed mid-poll leaves the rest to the next poll."""
    email_poll(channel_id=channel_id)


@shared_task(name="providers.tasks.email_poll_due_task", ignore_result=True)
def email_poll_due_task() -> int:
    """Beat: the e-mail channels whose ``poll_seconds`` passed."""
    ids = email_channels_due()
    for channel_id in ids:
        email_poll_task.delay(channel_id)
    return len(ids)
