"""Issue 15 item 1: inputs that were HTTP 500s answer 400/404 with a JSON message, and
API errors are JSON under every setting (SPEC §0, §10, R5)."""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient

from attendance import errors as attendance_errors
from attendance.models import Bot, BotKind
from imports.models import ImportJob, ImportRow
from tests.factories import ServiceGroupFactory, make_channel, make_classification

pytestmark = pytest.mark.django_db


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _menu(group_id, key="1", label="Vendas", text="Olá! Escolha:"):
    return {
        "text": text,
        "options": [{"key": key, "label": label, "action": "transfer_to_group", "group": group_id}],
    }


# 1a. Related fields take integer ids only; anything else is a field error ------------


@pytest.mark.parametrize("value", ["x", {}, [1], True, 1.5, "1.5", "²", -1, 10**30])
def test_a_related_field_refuses_what_is_not_an_id(api_as, admin_user, company, value):
    response = api_as(admin_user).post("/api/v1/operations/", {"name": "Nova", "company": value}, format="json")
    assert response.status_code == 400, response.content
    assert "company" in response.json()


def test_a_related_field_still_takes_an_id_as_a_number_or_as_digits(api_as, admin_user, company):
    client = api_as(admin_user)
    assert client.post("/api/v1/operations/", {"name": "Um", "company": company.pk}, format="json").status_code == 201
    assert client.post("/api/v1/operations/", {"name": "Dois", "company": str(company.pk)}).status_code == 201


def test_a_supervisor_sending_a_bad_operation_id_gets_a_field_error(api_as, supervisor_a, agent_a):
    response = api_as(supervisor_a).patch(f"/api/v1/users/{agent_a.pk}/", {"operations": ["x"]}, format="json")
    assert response.status_code == 400
    assert "operations" in response.json()


def test_a_multipart_null_id_is_a_field_error(api_as, admin_user):
    response = api_as(admin_user).post("/api/v1/operations/", {"name": "Nova", "company": "null"})
    assert response.status_code == 400 and "company" in response.json()


# 1b. Presence without a state ------------------------------------------------------


def test_presence_without_a_state_says_the_state_is_required(api_as, agent_a):
    response = api_as(agent_a).post("/api/v1/agents/me/presence/", {}, format="json")
    assert response.status_code == 400
    assert "state" in response.json()


# 1c. Import jobs and rows with ids that are not numbers ----------------------------


@pytest.mark.parametrize("kind", ["user-imports", "customer-imports"])
@pytest.mark.parametrize("suffix", ["x/rows/", "x/rows/1/", "²/rows/", "1/rows/²/", "x/"])
def test_an_import_path_with_a_bad_id_is_not_found(api_as, admin_user, kind, suffix):
    client = api_as(admin_user)
    assert client.get(f"/api/v1/{kind}/{suffix}").status_code == 404
    assert client.patch(f"/api/v1/{kind}/{suffix}", {"data": {}}, format="json").status_code in (404, 405)


# 1d. Deeply nested JSON bodies ----------------------------------------------------


def test_a_deep_json_body_is_refused_on_an_authenticated_endpoint(api_as, admin_user):
    response = api_as(admin_user).post("/api/v1/operations/", _deep(1000), content_type="application/json")
    assert response.status_code == 400
    assert "64" in response.json()["detail"]


def test_a_deep_json_body_is_refused_by_the_anonymous_token_endpoint(db):
    response = APIClient().post("/api/v1/auth/token/", _deep(100_000), content_type="application/json")
    assert response.status_code == 400


