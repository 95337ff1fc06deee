from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    """Channels' providers (SPEC §8.2): WhatsApp Cloud, Telegram, Twilio and the generic
    channel's webhook — their webhooks in, their deliveries out. Above the engine, which
    they feed (``inbound_receive``) and which queues their deliveries by task name
    (``core.followups``) without importing them (SPEC §18)."""

    name = "providers"
    verbose_name = _("Channels")

    def ready(self):
        # The engine announces its event log through a hook list (core.hooks, SPEC §18):
        # the outbound webhook's subscribers get their attendance events from it.
        from attendance.transitions import events_recorded

        from .outbox import webhook_events_enqueue

        events_recorded.register(webhook_events_enqueue)
