"""Bulk import jobs (SPEC §6.3): one engine for customers and users.

A job keeps its counters and a checkpoint (``processed``) updated in the same
transaction as each chunk's inserts, so a worker that dies mid-file resumes exactly
where the last committed chunk ended: nothing is imported twice, nothing is lost.
Only the rows that need a person (errors, and the ones corrected from them) are kept
as ``ImportRow``; imported and duplicate rows are counted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.errors import DeletionForbidden


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    USERS = "users", _("Users")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RowStatus(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    DUPLICATE = "duplicate", _("Duplicate")
    ERROR = "error", _("Error")


class ImportJob(models.Model):
    kind = models.CharField(_("Kind"), max_length=20, choices=ImportKind.choices)
    file = models.FileField(_("File"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("File name"), max_length=255)
    file_format = models.CharField(_("Format"), max_length=10)
    status = models.CharField(_("Status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total = models.PositiveIntegerField(_("Rows"), default=0)
    processed = models.PositiveIntegerField(_("Processed rows"), default=0)
    imported = models.PositiveIntegerField(_("Imported"), default=0)
    duplicates = models.PositiveIntegerField(_("Duplicates"), default=0)
    errors = models.PositiveIntegerField(_("Errors"), default=0)
    message = models.TextField(_("Message"), blank=True)
    # [[canonical column, the file's own header], …] in the file's order (a list: jsonb does
    # not keep a dict's key order): errors and the correction form use the file's words
    # (TELEFONE when the file said TELEFONE), in its order.
    columns = models.JSONField(_("Columns"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("Started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "-created_at"], name="import_job_list")]  # job list per kind

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()

    def column_label(self, column: str) -> str:
        """The file's header for a canonical column (the canonical name when unknown)."""
        return dict(self.columns or []).get(column) or column

    @property
    def column_order(self) -> list[str]:
        return [canonical for canonical, _header in self.columns or []]

    @property
    def progress(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0


class ImportRow(models.Model):
    """A row a person must look at: its data by column, and a message per bad column."""

    job = models.ForeignKey(ImportJob, on_delete=models.PROTECT, related_name="rows")
    line = models.PositiveIntegerField(_("Line"))
    data = models.JSONField(_("Data"), default=dict)
    status = models.CharField(_("Status"), max_length=10, choices=RowStatus.choices, default=RowStatus.ERROR)
    errors = models.JSONField(_("Errors"), default=dict)
    corrected = models.BooleanField(_("Corrected"), default=False)
    object_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["line"]
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="import_row_unique_line")]
        indexes = [models.Index(fields=["job", "status", "line"], name="import_row_by_status")]  # rows/?status=

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()
