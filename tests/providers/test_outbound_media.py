"""An agent's attachment goes out as the provider's media message (SPEC §8.2.1 outbound):
WhatsApp Cloud uploads then sends by id, Telegram uploads to sendPhoto/sendVoice/
sendDocument…, Twilio gets a signed, expiring public URL of Atende's own. The fake
provider server records the exact requests; the multipart bodies are parsed with the
standard library's MIME parser. Deliveries run through the real Celery task (eager), so
a 5xx is retried by the task's own ``autoretry_for`` (eager retries run at once)."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from attendance.models import Message
from attendance.public_media import public_media_path
from tests.media_samples import PDF, PNG
from workspace.services import workspace_message_send

from .conftest import PHONE_NUMBER_ID, make_provider_channel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_retries(monkeypatch):
    """The test settings propagate eager tasks' exceptions, which also raises a task's
    ``Retry``; without propagation Celery runs the retry itself, as a worker would."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


OGG = b"OggS\x00\x02" + b"\x00" * 400
WA_MEDIA = f"/v21.0/{PHONE_NUMBER_ID}/media"
WA_MESSAGES = f"/v21.0/{PHONE_NUMBER_ID}/messages"


def agent_sends(attendance, agent, *, text="", name="", content=b"") -> Message:
    """Eva sends from the workspace; the delivery runs when the request commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        message = workspace_message_send(attendance=attendance, agent=agent, kind="text", text=text,
                                         file=SimpleUploadedFile(name, content))  # fmt: skip
    message.refresh_from_db()
    return message


def flaky(answers):
    """A route answering each of ``answers`` in turn, then the last one for ever."""
    answers = list(answers)

    def answer(call):
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return answer


# WhatsApp Cloud ------------------------------------------------------------------------------


def test_whatsapp_a_document_is_uploaded_then_sent_by_id_and_a_5xx_is_retried(fake, desk, wa_channel):
    attendance = desk(wa_channel, "+5534991234567")
    fake.routes[("POST", WA_MEDIA)] = flaky([(503, {"error": {"message": "busy"}}), (200, {"id": "4490709327384033"})])
    message = agent_sends(attendance, desk.eva, text="segue o boleto", name="boleto.pdf", content=PDF)

    first, upload = fake.calls_to("POST", WA_MEDIA)  # the first answered 503: the task retried
    assert upload.headers["Authorization"] == "Bearer EAAG-access"
    parts = upload.multipart()
    assert sorted(parts) == ["file", "messaging_product", "type"]
    assert (parts["messaging_product"].text, parts["type"].text) == ("whatsapp", "application/pdf")
    assert (parts["file"].filename, parts["file"].content_type, parts["file"].content) == (
        "boleto.pdf", "application/pdf", PDF)  # fmt: skip
    (send,) = fake.calls_to("POST", WA_MESSAGES)
    assert send.json() == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "5534991234567", "type": "document",
        "document": {"id": "4490709327384033", "caption": "*Eva Agente*: segue o boleto", "filename": "boleto.pdf"},
    }  # fmt: skip
    assert (message.delivery, message.provider_message_id, message.delivery_attempts) == ("sent", "wamid.OUT1", 2)


def test_whatsapp_an_image_without_text_carries_the_agents_name(fake, desk, wa_channel):
    attendance = desk(wa_channel, "+5534991234567")
    fake.routes[("POST", WA_MEDIA)] = (200, {"id": "777"})
    message = agent_sends(attendance, desk.eva, name="foto.png", content=PNG)
    (send,) = fake.calls_to("POST", WA_MESSAGES)
    assert send.json()["type"] == "image" and send.json()["image"] == {"id": "777", "caption": "*Eva Agente*"}
    assert fake.calls_to("POST", WA_MEDIA)[0].multipart()["type"].text == "image/png"
    assert message.provider_message_id == "wamid.OUT1"


def test_whatsapp_audio_takes_no_caption_so_the_text_follows_once_even_when_retried(fake, desk, wa_channel):
    """The audio's id is stored before the text goes: the retry after a 5xx on the text
    sends the text again, never the audio."""
    from tests.media_samples import wav

    attendance = desk(wa_channel, "+5534991234567")
    fake.routes[("POST", WA_MEDIA)] = (200, {"id": "555"})
    text_answers = [(500, {"error": {"message": "later"}}), (200, {"messages": [{"id": "wamid.TEXT"}]})]
    files = iter(range(1, 100))

    def messages(call):
        if call.json()["type"] != "text":
            return 200, {"messages": [{"id": f"wamid.FILE{next(files)}"}]}
        return text_answers.pop(0) if len(text_answers) > 1 else text_answers[0]

    fake.routes[("POST", WA_MESSAGES)] = messages
    message = agent_sends(attendance, desk.eva, text="ouça o recado", name="recado.wav", content=wav())
    # WhatsApp takes no WAV as audio: it goes as a document (which takes a caption).
    assert [c.json()["type"] for c in fake.calls_to("POST", WA_MESSAGES)] == ["document"]
    assert fake.calls_to("POST", WA_MESSAGES)[0].json()["document"]["caption"] == "*Eva Agente*: ouça o recado"
    assert message.provider_message_id == "wamid.FILE1"

    fake.calls.clear()
    ogg = agent_sends(attendance, desk.eva, text="ouça o recado", name="recado.ogg", content=OGG)
    sends = [c.json() for c in fake.calls_to("POST", WA_MESSAGES)]
    assert [s["type"] for s in sends] == ["audio", "text", "text"]
    assert sends[0]["audio"] == {"id": "555"}
    assert sends[2]["text"]["body"] == "*Eva Agente*: ouça o recado"
    assert len(fake.calls_to("POST", WA_MEDIA)) == 1
    assert (ogg.delivery, ogg.provider_message_id) == ("sent", "wamid.FILE2")


def test_whatsapp_a_file_over_its_limit_fails_with_the_reason(fake, desk, wa_channel, settings):
    settings.MEDIA_MAX_BYTES = {**settings.MEDIA_MAX_BYTES, "image": 6 * 1024 * 1024}
    attendance = desk(wa_channel, "+5534991234567")
    big = PNG + b"\x00" * (5 * 1024 * 1024)
    message = agent_sends(attendance, desk.eva, name="grande.png", content=big)
    assert message.delivery == "failed"
    assert message.delivery_error == "O arquivo é grande demais para o WhatsApp: no máximo 5 MB."
    assert not fake.calls_to("POST", WA_MEDIA) and not fake.calls_to("POST", WA_MESSAGES)


def test_whatsapp_a_refused_upload_fails_without_retry(fake, desk, wa_channel):
    attendance = desk(wa_channel, "+5534991234567")
    fake.routes[("POST", WA_MEDIA)] = (400, {"error": {"message": "(#131053) Media upload error"}})
    message = agent_sends(attendance, desk.eva, name="boleto.pdf", content=PDF)
    assert message.delivery == "failed" and "131053" in message.delivery_error
    assert len(fake.calls_to("POST", WA_MEDIA)) == 1 and not fake.calls_to("POST", WA_MESSAGES)


# Telegram ---------------------------------------------------------------------------------


def telegram_ok(call):
    return 200, {"ok": True, "result": {"message_id": 2001, "chat": {"id": 1111111}}}


def test_telegram_a_photo_is_a_multipart_send_photo_with_a_caption_and_a_5xx_is_retried(fake, desk, tg_channel):
    attendance = desk(tg_channel, "tg:1111111")
    fake.routes[("POST", "/botBOT:TOKEN/sendPhoto")] = flaky([(502, b"Bad Gateway"), telegram_ok(None)])
    message = agent_sends(attendance, desk.eva, text="comprovante", name="pix.png", content=PNG)
    first, call = fake.calls_to("POST", "/botBOT:TOKEN/sendPhoto")
    parts = call.multipart()
    assert sorted(parts) == ["caption", "chat_id", "photo"]
    assert (parts["chat_id"].text, parts["caption"].text) == ("1111111", "Eva Agente: comprovante")
    assert (parts["photo"].filename, parts["photo"].content_type, parts["photo"].content) == ("pix.png", "image/png",
                                                                                              PNG)  # fmt: skip
    assert (message.delivery, message.provider_message_id) == ("sent", "1111111:2001")


@pytest.mark.parametrize(("name", "content", "method", "field"), [
    ("boleto.pdf", PDF, "sendDocument", "document"),
    ("voz.ogg", OGG, "sendVoice", "voice"),
])  # fmt: skip
def test_telegram_picks_the_method_by_the_files_type(fake, desk, tg_channel, name, content, method, field):
    attendance = desk(tg_channel, "tg:1111111")
    fake.routes[("POST", f"/botBOT:TOKEN/{method}")] = telegram_ok
    message = agent_sends(attendance, desk.eva, name=name, content=content)
    (call,) = fake.calls_to("POST", f"/botBOT:TOKEN/{method}")
    parts = call.multipart()
    assert parts[field].content == content and parts[field].filename == name
    assert parts["caption"].text == "Eva Agente"
    assert message.provider_message_id == "1111111:2001"


def test_telegram_a_long_text_follows_the_file(fake, desk, tg_channel):
    attendance = desk(tg_channel, "tg:1111111")
    fake.routes[("POST", "/botBOT:TOKEN/sendDocument")] = telegram_ok
    long_text = "x" * 1100
    message = agent_sends(attendance, desk.eva, text=long_text, name="boleto.pdf", content=PDF)
    (document,) = fake.calls_to("POST", "/botBOT:TOKEN/sendDocument")
    assert "caption" not in document.multipart()
    (text,) = fake.calls_to("POST", "/botBOT:TOKEN/sendMessage")
    assert text.json() == {"chat_id": "1111111", "text": f"Eva Agente: {long_text}"}
    assert message.provider_message_id == "1111111:2001"


# Twilio -------------------------------------------------------------------------------------


def test_twilio_gets_a_signed_public_url_that_serves_the_file_without_a_session(fake, desk, tw_channel, settings):
    settings.ATENDE_PUBLIC_URL = "https://atende.example.com"
    attendance = desk(tw_channel, "+5534991234567")
    message = agent_sends(attendance, desk.eva, text="segue", name="boleto.pdf", content=PDF)
    (call,) = fake.calls_to("POST", "/2010-04-01/Accounts/AC123/Messages.json")
    form = call.form()
    assert (form["To"], form["Body"]) == ("whatsapp:+5534991234567", "*Eva Agente*: segue")
    prefix = f"https://atende.example.com/public-media/{message.pk}/"
    assert form["MediaUrl"].startswith(prefix)
    assert form["StatusCallback"] == f"https://atende.example.com/webhooks/twilio/{tw_channel.public_id}/"
    assert message.delivery == "sent" and message.provider_message_id.startswith("SMout")

    path = form["MediaUrl"].removeprefix("https://atende.example.com")
    anonymous = Client()
    response = anonymous.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    _pk, expires, signature = path.strip("/").split("/")[1:]
    assert anonymous.get(path.replace(signature, "0" * len(signature))).status_code == 404
    assert anonymous.get(path.replace(expires, str(int(expires) + 1))).status_code == 404  # expiry is signed
    assert anonymous.get(path.replace(f"/{message.pk}/", f"/{message.pk + 1}/")).status_code == 404
    expired = public_media_path(message_id=message.pk, now=time.time() - settings.PUBLIC_MEDIA_URL_SECONDS - 1)
    assert anonymous.get(expired).status_code == 404
    assert anonymous.post(path).status_code == 405


def test_twilio_without_a_public_address_fails_saying_why(fake, desk, tw_channel, settings):
    settings.ATENDE_PUBLIC_URL = ""
    attendance = desk(tw_channel, "+5534991234567")
    message = agent_sends(attendance, desk.eva, name="boleto.pdf", content=PDF)
    assert message.delivery == "failed" and "ATENDE_PUBLIC_URL" in message.delivery_error
    assert not fake.calls_to("POST", "/2010-04-01/Accounts/AC123/Messages.json")


def test_twilio_sms_takes_at_most_5_mb(fake, desk, settings):
    settings.ATENDE_PUBLIC_URL = "https://atende.example.com"
    channel = make_provider_channel("twilio", "sms", account_sid="AC123", auth_token="t", from_number="+14155550000")
    attendance = desk(channel, "+5534991234567")
    message = agent_sends(attendance, desk.eva, name="grande.pdf", content=PDF + b" " * (5 * 1024 * 1024))
    assert message.delivery == "failed" and message.delivery_error.endswith("Twilio: no máximo 5 MB.")


def test_a_public_media_url_never_serves_a_customers_file(client, fake, menu, tw_channel):
    """Only files sent to customers: an inbound file stays behind the workspace's login."""
    from .test_twilio import inbound, send

    fake.routes[("GET", "/m/1")] = (200, PNG, {"Content-Type": "image/png"})
    send(client, tw_channel, inbound(NumMedia="1", MediaUrl0=f"{fake.url}/m/1", MediaContentType0="image/png"))
    received = Message.objects.get(sender="customer")
    assert received.media
    assert Client().get(public_media_path(message_id=received.pk)).status_code == 404


# Generic ------------------------------------------------------------------------------------


def test_the_generic_webhook_adapter_still_posts_the_kind_and_text_only(fake, desk):
    """Unchanged: a generic channel's integration receives the kind and the text (no file)."""
    from tests.factories import make_channel

    channel, _token = make_channel("whatsapp", outbound_webhook_url=f"{fake.url}/hook")
    fake.routes[("POST", "/hook")] = (200, {})
    attendance = desk(channel, "+5534991234567")
    message = agent_sends(attendance, desk.eva, text="segue", name="boleto.pdf", content=PDF)
    (call,) = fake.calls_to("POST", "/hook")
    assert (call.json()["kind"], call.json()["text"]) == ("document", "segue")
    assert message.delivery == "sent"
