"""Pause reasons ("Motivos de pausa"): what an agent may choose when pausing (SPEC §7).

Part of the engine because the presence rule checks them; the workspace and the admin
only list and edit them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from core.models import ActiveModel

# Created on a fresh install (migration 0016), so agents can pause from the first day;
# an administrator may rename or deactivate them.
DEFAULT_PAUSE_REASONS = ("Almoço", "Intervalo", "Banheiro", "Reunião", "Treinamento", "Feedback")


class PauseReason(ActiveModel):
    """ "Motivos de pausa": what an agent may choose when pausing."""

    name = models.CharField(_("Name"), max_length=100, unique=True)

    history = HistoricalRecords(table_name="workspace_historicalpausereason")

    class Meta:
        # The table of the workspace app, where this model lived until the presence rule
        # (``attendance/presence.py``) needed it below the workspace.
        db_table = "workspace_pausereason"
        verbose_name = _("pause reason")
        verbose_name_plural = _("pause reasons")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
