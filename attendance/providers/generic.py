"""The generic provider: Atende's own JSON at ``POST /api/v1/inbound/`` with the channel's
bearer token (attendance/engine_api.py), and outbound through the logging or webhook
adapter of attendance/messaging.py. It has no provider webhook."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import Channel
from .base import Provider, ProviderError


class Generic(Provider):
    key = "generic"

    def signature_valid(self, channel, request) -> bool:
        return False  # never reached: the webhook URL answers 404 for generic channels

    def test_connection(self, channel: Channel) -> str:
        raise ProviderError(_("Generic channels have no provider to test: they receive at /api/v1/inbound/."))
