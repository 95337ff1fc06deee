"""SPEC §17 export: the data subject's ZIP (dados.json, dados.html, media), streamed and
logged; the anonymised have nothing left to export."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from privacy.models import PrivacyRequest
from privacy.services import customer_anonymize

from .scenario import CPF, EMAIL, NAME, PLAN, build_person

pytestmark = pytest.mark.django_db


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response.streaming
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_export_holds_the_customer_consents_attendances_answers_and_media(
    centre, clock, admin_user, supervisor_a, api_as
):
    customer = build_person(centre, clock, admin_user, supervisor_a)
    archive = _zip(api_as(admin_user).post(f"/api/v1/customers/{customer.pk}/export/"))
    names = archive.namelist()
    assert names[:2] == ["dados.json", "dados.html"]
    data = json.loads(archive.read("dados.json"))
    person = data["customer"]
    assert (person["display_name"], person["phone"], person["email"], person["document"]) == (
        NAME, "+5534991234567", EMAIL, CPF.replace(".", "").replace("-", "")
    )  # fmt: skip
    assert person["attributes"] == [{"attribute": "Plano", "value": PLAN}]
    assert [c["version"] for c in person["consents"]] == ["v1"]
    assert len(data["attendances"]) == 3
    texts = [m["text"] for a in data["attendances"] for m in a["messages"]]
    assert f"Olá, {NAME}! Recebi seu RG." in texts
    answers = [a for att in data["attendances"] for a in att["survey_answers"]]
    assert {a["score"] for a in answers} >= {10} and any(NAME in a["text"] for a in answers)
    media = [m["file"] for a in data["attendances"] for m in a["messages"] if m.get("file")]
    assert len(media) == 1 and media[0] in names
    assert NAME.encode() in archive.read(media[0])
    page = archive.read("dados.html").decode()
    assert "Seus dados pessoais" in page and "Consentimentos" in page and NAME in page
    logged = PrivacyRequest.objects.get(kind="export")
    assert logged.by == admin_user
    assert logged.summary == {"attendances": 3, "messages": len(texts), "media_files": 1}


def test_an_anonymised_customer_has_nothing_to_export(centre, clock, admin_user, supervisor_a, api_as):
    customer = build_person(centre, clock, admin_user, supervisor_a)
    customer_anonymize(customer=customer, by=admin_user, confirm=True, reason="Pedido do titular")
    response = api_as(admin_user).post(f"/api/v1/customers/{customer.pk}/export/")
    assert response.status_code == 400
    assert "não há mais dados pessoais" in response.json()["detail"]


def test_the_export_leaves_out_internal_notes(centre, clock, admin_user, supervisor_a, api_as):
    """A note between agents and supervisors is not the customer's data (SPEC §17)."""
    from attendance.agent_actions import note_add
    from attendance.models import Attendance

    customer = build_person(centre, clock, admin_user, supervisor_a)
    attendance = Attendance.objects.filter(customer=customer).order_by("pk").first()
    note_add(attendance=attendance, author=admin_user, text="Cliente difícil: falar com a supervisão")
    archive = _zip(api_as(admin_user).post(f"/api/v1/customers/{customer.pk}/export/"))
    texts = [m["text"] for a in json.loads(archive.read("dados.json"))["attendances"] for m in a["messages"]]
    assert texts and not [text for text in texts if "supervisão" in text]
    assert "supervisão" not in archive.read("dados.html").decode()
