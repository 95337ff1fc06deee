"""The generic provider: Atende's own JSON at ``POST /api/v1/inbound/`` with the channel's
bearer token (attendance/engine_api.py), and outbound through the channel's
``outbound_webhook_url`` (signed, retried and logged: providers/outbox.py) or, without
one, the log (``LoggingAdapter``). It has no provider webhook."""

from __future__ import annotations

import logging

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
