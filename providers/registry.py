"""Channel providers (SPEC §8.2.1): one small adapter class per provider behind the
interface of ``base.Provider``, picked by the channel's ``provider``."""

from __future__ import annotations

from .base import Provider
from .email_channel import Email
from .generic import Generic
from .telegram import Telegram
from .twilio import Twilio
from .webchat import Webchat
from .whatsapp_cloud import WhatsAppCloud

PROVIDERS: dict[str, Provider] = {
    p.key: p for p in (Generic(), WhatsAppCloud(), Telegram(), Twilio(), Email(), Webchat())
}


def provider_for(key: str) -> Provider | None:
    return PROVIDERS.get(key)
