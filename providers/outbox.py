"""The generic channel's outbound webhook (SPEC §8.2.2): signed, retried for 24 h, logged.

Everything to deliver — an agent's or the bot's message, an attendance event the channel
subscribes to — is first a ``WebhookDelivery`` row, written in the transaction that made
it (an event) or before the first try (a message). A try:

1. claims the row atomically (one ``UPDATE … WHERE state = 'pending' AND due AND the lease
   expired``): two workers, the beat's sweep and a late Celery retry never try it at once;
2. POSTs the body signed as Stripe signs (``X-Atende-Signature: t=<unix>,v1=<hex>``, a
   second ``v1`` with the previous secret during a rotation's 24 h), with the same
   ``X-Atende-Delivery`` on every try;
3. writes the try into the log and moves the row: ``delivered``, or the next try after an
   exponential backoff with jitter, or ``failed`` once 24 h passed and at least 10 tries
   were made.

A worker killed between 2 and 3 leaves the lease to expire: the receiver may get the same
delivery id twice (at least once, deduplicated by the id), never after ``delivered``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import time
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.messaging import delivery_live
from attendance.models import WEBHOOK_EVENTS, Channel, Delivery, Event, Message
from core import followups

from .models import WebhookAttempt, WebhookDelivery

logger = logging.getLogger("atende.outbound")

MESSAGE = "message"
MIN_TRIES = 10  # SPEC §8.2.2: "for up to 24 h (at least 10 tries)"
LEASE = timedelta(seconds=60)  # longer than a try (the POST's timeout is 10 s); ATENDE_WEBHOOK_LEASE_SECONDS
TIMEOUT = 10
EXCERPT = 500
ATTEMPT_TASK = "providers.tasks.webhook_attempt_task"


# Signing -----------------------------------------------------------------------------------


def signature_header(secrets: list[str], body: bytes, timestamp: int) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` for each secret."""
    signed = f"{timestamp}.".encode() + body
    parts = [f"t={timestamp}"]
    parts += [f"v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}" for secret in secrets]
    return ",".join(parts)


