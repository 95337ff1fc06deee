"""SPEC §6.3 API: jobs, rows by status, PATCH a row, resend, templates, export."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from customers.models import Customer
from customers.services import customer_save

from .helpers import CUSTOMER_HEADER, csv_bytes, customer_row

pytestmark = pytest.mark.django_db


def test_upload_follow_correct_and_resend_through_the_api(api_as, admin_user):
    client = api_as(admin_user)
    content = csv_bytes(CUSTOMER_HEADER, [customer_row("34991234567", "Boa"), customer_row("+1 202 555 0100", "Ruim")])
    with TestCase.captureOnCommitCallbacks(execute=True):
        created = client.post(
            "/api/v1/customer-imports/", {"file": SimpleUploadedFile("c.csv", content)}, format="multipart"
        )
    assert created.status_code == 201
    job = client.get(f"/api/v1/customer-imports/{created.json()['id']}/").json()
    assert {k: job[k] for k in ("status", "total", "imported", "duplicates", "errors")} == {
        "status": "done", "total": 2, "imported": 1, "duplicates": 0, "errors": 1,
    }  # fmt: skip
    rows = client.get(f"/api/v1/customer-imports/{job['id']}/rows/?status=error").json()["results"]
    assert len(rows) == 1 and rows[0]["line"] == 3 and "PHONE NUMBER" in rows[0]["errors"]
    assert rows[0]["data"]["DISPLAY NAME"] == "Ruim"
    patched = client.patch(
        f"/api/v1/customer-imports/{job['id']}/rows/{rows[0]['id']}/",
        {"data": {"PHONE NUMBER": "(21) 99876-5432"}},
        format="json",
    )
    assert patched.status_code == 200 and patched.json()["errors"] == {}
    resent = client.post(f"/api/v1/customer-imports/{job['id']}/resend/").json()
    assert (resent["imported"], resent["errors"], resent["total"]) == (2, 0, 2)
    assert Customer.objects.filter(display_name="Ruim", phone="+5521998765432").exists()


def test_a_rejected_upload_answers_400_with_the_reason(api_as, admin_user):
    response = api_as(admin_user).post(
        "/api/v1/customer-imports/", {"file": SimpleUploadedFile("x.pdf", b"%PDF")}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["file"]


def test_agents_and_supervisors_without_the_permission_cannot_import(api_as, agent_a, supervisor_a):
    assert api_as(agent_a).get("/api/v1/customer-imports/").status_code == 403
    assert api_as(supervisor_a).get("/api/v1/customer-imports/").status_code == 403
    assert api_as(supervisor_a).get("/api/v1/user-imports/").status_code == 200  # the profile grants add_user


@pytest.mark.parametrize("kind", ["customer-imports", "user-imports"])
def test_templates_download_in_csv_and_xlsx(api_as, admin_user, kind):
    client = api_as(admin_user)
    csv_response = client.get(f"/api/v1/{kind}/template/?file_format=csv")
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert ("DISPLAY NAME" in header) and csv_response["Content-Type"].startswith("text/csv")
    xlsx = client.get(f"/api/v1/{kind}/template/?file_format=xlsx")
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"


def test_the_export_neutralises_formulas_and_applies_filters(api_as, admin_user):
    customer_save(customer=Customer(), display_name="=1+1", phone="34991234567", email="a@example.com")
    customer_save(customer=Customer(), display_name="@SUM(A1)", phone="34991234568")
    customer_save(customer=Customer(), display_name="-2", phone="34991234569", network="telegram")
    response = api_as(admin_user).get("/api/v1/customers/export/?file_format=csv&network=whatsapp")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    names = {row[3] for row in rows[1:]}
    assert names == {"'=1+1", "'@SUM(A1)"}
    assert rows[0][:4] == ["NETWORK", "COUNTRY CODE", "PHONE NUMBER", "DISPLAY NAME"]


def test_the_pt_br_csv_uses_semicolons_and_a_bom(api_as, admin_user):
    customer_save(customer=Customer(), display_name="Conceição", phone="34991234567")
    response = api_as(admin_user).get("/api/v1/customers/export/?file_format=csv&dialect=excel_br")
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "Conceição" in raw.decode("utf-8-sig") and ";" in raw.decode("utf-8-sig").splitlines()[0]


def test_an_export_re_imports_as_duplicates(api_as, admin_user):
    customer_save(customer=Customer(), display_name="Ana", phone="34991234567", document="52998224725")
    client = api_as(admin_user)
    exported = b"".join(client.get("/api/v1/customers/export/?file_format=xlsx").streaming_content)
    with TestCase.captureOnCommitCallbacks(execute=True):
        created = client.post(
            "/api/v1/customer-imports/", {"file": SimpleUploadedFile("c.xlsx", exported)}, format="multipart"
        )
    job = client.get(f"/api/v1/customer-imports/{created.json()['id']}/").json()
    assert (job["total"], job["duplicates"]) == (1, 1)


@pytest.mark.parametrize("cell", ["=cmd", "+1", "-1", "@x", "\tx", "\rx", "\nx"])
def test_every_dangerous_first_character_is_neutralised(cell):
    from imports.exporting import neutralise

    assert neutralise(cell) == "'" + cell
    assert neutralise("Maria") == "Maria"
