"""Issue 15 item 3: the OpenAPI schema tells the truth (SPEC §10)."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_history_is_a_plain_array_without_list_parameters(schema):
    operation = schema["paths"]["/api/v1/users/{id}/history/"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"] == []


def test_history_ignores_the_list_filters(api_as, admin_user, agent_a):
    response = api_as(admin_user).get(f"/api/v1/users/{agent_a.pk}/history/?operations=0&page=x")
    assert response.status_code == 200 and isinstance(response.json(), list)


def test_spreadsheet_downloads_document_their_media_types(schema):
    for path in ("/api/v1/customers/export/", "/api/v1/customer-imports/template/"):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert set(content) == {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def test_every_operation_documents_its_error_bodies(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
    assert schema["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]


def test_close_reason_admits_the_blank_of_an_open_attendance(schema):
    field = schema["components"]["schemas"]["Attendance"]["properties"]["close_reason"]
    choices = [item.get("$ref", "") for item in field.get("oneOf", [])] + field.get("enum", [])
    assert any("BlankEnum" in ref for ref in choices) or "" in choices, field


# Issue 32 item 6 ---------------------------------------------------------------------


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("path", ["/api/v1/customers/abc/", "/api/v1/groups/%C2%B2/", "/api/v1/nothing-here/"])
def test_an_api_path_that_matches_nothing_answers_json_under_every_setting(api_as, admin_user, settings, debug, path):
    settings.DEBUG = debug
    response = api_as(admin_user).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Não encontrado."}


def test_a_server_error_under_api_answers_json_with_debug_on(api_as, admin_user, settings, monkeypatch):
    from customers.api import CustomerViewSet

    settings.DEBUG = True
    monkeypatch.setattr(CustomerViewSet, "list", lambda *args, **kwargs: 1 / 0)
    client = api_as(admin_user)
    client.raise_request_exception = False
    response = client.get("/api/v1/customers/")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_page_past_the_last_and_the_token_lockout_are_documented(schema, api_as, admin_user):
    assert api_as(admin_user).get("/api/v1/customers/?page=0").status_code == 404
    assert "404" in schema["paths"]["/api/v1/customers/"]["get"]["responses"]
    assert "429" in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]


def test_the_messages_of_an_attendance_are_documented_as_the_plain_array_they_are(schema):
    operation = schema["paths"]["/api/v1/attendances/{id}/messages/"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"] == ["after"]


def test_detail_endpoints_do_not_advertise_delete(api_as, admin_user, agent_a):
    client = api_as(admin_user)
    response = client.get(f"/api/v1/users/{agent_a.pk}/")
    assert response.status_code == 200
    assert "DELETE" not in response["Allow"] and "PATCH" in response["Allow"]
    refused = client.delete(f"/api/v1/users/{agent_a.pk}/")
    assert refused.status_code == 405 and "DELETE" not in refused["Allow"]
