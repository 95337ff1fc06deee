"""Provider webhooks into the engine, and outbound messages out through providers.

Inbound: every parsed message goes through ``inbound_receive`` — the same engine path as
``POST /api/v1/inbound/`` — in its own transaction, so the answer comes right after the
commits. Idempotency: a message's provider id is unique per channel (the constraint
``message_provider_id_unique``): a replay's transaction fails on it and rolls back whole,
so the bot does not run again; two deliveries at once are settled by the same index (the
second waits for the first's commit, then fails). ``inbound_receive`` then checks that the
message is in (``_seen``) and answers ``None``. A media message is checked before its
download, so a replay fetches nothing.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from attendance.inbound import inbound_receive
from attendance.media import MediaRejected
from attendance.messaging import delivery_live
from attendance.models import Channel, Delivery, Direction, Message, Provider
from core import followups
from core.errors import DomainError

from .base import InboundMessage, Outbound, Parsed, ProviderError, StatusUpdate, outbound_for
from .base import Provider as ProviderAdapter
from .generic import LoggingAdapter
from .media import provider_media_store
from .outbox import message_payload, webhook_attempt, webhook_channel, webhook_delivery_for_message
from .registry import provider_for

logger = logging.getLogger("atende.providers")

# A status only moves forward: a late "delivered" never hides a "read". A message still
# ``pending`` with a provider id is one whose file went but whose text did not yet
# (``_send_media``): a callback for the file leaves it pending, or the retry would find
# it no longer pending and never send the text.
_BEFORE = {
    Delivery.SENT: [""],
    Delivery.DELIVERED: ["", Delivery.SENT],
    Delivery.READ: ["", Delivery.SENT, Delivery.DELIVERED],
    Delivery.FAILED: ["", Delivery.SENT],
}


@dataclass
class WebhookOutcome:
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    statuses: int = 0


def _seen(channel: Channel, provider_message_id: str) -> bool:
    """Whether the channel stored this provider message (its unique index; the SQL is
    built once: it runs on every webhook message). The index is partial (ids not blank):
    the query repeats its condition, or PostgreSQL's generic plan of the prepared
    statement, used from the sixth run on, could not use it and scanned the table."""
    with connection.cursor() as cursor:
        cursor.execute(_seen_sql(), [channel.pk, provider_message_id])
        return cursor.fetchone() is not None


@functools.cache
def _seen_sql() -> str:
    quote, meta = connection.ops.quote_name, Message._meta
    column = quote(meta.get_field("provider_message_id").column)
    return (f"SELECT 1 FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('channel').column)} = %s "  # noqa: S608
            f"AND {column} = %s AND {column} <> '' LIMIT 1")  # fmt: skip


def _route(channel: Channel, account: str) -> Channel | None:
    """WhatsApp sends every number of an app to the app's one webhook URL: a message for
    another number goes to the active channel of that number with the same app secret
    (the signature proved that secret)."""
    if not account or channel.provider != Provider.WHATSAPP_CLOUD or account == channel.phone_number_id:
        return channel
    return (
        Channel.objects.filter(provider=channel.provider, phone_number_id=account, app_secret=channel.app_secret,
                               is_active=True).first()
    )  # fmt: skip


def _media_fields(adapter: ProviderAdapter, channel: Channel, message: InboundMessage) -> dict:
    """Download and store the message's media before any transaction; a failure is noted
    in the message so the agent knows something was sent."""
    try:
        return provider_media_store(media=adapter.fetch_media(channel, message.media), kind=message.kind)
    except ProviderError as error:
        reason = str(error)
    except MediaRejected as error:
        reason = " ".join(error.messages)
    except Exception as error:  # noqa: BLE001 - network errors of any kind: the message still goes in
        logger.warning("media download failed for %s: %r", message.provider_message_id, error)
        reason = _("network error")
    note = _("[media not received: %(reason)s]") % {"reason": reason}
    message.text = f"{message.text}\n{note}" if message.text else note
    return {}


def webhook_receive(*, channel: Channel, adapter: ProviderAdapter, parsed: Parsed) -> WebhookOutcome:
    """Feed a verified, parsed webhook to the engine; returns what happened to each part."""
    outcome = WebhookOutcome()
    for item in (*parsed.messages, *parsed.statuses):
        item.clean()
    for message in parsed.messages:
        target = _route(channel, message.account)
        if target is None:
            logger.warning("message %s for unknown number %s ignored", message.provider_message_id, message.account)
            outcome.refused += 1
            continue
        result = _receive_one(target, adapter, message)
        setattr(outcome, result, getattr(outcome, result) + 1)
    for update in parsed.statuses:
        target = _route(channel, update.account)
        if target is not None:
            outcome.statuses += delivery_status_apply(channel=target, update=update)
    return outcome


def _receive_one(channel: Channel, adapter: ProviderAdapter, message: InboundMessage) -> str:
    result = _store_one(channel, adapter, message)
    if message.callback_id and result != "duplicates":
        followups.provider_acknowledge(channel.pk, message.callback_id)  # the button stops spinning
    return result


def _store_one(channel: Channel, adapter: ProviderAdapter, message: InboundMessage) -> str:
    media = {}
    if message.media is not None:
        if _seen(channel, message.provider_message_id):
            return "duplicates"  # a replay: no download
        media = _media_fields(adapter, channel, message)
    try:
        result = inbound_receive(
            channel=channel, network=message.network, phone=message.address, country_code="",
            display_name=message.display_name, kind=message.kind, text=message.text,
            provider_message_id=message.provider_message_id, media=media, bot_answers=not message.continuation,
            stored_before=lambda: _seen(channel, message.provider_message_id),
        )  # fmt: skip
        if result is None:
            return "duplicates"  # a file stored meanwhile stays (storage is not transactional)
    except (ValidationError, DomainError) as error:
        # A foreign number, another network, an inactive customer: the provider must not
        # retry it, so the webhook still answers 200.
        logger.info("message %s refused: %s", message.provider_message_id, error)
        return "refused"
    return "stored"


def delivery_status_apply(*, channel: Channel, update: StatusUpdate) -> int:
    """Move an outbound message's ``delivery`` forward (1: updated, 0: unknown or stale)
    and tell the attendance's agent after commit (``delivery`` live event)."""
    fields = {"delivery": update.status}
    if update.status == Delivery.FAILED:
        fields["delivery_error"] = update.error or _("failure reported by the provider")
    with transaction.atomic():
        # Locked, then updated: two callbacks at once cannot both move it (the WHERE is
        # checked again after the lock), and the event tells what was written.
        rows = list(
            Message.objects.select_for_update(of=("self",)).select_related("attendance")
            .filter(channel=channel, provider_message_id=update.provider_message_id,
                    direction=Direction.OUTBOUND, delivery__in=_BEFORE[update.status])
        )  # fmt: skip
        if not rows:
            return 0
        Message.objects.filter(pk__in=[m.pk for m in rows]).update(**fields)
        for message in rows:
            delivery_live(message=message, status=update.status, error=fields.get("delivery_error", ""))
    return len(rows)


