"""The generic provider: Atende's own JSON at ``POST /api/v1/inbound/`` with the channel's
bearer token (attendance/engine_api.py), and outbound through the channel's
``outbound_webhook_url`` (``WebhookAdapter``) or, without one, the log
(``LoggingAdapter``). It has no provider webhook."""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from attendance.models import Channel, Message

from .base import Provider, ProviderError

logger = logging.getLogger("atende.outbound")


class Generic(Provider):
    key = "generic"

    def signature_valid(self, channel, request) -> bool:
        return False  # never reached: the webhook URL answers 404 for generic channels

    def test_connection(self, channel: Channel) -> str:
        raise ProviderError(_("Generic channels have no provider to test: they receive at /api/v1/inbound/."))


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
