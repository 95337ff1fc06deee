"""Shared fixtures: one named user per role and per operation.

Services: tests marked ``postgres`` / ``redis`` need the real servers. They are skipped
when ``DATABASE_URL`` / ``REDIS_URL`` do not point at them, unless
``ATENDE_REQUIRE_SERVICES=1`` (set by ``.ci/run``), which makes such a skip a failure.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import PASSWORD, CompanyFactory, OperationFactory, ProfileFactory, UserFactory
from users.models import Role

pytest_plugins = ["tests.browser"]

SUPERVISOR_PERMS = [
    "organisation.view_company",
    "organisation.view_operation",
    "attendance.view_dashboard",
    "attendance.view_service_level_report",
    "users.view_user",
    "users.add_user",
    "users.change_user",
    "users.view_profile",
]


def _service_missing(marker: str) -> str | None:
    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL (set DATABASE_URL)"
    if marker == "redis" and not os.environ.get("REDIS_URL"):
        return "needs Redis (set REDIS_URL)"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _service_missing(marker)
        if reason is None:
            continue
        if os.environ.get("ATENDE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}: required in CI (ATENDE_REQUIRE_SERVICES=1)")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """Uploaded files of each test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def engine_cache():
    """Each test starts with an empty engine configuration cache: the database is rolled
    back between tests (and SQLite reuses ids), the process is not."""
    from attendance.engine_cache import engine_cache_clear

    engine_cache_clear()
    yield
    engine_cache_clear()


@pytest.fixture
def company(db):
    return CompanyFactory(name="Atende Teste")


@pytest.fixture
def operation_a(company):
    return OperationFactory(name="Operação A", company=company)


@pytest.fixture
def operation_b(company):
    return OperationFactory(name="Operação B", company=company)


@pytest.fixture
def supervisor_profile(db):
    return ProfileFactory(name="Supervisão", perms=SUPERVISOR_PERMS)


@pytest.fixture
def admin_user(company):
    # ana administers everything.
    return UserFactory(username="ana", role=Role.ADMIN, company=company)


@pytest.fixture
def supervisor_a(operation_a, supervisor_profile):
    # bia supervises operation A only: she must never see B's data.
    return UserFactory(username="bia", role=Role.SUPERVISOR, operations=[operation_a], profile=supervisor_profile)


@pytest.fixture
def supervisor_b(operation_b, supervisor_profile):
    # caio supervises operation B only: he must never see A's data.
    return UserFactory(username="caio", role=Role.SUPERVISOR, operations=[operation_b], profile=supervisor_profile)


@pytest.fixture
def supervisor_agent_a(operation_a, supervisor_profile):
    # davi supervises operation A and also answers customers there.
    return UserFactory(
        username="davi", role=Role.SUPERVISOR_AGENT, operations=[operation_a], profile=supervisor_profile
    )


@pytest.fixture
def agent_a(operation_a):
    # eva is an agent of operation A: the workspace only, never configuration.
    return UserFactory(username="eva", role=Role.AGENT, operations=[operation_a])


@pytest.fixture
def agent_b(operation_b):
    # fabio is an agent of operation B.
    return UserFactory(username="fabio", role=Role.AGENT, operations=[operation_b])


@pytest.fixture
def cast(admin_user, supervisor_a, supervisor_b, supervisor_agent_a, agent_a, agent_b):
    """Everyone at once, by name."""
    return {
        "admin": admin_user,
        "supervisor_a": supervisor_a,
        "supervisor_b": supervisor_b,
        "supervisor_agent_a": supervisor_agent_a,
        "agent_a": agent_a,
        "agent_b": agent_b,
    }


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    """``api_as(user)``: an API client authenticated as ``user`` (session-less, forced)."""

    def login(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return login


@pytest.fixture
def web_as(client):
    """``web_as(user)``: a Django test client logged in through the login page."""

    def login(user, password=PASSWORD):
        from django.test import Client

        browser = Client()
        response = browser.post("/accounts/login/", {"username": user.username, "password": password})
        assert response.status_code == 302, response.content.decode()[:500]
        return browser

    return login
