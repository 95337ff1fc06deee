"""Import tasks: thin, safe to run twice (the job is claimed atomically)."""

from __future__ import annotations

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from .models import ImportJob, JobStatus
from .runner import import_run, stale_after


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3500)
def run_import_task(job_id: int) -> None:
    import_run(job_id=job_id)


@shared_task(ignore_result=True)
def resume_stalled_imports() -> int:
    """Beat safety net: pending jobs never picked up and running jobs whose worker died."""
    stale = timezone.now() - stale_after()
    ids = list(
        ImportJob.objects.filter(
            Q(status=JobStatus.PENDING, created_at__lt=stale) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale)
        ).values_list("pk", flat=True)
    )
    for job_id in ids:
        run_import_task.delay(job_id)
    return len(ids)
