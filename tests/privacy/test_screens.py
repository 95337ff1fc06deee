"""SPEC §17 screens: "Privacidade (LGPD)" (requests, retention settings, last run) and a
customer's "Exportar dados do titular" and anonymisation confirmation, for admins only."""

from __future__ import annotations

import io
import zipfile

import pytest

from customers.models import Customer
from customers.services import customer_save
from organisation.models import Company
from privacy.models import PrivacyRequest, RetentionRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    return customer_save(customer=Customer(), display_name="Rita Lopes", phone="(11) 3212-3456",
                         email="rita@exemplo.com.br")  # fmt: skip


def test_the_customer_page_offers_export_and_anonymisation_to_admins(web_as, admin_user, customer):
    page = web_as(admin_user).get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()
    assert "Exportar dados do titular" in page and "Anonimizar" in page
    assert f"/privacy/customers/{customer.pk}/" in page


def test_the_confirmation_names_what_goes_and_refuses_without_confirming(web_as, admin_user, customer):
    client = web_as(admin_user)
    page = client.get(f"/privacy/customers/{customer.pk}/").content.decode()
    assert "Registros do histórico" in page and "Mensagens" in page
    assert "não pode ser desfeita" in page
    page = client.post(f"/privacy/customers/{customer.pk}/", {"action": "anonymize", "reason": "Pedido 9"})
    assert page.status_code == 200 and "Este campo é obrigatório" in page.content.decode()
    assert Customer.objects.get(pk=customer.pk).anonymized_at is None


def test_an_admin_anonymises_from_the_confirmation_screen(web_as, admin_user, customer):
    response = web_as(admin_user).post(
        f"/privacy/customers/{customer.pk}/",
        {"action": "anonymize", "reason": "Pedido 9", "confirm": "on"},
        follow=True,
    )
    page = response.content.decode()
    assert "O cliente foi anonimizado." in page
    assert f"Titular anonimizado {customer.pk}" in page
    assert "Rita" not in page
    # The anonymised record is shown, no longer editable, and offers no request any more.
    assert 'name="display_name"' not in page and "Exportar dados do titular" not in page


def test_an_admin_downloads_the_export_from_the_screen(web_as, admin_user, customer):
    response = web_as(admin_user).post(f"/privacy/customers/{customer.pk}/", {"action": "export"})
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "Rita Lopes" in archive.read("dados.html").decode()
    assert PrivacyRequest.objects.get().kind == "export"


def test_the_privacy_screen_lists_requests_saves_retention_and_runs_a_dry_run(web_as, admin_user, customer):
    client = web_as(admin_user)
    client.post(f"/privacy/customers/{customer.pk}/", {"action": "anonymize", "reason": "Protocolo 42", "confirm": "1"})
    page = client.get("/privacy/").content.decode()
    assert "Privacidade (LGPD)" in page and "Protocolo 42" in page and "Anonimização" in page
    company = Company.objects.get()
    response = client.post("/privacy/", {"company": company.pk, f"c{company.pk}-message_retention_months": "0",
                                         f"c{company.pk}-import_retention_days": "30"})  # fmt: skip
    assert response.status_code == 200 and "maior ou igual a 1" in response.content.decode()
    client.post("/privacy/", {"company": company.pk, f"c{company.pk}-message_retention_months": "24",
                              f"c{company.pk}-import_retention_days": "15"})  # fmt: skip
    company.refresh_from_db()
    assert (company.message_retention_months, company.import_retention_days) == (24, 15)
    page = client.post("/privacy/", {"action": "dry_run"}, follow=True).content.decode()
    assert "Simulação: a retenção atingiria" in page
    assert RetentionRun.objects.get().dry_run


def test_the_menu_shows_privacy_to_admins_only(web_as, admin_user, supervisor_a):
    assert "Privacidade (LGPD)" in web_as(admin_user).get("/admin/").content.decode()
    assert "Privacidade (LGPD)" not in web_as(supervisor_a).get("/admin/").content.decode()


def test_supervisors_are_refused_and_agents_sent_to_their_workspace(web_as, supervisor_a, agent_a, customer, client):
    assert web_as(supervisor_a).get(f"/privacy/customers/{customer.pk}/").status_code == 404
    assert web_as(supervisor_a).get("/privacy/").status_code == 403
    response = web_as(agent_a).get("/privacy/")
    assert response.status_code == 302 and "/workspace/" in response["Location"]
    client.logout()
    assert client.get("/privacy/").status_code == 302
