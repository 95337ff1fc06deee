"""Retention (SPEC §17): the nightly task that lets go of what is kept too long.

- Contents of attendances closed more than the company's ``message_retention_months``
  ago (empty: kept) are removed as the anonymisation removes them (``contents``:
  bodies, media, open survey answers), the customer kept.
- Import files and their rows are kept ``import_retention_days`` after the job ended
  (the strictest of the active companies: an import job belongs to no company).

Crash-safe, batched, resumable: each batch is one transaction that also moves the
company's checkpoint (``RetentionState``: the last attendance done, in closing order), so a
killed run loses at most its current batch, which the next run redoes; files leave
storage after each commit (``files``), a crash's leftovers at the start of the next run.
Two runs at once serialise on the company's checkpoint row. ``dry_run=True`` counts what
a run would touch and writes nothing but its own log."""

from __future__ import annotations

import calendar
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from attendance.models import Attendance, Status
from imports.models import ImportJob, ImportRow
from organisation.models import Company

from .contents import BODY_REMOVED_BY_RETENTION, contents_count, contents_remove
from .files import files_remove_pending
from .import_traces import import_job_clear, imports_expired
from .models import RetentionRun, RetentionState

logger = logging.getLogger(__name__)

BATCH = 500
FIGURES = ("attendances", "messages", "media_files", "survey_answers", "import_jobs", "import_files", "import_rows")


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (the 31st → the month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _due_attendances(company: Company, cutoff: datetime, state: RetentionState | None):
    due = Attendance.objects.filter(
        status=Status.CLOSED, closed_at__lt=cutoff, group__operation__company=company
    ).order_by("closed_at", "pk")
    if state is not None and state.closed_at is not None:
        due = due.filter(Q(closed_at__gt=state.closed_at) | Q(closed_at=state.closed_at, pk__gt=state.attendance_id))
    return due


def import_cutoff(now: datetime) -> datetime:
    days = Company.objects.filter(is_active=True).aggregate(days=Min("import_retention_days"))["days"] or 30
    return now - timedelta(days=days)


def retention_run(*, dry_run: bool = False, now: datetime | None = None, batch_size: int = BATCH) -> RetentionRun:
    """Apply (or count, ``dry_run``) the retention of every company; returns the run's log."""
    now = now or timezone.now()
    run = RetentionRun.objects.create(dry_run=dry_run, started_at=timezone.now(), figures=dict.fromkeys(FIGURES, 0))
    figures = run.figures
    try:
        if not dry_run:
            files_remove_pending()
        for company in Company.objects.filter(message_retention_months__isnull=False).order_by("pk"):
            cutoff = months_before(timezone.localtime(now), company.message_retention_months)
            if dry_run:
                state = RetentionState.objects.filter(company=company).first()
                ids = list(_due_attendances(company, cutoff, state).values_list("pk", flat=True))
                figures["attendances"] += len(ids)
                for start in range(0, len(ids), batch_size):
                    for key, value in contents_count(ids[start : start + batch_size]).items():
                        figures[key] += value
                continue
            while _contents_batch(company, cutoff, batch_size, figures):
                RetentionRun.objects.filter(pk=run.pk).update(figures=figures)
                files_remove_pending()
        _imports(import_cutoff(now), dry_run, figures, run)
    except Exception as error:  # noqa: BLE001 - the run's log says why; the next run resumes
        logger.exception("retention run %s failed", run.pk)
        run.error = str(error)[:1000]
    run.finished_at = timezone.now()
    run.figures = figures
    run.save(update_fields=["finished_at", "figures", "error"])
    return run


def _contents_batch(company: Company, cutoff: datetime, batch_size: int, figures: dict) -> bool:
    """One batch in one transaction, with the checkpoint; ``False`` when nothing is left."""
    with transaction.atomic():
        state, _ = RetentionState.objects.get_or_create(company=company)
        state = RetentionState.objects.select_for_update().get(pk=state.pk)
        batch = list(_due_attendances(company, cutoff, state).values_list("pk", "closed_at")[:batch_size])
        if not batch:
            return False
        ids = [pk for pk, _closed in batch]
        removed = contents_remove(attendance_ids=ids, body=BODY_REMOVED_BY_RETENTION)
        state.attendance_id, state.closed_at = batch[-1]
        state.save(update_fields=["attendance_id", "closed_at"])
    figures["attendances"] += len(ids)
    for key, value in removed.items():
        figures[key] += value
    return True


def _imports(cutoff: datetime, dry_run: bool, figures: dict, run: RetentionRun) -> None:
    expired = ImportJob.objects.filter(imports_expired(before=cutoff)).order_by("pk")
    if dry_run:
        jobs = list(expired.values_list("pk", "file"))
        figures["import_jobs"] = len(jobs)
        figures["import_files"] += sum(1 for _pk, name in jobs if name)
        figures["import_rows"] = ImportRow.objects.filter(job_id__in=[pk for pk, _ in jobs]).exclude(data={}).count()
        return
    for job in expired.iterator(chunk_size=100):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            cleared = import_job_clear(job)
        figures["import_jobs"] += 1
        for key, value in cleared.items():
            figures[key] += value
        RetentionRun.objects.filter(pk=run.pk).update(figures=figures)
        files_remove_pending()