def provider_deliver(message: Message) -> bool | None:
    """Deliver through the channel's provider; ``None`` when the channel is generic (the
    logging/webhook adapters of messaging.py deliver it). Raises on a transient failure
    (the task retries with backoff); a permanent refusal marks the message ``failed``."""
    channel = message.attendance.channel
    if channel is None or channel.provider == Provider.GENERIC:
        return None
    if message.delivery not in (Delivery.PENDING, Delivery.NONE):
        return False  # already sent (or failed for good)
    Message.objects.filter(pk=message.pk).update(delivery_attempts=message.delivery_attempts + 1)
    if settings.ATENDE_OUTBOUND_LOG_ONLY:
        logger.info("outbound (log only) %s via %s", message.pk, channel.provider)
        provider_id = ""
    else:
        try:
            provider_id = _send(channel, message)
        except ProviderError as error:
            if not error.permanent:
                raise
            if Message.objects.filter(pk=message.pk, delivery=Delivery.PENDING).update(
                delivery=Delivery.FAILED, delivery_error=str(error)[:300], channel=channel
            ):
                delivery_live(message=message, status=Delivery.FAILED, error=str(error)[:300])
            return False
    if Message.objects.filter(pk=message.pk, delivery=Delivery.PENDING).update(
        delivery=Delivery.SENT, channel=channel, provider_message_id=provider_id[:128]
    ):
        delivery_live(message=message, status=Delivery.SENT)
    return True


