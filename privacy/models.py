"""Privacy (SPEC §17): the log of the data subjects' requests, the files waiting to be
removed from storage, and the retention runs.

None of these rows holds the person's data: a request names the customer row (itself
anonymised after an anonymisation), who asked and when, the reason given (scrubbed of
the person's identifiers) and how many things of each kind were exported or removed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.errors import DeletionForbidden


class RequestKind(models.TextChoices):
    EXPORT = "export", _("Export")
    ANONYMIZATION = "anonymization", _("Anonymisation")


class PrivacyRequest(models.Model):
    """One export or anonymisation of a customer's data: who, when, why, and what (counts)."""

    kind = models.CharField(_("Request"), max_length=15, choices=RequestKind.choices)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("Customer"), on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("By"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("At"))
    reason = models.TextField(_("Reason"), blank=True)
    # {"messages": 12, "media_files": 1, ...}: what was exported or removed, never the data.
    summary = models.JSONField(_("What was done"), default=dict, blank=True)

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["-at"], name="privacy_request_recent")]  # the LGPD screen's list

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.customer_id}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


class FileRemoval(models.Model):
    """A stored file to delete once the transaction that let go of it commits.

    Storage is not transactional: the row is written in the anonymisation's (or the
    retention's) transaction, the file deleted after the commit, the row marked done.
    A crash in between leaves the row pending, and the next run deletes the file
    (``privacy.services.files_remove_pending``). A done row forgets the file's name."""

    name = models.CharField(_("File"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("Created at"))
    done_at = models.DateTimeField(_("Removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("file to remove")
        verbose_name_plural = _("files to remove")
        # The pending ones, oldest first (every run starts with them).
        indexes = [models.Index(fields=["id"], name="file_removal_pending", condition=Q(done_at__isnull=True))]

    def __str__(self) -> str:
        return self.name or str(self.pk)

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


class RetentionRun(models.Model):
    """One run of the retention task (or its dry run) and what it touched."""

    dry_run = models.BooleanField(_("Dry run"), default=False)
    started_at = models.DateTimeField(_("Started at"))
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)
    # {"attendances": n, "messages": n, "media_files": n, "survey_answers": n, "import_jobs": n, "import_rows": n}
    figures = models.JSONField(_("Figures"), default=dict, blank=True)
    error = models.TextField(_("Error"), blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


class RetentionState(models.Model):
    """A company's retention checkpoint: the last attendance whose contents were removed,
    in closing order (``closed_at``, ``id``). Moved in each batch's transaction, so a run
    killed mid-way resumes after the last committed batch; locked by the batch, so two
    runs at once do not remove the same batch twice."""

    company = models.OneToOneField("organisation.Company", on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    attendance_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.company_id}: {self.closed_at}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()
