"""Provider channels' credentials and validation (SPEC §8.2.1), used by
``services.channel_save`` (one path for the admin and the API).

Credentials are write-only: an empty value submitted for one keeps what is stored, so a
form or an API update never has to send them back."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import errors
from .models import (
    CREDENTIAL_FIELDS,
    CREDENTIALS,
    EMAIL_REQUIRED,
    PRECHAT_FIELDS,
    PRECHAT_MODES,
    PROVIDER_NETWORKS,
    WEBHOOK_EVENTS,
    Channel,
    Provider,
)

COLOR = re.compile(r"#[0-9a-fA-F]{6}")


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
    if channel.provider == Provider.WEBCHAT:
        _webchat_problems(channel, problems)
    if problems:
        raise ValidationError(problems)


def _origin_valid(origin: str) -> bool:
    """``https://host[:port]`` (``http://`` only for localhost and loopback addresses, for
    development and the demo); no path."""
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018 - a port that is no number raises here
    except ValueError:
        return False
    if parts.path or parts.query or parts.fragment or not parts.hostname:
        return False
    local = parts.hostname == "localhost" or parts.hostname.startswith("127.")
    return parts.scheme == "https" or (parts.scheme == "http" and local)


def _webchat_problems(channel: Channel, problems: dict) -> None:
    """SPEC §15: the origins that may embed the widget, its colour and its pre-chat form."""
    wrong = [origin for origin in channel.origins if not _origin_valid(origin)]
    if wrong:
        problems["allowed_origins"] = [_("Not a site address like https://www.example.com.br: %(origins)s")
                                       % {"origins": ", ".join(wrong)}]  # fmt: skip
    if channel.color and not COLOR.fullmatch(channel.color):
        problems["color"] = [_("Use a colour like #0b5cad.")]
    prechat = channel.prechat_fields
    if not isinstance(prechat, dict) or any(
        key not in PRECHAT_FIELDS or value not in PRECHAT_MODES for key, value in prechat.items()
    ):
        problems["prechat_fields"] = [_("Each of email, phone and document is off, optional or required.")]
