"""Organisation (SPEC §1): companies and operations.

The tables keep the names they had when these models lived in the engine
(``attendance_company``, ``attendance_operation`` and their history), so moving them
here changed no row (see ``organisation/migrations/0001_initial.py``)."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from core.models import ActiveModel


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s."), params={"value": value})


class Company(ActiveModel):
    """A customer company of Atende; its name is what customers see when a group shows
    the company name, and its time zone governs work hours and "today"."""

    name = models.CharField(_("Name"), max_length=150, unique=True)
    time_zone = models.CharField(
        _("Time zone"), max_length=64, default="America/Sao_Paulo", validators=[validate_time_zone]
    )
    answer_deadline_days = models.PositiveSmallIntegerField(
        _("SAC answer deadline (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Decreto 11.034/2022: an attendance queued or pending longer than this since it opened shows "
                    "as “Fora do prazo SAC” in the dashboard and the monitor."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    # Retention (SPEC §17, ``privacy``): the contents of attendances closed longer ago are
    # removed by the nightly task (empty: kept); import files and rows are kept so many days.
    message_retention_months = models.PositiveSmallIntegerField(
        _("Message retention (months)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1200)],
        help_text=_("Message contents, media and open survey answers of attendances closed longer ago are removed "
                    "every night. Empty: kept."),
    )  # fmt: skip
    import_retention_days = models.PositiveSmallIntegerField(
        _("Import retention (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Imported files and their rows are removed after so many days."),
    )

    history = HistoricalRecords(table_name="attendance_historicalcompany")

    # Supervisors see the companies of the operations they supervise.
    scope_path = "operations"

    class Meta:
        db_table = "attendance_company"
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Operation(ActiveModel):
    """A company's operation: groups belong to one, supervisors are scoped by them."""

    name = models.CharField(_("Name"), max_length=150)
    company = models.ForeignKey(Company, verbose_name=_("Company"), on_delete=models.PROTECT, related_name="operations")
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    history = HistoricalRecords(table_name="attendance_historicaloperation")

    scope_path = "pk"

    class Meta:
        db_table = "attendance_operation"
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        ordering = ["company__name", "name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="operation_unique_name_per_company")]

    def __str__(self) -> str:
        return self.name
