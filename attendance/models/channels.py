"""Channels (SPEC §8.2): where customers' messages come from and answers go to."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import ActiveModel


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Channel(ActiveModel):
    """A channel account. Its token is generated on creation and shown once: only its
    SHA-256 is stored, and inbound calls are matched by that hash."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    network = models.CharField(_("Network"), max_length=10, choices=[
        ("whatsapp", "WhatsApp"), ("telegram", "Telegram"), ("sms", "SMS"),
        ("email", "E-mail"), ("voice", _("Voice")), ("webchat", _("Web chat")),
    ])  # fmt: skip
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(_("Token"), max_length=12, editable=False, help_text=_("Its first characters."))
    outbound_webhook_url = models.URLField(
        _("Outbound webhook URL"),
        blank=True,
        help_text=_("Messages to customers are POSTed here; empty = logged only."),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def issue_token(self) -> str:
        """A new token (returned once, never stored in clear)."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.token_hint = token[:8]
        return token
