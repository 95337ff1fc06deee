"""Classification trees (SPEC §5.2): a main level with reasons and sub-reasons."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from core.models import ActiveModel


class Classification(ActiveModel):
    name = models.CharField(
        _("Main level"),
        max_length=120,
        unique=True,
        error_messages={"unique": _("A classification with this name already exists.")},
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service classification")
        verbose_name_plural = _("service classifications")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Node(ActiveModel):
    """A reason (``parent`` null) or sub-reason. Agents pick an active leaf when closing."""

    classification = models.ForeignKey(
        Classification, verbose_name=_("Classification"), on_delete=models.PROTECT, related_name="nodes"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("Parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(_("Name"), max_length=120)
    position = models.PositiveSmallIntegerField(_("Position"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reason")
        verbose_name_plural = _("reasons")
        ordering = ["classification", "position", "pk"]
        indexes = [models.Index(fields=["classification", "parent"], name="node_tree")]  # tree loading

    def __str__(self) -> str:
        return self.name
