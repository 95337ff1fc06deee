"""SPEC §8.2.1 WhatsApp Cloud API: the verification handshake, X-Hub-Signature-256,
messages (text, media, location, interactive replies, batches), statuses, outbound.
Payloads are shaped like Meta's documented webhook examples; signatures are computed
here with hmac, independently of the product's code."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.core.files.storage import default_storage

from attendance.models import Attendance, Message, Status
from customers.models import Customer
from providers.services import message_deliver
from providers.whatsapp_cloud import whatsapp_template_send

from .conftest import PHONE_NUMBER_ID, WA_SECRET, post

pytestmark = pytest.mark.django_db

CUSTOMER = "5534991234567"


def sign(body: bytes, secret: str = WA_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def envelope(messages=(), statuses=(), contacts=None, phone_number_id=PHONE_NUMBER_ID) -> bytes:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "553432100000", "phone_number_id": phone_number_id}}  # fmt: skip
    if messages:
        value["contacts"] = contacts or [{"profile": {"name": "Maria Silva"}, "wa_id": CUSTOMER}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    payload = {"object": "whatsapp_business_account",
               "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}  # fmt: skip
    return json.dumps(payload).encode()


def text(body: str, wamid: str = "wamid.HBgLNTUzNDk5MTIzNDU2NxUCABIYFDNBNEE2NTk5QUVFMDM4MTAxNDRGAA==",
         sender: str = CUSTOMER) -> dict:  # fmt: skip
    return {"from": sender, "id": wamid, "timestamp": "1749416383", "type": "text", "text": {"body": body}}


def send(client, channel, body: bytes, signature: str | None = None):
    return post(client, f"/webhooks/whatsapp_cloud/{channel.public_id}/", body,
                HTTP_X_HUB_SIGNATURE_256=signature if signature is not None else sign(body))  # fmt: skip


def test_the_verification_handshake_answers_the_challenge_only_with_the_right_token(client, wa_channel):
    url = f"/webhooks/whatsapp_cloud/{wa_channel.public_id}/"
    response = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    )
    assert (response.status_code, response.content) == (200, b"1158201444")
    assert (
        client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}).status_code == 403
    )
    assert client.get(url, {"hub.challenge": "1"}).status_code == 403


def test_a_text_message_reaches_the_bot_with_the_profile_name(client, fake, menu, wa_channel):
    response = send(client, wa_channel, envelope([text("oi")]))
    assert response.status_code == 200
    attendance = Attendance.objects.get()
    assert attendance.customer.phone == "+5534991234567" and attendance.customer.display_name == "Maria Silva"
    assert attendance.channel == wa_channel and attendance.status == Status.BOT
    inbound = Message.objects.get(sender="customer")
    assert inbound.body == "oi" and inbound.provider_message_id.startswith("wamid.")
    # The bot's greeting went out through the Graph API and its wamid was stored.
    (call,) = fake.calls_to("POST", f"/v21.0/{PHONE_NUMBER_ID}/messages")
    assert call.headers["Authorization"] == "Bearer EAAG-access"
    assert call.json()["to"] == CUSTOMER and "1 - Vendas" in call.json()["text"]["body"]
    greeting = Message.objects.get(sender="bot")
    assert (greeting.delivery, greeting.provider_message_id) == ("sent", "wamid.OUT1")


def test_a_bad_or_missing_signature_gets_403_and_writes_nothing(client, fake, menu, wa_channel):
    body = envelope([text("oi")])
    assert send(client, wa_channel, body, signature=sign(body, "another-secret")).status_code == 403
    assert send(client, wa_channel, body, signature="").status_code == 403
    assert send(client, wa_channel, body + b" ", signature=sign(body)).status_code == 403
    assert not Message.objects.exists() and not Customer.objects.exists()


def test_an_unknown_or_inactive_channel_gets_404(client, menu, wa_channel):
    body = envelope([text("oi")])
    assert post(client, "/webhooks/whatsapp_cloud/nope/", body, HTTP_X_HUB_SIGNATURE_256=sign(body)).status_code == 404
    assert post(client, f"/webhooks/telegram/{wa_channel.public_id}/", body).status_code == 404
    wa_channel.is_active = False
    wa_channel.save()
    assert send(client, wa_channel, body).status_code == 404
    assert not Message.objects.exists()


def test_a_malformed_payload_gets_400_and_writes_nothing(client, menu, wa_channel):
    for body in (b"not json", b"[]", b'{"entry": 3}', json.dumps({"entry": [{"changes": [{"value": {
            "messages": [{"from": CUSTOMER, "type": "text"}]}}]}]}).encode()):  # fmt: skip
        assert send(client, wa_channel, body).status_code == 400, body
    assert not Message.objects.exists()


def test_the_same_message_delivered_twice_is_stored_once_and_the_bot_answers_once(client, fake, menu, wa_channel):
    body = envelope([text("oi")])
    assert send(client, wa_channel, body).status_code == 200
    assert send(client, wa_channel, body).status_code == 200
    assert Message.objects.filter(sender="customer").count() == 1
    assert Message.objects.filter(sender="bot").count() == 1


def test_a_batch_stores_each_message_of_each_customer(client, fake, menu, wa_channel):
    other = "5511987654321"
    body = envelope(
        [text("oi", "wamid.A1"), text("1", "wamid.A2"), text("bom dia", "wamid.B1", sender=other)],
        contacts=[{"profile": {"name": "Maria Silva"}, "wa_id": CUSTOMER},
                  {"profile": {"name": "João Souza"}, "wa_id": other}],
    )  # fmt: skip
    assert send(client, wa_channel, body).status_code == 200
    assert Message.objects.filter(sender="customer").count() == 3
    maria = Attendance.objects.get(customer__phone="+5534991234567")
    assert (maria.status, maria.group) == (Status.QUEUED, menu["vendas"])  # "1" answered the menu
    assert Customer.objects.get(phone="+5511987654321").display_name == "João Souza"


def test_an_image_is_downloaded_into_storage(client, fake, menu, wa_channel):
    jpeg = b"\xff\xd8\xff\xe0" + b"x" * 2000
    fake.routes[("GET", "/v21.0/1003383421387256")] = (200, {
        "messaging_product": "whatsapp", "url": f"{fake.url}/whatsapp_business/attachments/?mid=1003383421387256",
        "mime_type": "image/jpeg", "sha256": hashlib.sha256(jpeg).hexdigest(), "file_size": len(jpeg),
        "id": "1003383421387256",
    })  # fmt: skip
    fake.routes[("GET", "/whatsapp_business/attachments/")] = (200, jpeg, {"Content-Type": "image/jpeg"})
    image = {"from": CUSTOMER, "id": "wamid.IMG", "timestamp": "1750090702", "type": "image",
             "image": {"caption": "meu boleto", "mime_type": "image/jpeg", "sha256": "x", "id": "1003383421387256"}}  # fmt: skip
    assert send(client, wa_channel, envelope([image])).status_code == 200
    message = Message.objects.get(sender="customer")
    assert (message.kind, message.body, message.media_mime) == ("image", "meu boleto", "image/jpeg")
    assert default_storage.open(message.media.name).read() == jpeg
    download = fake.calls_to("GET", "/whatsapp_business/attachments/")[0]
    assert download.headers["Authorization"] == "Bearer EAAG-access"


def test_media_larger_than_the_limit_is_not_stored_but_the_message_is(client, fake, menu, wa_channel, settings):
    settings.PROVIDER_MEDIA_MAX_BYTES = 100
    fake.routes[("GET", "/v21.0/555")] = (200, {"url": f"{fake.url}/big", "mime_type": "video/mp4", "id": "555"})
    fake.routes[("GET", "/big")] = (200, b"v" * 5000, {"Content-Type": "video/mp4"})
    video = {"from": CUSTOMER, "id": "wamid.VID", "timestamp": "1", "type": "video",
             "video": {"mime_type": "video/mp4", "sha256": "x", "id": "555"}}  # fmt: skip
    assert send(client, wa_channel, envelope([video])).status_code == 200
    message = Message.objects.get(sender="customer")
    assert message.kind == "video" and not message.media and "mídia não recebida" in message.body


def test_media_on_a_private_address_is_refused_unless_allowed(client, fake, menu, wa_channel, settings):
    settings.PROVIDER_MEDIA_ALLOW_PRIVATE = False
    # The Graph API base is a setting (trusted); the media URL it returns is not.
    fake.routes[("GET", "/v21.0/777")] = (200, {"url": "http://127.0.0.1:9/secret", "mime_type": "image/png"})
    image = {"from": CUSTOMER, "id": "wamid.PRIV", "timestamp": "1", "type": "image",
             "image": {"mime_type": "image/png", "sha256": "x", "id": "777"}}  # fmt: skip
    assert send(client, wa_channel, envelope([image])).status_code == 200
    message = Message.objects.get(sender="customer")
    assert not message.media and "privado" in message.body


def test_location_and_interactive_replies(client, fake, menu, wa_channel):
    location = {"from": CUSTOMER, "id": "wamid.LOC", "timestamp": "1", "type": "location",
                "location": {"latitude": -18.9186, "longitude": -48.2772, "name": "Loja", "address": "Av. Brasil"}}  # fmt: skip
    reply = {"from": CUSTOMER, "id": "wamid.BTN", "timestamp": "2", "type": "interactive",
             "interactive": {"type": "button_reply", "button_reply": {"id": "1", "title": "Vendas"}}}  # fmt: skip
    assert send(client, wa_channel, envelope([location, reply])).status_code == 200
    bodies = list(Message.objects.filter(sender="customer").values_list("body", flat=True))
    assert "-18.9186, -48.2772" in bodies[0] and "Loja" in bodies[0]
    assert bodies[1] == "1"
    assert Attendance.objects.get().group == menu["vendas"]


def test_statuses_move_the_delivery_forward_only(client, fake, menu, wa_channel, web_as, admin_user):
    send(client, wa_channel, envelope([text("oi")]))
    greeting = Message.objects.get(sender="bot")

    def status(name, **extra):
        return {"id": greeting.provider_message_id, "status": name, "timestamp": "1750263773",
                "recipient_id": CUSTOMER, **extra}  # fmt: skip

    send(client, wa_channel, envelope(statuses=[status("read")]))
    send(client, wa_channel, envelope(statuses=[status("delivered")]))  # late: a read message stays read
    greeting.refresh_from_db()
    assert greeting.delivery == "read"
    page = web_as(admin_user).get(f"/admin/attendance/attendance/{greeting.attendance_id}/change/")
    assert page.status_code == 200 and "Lida" in page.content.decode()  # the attendance screen shows it


def test_a_failed_status_keeps_the_reason(client, fake, menu, wa_channel, api_as, admin_user):
    send(client, wa_channel, envelope([text("oi")]))
    greeting = Message.objects.get(sender="bot")
    failed = {"id": greeting.provider_message_id, "status": "failed", "timestamp": "1", "recipient_id": CUSTOMER,
              "errors": [{"code": 131047, "title": "Re-engagement message"}]}  # fmt: skip
    send(client, wa_channel, envelope(statuses=[failed]))
    greeting.refresh_from_db()
    assert (greeting.delivery, greeting.delivery_error) == ("failed", "Re-engagement message")
    detail = api_as(admin_user).get(f"/api/v1/attendances/{greeting.attendance_id}/").json()
    assert [m["delivery_status"] for m in detail["messages"] if m["sender"] == "bot"] == ["failed"]


def test_a_refused_send_is_failed_and_a_server_error_is_retried(client, fake, menu, wa_channel):
    send(client, wa_channel, envelope([text("oi")]))
    attendance = Attendance.objects.get()
    from attendance.messaging import message_out

    fake.routes[("POST", f"/v21.0/{PHONE_NUMBER_ID}/messages")] = (500, {"error": {"message": "try later"}})
    message = message_out(attendance=attendance, body="teste")
    import requests

    with pytest.raises(requests.HTTPError):
        message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.delivery, message.delivery_attempts) == ("pending", 1)
    fake.routes[("POST", f"/v21.0/{PHONE_NUMBER_ID}/messages")] = (400, {"error": {"message": "(#131030) not allowed"}})
    assert message_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.delivery == "failed" and "131030" in message.delivery_error


def test_a_template_message_is_sent_as_a_template(fake, wa_channel):
    wamid = whatsapp_template_send(channel=wa_channel, to="+5534991234567", name="boas_vindas", language="pt_BR",
                                   params=["Maria", "123"])  # fmt: skip
    call = fake.calls_to("POST", f"/v21.0/{PHONE_NUMBER_ID}/messages")[-1].json()
    assert wamid.startswith("wamid.OUT")
    assert call["type"] == "template" and call["to"] == CUSTOMER
    assert call["template"] == {"name": "boas_vindas", "language": {"code": "pt_BR"}, "components": [
        {"type": "body", "parameters": [{"type": "text", "text": "Maria"}, {"type": "text", "text": "123"}]}]}  # fmt: skip


def test_a_message_with_a_template_goes_out_as_the_template(client, fake, menu, wa_channel):
    from attendance.messaging import message_out

    send(client, wa_channel, envelope([text("oi")]))
    attendance = Attendance.objects.get()
    message = message_out(attendance=attendance, body="Olá Maria, seu pedido 123 saiu.")
    Message.objects.filter(pk=message.pk).update(
        template={"name": "pedido_enviado", "language": "pt_BR", "params": ["Maria", "123"]}
    )
    assert message_deliver(message_id=message.pk) is True
    call = fake.calls_to("POST", f"/v21.0/{PHONE_NUMBER_ID}/messages")[-1].json()
    assert call["type"] == "template" and call["template"]["name"] == "pedido_enviado"
    assert [p["text"] for p in call["template"]["components"][0]["parameters"]] == ["Maria", "123"]


def test_a_file_whose_content_is_not_what_the_provider_says_is_refused_with_a_note(client, fake, menu, wa_channel):
    fake.routes[("GET", "/v21.0/888")] = (200, {"url": f"{fake.url}/fake.jpg", "mime_type": "image/jpeg", "id": "888"})
    fake.routes[("GET", "/fake.jpg")] = (200, b"MZ\x90\x00" + b"\x00" * 300, {"Content-Type": "image/jpeg"})
    image = {"from": CUSTOMER, "id": "wamid.EXE", "timestamp": "1", "type": "image",
             "image": {"mime_type": "image/jpeg", "sha256": "x", "id": "888"}}  # fmt: skip
    assert send(client, wa_channel, envelope([image])).status_code == 200
    message = Message.objects.get(sender="customer")
    assert not message.media and "mídia não recebida" in message.body
