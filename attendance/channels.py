"""Provider channels' credentials and validation (SPEC §8.2.1), used by
``services.channel_save`` (one path for the admin and the API).

Credentials are write-only: an empty value submitted for one keeps what is stored, so a
form or an API update never has to send them back."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from . import errors
from .models import CREDENTIAL_FIELDS, CREDENTIALS, EMAIL_REQUIRED, PROVIDER_NETWORKS, WEBHOOK_EVENTS, Channel, Provider


def channel_credentials_apply(*, channel: Channel, credentials: dict) -> None:
    """Set the credentials given with a value; empty ones keep the stored value."""
    for name in CREDENTIAL_FIELDS:
        value = (credentials.get(name) or "").strip()
        if value:
            setattr(channel, name, value)


def channel_validate(*, channel: Channel) -> None:
    """The provider serves the channel's network and has all its credentials."""
    problems: dict[str, list] = {}
    networks = PROVIDER_NETWORKS.get(channel.provider)
    if networks is not None and channel.network not in networks:
        problems["network"] = [errors.PROVIDER_NETWORK % {"provider": channel.get_provider_display(),
                                                          "networks": ", ".join(sorted(networks))}]  # fmt: skip
    for name in CREDENTIALS.get(channel.provider, ()):
        if not getattr(channel, name):
            problems[name] = [errors.CREDENTIAL_REQUIRED]
    if channel.provider == Provider.EMAIL:
        for name in EMAIL_REQUIRED:
            if not (getattr(channel, name) or "").strip():
                problems[name] = [errors.CREDENTIAL_REQUIRED]
    events = channel.webhook_events
    if not isinstance(events, list) or any(event not in WEBHOOK_EVENTS.values() for event in events):
        problems["webhook_events"] = [errors.WEBHOOK_EVENTS % {"events": ", ".join(WEBHOOK_EVENTS.values())}]
    else:
        channel.webhook_events = sorted(set(events))
    if problems:
        raise ValidationError(problems)
