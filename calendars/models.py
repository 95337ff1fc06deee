"""Service calendars ("Calendários de atendimento", SPEC §14): when a company answers.

A calendar belongs to a company (``organisation``, the layer below). Times are
wall-clock times of the company's time zone.
"""

from __future__ import annotations

import holidays
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from core.models import ActiveModel

from .hours import describe_intervals, describe_special

COMPANY_MODEL = "organisation.Company"

# Brazil's states as the ``holidays`` package knows them ("São Paulo Capital", a city, is left out).
STATE_CHOICES = sorted(
    ((code, f"{code} — {name}") for name, code in holidays.Brazil.subdivisions_aliases.items()),
    key=lambda choice: choice[0],
)


class Calendar(ActiveModel):
    """Weekly ``intervals`` ``[{weekday, start, end}]`` (Monday 0; several per day for split
    shifts; ``end`` ≤ ``start`` runs past midnight into the next day), Brazil's national
    holidays plus those of ``holidays_subdivision``, the company's ``closed_dates`` and
    ``special_hours`` ``[{date, start, end}]`` (a date's own hours). Validation and
    normalisation: ``calendars.services``; the rule: ``calendars.hours``."""

    name = models.CharField(_("Name"), max_length=100)
    company = models.ForeignKey(COMPANY_MODEL, verbose_name=_("Company"), on_delete=models.PROTECT,
                                related_name="calendars")  # fmt: skip
    intervals = models.JSONField(
        _("Weekly hours"),
        default=list,
        blank=True,
        help_text=_("Several intervals a day make split shifts; an end at or before the start runs past midnight."),
    )
    holidays_subdivision = models.CharField(
        _("State holidays"),
        max_length=2,
        blank=True,
        choices=STATE_CHOICES,
        help_text=_("Brazil's national holidays always apply; choose a state to add its own."),
    )
    closed_dates = models.JSONField(
        _("Closed dates"), default=list, blank=True, help_text=_("The company's own days off, as YYYY-MM-DD.")
    )
    special_hours = models.JSONField(
        _("Special hours"),
        default=list,
        blank=True,
        help_text=_("A date's own hours, replacing the week's (e.g. 24/12 until 12:00)."),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    # Supervisors see the calendars of their operations' companies.
    scope_path = "company__operations"

    class Meta:
        verbose_name = _("service calendar")
        verbose_name_plural = _("service calendars")
        ordering = ["company__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="calendar_unique_name_per_company",
                violation_error_message=_("This company already has a calendar with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def history_value_text(cls, field: str, value) -> str | None:
        """Hours in words on the history page (``core.audit``)."""
        if field == "intervals" and isinstance(value, list):
            return describe_intervals(value)
        if field == "special_hours" and isinstance(value, list):
            return describe_special(value)
        if field == "closed_dates" and isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return None
