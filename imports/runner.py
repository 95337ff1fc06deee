"""Running an import job: check the file, then import it chunk by chunk, crash-safely.

1. ``import_start`` (at upload) stores the file, inspects it (``readers.inspect_upload``)
   and creates the job: a bad file is refused before any job exists.
2. ``import_run`` (Celery) claims the job, normalises the file to UTF-8 CSV once (the
   whole file is read before anything is imported, so an unreadable file fails whole),
   then processes chunks. Each chunk's writes, its error rows, the counters and the
   ``processed`` checkpoint commit in one transaction; a worker killed mid-chunk loses
   only that uncommitted chunk, which the next run redoes from the checkpoint. On
   PostgreSQL the next chunk is validated while the previous one is written
   (``pipeline.ChunkPipeline``); the commits stay one at a time and in order.
3. ``import_resend`` imports the error rows a person corrected.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, connections, router, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from core import followups

from . import errors
from .models import ImportJob, ImportRow, JobStatus, RowStatus
from .pipeline import ChunkPipeline
from .readers import FileRejected, Layout, inspect_upload, normalise_to_csv, read_normalised
from .registry import spec_for

logger = logging.getLogger(__name__)


def stale_after() -> timedelta:
    """A running job without a heartbeat for this long lost its worker and is resumed."""
    return timedelta(seconds=settings.IMPORT_STALE_SECONDS)


def work_dir_path(job_id: int) -> Path:
    """Where a job keeps its layout and its normalised copy of the file (``rows.csv``):
    removed with the file by the privacy app's retention and anonymisation."""
    return Path(settings.MEDIA_ROOT) / "imports" / "work" / str(job_id)


def _work_dir(job: ImportJob) -> Path:
    path = work_dir_path(job.pk)
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_start(*, kind: str, upload: UploadedFile, user) -> ImportJob:
    """Validate and store an upload; raise ``FileRejected`` (Portuguese message) if bad."""
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise FileRejected(str(errors.TOO_BIG) % {"limit": filesizeformat(settings.IMPORT_MAX_BYTES)})
    spec = spec_for(kind)()
    job = ImportJob(kind=kind, file_name=Path(upload.name).name[:255], created_by=user)
    job.file.save(job.file_name or "import", upload, save=False)
    try:
        layout = inspect_upload(Path(job.file.path), job.file_name, spec)
    except FileRejected:
        Path(job.file.path).unlink(missing_ok=True)
        raise
    job.file_format = layout.file_format
    job.columns = [[canonical, header] for canonical, header in layout.headers.items()]
    job.message = " ".join(layout.notes)
    job.save()
    (_work_dir(job) / "layout.json").write_text(_dump_layout(layout), encoding="utf-8")
    followups.import_run(job.pk)
    return job


def _dump_layout(layout: Layout) -> str:
    import json

    return json.dumps(layout.__dict__)


def _load_layout(job: ImportJob) -> Layout:
    import json

    return Layout(**json.loads((_work_dir(job) / "layout.json").read_text(encoding="utf-8")))


def _claim(job_id: int) -> ImportJob | None:
    """Atomically take a pending job, or a running one whose worker went silent."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        claimed = ImportJob.objects.filter(
            pk=job_id, status=JobStatus.RUNNING, heartbeat_at__lt=now - stale_after()
        ).update(heartbeat_at=now)
    return ImportJob.objects.get(pk=job_id) if claimed else None


def import_run(*, job_id: int) -> ImportJob | None:
    """Run (or resume) a job; safe to call twice: a second caller finds nothing to claim."""
    job = _claim(job_id)
    if job is None:
        return None
    spec = spec_for(job.kind)(job)
    normalised = _work_dir(job) / "rows.csv"
    try:
        if job.total == 0 or not normalised.exists():
            total = normalise_to_csv(Path(job.file.path), _load_layout(job), normalised)
            ImportJob.objects.filter(pk=job.pk).update(total=total)
            job.total = total
        spec.prepare()
        overlap = spec.overlap_writes and connection.vendor == "postgresql" and not connection.in_atomic_block
        with ChunkPipeline(
            validate=spec.validate_chunk,
            commit=lambda validated, size: _commit_chunk(job, spec, validated, size),
            overlap=overlap,
        ) as pipeline:
            chunk: list = []
            for line, data in read_normalised(normalised, skip=job.processed):
                chunk.append((line, data))
                if len(chunk) >= settings.IMPORT_CHUNK_ROWS:
                    pipeline.submit(chunk)
                    chunk = []
            if chunk:
                pipeline.submit(chunk)
    except FileRejected as error:
        _finish(job, JobStatus.FAILED, str(error))
        return job
    except Exception as error:  # noqa: BLE001 - a job must end with a reason, never hang
        logger.exception("import %s failed", job.pk)
        _finish(job, JobStatus.FAILED, str(errors.FAILED) % {"detail": str(error)[:300]})
        return job
    _finish(job, JobStatus.DONE, job.message)
    return job


def _commit_chunk(job: ImportJob, spec, validated, size: int) -> None:
    """Write one validated chunk (``spec.validate_chunk`` of ``size`` rows) with its
    outcomes and the checkpoint, in one transaction."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                outcomes = spec.write_chunk(validated)
                _record(job, outcomes, size)
            return
        except IntegrityError:
            # Someone registered one of these customers meanwhile: re-check the chunk.
            if attempt == 2:
                raise


