"""SPEC §8.2.1 Telegram: the secret token header, Updates shaped like the Bot API's
documented examples, the chat id as the customer's address, media through getFile,
edited messages ignored, answers through sendMessage."""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import default_storage
from django.test import TestCase

from attendance.models import Attendance, Message
from customers.models import Customer

from .conftest import TG_SECRET, post

pytestmark = pytest.mark.django_db

CHAT = {"id": 1111111, "first_name": "Test", "last_name": "Lastname", "username": "Test", "type": "private"}
FROM = {"id": 1111111, "is_bot": False, "first_name": "Test", "last_name": "Lastname", "username": "Test",
        "language_code": "pt-br"}  # fmt: skip


def update(update_id=10000, message_id=1365, kind="message", **content) -> bytes:
    message = {"message_id": message_id, "from": FROM, "chat": CHAT, "date": 1441645532, **content}
    return json.dumps({"update_id": update_id, kind: message}).encode()


def send(client, channel, body: bytes, secret: str | None = TG_SECRET):
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
    return post(client, f"/webhooks/telegram/{channel.public_id}/", body, **headers)


def test_a_text_message_opens_an_attendance_for_the_chat(client, fake, menu, tg_channel):
    assert send(client, tg_channel, update(text="Olá")).status_code == 200
    customer = Customer.objects.get()
    assert (customer.network, customer.phone, customer.display_name) == ("telegram", "tg:1111111", "Test Lastname")
    assert customer.username == "telegram_1111111"
    attendance = Attendance.objects.get()
    assert Message.objects.get(sender="customer").provider_message_id == "1111111:1365"
    (call,) = fake.calls_to("POST", "/botBOT:TOKEN/sendMessage")
    assert call.json()["chat_id"] == "1111111" and "1 - Vendas" in call.json()["text"]
    greeting = Message.objects.get(attendance=attendance, sender="bot")
    assert greeting.delivery == "sent" and greeting.provider_message_id.startswith("1111111:")


def test_a_wrong_or_missing_secret_gets_403_and_writes_nothing(client, menu, tg_channel):
    assert send(client, tg_channel, update(text="Olá"), secret="wrong").status_code == 403
    assert send(client, tg_channel, update(text="Olá"), secret=None).status_code == 403
    assert not Customer.objects.exists()


def test_an_edited_message_is_ignored(client, fake, menu, tg_channel):
    body = update(kind="edited_message", text="Olá (editado)", edit_date=1441645600)
    assert send(client, tg_channel, body).status_code == 200
    assert not Message.objects.exists() and not Customer.objects.exists()


def test_a_replayed_update_is_stored_once(client, fake, menu, tg_channel):
    for _ in range(3):
        assert send(client, tg_channel, update(text="Olá")).status_code == 200
    assert Message.objects.filter(sender="customer").count() == 1
    assert len(fake.calls_to("POST", "/botBOT:TOKEN/sendMessage")) == 1


def test_a_menu_answer_by_text_and_by_inline_button(client, fake, menu, tg_channel):
    send(client, tg_channel, update(text="Olá"))
    callback = {"update_id": 10002, "callback_query": {
        "id": "4382bfdwdsb323b2d9", "from": FROM, "chat_instance": "-1", "data": "1",
        "message": {"message_id": 1366, "from": {"id": 42, "is_bot": True, "first_name": "Bot"}, "chat": CHAT,
                    "date": 1441645533, "text": "Escolha"}}}  # fmt: skip
    assert send(client, tg_channel, json.dumps(callback).encode()).status_code == 200
    assert Attendance.objects.get().group == menu["vendas"]


