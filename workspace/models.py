"""What the agent workspace offers besides the engine (SPEC §7): canned
responses ("Respostas rápidas"), WhatsApp templates — admin-managed, audited, never
deleted — and each agent's read position in their attendances (for unread counts)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.errors import DeletionForbidden
from core.history import HistoricalRecords
from core.models import ActiveModel

PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


class CannedResponse(ActiveModel):
    """ "Respostas rápidas": typed as ``/shortcut`` in the composer; ``{cliente}``,
    ``{agente}`` and ``{protocolo}`` are filled in. Without a group: every group."""

    group = models.ForeignKey(
        "attendance.ServiceGroup", verbose_name=_("Group"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="canned_responses", help_text=_("Empty: available in every group."),
    )  # fmt: skip
    shortcut = models.CharField(
        _("Shortcut"),
        max_length=30,
        validators=[RegexValidator(r"^[\w-]+$", _("Letters, digits, - and _ only, without the slash."))],
        help_text=_("Typed after a slash in the composer, e.g. bomdia for /bomdia."),
    )
    text = models.TextField(_("Text"), help_text=_("Placeholders: {cliente}, {agente}, {protocolo}."))

    history = HistoricalRecords()
    scope_path = "group__operation"

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["shortcut"]
        constraints = [
            models.UniqueConstraint(fields=["group", "shortcut"], name="canned_shortcut_per_group"),
            models.UniqueConstraint(
                fields=["shortcut"],
                condition=Q(group=None),
                name="canned_shortcut_global",
                violation_error_message=_("A response for every group already has this shortcut."),
            ),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class WhatsAppTemplate(ActiveModel):
    """An approved WhatsApp message template: the only message a customer outside the
    24 h window may receive (groups with ``whatsapp_template``)."""

    name = models.CharField(_("Name"), max_length=100, help_text=_("The name approved by WhatsApp."))
    language = models.CharField(_("Language"), max_length=10, default="pt_BR")
    body = models.TextField(_("Body"), help_text=_("The approved text, with {{1}}, {{2}}… for the parameters."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("WhatsApp template")
        verbose_name_plural = _("WhatsApp templates")
        ordering = ["name", "language"]
        constraints = [models.UniqueConstraint(fields=["name", "language"], name="whatsapp_template_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def parameter_count(self) -> int:
        return max((int(n) for n in PLACEHOLDER.findall(self.body)), default=0)


class ReadMarker(models.Model):
    """The last message of an attendance its agent has seen: unread = customer messages after it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    attendance = models.ForeignKey("attendance.Attendance", on_delete=models.PROTECT, related_name="+")
    last_message_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "attendance"], name="read_marker_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.attendance_id}: {self.last_message_id}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


class Mention(models.Model):
    """ "Menções" (SPEC §7.2): ``@username`` in an internal note names a user who may see
    the attendance; their open workspace or dashboard is told live, and they read it once.
    A record of who called whom: never deleted, only marked read."""

    # Indexed by ``mention_by_user`` (user, -at): the caller's list, newest first.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    attendance = models.ForeignKey("attendance.Attendance", on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey("attendance.Message", on_delete=models.PROTECT, related_name="mentions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        indexes = [models.Index(fields=["user", "-at"], name="mention_by_user")]
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="mention_once_per_note")]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.message_id}"

    @property
    def read(self) -> bool:
        return self.read_at is not None

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()