def _record(job: ImportJob, outcomes, size: int) -> None:
    """The chunk's error rows, its counters and the checkpoint (in the caller's transaction)."""
    counts = {RowStatus.IMPORTED: 0, RowStatus.DUPLICATE: 0, RowStatus.ERROR: 0}
    errors = []
    for outcome in outcomes:
        counts[outcome.status] += 1
        if outcome.status == RowStatus.ERROR:
            errors.append(outcome)
    assert sum(counts.values()) == size, "every row of a chunk has exactly one outcome"
    connection = connections[router.db_for_write(ImportRow)]
    if connection.vendor == "postgresql":  # one round trip: the last step of every chunk
        lines = [outcome.line for outcome in errors]
        data = [json.dumps(outcome.data) for outcome in errors]
        problems = [json.dumps(outcome.errors) for outcome in errors]
        with connection.cursor() as cursor:
            cursor.execute(
                RECORD_SQL,
                {
                    "job": job.pk, "now": timezone.now(), "status": RowStatus.ERROR,
                    "lines": lines, "data": data, "errors": problems, "processed": size,
                    "imported": counts[RowStatus.IMPORTED], "duplicates": counts[RowStatus.DUPLICATE],
                    "failed": counts[RowStatus.ERROR],
                },
            )  # fmt: skip
        return
    ImportRow.objects.bulk_create(
        [ImportRow(job=job, line=o.line, data=o.data, errors=o.errors) for o in errors], batch_size=1000
    )
    ImportJob.objects.filter(pk=job.pk).update(
        processed=F("processed") + size,
        imported=F("imported") + counts[RowStatus.IMPORTED],
        duplicates=F("duplicates") + counts[RowStatus.DUPLICATE],
        errors=F("errors") + counts[RowStatus.ERROR],
        heartbeat_at=timezone.now(),
    )


# ``_record`` on PostgreSQL: the rows ``ImportRow.objects.bulk_create`` would insert (model
# defaults: not corrected, no object) and the job's counters, in one statement.
RECORD_SQL = """
WITH new_rows AS (
    INSERT INTO imports_importrow (job_id, line, data, errors, status, corrected, updated_at)
    SELECT %(job)s, line, data::jsonb, errors::jsonb, %(status)s, false, %(now)s
    FROM unnest(%(lines)s::integer[], %(data)s::text[], %(errors)s::text[]) AS new(line, data, errors)
)
UPDATE imports_importjob
SET processed = processed + %(processed)s, imported = imported + %(imported)s,
    duplicates = duplicates + %(duplicates)s, errors = errors + %(failed)s, heartbeat_at = %(now)s
WHERE id = %(job)s
"""


def _finish(job: ImportJob, status: str, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=status, message=message or "", finished_at=timezone.now())
    job.refresh_from_db()


def import_row_correct(*, row: ImportRow, data: dict[str, str]) -> ImportRow:
    """Save a person's correction of an error row and judge it again (nothing imported
    yet: REENVIAR does that). The row keeps only the template's columns."""
    spec = spec_for(row.job.kind)(row.job)
    spec.prepare()
    clean = {column: str(data.get(column, row.data.get(column, "")) or "").strip() for column in row.data}
    for column, value in data.items():
        if column not in clean and (column in spec.columns or column.rsplit(" ", 1)[0] in spec.repeatable):
            clean[column] = str(value or "").strip()
    _fields, problems = spec.validate_row(clean)
    row.data, row.errors, row.corrected = clean, problems, True
    row.save(update_fields=["data", "errors", "corrected", "updated_at"])
    return row


@transaction.atomic
def import_resend(*, job: ImportJob) -> dict[str, int]:
    """Import the corrected error rows; rows still invalid stay errors with fresh messages.
    The job's counters move rows from ``errors`` to ``imported``/``duplicates``."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    rows = list(job.rows.select_for_update().filter(status=RowStatus.ERROR, corrected=True).order_by("line"))
    spec = spec_for(job.kind)(job)
    spec.prepare()
    outcomes = spec.process([(row.line, row.data) for row in rows])
    by_line = {row.line: row for row in rows}
    moved = {RowStatus.IMPORTED: 0, RowStatus.DUPLICATE: 0}
    for outcome in outcomes:
        row = by_line[outcome.line]
        row.status, row.errors, row.object_id = outcome.status, outcome.errors, outcome.object_id
        row.corrected = outcome.status == RowStatus.ERROR and False
        row.save(update_fields=["status", "errors", "object_id", "corrected", "updated_at"])
        if outcome.status in moved:
            moved[outcome.status] += 1
    ImportJob.objects.filter(pk=job.pk).update(
        imported=F("imported") + moved[RowStatus.IMPORTED],
        duplicates=F("duplicates") + moved[RowStatus.DUPLICATE],
        errors=F("errors") - moved[RowStatus.IMPORTED] - moved[RowStatus.DUPLICATE],
    )
    return {"imported": moved[RowStatus.IMPORTED], "duplicates": moved[RowStatus.DUPLICATE],
            "errors": len(rows) - sum(moved.values())}  # fmt: skip
