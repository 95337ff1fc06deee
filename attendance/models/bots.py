"""Bots (SPEC §3): the service bot's menu tree and the other bot kinds' messages."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from core.models import ActiveModel


class BotKind(models.TextChoices):
    SERVICE = "service", _("Service (main group menu)")
    TRANSFER = "transfer", _("Transfer")
    INACTIVITY = "inactivity", _("Inactivity")
    FINALIZATION = "finalization", _("Finalization")
    SURVEY = "survey", _("Survey")


no_spaces = RegexValidator(r"^\S+$", _("The name cannot contain spaces."), code="spaces")


class Bot(ActiveModel):
    """A bot. A ``service`` bot holds a menu tree (``menu``, validated by
    ``attendance.menus``); the other kinds send ``message``. ``survey`` bots are created
    and kept in sync by their survey."""

    name = models.CharField(
        _("Name"),
        max_length=100,
        unique=True,
        validators=[no_spaces],
        error_messages={"unique": _("A bot with this name already exists.")},
    )
    kind = models.CharField(_("Kind"), max_length=20, choices=BotKind.choices)
    menu = models.JSONField(
        _("Menu"),
        null=True,
        blank=True,
        help_text=_("Service bots: the menu tree; each option leads to a sub-menu, a group or closing."),
    )
    message = models.TextField(
        _("Message"),
        blank=True,
        validators=[MaxLengthValidator(4096)],  # one chat message (WhatsApp's limit)
        help_text=_("What the bot says (transfer, inactivity and finalization bots)."),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bot")
        verbose_name_plural = _("bots")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
