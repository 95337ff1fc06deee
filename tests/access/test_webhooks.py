"""Provider webhooks ``/webhooks/<provider>/<public id>/`` (SPEC §8.2.1, §12 R7):
anonymous by design, so a logged-in session changes nothing; an unsigned or forged call
gets 403, an unknown channel (or the wrong provider's path, or the generic provider) 404,
and nothing is written. The right signature and verify token are accepted, so the
refusals are the signature's doing."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from attendance.models import Attendance, Channel, Message
from attendance.services import channel_save
from customers.models import Customer

from .checks import user_for, web_client
from .world import ROLES

pytestmark = pytest.mark.django_db

WA_SECRET, TG_SECRET, TW_TOKEN = "wa-secret-matrix", "tg-secret-matrix", "tw-token-matrix"
WA_MESSAGE = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
    "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1065"},
    "contacts": [{"profile": {"name": "Forjado"}, "wa_id": "5534991239876"}],
    "messages": [{"from": "5534991239876", "id": "wamid.FORGED", "timestamp": "1700000000", "type": "text",
                  "text": {"body": "forjado"}}]}}]}]}  # fmt: skip
WA_STATUS = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
    "messaging_product": "whatsapp", "metadata": {"phone_number_id": "1065"},
    "statuses": [{"id": "wamid.UNKNOWN", "status": "read", "timestamp": "1700000000", "recipient_id": "55349"}]}}]}]}  # fmt: skip
TG_UPDATE = {"update_id": 1, "message": {"message_id": 1, "date": 1700000000, "text": "forjado",
                                         "chat": {"id": 777, "type": "private", "first_name": "Forjado"},
                                         "from": {"id": 777, "is_bot": False, "first_name": "Forjado"}}}  # fmt: skip
TW_FORM = {"From": "whatsapp:+5534991239876", "Body": "forjado", "MessageSid": "SMforged", "NumMedia": "0"}


@pytest.fixture
def provider_channels(db):
    def make(provider, network, **credentials):
        channel = Channel(name=f"{provider} matriz", network=network, provider=provider)
        channel_save(channel=channel, credentials=credentials)
        return channel

    return {
        "whatsapp_cloud": make(
            "whatsapp_cloud",
            "whatsapp",
            phone_number_id="1065",
            access_token="EAAG",
            app_secret=WA_SECRET,
            verify_token="verifique",
        ),  # fmt: skip
        "telegram": make("telegram", "telegram", bot_token="BOT:TOKEN", secret_token=TG_SECRET),
        "twilio": make("twilio", "sms", account_sid="AC123", auth_token=TW_TOKEN, from_number="+5534990000000"),
        "generic": make("generic", "whatsapp"),
    }


def _calls(channels) -> list[tuple[str, str, dict, int]]:
    """(what, url, request kwargs, expected status) for every refused call."""
    wa, tg, tw = (channels[p].webhook_path for p in ("whatsapp_cloud", "telegram", "twilio"))
    wa_body = json.dumps(WA_MESSAGE)
    forged = "sha256=" + hmac.new(b"not-the-secret", wa_body.encode(), hashlib.sha256).hexdigest()
    tg_body = json.dumps(TG_UPDATE)
    as_json = {"content_type": "application/json"}
    return [
        ("WhatsApp unsigned", wa, {"data": wa_body, **as_json}, 403),
        ("WhatsApp forged", wa, {"data": wa_body, "HTTP_X_HUB_SIGNATURE_256": forged, **as_json}, 403),
        ("WhatsApp bare sha256=", wa, {"data": wa_body, "HTTP_X_HUB_SIGNATURE_256": "sha256=", **as_json}, 403),
        ("Telegram without secret", tg, {"data": tg_body, **as_json}, 403),
        ("Telegram wrong secret", tg, {"data": tg_body, "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": "x", **as_json}, 403),
        ("Twilio unsigned", tw, {"data": TW_FORM}, 403),
        ("Twilio forged", tw, {"data": TW_FORM, "HTTP_X_TWILIO_SIGNATURE": "Zm9yamFkbw=="}, 403),
        ("unknown public id", "/webhooks/whatsapp_cloud/naoexiste123/", {"data": wa_body, **as_json}, 404),
        ("another provider's path", wa.replace("whatsapp_cloud", "telegram"),
         {"data": tg_body, "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": TG_SECRET, **as_json}, 404),
        ("the generic provider", f"/webhooks/generic/{channels['generic'].public_id}/", {"data": wa_body, **as_json}, 404),
        ("an unknown provider", f"/webhooks/outro/{channels['telegram'].public_id}/", {"data": tg_body, **as_json}, 404),
    ]  # fmt: skip


def _counts():
    return Attendance.objects.count(), Message.objects.count(), Customer.objects.count()


def test_webhooks_refuse_unsigned_forged_and_unknown_calls(world, provider_channels):
    before = _counts()
    failures = []
    for role in ROLES:
        client = web_client(user_for(role, world))
        for what, url, kwargs, expected in _calls(provider_channels):
            response = client.post(url, **kwargs)
            if response.status_code != expected:
                failures.append(f"[{role}] POST {url} ({what}): expected {expected}, got {response.status_code}")
        # WhatsApp's verification handshake: only with the channel's verify token.
        url = provider_channels["whatsapp_cloud"].webhook_path
        for token, expected in (("errado", 403), ("", 403)):
            response = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "42"})
            if response.status_code != expected:
                failures.append(
                    f"[{role}] GET {url} (token {token!r}): expected {expected}, got {response.status_code}"
                )
    assert not failures, "\n".join(failures)
    assert _counts() == before, "a refused webhook wrote attendances, messages or customers"

    # Not vacuous: the verify token and a signed call are accepted.
    url = provider_channels["whatsapp_cloud"].webhook_path
    response = web_client(None).get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "verifique", "hub.challenge": "42"}
    )
    assert (response.status_code, response.content) == (200, b"42")
    body = json.dumps(WA_STATUS)
    signature = "sha256=" + hmac.new(WA_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    response = web_client(None).post(url, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)
    assert response.status_code == 200, response.content
