"""SPEC §17 and §12 R9: an anonymisation leaves nothing of the person anywhere — every
table (history included), the media storage, the import files — while the attendances
and every report's figures stay."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import Attendance, Event, Message
from customers.models import Customer
from privacy.contents import BODY_REMOVED_ON_REQUEST, provider_id_hash
from privacy.models import FileRemoval, PrivacyRequest
from privacy.services import customer_anonymize
from reports.models import AgentHour, GroupDay, GroupHour
from reports.recompute import verify_day
from surveys.models import Response

from .scenario import build_person, scan_database, scan_files

pytestmark = pytest.mark.django_db
DAY, TZ = date(2026, 3, 10), "America/Sao_Paulo"


def _figures() -> list:
    return [
        sorted(model.objects.values_list(*[f.attname for f in model._meta.concrete_fields if f.name != "id"]))
        for model in (GroupHour, AgentHour, GroupDay)
    ]


def _records(customer) -> list:
    attendances = Attendance.objects.filter(customer=customer).order_by("pk")
    return [
        list(attendances.values_list("pk", "protocol", "status", "group_id", "agent_id", "opened_at", "queued_at",
                                     "assigned_at", "closed_at", "close_reason", "classification_node_id")),
        list(Event.objects.filter(attendance__in=attendances).order_by("pk").values_list("pk", "type", "at", "data")),
        list(Message.objects.filter(attendance__in=attendances).order_by("pk").values_list("pk", "sender", "kind",
                                                                                           "created_at")),
        list(Response.objects.filter(attendance__in=attendances).order_by("pk").values_list("pk", "score",
                                                                                            "satisfied")),
    ]  # fmt: skip


def _r9(centre, clock, admin_user, supervisor_a, commit):
    customer = build_person(centre, clock, admin_user, supervisor_a)
    # The scans see the person everywhere before (they would see a leftover after).
    before = scan_database()
    assert {"customers_customer", "customers_historicalcustomer", "attendance_message", "imports_importrow",
            "surveys_response", "django_admin_log"} <= set(before)  # fmt: skip
    assert len(scan_files()) >= 3  # the media file, the uploaded CSV and its normalised copy
    figures, records = _figures(), _records(customer)
    assert verify_day(DAY, TZ) == []

    clock.advance(days=1)
    with commit(execute=True):  # the media leave storage after the commit
        request = customer_anonymize(customer=customer, by=admin_user, confirm=True,
                                     reason="Pedido de Joana Quixabeira Conceição, protocolo LGPD-77")  # fmt: skip

    assert scan_database() == {}
    assert scan_files() == {}
    assert _figures() == figures
    assert _records(customer) == records
    assert verify_day(DAY, TZ) == []
    customer.refresh_from_db()
    assert customer.display_name == f"Titular anonimizado {customer.pk}"
    assert (customer.phone, customer.email, customer.document, customer.birth_date) == ("", "", "", None)
    assert not customer.is_active and customer.anonymized_at is not None
    bodies = set(Message.objects.filter(attendance__customer=customer).values_list("body", flat=True))
    assert bodies == {BODY_REMOVED_ON_REQUEST}
    assert Message.objects.filter(provider_message_id=provider_id_hash("wamid.joana-1")).exists()
    assert not FileRemoval.objects.filter(done_at__isnull=True).exists()
    assert request.reason == "Pedido de [removido], protocolo LGPD-77"
    assert request.summary["attendances_kept"] == 3 and request.summary["media_files"] == 1
    assert request.summary["import_rows"] == 1 and request.summary["import_files"] >= 2
    assert PrivacyRequest.objects.get().by == admin_user


def test_r9_an_anonymised_customer_leaves_no_trace_and_the_reports_keep_their_figures(
    centre, clock, admin_user, supervisor_a, django_capture_on_commit_callbacks
):
    _r9(centre, clock, admin_user, supervisor_a, django_capture_on_commit_callbacks)


@pytest.mark.postgres
def test_r9_holds_on_postgresql(centre, clock, admin_user, supervisor_a, django_capture_on_commit_callbacks):
    assert connection.vendor == "postgresql"
    _r9(centre, clock, admin_user, supervisor_a, django_capture_on_commit_callbacks)


def test_a_later_message_from_the_same_address_is_a_new_customer(centre, clock, admin_user, supervisor_a):
    from attendance.inbound import inbound_receive

    customer = build_person(centre, clock, admin_user, supervisor_a)
    customer_anonymize(customer=customer, by=admin_user, confirm=True, reason="Pedido do titular")
    again = inbound_receive(channel=centre["channel"], network="whatsapp", phone="(34) 99123-4567",
                            country_code="55", display_name="Joana", text="oi").attendance  # fmt: skip
    assert again.customer_id != customer.pk
    assert Customer.objects.get(pk=again.customer_id).phone == "+5534991234567"


def test_a_file_left_by_a_crash_after_the_commit_is_removed_by_the_next_run(
    centre, clock, admin_user, supervisor_a, django_capture_on_commit_callbacks
):
    from privacy import files

    customer = build_person(centre, clock, admin_user, supervisor_a)
    with django_capture_on_commit_callbacks(execute=False):  # the process dies after the commit
        customer_anonymize(customer=customer, by=admin_user, confirm=True, reason="Pedido do titular")
    assert FileRemoval.objects.filter(done_at__isnull=True).exists()
    assert scan_files() != {}
    assert files.files_remove_pending() >= 3  # what the next anonymisation or retention run starts with
    assert scan_files() == {}
    assert not FileRemoval.objects.filter(done_at__isnull=True).exists()
    assert set(FileRemoval.objects.values_list("name", flat=True)) == {""}  # done rows forget the names


def test_it_refuses_without_confirmation_or_reason_and_twice(api_as, admin_user):
    from customers.services import customer_save

    customer = customer_save(customer=Customer(), display_name="Rui Lima", phone="(11) 3212-3456")
    url = f"/api/v1/customers/{customer.pk}/anonymize/"
    client = api_as(admin_user)
    response = client.post(url, {"confirm": False, "reason": "pedido"}, format="json")
    assert response.status_code == 400 and "não pode ser desfeita" in response.json()["confirm"][0]
    response = client.post(url, {"confirm": True, "reason": "  "}, format="json")
    assert response.status_code == 400 and "motivo" in response.json()["reason"][0]
    assert Customer.objects.get(pk=customer.pk).display_name == "Rui Lima"
    response = client.post(url, {"confirm": True, "reason": "Pedido 12"}, format="json")
    assert response.status_code == 200 and response.json()["kind"] == "anonymization"
    response = client.post(url, {"confirm": True, "reason": "Pedido 12"}, format="json")
    assert response.status_code == 400 and "já foi anonimizado" in response.json()["detail"]


def test_supervisors_get_404_agents_403_and_anonymous_401(api_as, api, admin_user, supervisor_a, agent_a):
    from customers.services import customer_save

    customer = customer_save(customer=Customer(), display_name="Rui Lima", phone="(11) 3212-3456")
    for path in ("anonymize", "export"):
        url = f"/api/v1/customers/{customer.pk}/{path}/"
        body = {"confirm": True, "reason": "x"}
        assert api_as(supervisor_a).post(url, body, format="json").status_code == 404
        assert api_as(agent_a).post(url, body, format="json").status_code == 403
        assert api.post(url, body, format="json").status_code in (401, 403)
        assert api_as(admin_user).post(f"/api/v1/customers/{customer.pk + 99}/{path}/", body,
                                       format="json").status_code == 404  # fmt: skip
    assert Customer.objects.get(pk=customer.pk).anonymized_at is None
    assert not PrivacyRequest.objects.exists()


def test_the_anonymisation_takes_a_bounded_number_of_queries(centre, clock, admin_user, supervisor_a):
    customer = build_person(centre, clock, admin_user, supervisor_a)
    with CaptureQueriesContext(connection) as queries:
        customer_anonymize(customer=customer, by=admin_user, confirm=True, reason="Pedido do titular")
    assert len(queries) < 80
