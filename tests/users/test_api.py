"""SPEC §10: token auth, filters, pagination, per-field JSON errors, OpenAPI."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, OperationFactory
from users.models import User

pytestmark = pytest.mark.django_db


def test_a_token_authenticates_api_calls(api, admin_user):
    response = api.post("/api/v1/auth/token/", {"username": "ana", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/v1/users/").status_code == 200


def test_anonymous_calls_get_401(api):
    assert api.get("/api/v1/users/").status_code == 401


def test_lists_are_paginated_and_filterable(api_as, admin_user, company):
    for index in range(3):
        OperationFactory(name=f"Fila {index}", company=company, is_active=index != 1)
    client = api_as(admin_user)
    page = client.get("/api/v1/operations/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    inactive = client.get("/api/v1/operations/?is_active=false").json()
    assert [row["name"] for row in inactive["results"]] == ["Fila 1"]
    searched = client.get("/api/v1/operations/?search=fila 2").json()
    assert [row["name"] for row in searched["results"]] == ["Fila 2"]


def test_errors_come_back_per_field_in_portuguese(api_as, admin_user):
    response = api_as(admin_user).post(
        "/api/v1/users/",
        {"username": "ana", "role": "chefe", "work_hours": [{"weekday": 0, "start": "10:00", "end": "09:00"}]},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"username", "role", "display_name", "work_hours"}
    assert body["work_hours"] == ["Segunda-feira: o fim (09:00) deve ser depois do início (10:00)."]


def test_an_admin_creates_a_supervisor_through_the_api(api_as, admin_user, operation_a, supervisor_profile):
    response = api_as(admin_user).post(
        "/api/v1/users/",
        {
            "username": "helena",
            "display_name": "Helena",
            "role": "supervisor",
            "password": "Helena@2026",
            "operations": [operation_a.pk],
            "profile": supervisor_profile.pk,
            "work_hours": [{"weekday": 0, "start": "8:00", "end": "17:00"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["work_hours"] == [{"weekday": 0, "start": "08:00", "end": "17:00"}]
    assert body["operations"] == [operation_a.pk]
    assert User.objects.get(username="helena").check_password("Helena@2026")


def test_a_supervisor_sees_only_users_of_their_operations(api_as, cast):
    usernames = {row["username"] for row in api_as(cast["supervisor_a"]).get("/api/v1/users/").json()["results"]}
    assert usernames == {"bia", "davi", "eva"}


def test_a_supervisor_cannot_promote_an_agent(api_as, cast):
    response = api_as(cast["supervisor_a"]).patch(
        f"/api/v1/users/{cast['agent_a'].pk}/", {"role": "admin"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["role"] == ["Supervisores só podem cadastrar e editar agentes."]


def test_profiles_are_named_permission_sets(api_as, admin_user):
    response = api_as(admin_user).post(
        "/api/v1/profiles/", {"name": "Painel", "permissions": ["view_dashboard"]}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["permissions"] == ["view_dashboard"]


def test_a_profile_decides_what_a_supervisor_may_do(api_as, supervisor_a, supervisor_profile):
    client = api_as(supervisor_a)
    assert client.get("/api/v1/operations/").status_code == 200
    assert client.post("/api/v1/operations/", {"name": "X"}, format="json").status_code == 403
    supervisor_profile.permissions.clear()
    supervisor_a = User.objects.get(pk=supervisor_a.pk)
    assert api_as(supervisor_a).get("/api/v1/operations/").status_code == 403


def test_the_openapi_schema_and_docs_are_served(api_as, admin_user):
    client = api_as(admin_user)
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/users/{id}/history/" in paths
    assert "delete" not in paths["/api/v1/users/{id}/"]
    assert client.get("/api/v1/docs/").status_code == 200


# Issue 32 item 7: tokens stored as digests, shown once, revocable -----------------------


def test_a_token_is_stored_as_a_digest_and_shown_only_when_created(api, admin_user, web_as):
    from knox.models import AuthToken

    token = api.post("/api/v1/auth/token/", {"username": "ana", "password": PASSWORD}, format="json").json()["token"]
    stored = AuthToken.objects.get(user=admin_user)
    assert token not in (stored.digest, stored.token_key) and len(stored.token_key) < len(token)
    page = web_as(admin_user).get("/admin/knox/authtoken/")
    assert page.status_code == 200 and "ana" in page.content.decode()
    assert token not in page.content.decode()  # (its digest addresses the row: it cannot give the token back)
    # A second request makes a second token; the first keeps working.
    second = api.post("/api/v1/auth/token/", {"username": "ana", "password": PASSWORD}, format="json").json()["token"]
    assert second != token
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/users/").status_code == 200


def test_a_user_revokes_their_token_and_then_all_of_them(api, admin_user):
    def new_token():
        api.credentials()
        return api.post("/api/v1/auth/token/", {"username": "ana", "password": PASSWORD}, format="json").json()["token"]

    first, second = new_token(), new_token()
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.post("/api/v1/auth/token/revoke/", {}, format="json").status_code == 204
    assert api.get("/api/v1/users/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get("/api/v1/users/").status_code == 200
    third = new_token()
    api.credentials(HTTP_AUTHORIZATION=f"Token {third}")
    assert api.post("/api/v1/auth/token/revoke/", {"all": True}, format="json").status_code == 204
    for token in (second, third):
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get("/api/v1/users/").status_code == 401


def test_an_admin_revokes_anyones_token_in_the_back_office(api, admin_user, agent_a, web_as, supervisor_a):
    from knox.models import AuthToken

    _instance, token = AuthToken.objects.create(user=agent_a)
    web = web_as(admin_user)
    response = web.post("/admin/knox/authtoken/", {"action": "revoke_selected", "_selected_action": [_instance.pk]})
    assert response.status_code == 302
    assert not AuthToken.objects.filter(user=agent_a).exists()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/agents/me/presence/").status_code == 401
    assert web_as(supervisor_a).get("/admin/knox/authtoken/").status_code in (302, 403)


def test_the_migration_keeps_a_clear_drf_token_working_as_a_digest(api, admin_user):
    """users/0004 moves every DRF token to knox with the same value, then drops the clear one."""
    import importlib

    from django.apps import apps
    from knox.models import AuthToken
    from rest_framework.authtoken.models import Token

    old = Token.objects.create(user=admin_user)
    importlib.import_module("users.migrations.0005_api_tokens_hashed").move_tokens(apps, None)
    assert not Token.objects.exists()
    assert old.key not in {t.digest for t in AuthToken.objects.all()}
    api.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    assert api.get("/api/v1/users/").status_code == 200
