"""SPEC §8.2.1 channel configuration: provider, write-only credentials, public id and
webhook URL in the API and the admin, setup steps and "Testar conexão"."""

from __future__ import annotations

import pytest

from attendance.models import Channel
from tests.factories import PASSWORD

from .conftest import PHONE_NUMBER_ID

pytestmark = pytest.mark.django_db

WA = {"name": "WhatsApp Loja", "network": "whatsapp", "provider": "whatsapp_cloud", "phone_number_id": PHONE_NUMBER_ID,
      "access_token": "EAAG-secret-token", "app_secret": "app-secret-value", "verify_token": "verify-value"}  # fmt: skip
SECRETS = ("EAAG-secret-token", "app-secret-value", "verify-value")


def test_the_api_never_returns_credentials_and_keeps_them_when_empty(api_as, admin_user):
    api = api_as(admin_user)
    response = api.post("/api/v1/channels/", WA, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert not any(secret in response.content.decode() for secret in SECRETS)
    assert (
        body["public_id"] and body["webhook_url"] == f"http://testserver/webhooks/whatsapp_cloud/{body['public_id']}/"
    )
    assert "access_token" not in body and body["token"]
    response = api.patch(
        f"/api/v1/channels/{body['id']}/", {"access_token": "", "name": "WhatsApp Centro"}, format="json"
    )
    assert response.status_code == 200
    channel = Channel.objects.get(pk=body["id"])
    assert (channel.name, channel.access_token, channel.public_id) == ("WhatsApp Centro", "EAAG-secret-token",
                                                                        body["public_id"])  # fmt: skip
    api.patch(f"/api/v1/channels/{body['id']}/", {"public_id": "mine", "access_token": "EAAG-new"}, format="json")
    channel.refresh_from_db()
    assert (channel.public_id, channel.access_token) == (body["public_id"], "EAAG-new")
    history = api.get(f"/api/v1/channels/{body['id']}/history/").content.decode()
    assert not any(secret in history for secret in (*SECRETS, "EAAG-new"))


def test_a_provider_needs_its_credentials_and_its_network(api_as, admin_user):
    api = api_as(admin_user)
    response = api.post("/api/v1/channels/", {**WA, "app_secret": "", "network": "telegram"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"app_secret", "network"}
    assert not Channel.objects.exists()
    generic = api.post("/api/v1/channels/", {"name": "Genérico", "network": "sms"}, format="json").json()
    assert generic["provider"] == "generic" and generic["webhook_url"] == "http://testserver/api/v1/inbound/"


def test_the_admin_shows_the_webhook_url_and_the_steps_and_never_the_secrets(client, admin_user):
    client.post("/accounts/login/", {"username": admin_user.username, "password": PASSWORD})
    response = client.post("/admin/attendance/channel/add/", {**WA, "is_active": "on"}, follow=True)
    assert response.status_code == 200
    channel = Channel.objects.get()
    page = client.get(f"/admin/attendance/channel/{channel.pk}/change/").content.decode()
    assert f"/webhooks/whatsapp_cloud/{channel.public_id}/" in page
    assert "Meta for Developers" in page and "Verificar e salvar" in page
    assert not any(secret in page for secret in SECRETS)
    data = {"name": "WhatsApp Loja", "network": "whatsapp", "provider": "whatsapp_cloud", "is_active": "on"}
    response = client.post(f"/admin/attendance/channel/{channel.pk}/change/", data)
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.access_token == "EAAG-secret-token"


def test_testar_conexao_says_what_failed(client, admin_user, fake):
    client.post("/accounts/login/", {"username": admin_user.username, "password": PASSWORD})
    from .conftest import make_provider_channel

    ok = make_provider_channel("telegram", "telegram", bot_token="BOT:TOKEN", secret_token="s")
    bad = make_provider_channel("twilio", "sms", account_sid="AC999", auth_token="x", from_number="+14155550000")
    fake.routes[("GET", "/botBOT:TOKEN/getMe")] = (200, {"ok": True, "result": {"id": 1, "username": "loja_bot"}})
    fake.routes[("GET", "/2010-04-01/Accounts/AC999.json")] = (401, {"code": 20003, "message": "Authenticate"})
    response = client.post("/admin/attendance/channel/", {"action": "test_connection",
                                                          "_selected_action": [ok.pk, bad.pk]}, follow=True)  # fmt: skip
    text = response.content.decode()
    assert "conexão OK (@loja_bot)" in text
    assert "a conexão falhou" in text and "401" in text and "Authenticate" in text
