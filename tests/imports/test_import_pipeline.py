"""The next chunk is validated while the previous one is written (imports/pipeline.py):
the outcome is the one of the one-thread path, commits stay in order, and an error in
either thread fails the job with only whole chunks committed."""

from __future__ import annotations

import sys
import threading

import pytest
from django.db import connection

from customers.importer import CustomerImport
from customers.models import Customer
from imports.models import ImportJob, ImportRow, JobStatus
from imports.pipeline import ChunkPipeline
from imports.runner import import_run, import_start

from .helpers import CUSTOMER_HEADER, csv_bytes, customer_row, upload


def test_chunks_are_committed_in_order_by_another_thread_and_the_interval_is_restored():
    committed, threads = [], set()
    interval = sys.getswitchinterval()

    def commit(validated, size):
        threads.add(threading.current_thread().name)
        committed.append((validated, size))

    with ChunkPipeline(validate=lambda rows: [r * 10 for r in rows], commit=commit, overlap=True) as pipeline:
        for start in range(0, 50, 5):
            pipeline.submit(list(range(start, start + 5)))
    assert committed == [([r * 10 for r in range(s, s + 5)], 5) for s in range(0, 50, 5)]
    assert threads == {"import-writer"}
    assert sys.getswitchinterval() == interval


def test_without_overlap_everything_runs_in_the_calling_thread():
    threads = []
    with ChunkPipeline(
        validate=lambda rows: rows, commit=lambda v, s: threads.append(threading.current_thread()), overlap=False
    ) as pipeline:
        pipeline.submit([1])
    assert threads == [threading.current_thread()]


def test_a_commit_error_is_raised_to_the_caller_and_later_chunks_are_not_written():
    committed = []

    def commit(validated, size):
        if validated == [3]:
            raise RuntimeError("disk full")
        committed.append(validated)

    pipeline = ChunkPipeline(validate=lambda rows: rows, commit=commit, overlap=True)
    with pytest.raises(RuntimeError, match="disk full"), pipeline:
        for number in range(1, 10):
            pipeline.submit([number])
    assert committed == [[1], [2]]


def test_a_validation_error_stops_the_writer_after_its_current_chunk():
    committed = []

    def validate(rows):
        if rows == [5]:
            raise ValueError("bug")
        return rows

    pipeline = ChunkPipeline(validate=validate, commit=lambda v, s: committed.append(v), overlap=True)
    with pytest.raises(ValueError, match="bug"), pipeline:
        for number in range(1, 10):
            pipeline.submit([number])
    # Whatever was handed over before the error may be committed, in order; nothing after.
    assert committed == [[n] for n in range(1, len(committed) + 1)] and len(committed) <= 4


def _snapshot(job):
    customers = sorted(Customer.objects.values_list("network", "phone", "display_name", "document", "email"))
    errors = sorted(ImportRow.objects.filter(job=job).values_list("line", "errors"))
    job.refresh_from_db()
    return customers, errors, (job.status, job.total, job.processed, job.imported, job.duplicates, job.errors)


def _rows():
    rows = [customer_row(f"3499{index:07d}", f"Cliente {index}") for index in range(94)]
    rows[10] = customer_row("(34) 99000-0001", "Repetida")  # the phone of row 1, in a later chunk
    rows[40] = customer_row("1234", "Telefone curto")
    rows[70] = customer_row("(34) 99999-9999", "Documento", document="123")
    return rows


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_overlapped_import_ends_exactly_as_the_one_thread_import(admin_user, settings, monkeypatch):
    settings.IMPORT_CHUNK_ROWS = 10
    started = []
    original = ChunkPipeline.__init__

    def spy(self, **kwargs):
        started.append(kwargs["overlap"])
        original(self, **kwargs)

    monkeypatch.setattr(ChunkPipeline, "__init__", spy)
    content = csv_bytes(CUSTOMER_HEADER, _rows())
    job = import_start(kind="customers", upload=upload("c.csv", content), user=admin_user)
    import_run(job_id=job.pk)
    overlapped = _snapshot(job)
    assert started == [True] and overlapped[2] == (JobStatus.DONE, 94, 94, 91, 1, 2)

    Customer.history.model.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM customers_customer")
    monkeypatch.setattr(CustomerImport, "overlap_writes", False)
    job = import_start(kind="customers", upload=upload("c.csv", content), user=admin_user)
    import_run(job_id=job.pk)
    assert _snapshot(job) == overlapped and started == [True, False]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_write_fails_the_job_with_only_whole_chunks_committed(admin_user, settings, monkeypatch):
    settings.IMPORT_CHUNK_ROWS = 10
    original, calls = CustomerImport.write_chunk, {"n": 0}

    def fails_on_the_fourth_chunk(self, validated):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("the server went away")
        return original(self, validated)

    monkeypatch.setattr(CustomerImport, "write_chunk", fails_on_the_fourth_chunk)
    rows = [customer_row(f"3499{index:07d}", f"Cliente {index}") for index in range(95)]
    job = import_start(kind="customers", upload=upload("c.csv", csv_bytes(CUSTOMER_HEADER, rows)), user=admin_user)
    import_run(job_id=job.pk)
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == JobStatus.FAILED and "the server went away" in job.message
    assert job.processed == job.imported == Customer.objects.count() == 30


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_chunk_is_recorded_as_the_orm_would_record_it(admin_user):
    from imports.runner import _record
    from imports.spec import RowOutcome

    job = ImportJob.objects.create(kind="customers", file_name="c.csv", created_by=admin_user, total=5, imported=1)
    data = {"DISPLAY NAME": 'João \\ "Ávila"\t', "PHONE NUMBER": "1234"}
    outcomes = [
        RowOutcome(2, {"PHONE NUMBER": "x"}, "imported", object_id=7),
        RowOutcome(3, data, "error", {"PHONE NUMBER": "Número inválido 👍"}),
        RowOutcome(4, {}, "duplicate"),
        RowOutcome(5, {"EMAIL": "a@"}, "error", {"EMAIL": "E-mail inválido."}),
    ]
    _record(job, outcomes, 4)
    rows = list(ImportRow.objects.filter(job=job).values("line", "data", "errors", "status", "corrected", "object_id"))
    assert rows == [
        {"line": 3, "data": data, "errors": {"PHONE NUMBER": "Número inválido 👍"}, "status": "error",
         "corrected": False, "object_id": None},
        {"line": 5, "data": {"EMAIL": "a@"}, "errors": {"EMAIL": "E-mail inválido."}, "status": "error",
         "corrected": False, "object_id": None},
    ]  # fmt: skip
    assert all(ImportRow.objects.filter(job=job).values_list("updated_at", flat=True))
    job.refresh_from_db()
    assert (job.processed, job.imported, job.duplicates, job.errors) == (4, 2, 1, 2) and job.heartbeat_at
    _record(job, [RowOutcome(6, {}, "imported")], 1)  # a chunk without errors
    job.refresh_from_db()
    assert (job.processed, job.imported, ImportRow.objects.filter(job=job).count()) == (5, 3, 2)
