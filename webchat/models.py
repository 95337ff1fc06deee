"""A web chat visitor's session (SPEC §15): the customer it speaks as, and the consent
accepted in the pre-chat form (SPEC §17: text, version, channel, time)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def new_key() -> str:
    return secrets.token_urlsafe(24)


class WebchatSession(models.Model):
    """One browser's conversation with a web chat channel; the visitor token signs ``key``.
    Never deleted: a reload or another tab with the same token continues it."""

    channel = models.ForeignKey("attendance.Channel", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=40, unique=True, default=new_key, editable=False)
    identity_id = models.CharField(_("Site's user id"), max_length=120, blank=True)
    consent_text = models.TextField(_("Consent text"), blank=True)
    consent_version = models.CharField(_("Consent version"), max_length=20, blank=True)
    consent_at = models.DateTimeField(_("Consent given at"), null=True, blank=True)
    contact_phone = models.CharField(_("Contact phone"), max_length=20, blank=True)
    address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    visitor_typing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("web chat session")
        verbose_name_plural = _("web chat sessions")

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.customer_id}:{self.pk}"
