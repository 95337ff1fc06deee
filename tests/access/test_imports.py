"""Import jobs (``customer-imports``, ``user-imports``) per role: a job belongs to its
uploader; exports and job lists never show another user's rows (SPEC §6.3)."""

from __future__ import annotations

import pytest

from .checks import (
    admin_extra_failures,
    api_client,
    assert_export_does_not_leak,
    import_api_failures,
    web_client,
)
from .world import ROLES, SUPERVISOR_SIDE, grant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_import_api_matrix(role, world):
    failures = import_api_failures(role, world)
    assert not failures, f"{len(failures)} import API failure(s):\n" + "\n".join(failures)


def test_supervisors_never_see_other_users_import_jobs_or_customers(world):
    """bia's user-imports list holds her own job only; caio and davi (no job) see an empty
    list; the customer export gives supervisors 403 or no rows, in the API and the admin."""
    for role in SUPERVISOR_SIDE:
        api = api_client(world.cast[role])
        response = api.get("/api/v1/user-imports/?page_size=500")
        assert response.status_code == 200, (role, response.status_code)
        ids = {row["id"] for row in response.json()["results"]}
        own = {job.pk for job in world.jobs["users"].values() if job.created_by_id == world.cast[role].pk}
        assert ids == own, f"{role}'s user-imports list: {sorted(ids)}, expected {sorted(own)}"
        # Filters and search do not widen it.
        for query in ("?status=done", f"?search={world.jobs['users']['B'].file_name}"):
            response = api.get(f"/api/v1/user-imports/{query}")
            assert response.status_code == 200, (role, query, response.status_code)
            assert not {row["id"] for row in response.json()["results"]} - own, (role, query)
        for path in (api, web_client(world.cast[role])):
            url = (
                "/api/v1/customers/export/?file_format=csv"
                if path is api
                else "/admin/customers/customer/export/?file_format=csv"
            )
            response = path.get(url)
            assert_export_does_not_leak(world, role, url, response)


def test_supervisor_granted_customer_import(world, supervisor_profile):
    """A profile granting customers.add_customer (and view): bia's own customer job opens,
    ana's stays 404, the customer export stays empty (customers are admin-only data)."""
    grant(world, supervisor_profile, "customers.add_customer", "customers.view_customer")
    failures = []
    for role in SUPERVISOR_SIDE:
        failures += import_api_failures(role, world)
        failures += admin_extra_failures(role, world)
    assert not failures, f"{len(failures)} failure(s) with the customer import grant:\n" + "\n".join(failures)
    for role in SUPERVISOR_SIDE:
        for client, url in (
            (api_client(world.cast[role]), "/api/v1/customers/export/?file_format=csv"),
            (web_client(world.cast[role]), "/admin/customers/customer/export/?file_format=csv"),
        ):
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            assert_export_does_not_leak(world, role, url, response)