def test_a_photo_is_downloaded_through_get_file(client, fake, menu, tg_channel):
    png = b"\x89PNG\r\n\x1a\n" + b"p" * 500
    fake.routes[("POST", "/botBOT:TOKEN/getFile")] = (200, {"ok": True, "result": {
        "file_id": "AgADBAADr6cxGz", "file_unique_id": "AQADr6cx", "file_size": len(png),
        "file_path": "photos/file_7.png"}})  # fmt: skip
    fake.routes[("GET", "/file/botBOT:TOKEN/photos/file_7.png")] = (200, png, {"Content-Type": "image/png"})
    photo = [{"file_id": "small", "file_unique_id": "s", "file_size": 90, "width": 90, "height": 51},
             {"file_id": "AgADBAADr6cxGz", "file_unique_id": "AQADr6cx", "file_size": len(png), "width": 320,
              "height": 180}]  # fmt: skip
    assert send(client, tg_channel, update(photo=photo, caption="comprovante")).status_code == 200
    message = Message.objects.get(sender="customer")
    assert (message.kind, message.body) == ("image", "comprovante")
    assert default_storage.open(message.media.name).read() == png
    assert fake.calls_to("POST", "/botBOT:TOKEN/getFile")[0].json() == {"file_id": "AgADBAADr6cxGz"}


def test_a_malformed_update_gets_400(client, menu, tg_channel):
    for body in (b"{", b'{"message": {}}', json.dumps({"update_id": 1, "message": {"message_id": 1}}).encode()):
        assert send(client, tg_channel, body).status_code == 400
    assert not Message.objects.exists()


def test_generic_inbound_still_refuses_a_chat_id_for_whatsapp(api, menu):
    from tests.factories import make_channel

    _channel, token = make_channel()
    response = api.post("/api/v1/inbound/", {"network": "whatsapp", "phone": "tg:1111111", "text": "oi"},
                        format="json", HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    assert response.status_code == 400 and "phone" in response.json()


def _press(update_id=10002, query_id="4382bfdwdsb323b2d9", data="1") -> bytes:
    return json.dumps({"update_id": update_id, "callback_query": {
        "id": query_id, "from": FROM, "chat_instance": "-1", "data": data,
        "message": {"message_id": 1366, "from": {"id": 42, "is_bot": True, "first_name": "Bot"}, "chat": CHAT,
                    "date": 1441645533, "text": "Escolha"}}}).encode()  # fmt: skip


def test_an_inline_button_press_is_answered_after_commit_once(client, fake, menu, tg_channel):
    """answerCallbackQuery stops the button's spinner; a replayed press is not answered again."""
    fake.routes[("POST", "/botBOT:TOKEN/answerCallbackQuery")] = (200, {"ok": True, "result": True})
    send(client, tg_channel, update(text="Olá"))
    assert not fake.calls_to("POST", "/botBOT:TOKEN/answerCallbackQuery")
    assert send(client, tg_channel, _press()).status_code == 200
    (call,) = fake.calls_to("POST", "/botBOT:TOKEN/answerCallbackQuery")
    assert call.json() == {"callback_query_id": "4382bfdwdsb323b2d9"}
    assert Message.objects.get(provider_message_id="cb:4382bfdwdsb323b2d9").body == "1"
    assert send(client, tg_channel, _press()).status_code == 200
    assert len(fake.calls_to("POST", "/botBOT:TOKEN/answerCallbackQuery")) == 1


def test_the_answer_waits_for_the_commit(fake, menu, tg_channel):
    from providers.base import Parsed
    from providers.registry import provider_for
    from providers.services import webhook_receive
    from providers.telegram import Telegram

    fake.routes[("POST", "/botBOT:TOKEN/answerCallbackQuery")] = (200, {"ok": True, "result": True})
    message = Telegram()._callback(json.loads(_press())["callback_query"])
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        webhook_receive(channel=tg_channel, adapter=provider_for("telegram"), parsed=Parsed(messages=[message]))
    assert not fake.calls_to("POST", "/botBOT:TOKEN/answerCallbackQuery") and callbacks
    for callback in callbacks:
        callback()
    assert len(fake.calls_to("POST", "/botBOT:TOKEN/answerCallbackQuery")) == 1


def test_a_failed_answer_is_logged_not_raised(client, fake, menu, tg_channel, caplog):
    fake.routes[("POST", "/botBOT:TOKEN/answerCallbackQuery")] = (
        400,
        {"ok": False, "description": "Bad Request: query is too old and response timeout expired"},
    )
    send(client, tg_channel, update(text="Olá"))
    with caplog.at_level("WARNING", logger="atende.providers"):
        assert send(client, tg_channel, _press()).status_code == 200
    assert Attendance.objects.get().group == menu["vendas"]  # the press still answered the menu
    assert "query is too old" in caplog.text