def _send(channel: Channel, message: Message) -> str:
    """A WhatsApp template message (``Message.template``: name, language, params) goes out
    as a template on WhatsApp Cloud channels; a message with a file as the provider's
    media message, its text as the caption; everything else as its text."""
    adapter = provider_for(channel.provider)
    if hasattr(adapter, "send_message"):  # e-mail: the whole attendance makes the mail (threading, subject)
        return adapter.send_message(channel, message)
    template = message.template or {}
    if template.get("name") and channel.provider == Provider.WHATSAPP_CLOUD:
        return adapter.send_template(channel, to=message.attendance.customer.phone, name=template["name"],
                                     language=template.get("language") or "pt_BR",
                                     params=[str(p) for p in template.get("params") or []])  # fmt: skip
    outbound = outbound_for(message)
    if outbound.media is None:
        return adapter.send(channel, outbound)
    return _send_media(adapter, channel, message, outbound)


def _send_media(adapter: ProviderAdapter, channel: Channel, message: Message, outbound: Outbound) -> str:
    """A text longer than the provider's caption (or any text with a file that takes no
    caption: WhatsApp audio) follows the file as a text message; the file's id is the
    message's. The file's id is stored before the text goes, so a retry after the file
    went sends only the text (the file once)."""
    rest = ""
    if len(outbound.text) > adapter.caption_limit(channel, outbound):
        rest = outbound.text if message.body else ""  # the name alone is no message of its own
        outbound.text = ""
    provider_id = message.provider_message_id or adapter.send(channel, outbound)
    if rest:
        if not message.provider_message_id:
            Message.objects.filter(pk=message.pk).update(channel=channel, provider_message_id=provider_id[:128])
        adapter.send(channel, Outbound(to=outbound.to, text=rest))
    return provider_id


def provider_acknowledge(*, channel_id: int, callback_id: str) -> bool:
    """Tell the provider an interactive press was received; errors are logged, never raised."""
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        return False
    try:
        provider_for(channel.provider).acknowledge(channel, callback_id)
    except Exception as error:  # noqa: BLE001 - a spinning button is not worth a failed task
        logger.warning("acknowledging %s on channel %s failed: %s", callback_id, channel_id, error)
        return False
    return True


def channel_test_connection(*, channel: Channel) -> str:
    """The provider's answer with the channel's credentials; ``ProviderError`` says what failed."""
    adapter = provider_for(channel.provider)
    try:
        return adapter.test_connection(channel)
    except requests.RequestException as error:
        raise ProviderError(_("Could not reach the provider: %(error)s") % {"error": type(error).__name__}) from None


def message_deliver(*, message_id: int) -> bool:
    """Deliver once; raises on a provider's transient failure so the task retries. Already
    sent → no-op. A generic channel with an outbound webhook: its delivery row is written,
    then tried (providers/outbox.py keeps retrying it for 24 h; nothing is raised)."""
    message = Message.objects.select_related("attendance__customer", "attendance__channel").get(pk=message_id)
    if message.delivery == Delivery.SENT:
        return False
    if (handled := provider_deliver(message)) is not None:
        return handled
    if webhook_channel(message.attendance.channel):
        if message.delivery == Delivery.FAILED:
            return False  # given up after 24 h; "Reenviar" tries it again
        delivery = webhook_delivery_for_message(message)
        return webhook_attempt(delivery_id=delivery.pk) == "delivered"
    Message.objects.filter(pk=message.pk).update(delivery_attempts=message.delivery_attempts + 1)
    LoggingAdapter().send(message, message_payload(message))
    Message.objects.filter(pk=message.pk).update(delivery=Delivery.SENT)
    delivery_live(message=message, status=Delivery.SENT)
    return True
