from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    """Channels' providers (SPEC §8.2): WhatsApp Cloud, Telegram, Twilio and the generic
    channel's webhook — their webhooks in, their deliveries out. Above the engine, which
    they feed (``inbound_receive``) and which queues their deliveries by task name
    (``core.followups``) without importing them (SPEC §18)."""

    name = "providers"
    verbose_name = _("Channels")
