"""Messages: the texts the engine sends, who signs them, and outbound delivery through a
channel adapter (a logging adapter by default; a webhook adapter that POSTs to the
channel's URL with retries, backoff and an idempotency key)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Attendance, Delivery, Direction, DisplayNameMode, Kind, Message, Sender

logger = logging.getLogger("atende.outbound")


def sender_name(*, attendance: Attendance, sender: str, agent=None) -> str:
    """ "Nome mostrado na mensagem" (SPEC §4.4): the company, the agent, or nobody."""
    mode = attendance.group.display_name_mode
    if mode == DisplayNameMode.NONE:
        return ""
    if mode == DisplayNameMode.COMPANY or sender != Sender.AGENT:
        return attendance.group.operation.company.name
    return (agent or attendance.agent).display_name if (agent or attendance.agent) else ""


def message_out(*, attendance: Attendance, body: str, sender: str = Sender.BOT, agent=None, kind: str = Kind.TEXT,
                deliver_at=None) -> Message:  # fmt: skip
    """Record an outbound message and queue its delivery after the transaction commits."""
    now = timezone.now()
    message = Message.objects.create(
        attendance=attendance,
        direction=Direction.OUTBOUND,
        sender=sender,
        kind=kind,
        body=body,
        agent=agent,
        sender_name=sender_name(attendance=attendance, sender=sender, agent=agent),
        created_at=now,
        deliver_at=deliver_at,
        delivery=Delivery.PENDING,
    )
    if deliver_at is None or deliver_at <= now:
        from .tasks import deliver_message_task

        transaction.on_commit(lambda: deliver_message_task.delay(message.pk))
    return message


def messages_out_bulk(*, items: list[tuple[Attendance, str]], sender: str = Sender.BOT) -> list[Message]:
    """Many outbound messages at once (one INSERT, one delivery task after commit): the
    distribution's "X is now assisting you" for a whole batch."""
    now = timezone.now()
    messages = [
        Message(
            attendance=attendance, direction=Direction.OUTBOUND, sender=sender, kind=Kind.TEXT, body=body,
            sender_name=sender_name(attendance=attendance, sender=sender), created_at=now, delivery=Delivery.PENDING,
        )
        for attendance, body in items
    ]  # fmt: skip
    Message.objects.bulk_create(messages)
    ids = [message.pk for message in messages]
    if ids:
        from .tasks import deliver_messages_task

        transaction.on_commit(lambda: deliver_messages_task.delay(ids))
    return messages


def greeting(attendance: Attendance) -> str:
    customer = attendance.customer
    if customer.show_name_in_greeting and customer.display_name:
        return _("Hello, %(name)s!") % {"name": customer.display_name.split()[0]}
    return _("Hello!")


# Adapters ------------------------------------------------------------------------------


class LoggingAdapter:
    """Writes outbound messages to the log (the default, and what tests use)."""

    def send(self, message: Message, payload: dict) -> None:
        logger.info("outbound %s", payload)


class WebhookAdapter:
    """POSTs the message to the channel's ``outbound_webhook_url``. The
    ``Idempotency-Key`` header is the message id, so a retried delivery is recognisable."""

    timeout = 10

    def __init__(self, url: str):
        self.url = url

    def send(self, message: Message, payload: dict) -> None:
        import requests

        response = requests.post(
            self.url,
            json=payload,
            timeout=self.timeout,
            headers={"Idempotency-Key": f"atende-message-{message.pk}", "User-Agent": "Atende/1.0"},
        )
        response.raise_for_status()


def adapter_for(message: Message):
    channel = message.attendance.channel
    if channel is not None and channel.outbound_webhook_url and not settings.ATENDE_OUTBOUND_LOG_ONLY:
        return WebhookAdapter(channel.outbound_webhook_url)
    return LoggingAdapter()


def message_payload(message: Message) -> dict:
    attendance = message.attendance
    return {
        "id": message.pk,
        "protocol": attendance.protocol,
        "network": attendance.customer.network,
        "phone": attendance.customer.phone,
        "kind": message.kind,
        "text": message.body,
        "sender": message.sender,
        "sender_name": message.sender_name,
    }


def message_deliver(*, message_id: int) -> bool:
    """Deliver once; raises on failure so the task retries. Already sent → no-op."""
    message = Message.objects.select_related("attendance__customer", "attendance__channel").get(pk=message_id)
    if message.delivery == Delivery.SENT:
        return False
    Message.objects.filter(pk=message.pk).update(delivery_attempts=message.delivery_attempts + 1)
    adapter_for(message).send(message, message_payload(message))
    Message.objects.filter(pk=message.pk).update(delivery=Delivery.SENT)
    return True
