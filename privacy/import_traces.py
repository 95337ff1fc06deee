"""The copies a bulk import keeps of people's data (SPEC §6.3, §17): the rows a person
had to look at (``ImportRow.data``), the uploaded file and its normalised copy.

An anonymisation empties the person's rows and removes every file that mentions them
(the whole file: it is a batch of many people's data, needed only while the job runs
and kept ``import_retention_days`` at most); the job, its counts and the other rows
stay. The retention does the same to every job past its retention."""

from __future__ import annotations

import zipfile
from pathlib import Path

from django.core.files.storage import default_storage
from django.db.models import Q

from imports.models import ImportJob, ImportKind, ImportRow
from imports.runner import work_dir_path

from .files import file_removals_add, local_name
from .traces import Identifiers


def _row_data_removed(data: dict) -> dict:
    """A row's data once removed: nothing (its line, status and job stay)."""
    return {}


def _text_chunks(handle, size: int = 1 << 20):
    """The file's text in chunks overlapping by a few hundred characters, so that a
    value cut by a chunk's end is still found whole."""
    tail = ""
    while True:
        chunk = handle.read(size)
        if not chunk:
            return
        yield tail + chunk
        tail = chunk[-300:]


def file_mentions(path_or_name: str | Path, identifiers: Identifiers, *, local: bool = False) -> bool:
    """Whether a stored import file (CSV in any encoding, or XLSX) mentions the person."""

    def opener():
        return Path(path_or_name).open("rb") if local else default_storage.open(str(path_or_name), "rb")

    try:
        with opener() as raw:
            head = raw.read(4)
        if head.startswith(b"PK"):
            with opener() as raw, zipfile.ZipFile(raw) as archive:
                for member in archive.namelist():
                    if member.endswith(".xml"):
                        with archive.open(member) as part:
                            text = part.read().decode("utf-8", errors="replace")
                        if identifiers.mentioned_in(text.replace("&amp;", "&")):
                            return True
                return False
        for encoding in ("utf-8", "cp1252"):
            with opener() as raw:
                text = raw.read().decode(encoding, errors="replace")
            for line in text.splitlines():
                if identifiers.mentioned_in(line):
                    return True
        return False
    except (FileNotFoundError, zipfile.BadZipFile, OSError):
        return False


def _job_files(job: ImportJob) -> list[str]:
    """The job's stored file and its working files, as ``files`` names."""
    names = [job.file.name] if job.file else []
    work = work_dir_path(job.pk)
    if work.exists():
        names += [local_name(path) for path in sorted(work.iterdir()) if path.is_file()]
    return names


def import_traces_remove(*, identifiers: Identifiers, customer_id: int) -> dict[str, int]:
    """Empty the person's import rows and let go of the files that mention them (call
    inside the anonymisation's transaction)."""
    jobs = ImportJob.objects.filter(kind=ImportKind.CUSTOMERS)
    rows = ImportRow.objects.filter(job__in=jobs).exclude(data={}).only("pk", "data", "object_id")
    changed = []
    for row in rows.iterator(chunk_size=1000):
        values = " | ".join(str(value) for value in (row.data or {}).values())
        if row.object_id == customer_id or identifiers.mentioned_in(values):
            row.data, row.errors = _row_data_removed(row.data), {}
            changed.append(row)
    ImportRow.objects.bulk_update(changed, ["data", "errors"], batch_size=500)
    files = 0
    for job in jobs.exclude(file="").iterator(chunk_size=200):
        normalised = work_dir_path(job.pk) / "rows.csv"
        if file_mentions(job.file.name, identifiers) or (
            normalised.exists() and file_mentions(normalised, identifiers, local=True)
        ):
            files += file_removals_add(_job_files(job))
            ImportJob.objects.filter(pk=job.pk).update(file="")
    return {"import_rows": len(changed), "import_files": files}


def imports_expired(*, before) -> Q:
    """Jobs finished before ``before`` that still keep a file or rows with data."""
    return Q(finished_at__lt=before) & (~Q(file="") | Q(pk__in=ImportRow.objects.exclude(data={}).values("job_id")))


def import_job_clear(job: ImportJob) -> dict[str, int]:
    """The retention of one job: its files go (after the commit), its rows are emptied."""
    files = file_removals_add(_job_files(job))
    ImportJob.objects.filter(pk=job.pk).update(file="")
    rows = list(ImportRow.objects.filter(job=job).exclude(data={}).only("pk", "data"))
    for row in rows:
        row.data, row.errors = _row_data_removed(row.data), {}
    ImportRow.objects.bulk_update(rows, ["data", "errors"], batch_size=500)
    return {"import_files": files, "import_rows": len(rows)}
