"""SPEC §12 R3: malformed import files. Each gets a clear Portuguese message, no 500,
and nothing is half-imported. The corpus is generated here."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings

from customers.models import Customer
from imports.models import ImportJob, ImportRow, JobStatus

from .helpers import CUSTOMER_HEADER, csv_bytes, customer_row, xlsx_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/customer-imports/"


def _post(client, name: str, content: bytes):
    return (
        client.post(URL, {"file": io.BytesIO(content)} | {}, format="multipart")
        if False
        else client.post(URL, {"file": _named(name, content)}, format="multipart")
    )


def _named(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.fixture
def client(api_as, admin_user):
    return api_as(admin_user)


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    return buffer.getvalue()


REJECTED_AT_UPLOAD = {
    "empty.csv": (b"", "vazio"),
    "binary.csv": (bytes(range(256)) * 64, "não é um arquivo de texto"),
    "zip-renamed.csv": (xlsx_bytes(CUSTOMER_HEADER, []), "não é um arquivo de texto"),
    "fake.xlsx": (b"NETWORK,PHONE NUMBER\nwhatsapp,1\n", "não é uma planilha do Excel"),
    "report.pdf": (b"%PDF-1.4 fake", ".csv ou .xlsx"),
    "missing.csv": (csv_bytes(["NETWORK", "EMAIL", "GROUP"], [["whatsapp", "a@b.c", ""]]), "PHONE NUMBER"),
    "only-newlines.csv": (b"\r\n\r\n", "vazio"),
}


@pytest.mark.parametrize("name", sorted(REJECTED_AT_UPLOAD))
def test_a_bad_file_is_rejected_whole_with_a_clear_message(client, name):
    content, fragment = REJECTED_AT_UPLOAD[name]
    response = _post(client, name, content)
    assert response.status_code == 400
    message = response.json()["file"][0]
    assert fragment in message, message
    assert not ImportJob.objects.exists() and not Customer.objects.exists()


def test_an_xlsx_zip_bomb_is_refused_before_inflating(client):
    response = _post(client, "bomb.xlsx", _zip_bomb())
    assert response.status_code == 400
    assert "tamanho" in response.json()["file"][0]


@override_settings(IMPORT_MAX_BYTES=1024)
def test_the_size_limit_is_enforced_before_parsing(client):
    rows = [customer_row(f"3499{index:07d}") for index in range(100)]
    response = _post(client, "big.csv", csv_bytes(CUSTOMER_HEADER, rows))
    assert response.status_code == 400
    assert "limite" in response.json()["file"][0]


@override_settings(IMPORT_MAX_ROWS=10)
def test_too_many_rows_fail_the_job_before_anything_is_imported(client):
    rows = [customer_row(f"3499{index:07d}") for index in range(11)]
    with _capture_commits():
        response = _post(client, "many.csv", csv_bytes(CUSTOMER_HEADER, rows))
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.FAILED
    assert "10" in job.message
    assert not Customer.objects.exists()


def test_a_header_without_rows_fails_the_job_with_a_message(client):
    with _capture_commits():
        response = _post(client, "header.csv", csv_bytes(CUSTOMER_HEADER, []))
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.imported) == (JobStatus.FAILED, 0)
    assert "nenhuma linha" in job.message.lower() or "cabeçalho" in job.message.lower()


def _run(client, name, content):
    with _capture_commits():
        response = _post(client, name, content)
    assert response.status_code == 201, response.json()
    return ImportJob.objects.get(pk=response.json()["id"])


def test_a_huge_cell_is_a_row_error_and_the_other_rows_import(client):
    rows = [customer_row("34991234567", "A" * (1024 * 1024)), customer_row("34991234568", "Normal")]
    job = _run(client, "huge.csv", csv_bytes(CUSTOMER_HEADER, rows))
    assert (job.status, job.imported, job.errors) == (JobStatus.DONE, 1, 1)
    assert "DISPLAY NAME" in ImportRow.objects.get(job=job).errors


def test_formulas_are_refused_per_cell(client):
    rows = [customer_row("34991234567", '=HYPERLINK("http://mal.example","clique")'), customer_row("34991234568")]
    job = _run(client, "formula.csv", csv_bytes(CUSTOMER_HEADER, rows))
    assert (job.imported, job.errors) == (1, 1)
    assert not Customer.objects.filter(display_name__startswith="=").exists()


def test_extra_columns_are_ignored_and_missing_optional_ones_are_fine(client):
    header = ["PHONE NUMBER", "COLUNA EXTRA", "DISPLAY NAME", "OUTRA"]
    job = _run(client, "extra.csv", csv_bytes(header, [["34991234567", "x", "Ana", "y"]]))
    assert job.imported == 1


def test_mixed_delimiters_are_judged_by_the_header(client):
    content = b"PHONE NUMBER;DISPLAY NAME\n34991234567;Ana\n34991234568,Bruno\n"
    job = _run(client, "mixed.csv", content)
    assert job.imported + job.duplicates + job.errors == job.total == 2
    assert job.imported == 1 and job.errors == 1


def test_dates_and_numbers_typed_as_text_in_xlsx(client):
    import datetime

    header = [*CUSTOMER_HEADER]
    rows = [["whatsapp", "55", "34991234567", datetime.date(2020, 1, 2), "", "", "", ""]]
    job = _run(client, "typed.xlsx", xlsx_bytes(header, rows))
    assert job.imported == 1
    assert Customer.objects.get().display_name == "2020-01-02"


def test_a_damaged_xlsx_is_rejected(client):
    content = xlsx_bytes(CUSTOMER_HEADER, [customer_row("34991234567")])
    response = _post(client, "broken.xlsx", content[: len(content) // 2])
    assert response.status_code == 400
    assert "danificado" in response.json()["file"][0]


def _capture_commits():
    """Run the on_commit import task (eager Celery) inside the test transaction."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_an_xlsx_broken_after_its_header_fails_the_job_with_nothing_imported(client):
    # The header is read at upload (the first row only); the rest when the job reads the
    # whole file, before anything is written.
    content = xlsx_bytes(CUSTOMER_HEADER, [customer_row(f"3499123{index:04d}") for index in range(50)])
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</row>", b"</row><row><c><v>", 1)[:-200]  # cut short, tags unclosed
            target.writestr(info, data)
    job = _run(client, "broken-rows.xlsx", buffer.getvalue())
    assert (job.status, job.imported, job.processed) == (JobStatus.FAILED, 0, 0)
    assert "Não foi possível ler o arquivo" in job.message
    assert not Customer.objects.exists()


def test_a_nul_byte_deep_in_a_csv_fails_the_job_before_anything_is_imported(client):
    rows = [customer_row(f"3499123{index:04d}", f"Cliente {index}") for index in range(3000)]
    rows[2500][3] = "Nome\x00com NUL"  # past the bytes sniffed at upload
    job = _run(client, "nul.csv", csv_bytes(CUSTOMER_HEADER, rows))
    assert (job.status, job.imported, job.processed) == (JobStatus.FAILED, 0, 0)
    assert not Customer.objects.exists()
