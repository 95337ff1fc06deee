"""SPEC §17 / R10: the privacy routes × every role. Admins only; an agent is refused (403
on the API, sent to the workspace on the screens); a supervisor of any operation gets the
answer of a customer that does not exist; nothing happens to the customer for anyone but
an admin."""

from __future__ import annotations

import pytest

from customers.models import Customer
from customers.services import customer_save
from privacy.models import PrivacyRequest

pytestmark = pytest.mark.django_db

# role -> (API status, screen status) for the customer's routes.
EXPECTED = {
    "admin": (200, 200),
    "supervisor_a": (404, 404),
    "supervisor_b": (404, 404),
    "supervisor_agent_a": (404, 404),
    "agent_a": (403, 302),
    "agent_b": (403, 302),
}


def test_privacy_routes_matrix(cast, api_as, web_as, api, client):
    customer = customer_save(customer=Customer(), display_name="Rita Lopes", phone="(11) 3212-3456")
    for role, (api_status, screen_status) in EXPECTED.items():
        user = cast[role]
        export = api_as(user).post(f"/api/v1/customers/{customer.pk}/export/")
        assert export.status_code == api_status, (role, "export")
        screen = web_as(user).get(f"/privacy/customers/{customer.pk}/")
        assert screen.status_code == screen_status, (role, "customer screen")
        index = web_as(user).get("/privacy/")
        assert index.status_code == {"admin": 200, "agent_a": 302, "agent_b": 302}.get(role, 403), (role, "index")
        if role != "admin":
            refused = api_as(user).post(f"/api/v1/customers/{customer.pk}/anonymize/",
                                        {"confirm": True, "reason": "x"}, format="json")  # fmt: skip
            assert refused.status_code == api_status, (role, "anonymize")
            assert web_as(user).post(f"/privacy/customers/{customer.pk}/",
                                     {"action": "anonymize", "reason": "x", "confirm": "1"}).status_code == screen_status  # fmt: skip
    assert Customer.objects.get(pk=customer.pk).anonymized_at is None
    assert api.post(f"/api/v1/customers/{customer.pk}/anonymize/", {}, format="json").status_code in (401, 403)
    assert client.get(f"/privacy/customers/{customer.pk}/").status_code == 302  # to the login page
    done = api_as(cast["admin"]).post(f"/api/v1/customers/{customer.pk}/anonymize/",
                                      {"confirm": True, "reason": "Pedido 1"}, format="json")  # fmt: skip
    assert done.status_code == 200
    assert set(PrivacyRequest.objects.values_list("kind", flat=True)) == {"export", "anonymization"}
