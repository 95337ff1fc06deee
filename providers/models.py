"""The outbound webhook's deliveries (SPEC §8.2.2): one row per thing to deliver (a
message, an attendance event), persisted before the first try so a worker killed at any
moment loses nothing, and one row per try for the delivery log."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from attendance.models import Attendance, Channel, Message
from core.errors import DeletionForbidden


class WebhookDelivery(models.Model):
    """Claimed atomically for one try at a time (``claimed_until``, a lease longer than a
    try's timeout): a worker that dies mid-try leaves a lease that expires, and the beat's
    sweep tries again with the same ``uuid`` (``X-Atende-Delivery``). Once ``delivered``
    it is never sent again; ``failed`` only by "Reenviar"."""

    PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
    STATES = [(PENDING, _("Pending")), (DELIVERED, _("Delivered")), (FAILED, _("Failed"))]

    uuid = models.UUIDField(_("Delivery id"), default=uuid.uuid4, unique=True, editable=False)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="webhook_deliveries",
                                verbose_name=_("channel"))  # fmt: skip
    message = models.ForeignKey(Message, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("message"), db_index=False)  # fmt: skip
    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("attendance"), db_index=False)  # fmt: skip
    event = models.CharField(_("Event"), max_length=40)  # "message" or attendance.<type>
    payload = models.JSONField(default=dict)
    state = models.CharField(_("State"), max_length=10, choices=STATES, default=PENDING)
    attempts = models.PositiveIntegerField(_("Attempts"), default=0)
    resent_after = models.PositiveIntegerField(default=0)  # attempts before the last "Reenviar"
    next_attempt_at = models.DateTimeField(_("Next attempt"))
    claimed_until = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("Retried until"))
    last_error = models.CharField(_("Last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("Delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["message"], condition=models.Q(event="message"),
                                    name="webhook_delivery_one_per_message"),
        ]  # fmt: skip
        indexes = [
            # The sweep: pending rows whose time came.
            models.Index(fields=["next_attempt_at"], condition=models.Q(state="pending"), name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.uuid}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


class WebhookAttempt(models.Model):
    """One try: what the receiver answered (``status_code`` empty on a timeout or a
    refused connection, ``response_excerpt`` then says why)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.PROTECT, related_name="tries")
    attempt = models.PositiveIntegerField(_("Attempt"))
    status_code = models.PositiveIntegerField(_("Status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("Duration (ms)"), default=0)
    response_excerpt = models.CharField(_("Response"), max_length=500, blank=True)
    ok = models.BooleanField(default=False)
    at = models.DateTimeField(_("At"))

    class Meta:
        verbose_name = _("webhook try")
        verbose_name_plural = _("webhook tries")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.attempt}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


class EmailMailbox(models.Model):
    """Where the e-mail channel's poller is in its IMAP folder (SPEC §16): the folder's
    UIDVALIDITY and the last UID handled. Moved forward in each mail's own transaction, so
    a poller killed at any moment starts again after the last committed mail; a new
    UIDVALIDITY (the folder was rebuilt) starts over at UID 1, ``Message-ID`` keeping
    every mail once. ``claimed_until``: one poller at a time (a lease, renewed per batch)."""

    channel = models.OneToOneField(Channel, on_delete=models.PROTECT, related_name="+")
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return f"{self.channel_id} {self.uidvalidity}/{self.last_uid}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


class EmailReceipt(models.Model):
    """One mail of the folder, handled: what became of it. Unique by the folder's
    UIDVALIDITY/UID and by ``Message-ID`` per channel: a mail is never handled twice."""

    STORED, AUTO_REPLY, BOUNCE, DUPLICATE, REFUSED = "stored", "auto_reply", "bounce", "duplicate", "refused"

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+", db_index=False)
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    message_id = models.CharField(max_length=128)  # the header, or a digest of a long or missing one
    outcome = models.CharField(max_length=12)
    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   db_index=False)  # fmt: skip
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "uidvalidity", "uid"], name="email_receipt_uid_once"),
        ]
        indexes = [models.Index(fields=["channel", "message_id"], name="email_receipt_message_id")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.uidvalidity}/{self.uid} {self.outcome}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


class EmailPart(models.Model):
    """What an e-mail message carries beyond the engine's text body: its headers for
    threading, the sanitised HTML (shown in a sandboxed frame, remote images held back
    until the agent asks) and the folded quoted history."""

    message = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="email", primary_key=True)
    header_id = models.CharField(max_length=998)  # Message-ID in full (provider_message_id may be a digest)
    subject = models.CharField(max_length=255, blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    references = models.JSONField(default=list, blank=True)
    html = models.TextField(blank=True)  # sanitised (nh3): no script, no handler, no form
    quoted = models.TextField(blank=True)  # the folded history ("Em … escreveu:" and what follows)
    remote_images = models.PositiveIntegerField(default=0)  # held back in ``html`` (data-atende-src)
    server_reply = models.CharField(max_length=500, blank=True)  # outbound: the SMTP server's last answer

    def __str__(self) -> str:
        return self.header_id

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()