def test_a_deep_json_body_is_refused_by_the_inbound_webhook(db):
    _channel, token = make_channel()
    body = '{"network": "whatsapp", "phone": "11999990000", "text": ' + _deep(5000) + "}"
    response = APIClient().post(
        "/api/v1/inbound/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400


def test_brackets_inside_strings_do_not_count_as_nesting(api_as, admin_user, company):
    name = "[" * 100
    response = api_as(admin_user).post("/api/v1/operations/", {"name": name, "company": company.pk}, format="json")
    assert response.status_code == 201, response.content


def test_a_deep_menu_sent_as_a_form_field_is_refused(api_as, admin_user):
    response = api_as(admin_user).post("/api/v1/bots/", {"name": "fundo", "kind": "service", "menu": _deep(5000)})
    assert response.status_code == 400 and "menu" in response.json()


def test_a_lone_surrogate_escape_is_refused_by_the_parser(api_as, admin_user, company):
    body = '{"name": "a\\ud800b", "company": COMPANY}'.replace("COMPANY", str(company.pk))
    response = api_as(admin_user).post("/api/v1/operations/", body, content_type="application/json")
    assert response.status_code == 400
    ok = '{"name": "a\\ud83d\\ude00b", "company": COMPANY}'.replace("COMPANY", str(company.pk))  # a pair is an emoji
    assert api_as(admin_user).post("/api/v1/operations/", ok, content_type="application/json").status_code == 201


# 1e. Usernames longer than a username ----------------------------------------------


def test_the_token_endpoint_refuses_a_long_username_before_recording_a_failure(db):
    username = "u" * 300
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": "x"}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()
    assert not AccessAttempt.objects.filter(username=username).exists()


def test_the_login_form_refuses_a_long_username_before_recording_a_failure(db):
    username = "u" * 300
    response = Client().post("/accounts/login/", {"username": username, "password": "x"})
    assert response.status_code == 200
    assert not AccessAttempt.objects.filter(username=username).exists()


def test_a_password_longer_than_128_characters_is_refused(db):
    response = APIClient().post("/api/v1/auth/token/", {"username": "ana", "password": "p" * 129}, format="json")
    assert response.status_code == 400 and "password" in response.json()


# 1f. Menu keys are ASCII digits 1-99 without leading zeros -------------------------


@pytest.mark.parametrize("key", ["²", "٣", "01", "0", "100", "1 ", "+1"])
def test_a_menu_key_that_is_not_an_ascii_number_is_refused(api_as, admin_user, operation_a, key):
    group = ServiceGroupFactory(operation=operation_a)
    payload = {"name": "menu", "kind": "service", "menu": _menu(group.pk, key=key)}
    response = api_as(admin_user).post("/api/v1/bots/", payload, format="json")
    if key == "1 ":  # surrounding spaces are trimmed
        assert response.status_code == 201 and response.json()["menu"]["options"][0]["key"] == "1"
        return
    assert response.status_code == 400
    assert "menu" in response.json()


# 1g. NUL and lone surrogates in JSON-field content ---------------------------------


@pytest.mark.parametrize("where", ["text", "label"])
def test_a_nul_in_a_menu_text_is_a_field_error(api_as, admin_user, operation_a, where):
    group = ServiceGroupFactory(operation=operation_a)
    menu = _menu(group.pk, **{where: "Olá\u0000mundo"})
    response = api_as(admin_user).post(
        "/api/v1/bots/", {"name": "menu", "kind": "service", "menu": menu}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["menu"]
    assert not Bot.objects.filter(name="menu").exists()


def test_a_menu_text_keeps_its_line_breaks(api_as, admin_user, operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    menu = _menu(group.pk, text="Olá!\nEscolha:\t")
    response = api_as(admin_user).post(
        "/api/v1/bots/", {"name": "menu", "kind": "service", "menu": menu}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["menu"]["text"] == "Olá!\nEscolha:"


def _error_row(user):
    job = ImportJob.objects.create(kind="customers", file_name="c.csv", file_format="csv", created_by=user)
    return job, ImportRow.objects.create(job=job, line=2, data={"NAME": "x"}, errors={"NAME": ["?"]})


@pytest.mark.parametrize("value", ["a\u0000b", "\u0007"])
def test_a_control_character_in_an_import_row_correction_is_a_field_error(api_as, admin_user, value):
    job, row = _error_row(admin_user)
    url = f"/api/v1/customer-imports/{job.pk}/rows/{row.pk}/"
    response = api_as(admin_user).patch(url, {"data": {"NAME": value}}, format="json")
    assert response.status_code == 400
    assert "data" in response.json()


def test_a_nul_in_a_classification_reason_is_a_field_error(api_as, admin_user):
    nodes = [{"name": "Dúvida\u0000"}]
    response = api_as(admin_user).post("/api/v1/classifications/", {"name": "Motivos", "nodes": nodes}, format="json")
    assert response.status_code == 400 and "nodes" in response.json()


# 1h. Classification reason names are bounded ---------------------------------------


def test_a_reason_name_over_120_characters_is_a_field_error(api_as, admin_user):
    classification = make_classification()
    url = f"/api/v1/classifications/{classification.pk}/"
    response = api_as(admin_user).patch(url, {"nodes": [{"name": "n" * 121}]}, format="json")
    assert response.status_code == 400
    assert "120" in json.dumps(response.json()["nodes"])
    assert api_as(admin_user).patch(url, {"nodes": [{"name": "n" * 120}]}, format="json").status_code == 200


@pytest.mark.parametrize("node_id", [[1], {"a": 1}, "1", True])
def test_a_reason_id_that_is_not_a_number_is_a_field_error(api_as, admin_user, node_id):
    response = api_as(admin_user).post(
        "/api/v1/classifications/", {"name": "Motivos", "nodes": [{"id": node_id, "name": "A"}]}, format="json"
    )
    assert response.status_code == 400 and "nodes" in response.json()


# 1i. Every duration a group sets is at most 30 days --------------------------------


def _bot_inactivity(timeout, unit):
    return {
        "bot_inactivity_enabled": True,
        "bot_inactivity_timeout": timeout,
        "bot_inactivity_unit": unit,
        "bot_inactivity_action": "close",
    }


@pytest.mark.parametrize(
    "timeout, unit, accepted",
    [(3_000_000, "days", False), (31, "days", False), (30, "days", True), (720, "hours", True),
     (721, "hours", False), (43_200, "minutes", True), (2_592_001, "seconds", False)],
)  # fmt: skip
def test_the_bot_inactivity_time_is_at_most_30_days(api_as, admin_user, operation_a, timeout, unit, accepted):
    group = ServiceGroupFactory(operation=operation_a)
    response = api_as(admin_user).patch(f"/api/v1/groups/{group.pk}/", _bot_inactivity(timeout, unit), format="json")
    if accepted:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 400
        assert response.json()["bot_inactivity_timeout"] == [str(attendance_errors.BOT_INACTIVITY_TOO_LONG)]


@pytest.mark.parametrize(
    "field, flag",
    [
        ("pending_after_minutes", "auto_pending"),
        ("partner_inactivity_warning_minutes", "whatsapp_partner"),
        ("queue_position_interval_minutes", "queue_position_by_period"),
        ("inactivity_timeout_minutes", None),
        ("initial_sla_minutes", None),
        ("agent_response_minutes", None),
        ("active_message_delay_minutes", None),
    ],
)
def test_every_minutes_field_of_a_group_is_at_most_30_days(api_as, admin_user, operation_a, field, flag):
    group = ServiceGroupFactory(operation=operation_a)
    extra = {flag: True} if flag else {}
    client = api_as(admin_user)
    response = client.patch(f"/api/v1/groups/{group.pk}/", {field: 43_201, **extra}, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [str(attendance_errors.DURATION_TOO_LONG)]
    assert client.patch(f"/api/v1/groups/{group.pk}/", {field: 43_200, **extra}, format="json").status_code == 200


def test_a_group_with_the_longest_bot_inactivity_still_opens_attendances(api_as, admin_user, operation_a):
    vendas = ServiceGroupFactory(operation=operation_a)
    bot = Bot.objects.create(name="menu30", kind=BotKind.SERVICE, menu=_menu(vendas.pk))
    main = ServiceGroupFactory(operation=operation_a, initialization_bot=bot)
    client = api_as(admin_user)
    assert client.patch(f"/api/v1/groups/{main.pk}/", _bot_inactivity(30, "days"), format="json").status_code == 200
    _channel, token = make_channel()
    response = APIClient().post(
        "/api/v1/inbound/", {"network": "whatsapp", "phone": "11999990000", "text": "oi"}, format="json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert response.status_code == 201, response.content


# API errors are JSON under every setting -------------------------------------------


def test_an_unexpected_api_failure_is_a_json_500(agent_a, monkeypatch, settings):
    settings.DEBUG = False

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("attendance.engine_api.presence_set", broken)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(agent_a)
    response = client.post("/api/v1/agents/me/presence/", {"state": "online"}, format="json")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_an_unknown_api_path_is_a_json_404_and_a_page_elsewhere(admin_user, settings):
    settings.DEBUG = False
    response = APIClient().get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["detail"]
    assert Client().get("/no-such-page/")["Content-Type"].startswith("text/html")


# Found by schemathesis --------------------------------------------------------------


def test_a_validation_error_is_always_an_object(api_as, admin_user):
    response = api_as(admin_user).get("/api/v1/groups/?search=a%00b")
    assert response.status_code == 400
    assert isinstance(response.json(), dict)


def test_the_xlsx_export_drops_characters_a_spreadsheet_cannot_hold(api_as, admin_user):
    client = api_as(admin_user)
    created = client.post("/api/v1/customers/", {"display_name": "Maria\u0001 Silva", "phone": "11999990000"},
                          format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    response = client.get("/api/v1/customers/export/?file_format=xlsx")
    assert response.status_code == 200
    import io

    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert any("Maria Silva" in (cell or "") for row in rows for cell in row)


# Schemathesis (R5): a canned response's shortcut taken among the responses for every group
# was the partial unique index's IntegrityError -------------------------------------------


def test_a_taken_shortcut_is_a_field_error_not_a_server_error(api_as, admin_user, operation_a):
    admin = api_as(admin_user)
    group = ServiceGroupFactory(operation=operation_a)
    body = {"group": None, "shortcut": "0", "text": "Olá", "is_active": False}
    assert admin.post("/api/v1/canned-responses/", body, format="json").status_code == 201
    again = admin.post("/api/v1/canned-responses/", body, format="json")
    assert again.status_code == 400, again.content
    assert again.json()["shortcut"] == ["Uma resposta para todos os grupos já tem este atalho."]
    in_group = admin.post("/api/v1/canned-responses/", {**body, "group": group.pk}, format="json")
    assert in_group.status_code == 201  # the same shortcut inside one group is another response
    twice_in_group = admin.post("/api/v1/canned-responses/", {**body, "group": group.pk}, format="json")
    assert twice_in_group.status_code == 400, twice_in_group.content
    assert twice_in_group.json()["shortcut"] == ["Resposta rápida com este Grupo e Atalho já existe."]
    other = admin.post("/api/v1/canned-responses/", {**body, "shortcut": "outro"}, format="json").json()
    renamed = admin.patch(f"/api/v1/canned-responses/{other['id']}/", {"shortcut": "0"}, format="json")
    assert renamed.status_code == 400, renamed.content
    assert admin.patch(f"/api/v1/canned-responses/{other['id']}/", {"text": "Novo"}, format="json").status_code == 200


@pytest.mark.parametrize("body", [[None, None], "fundo", 3])
def test_a_bot_body_that_is_no_object_is_a_400(api_as, admin_user, body):
    """Schemathesis found ``[null, null]`` a 500 once a bot's name was normalised before reading."""
    response = api_as(admin_user).post("/api/v1/bots/", body, format="json")
    assert response.status_code == 400, response.content
