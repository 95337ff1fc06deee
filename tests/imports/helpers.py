"""Building import files in memory and running jobs synchronously."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from imports.runner import import_run, import_start

CUSTOMER_HEADER = ["NETWORK", "COUNTRY CODE", "PHONE NUMBER", "DISPLAY NAME", "CPF/CNPJ", "EMAIL", "GROUP", "AGENT"]


def csv_bytes(header, rows, delimiter=",", encoding="utf-8", bom=False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(header, rows, sheets=1) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for index in range(1, sheets):
        workbook.create_sheet(f"Extra {index}").append(["IGNORED"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def run_import(user, name: str, content: bytes, kind: str = "customers"):
    job = import_start(kind=kind, upload=upload(name, content), user=user)
    import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def customer_row(phone, name="Cliente", network="whatsapp", document="", email="", group="", agent=""):
    return [network, "55", phone, name, document, email, group, agent]