def signature_valid(secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (the README shows the same few lines): one ``v1`` matches and
    the timestamp is recent (no replay of an old POST)."""
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for key, value in fields if key == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    if abs((now or time.time()) - int(timestamps[0])) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamps[0]}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value) for key, value in fields if key == "v1")


def webhook_secret_rotate(*, channel: Channel) -> str:
    """A new secret, returned once; the old one signs too for 24 h (both ``v1``)."""
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        secret = channel.issue_webhook_secret()
        channel.save(update_fields=["webhook_secret", "webhook_secret_previous", "webhook_secret_previous_until"])
    return secret


# What to deliver ---------------------------------------------------------------------------


def webhook_channel(channel: Channel | None) -> bool:
    """Whether ``channel``'s messages go out through its outbound webhook."""
    return bool(channel is not None and channel.outbound_webhook_url and not settings.ATENDE_OUTBOUND_LOG_ONLY)


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


def webhook_delivery_for_message(message: Message) -> WebhookDelivery:
    """The message's one delivery row (created on the first call; a unique index keeps it
    one when two workers race)."""
    now = timezone.now()
    delivery, _created = WebhookDelivery.objects.get_or_create(
        message=message, event=MESSAGE,
        defaults={"channel": message.attendance.channel, "attendance": message.attendance,
                  "payload": message_payload(message), "next_attempt_at": now, "expires_at": now + _window()},
    )  # fmt: skip
    return delivery


def webhook_events_enqueue(events: list[Event]) -> None:
    """``attendance.events_recorded`` receiver: the events of subscribing channels become
    deliveries in the change's transaction, tried after its commit."""
    wanted = [event for event in events if event.type in WEBHOOK_EVENTS and event.attendance.channel_id]
    if not wanted or settings.ATENDE_OUTBOUND_LOG_ONLY:
        return
    channels = {
        channel.pk: channel
        for channel in Channel.objects.filter(pk__in={event.attendance.channel_id for event in wanted})
        .exclude(outbound_webhook_url="").exclude(webhook_events=[]).only("pk", "webhook_events")
    }  # fmt: skip
    now, rows = timezone.now(), []
    for event in wanted:
        channel = channels.get(event.attendance.channel_id)
        name = WEBHOOK_EVENTS[event.type]
        if channel is None or name not in channel.webhook_events:
            continue
        attendance = event.attendance
        payload = {
            "event": name, "at": event.at.isoformat(), "attendance": attendance.pk, "protocol": attendance.protocol,
            "status": attendance.status, "group": attendance.group_id, "agent": attendance.agent_id,
            "customer": attendance.customer_id, "data": event.data,
        }  # fmt: skip
        rows.append(WebhookDelivery(channel_id=channel.pk, attendance=attendance, event=name, payload=payload,
                                    next_attempt_at=now, expires_at=now + _window()))  # fmt: skip
    if rows:
        created = WebhookDelivery.objects.bulk_create(rows)
        ids = [row.pk for row in created if row.pk]
        if ids:
            for delivery_id in ids:
                followups.on_commit(ATTEMPT_TASK, delivery_id)
        else:  # a database that returns no ids: the beat's sweep finds them
            logger.debug("%d webhook events queued for the sweep", len(rows))


# Trying ------------------------------------------------------------------------------------


def _lease() -> timedelta:
    seconds = getattr(settings, "ATENDE_WEBHOOK_LEASE_SECONDS", None)
    return timedelta(seconds=seconds) if seconds else LEASE


def _window() -> timedelta:
    return timedelta(hours=settings.ATENDE_WEBHOOK_RETRY_HOURS)


def backoff(attempt: int, *, rand=random.random) -> timedelta:
    """Exponential (``ATENDE_WEBHOOK_RETRY_SECONDS`` × 2^(n-1), at most 4 h) with ±50 %
    jitter: receivers that came back are not hit by every sender at once."""
    base = settings.ATENDE_WEBHOOK_RETRY_SECONDS * 2 ** min(attempt - 1, 20)
    return timedelta(seconds=min(base, 4 * 3600) * (0.5 + rand()))


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, state=WebhookDelivery.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=now + _lease(), attempts=F("attempts") + 1)
    )  # fmt: skip
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("channel", "message__attendance").get(pk=delivery_id)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, bool, int]:
    """One signed POST: (status code or None, excerpt of the answer, ok, milliseconds)."""
    channel = delivery.channel
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    key = f"atende-message-{delivery.message_id}" if delivery.event == MESSAGE else f"atende-{delivery.uuid}"
    headers = {
        "Content-Type": "application/json", "User-Agent": "Atende/1.0", "Idempotency-Key": key,
        "X-Atende-Delivery": str(delivery.uuid), "X-Atende-Event": delivery.event,
        "X-Atende-Signature": signature_header(channel.webhook_secrets(), body, int(time.time())),
    }  # fmt: skip
    started = time.monotonic()
    try:
        response = requests.post(channel.outbound_webhook_url, data=body, headers=headers, timeout=TIMEOUT,
                                  allow_redirects=False)  # fmt: skip
    except requests.Timeout:
        return None, _("No answer within %(seconds)s s.") % {"seconds": TIMEOUT}, False, _ms(started)
    except requests.RequestException as error:
        return None, _("Connection failed: %(error)s") % {"error": type(error).__name__}, False, _ms(started)
    excerpt = response.text[:EXCERPT] if response.content else ""
    return response.status_code, excerpt, 200 <= response.status_code < 300, _ms(started)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def webhook_attempt(*, delivery_id: int, now: datetime | None = None) -> str | None:
    """One try of a due, unclaimed delivery; its state after, or ``None`` when it was not
    due, claimed by another worker, or done. Never raises for the receiver's failures."""
    delivery = _claim(delivery_id, now or timezone.now())
    if delivery is None:
        return None
    if delivery.message_id:
        Message.objects.filter(pk=delivery.message_id).update(delivery_attempts=delivery.attempts)
    status_code, excerpt, ok, duration = _post(delivery)
    at = timezone.now() if now is None else now
    with transaction.atomic():
        WebhookAttempt.objects.create(delivery=delivery, attempt=delivery.attempts, status_code=status_code,
                                      duration_ms=duration, response_excerpt=excerpt.replace("\x00", ""), ok=ok,
                                      at=at)  # fmt: skip
        error = "" if ok else (f"HTTP {status_code}: {excerpt}" if status_code else excerpt)[:EXCERPT]
        if ok:
            fields = {"state": WebhookDelivery.DELIVERED, "delivered_at": at, "last_error": ""}
        elif at >= delivery.expires_at and delivery.attempts - delivery.resent_after >= MIN_TRIES:
            fields = {"state": WebhookDelivery.FAILED, "last_error": error}
        else:
            fields = {"next_attempt_at": at + backoff(delivery.attempts - delivery.resent_after), "last_error": error}
        # Only the claim's holder writes: a lease that expired under a stalled worker and
        # was taken by another is not overwritten.
        WebhookDelivery.objects.filter(pk=delivery.pk, state=WebhookDelivery.PENDING).update(
            claimed_until=None, **fields
        )
        state = fields.get("state", WebhookDelivery.PENDING)
        if delivery.message_id and state != WebhookDelivery.PENDING:
            _message_state(delivery.message, state, error)
    return state


def _message_state(message: Message, state: str, error: str) -> None:
    if state == WebhookDelivery.DELIVERED:
        if (
            Message.objects.filter(pk=message.pk)
            .exclude(delivery=Delivery.SENT)
            .update(delivery=Delivery.SENT, delivery_error="")
        ):
            delivery_live(message=message, status=Delivery.SENT)
    elif Message.objects.filter(pk=message.pk, delivery=Delivery.PENDING).update(
        delivery=Delivery.FAILED, delivery_error=error[:300]
    ):
        delivery_live(message=message, status=Delivery.FAILED, error=error[:300])


def webhooks_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """The beat's sweep: pending deliveries whose time came and whose lease is free."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(state=WebhookDelivery.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )  # fmt: skip


def webhook_resend(*, delivery: WebhookDelivery) -> bool:
    """ "Reenviar" a failed delivery: tried again now, with the same delivery id and a new
    24 h of retries. Only a failed one (a delivered one is never sent again)."""
    now = timezone.now()
    with transaction.atomic():
        moved = WebhookDelivery.objects.filter(pk=delivery.pk, state=WebhookDelivery.FAILED).update(
            state=WebhookDelivery.PENDING, next_attempt_at=now, expires_at=now + _window(), claimed_until=None,
            resent_after=F("attempts"),
        )  # fmt: skip
        if moved and delivery.message_id:
            Message.objects.filter(pk=delivery.message_id, delivery=Delivery.FAILED).update(
                delivery=Delivery.PENDING, delivery_error=""
            )
        if moved:
            followups.on_commit(ATTEMPT_TASK, delivery.pk)
    return bool(moved)
