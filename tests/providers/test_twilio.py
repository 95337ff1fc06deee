"""SPEC §8.2.1 Twilio (SMS and WhatsApp): X-Twilio-Signature computed here from Twilio's
documented algorithm (URL + POST parameters sorted by name, HMAC-SHA1, base64),
inbound WhatsApp with media, SMS, status callbacks, answers through Messages.json."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

import pytest
from django.core.files.storage import default_storage

from attendance.models import Message

from .conftest import TW_TOKEN, make_provider_channel, post

pytestmark = pytest.mark.django_db


def signature(url: str, params: dict, token: str = TW_TOKEN) -> str:
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def inbound(**extra) -> dict:
    params = {
        "SmsMessageSid": "SM1b2c3d4e5f60718293a4b5c6d7e8f901", "NumMedia": "0", "ProfileName": "Maria Silva",
        "SmsSid": "SM1b2c3d4e5f60718293a4b5c6d7e8f901", "WaId": "5534991234567", "SmsStatus": "received",
        "Body": "Olá", "To": "whatsapp:+14155238886", "NumSegments": "1",
        "MessageSid": "SM1b2c3d4e5f60718293a4b5c6d7e8f901", "AccountSid": "AC123",
        "From": "whatsapp:+5534991234567", "ApiVersion": "2010-04-01",
    }  # fmt: skip
    params.update(extra)
    return params


def send(client, channel, params: dict, sig: str | None = None):
    url = f"http://testserver/webhooks/twilio/{channel.public_id}/"
    return post(client, url, urlencode(params), content_type="application/x-www-form-urlencoded",
                HTTP_X_TWILIO_SIGNATURE=sig if sig is not None else signature(url, params))  # fmt: skip


def test_a_whatsapp_message_with_media_is_stored_with_its_file(client, fake, menu, tw_channel):
    jpeg = b"\xff\xd8\xff" + b"j" * 300
    media_path = "/2010-04-01/Accounts/AC123/Messages/MM800f449d0399ed014aae2bcc0cc2f2ec/Media/ME1"
    # Twilio answers the media URL with a redirect to its storage; credentials go only to Twilio.
    fake.routes[("GET", media_path)] = (307, b"", {"Location": f"{fake.url}/storage/ME1.jpg"})
    fake.routes[("GET", "/storage/ME1.jpg")] = (200, jpeg, {"Content-Type": "image/jpeg"})
    params = inbound(NumMedia="1", MediaContentType0="image/jpeg", MediaUrl0=f"{fake.url}{media_path}",
                     Body="segue foto", MessageSid="MM800f449d0399ed014aae2bcc0cc2f2ec")  # fmt: skip
    response = send(client, tw_channel, params)
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    message = Message.objects.get(sender="customer")
    assert (message.kind, message.body, message.attendance.customer.display_name) == (
        "image", "segue foto", "Maria Silva")  # fmt: skip
    assert default_storage.open(message.media.name).read() == jpeg
    first, second = fake.calls_to("GET", media_path)[0], fake.calls_to("GET", "/storage/")[0]
    assert first.headers["Authorization"] == "Basic " + base64.b64encode(f"AC123:{TW_TOKEN}".encode()).decode()
    assert "Authorization" not in second.headers
    # The bot answered through Messages.json, on WhatsApp.
    (call,) = fake.calls_to("POST", "/2010-04-01/Accounts/AC123/Messages.json")
    assert call.form()["To"] == "whatsapp:+5534991234567" and call.form()["From"] == "whatsapp:+14155238886"
    assert Message.objects.get(sender="bot").provider_message_id.startswith("SMout")


def test_a_forged_signature_gets_403(client, fake, menu, tw_channel):
    params = inbound()
    url = f"http://testserver/webhooks/twilio/{tw_channel.public_id}/"
    assert send(client, tw_channel, params, sig=signature(url, params, token="other")).status_code == 403
    assert send(client, tw_channel, params, sig=signature(url, {**params, "Body": "x"})).status_code == 403
    assert send(client, tw_channel, params, sig="").status_code == 403
    assert not Message.objects.exists()


def test_sms_and_replays(client, fake, menu):
    channel = make_provider_channel(
        "twilio", "sms", account_sid="AC123", auth_token=TW_TOKEN, from_number="+14155550000"
    )
    params = inbound(From="+5534991234567", To="+14155550000", ProfileName="")
    for _ in range(2):
        assert send(client, channel, params).status_code == 200
    assert Message.objects.filter(sender="customer").count() == 1
    assert fake.calls_to("POST", "/2010-04-01/Accounts/AC123/Messages.json")[0].form()["To"] == "+5534991234567"


def test_status_callbacks_update_the_delivery(client, fake, menu, tw_channel):
    send(client, tw_channel, inbound())
    greeting = Message.objects.get(sender="bot")
    for status in ("sent", "delivered", "read"):
        params = {"MessageSid": greeting.provider_message_id, "MessageStatus": status, "AccountSid": "AC123",
                  "From": "whatsapp:+14155238886", "To": "whatsapp:+5534991234567", "ApiVersion": "2010-04-01"}  # fmt: skip
        assert send(client, tw_channel, params).status_code == 200
        greeting.refresh_from_db()
        assert greeting.delivery == status
    undelivered = {"MessageSid": greeting.provider_message_id, "MessageStatus": "undelivered", "ErrorCode": "63016"}
    send(client, tw_channel, undelivered)
    greeting.refresh_from_db()
    assert greeting.delivery == "read"  # a read message stays read


def test_a_message_from_another_network_than_the_channel_is_refused_without_a_retry(client, fake, menu, tw_channel):
    response = send(client, tw_channel, inbound(From="+5534991234567"))  # SMS on a WhatsApp channel
    assert response.status_code == 200
    assert not Message.objects.exists()


def test_malformed_parameters_get_400(client, menu, tw_channel):
    for params in (
        inbound(MessageSid="", SmsSid=""),
        inbound(From="maria"),
        inbound(NumMedia="x"),
        inbound(NumMedia="²"),
    ):
        assert send(client, tw_channel, params).status_code == 400
    assert not Message.objects.exists()


def test_several_media_become_one_message_each_and_a_replay_stores_nothing_new(client, fake, menu, tw_channel):
    """A message holds one file: NumMedia=3 gives three messages (the body on the first,
    ids MessageSid, MessageSid:1, MessageSid:2); the bot answers the webhook once."""
    from tests.media_samples import PDF, PNG

    sid = "MM800f449d0399ed014aae2bcc0cc2f2ec"
    files = {"/m/0": (PNG, "image/png"), "/m/1": (PDF, "application/pdf"), "/m/2": (b"\xff\xd8\xff" + b"j" * 50,
                                                                                    "image/jpeg")}  # fmt: skip
    for path, (content, mime) in files.items():
        fake.routes[("GET", path)] = (200, content, {"Content-Type": mime})
    media = {}
    for index, (path, (_content, mime)) in enumerate(files.items()):
        media |= {f"MediaUrl{index}": f"{fake.url}{path}", f"MediaContentType{index}": mime}
    params = inbound(NumMedia="3", MessageSid=sid, Body="os documentos", **media)
    assert send(client, tw_channel, params).status_code == 200
    received = list(Message.objects.filter(sender="customer").order_by("pk"))
    assert [(m.provider_message_id, m.kind, m.body) for m in received] == [
        (sid, "image", "os documentos"), (f"{sid}:1", "document", ""), (f"{sid}:2", "image", "")]  # fmt: skip
    assert [default_storage.open(m.media.name).read() for m in received] == [c for c, _ in files.values()]
    assert Message.objects.filter(sender="bot").count() == 1  # the greeting; no "not understood" per file
    downloads = len(fake.calls_to("GET", "/m/"))

    assert send(client, tw_channel, params).status_code == 200  # Twilio retries the webhook
    assert Message.objects.filter(sender="customer").count() == 3
    assert len(fake.calls_to("GET", "/m/")) == downloads  # nothing downloaded again
    assert Message.objects.filter(sender="bot").count() == 1


def test_a_missing_media_url_gets_400(client, menu, tw_channel):
    params = inbound(NumMedia="2", MediaUrl0="https://api.twilio.com/x", MediaContentType0="image/png")
    assert send(client, tw_channel, params).status_code == 400
    assert not Message.objects.exists()
