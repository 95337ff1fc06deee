"""The web chat's visitor API (SPEC §15): sessions, messages, CORS, identity, abuse, R10."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import TestCase

from attendance.agent_actions import agent_message_send
from attendance.distribution import distribute_group
from attendance.messaging import messages_save, outbound_message
from attendance.models import Attendance, Channel, Message
from customers.models import Customer
from tests.media_samples import PNG
from webchat import services
from webchat.models import WebchatSession

from .conftest import ORIGIN, Visitor

pytestmark = pytest.mark.django_db


def _sign(channel, user_id: str, stamp: int) -> str:
    return hmac.new(channel.identity_secret.encode(), f"{user_id}.{stamp}".encode(), hashlib.sha256).hexdigest()


def _answered_by_eva(eva, text: str) -> Attendance:
    attendance = Attendance.objects.get()
    distribute_group(group_id=attendance.group_id)
    attendance.refresh_from_db()
    agent_message_send(attendance=attendance, agent=eva, kind="text", text=text)
    return attendance


def test_a_visitor_starts_a_conversation_and_reads_the_agents_answer(visitor, eva):
    started = visitor.start(email="maria@example.com")
    assert started.status_code == 201, started.content
    assert started.json()["customer"] == {"name": "Maria Souza", "identified": False}
    assert started["Access-Control-Allow-Origin"] == ORIGIN
    assert visitor.say("Quero saber do meu pedido").status_code == 201
    _answered_by_eva(eva, "Claro! Qual o número do pedido?")
    texts = [(m["mine"], m["text"]) for m in visitor.read().json()["results"]]
    assert (True, "Quero saber do meu pedido") in texts
    assert (False, "Claro! Qual o número do pedido?") in texts
    customer = Customer.objects.get()
    assert (customer.network, customer.display_name, customer.email) == ("webchat", "Maria Souza", "maria@example.com")
    assert Attendance.objects.get().channel.provider == "webchat"


def test_the_consent_is_recorded_with_its_text_version_and_time(visitor, channel):
    visitor.start()
    session = WebchatSession.objects.get()
    assert session.consent_text == channel.consent_text
    assert session.consent_version == channel.consent_version and len(session.consent_version) == 12
    assert session.consent_at is not None and session.channel == channel


def test_it_refuses_the_form_without_the_consent_or_the_name(visitor):
    response = visitor.start(consent=False, name="")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["consent"] == ["Aceite os termos para iniciar a conversa."]
    assert errors["name"] == ["Este campo é obrigatório."]
    assert not Customer.objects.exists() and not WebchatSession.objects.exists()


def test_it_refuses_a_wrong_email_or_phone_in_portuguese(visitor):
    response = visitor.start(email="maria@", phone="123")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "phone"}
    assert not Customer.objects.exists()


def test_a_reload_continues_with_the_same_token(visitor, eva):
    visitor.start()
    visitor.say("Olá")
    again = Visitor(visitor_channel := WebchatSession.objects.get().channel)
    again.token = visitor.token  # another tab: the token kept in the browser
    assert [m["text"] for m in again.read().json()["results"]][:1] == ["Olá"]
    assert again.say("Continuo aqui").status_code == 201
    assert Attendance.objects.count() == 1 and visitor_channel.provider == "webchat"


def test_messages_after_an_id_are_only_the_newer_ones(visitor, eva):
    visitor.start()
    first = visitor.say("um").json()["id"]
    visitor.say("dois")
    assert [m["text"] for m in visitor.read(after=first).json()["results"]] == ["dois"]


def test_a_second_visitor_can_never_read_the_first_ones_messages(channel, visitor, eva):
    visitor.start()
    visitor.say("meu CPF é 123")
    other = Visitor(channel, address="198.51.100.9")
    other.start(name="João")
    assert [m["text"] for m in other.read().json()["results"]] == []
    forged = Visitor(channel)
    forged.token = visitor.token[:-2] + ("aa" if not visitor.token.endswith("aa") else "bb")
    assert forged.read().status_code == 401
    assert Visitor(channel).read().status_code == 401  # no token at all


def test_notes_never_reach_the_visitor(visitor, eva):
    visitor.start()
    visitor.say("oi")
    attendance = _answered_by_eva(eva, "Olá!")
    from django.utils import timezone

    messages_save([outbound_message(attendance=attendance, body="cliente nervoso", at=timezone.now(),
                                    sender="system", to_customer=False)])  # fmt: skip
    assert "cliente nervoso" not in [m["text"] for m in visitor.read().json()["results"]]


def test_a_blocked_origin_gets_403_and_nothing_is_written(channel):
    intruder = Visitor(channel, origin="https://golpe.example")
    response = intruder.start()
    assert response.status_code == 403
    assert response.json()["detail"] == "Este site não pode usar este chat."
    assert "Access-Control-Allow-Origin" not in response
    assert not Customer.objects.exists() and not WebchatSession.objects.exists()
    preflight = intruder.client.options(intruder.base + "messages/")
    assert preflight.status_code == 403


def test_the_preflight_of_an_allowed_origin_allows_the_token_header(visitor):
    response = visitor.client.options(visitor.base + "messages/", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Authorization" in response["Access-Control-Allow-Headers"]


def test_an_identified_visitor_is_the_same_customer_on_every_device(channel, eva):
    stamp = int(time.time())
    identity = {"id": "cliente-42", "name": "Ana Lima", "email": "ana@example.com", "timestamp": stamp,
                "hash": _sign(channel, "cliente-42", stamp)}  # fmt: skip
    phone, laptop = Visitor(channel), Visitor(channel, address="198.51.100.20")
    assert phone.start(name="", identity=identity).status_code == 201
    response = laptop.start(name="", identity=identity)
    assert response.status_code == 201 and response.json()["customer"] == {"name": "Ana Lima", "identified": True}
    assert Customer.objects.count() == 1
    phone.say("pelo celular")
    assert [m["text"] for m in laptop.read().json()["results"]] == ["pelo celular"]


@pytest.mark.parametrize("case", ["forged", "expired", "future", "other_id"])
def test_a_wrong_or_old_identity_is_refused_with_403_and_links_nothing(channel, case):
    stamp = int(time.time())
    identity = {"id": "cliente-42", "timestamp": stamp, "hash": _sign(channel, "cliente-42", stamp)}
    if case == "forged":
        identity["hash"] = hmac.new(b"wrong secret", f"cliente-42.{stamp}".encode(), hashlib.sha256).hexdigest()
    elif case == "expired":
        old = stamp - 301
        identity.update(timestamp=old, hash=_sign(channel, "cliente-42", old))
    elif case == "future":
        later = stamp + 600
        identity.update(timestamp=later, hash=_sign(channel, "cliente-42", later))
    else:
        identity["id"] = "cliente-43"
    response = Visitor(channel).start(identity=identity)
    assert response.status_code == 403
    assert response.json()["detail"] == "A identificação deste visitante pelo site é inválida ou expirou."
    assert not Customer.objects.exists() and not WebchatSession.objects.exists()


def test_too_many_messages_from_one_visitor_get_429_in_portuguese(visitor, eva, monkeypatch):
    monkeypatch.setattr(services, "MESSAGES_PER_MINUTE", 3)
    visitor.start()
    assert [visitor.say(f"msg {n}").status_code for n in range(3)] == [201, 201, 201]
    response = visitor.say("mais uma")
    assert response.status_code == 429
    assert response.json()["detail"] == "Muitas tentativas em pouco tempo. Aguarde um minuto e tente de novo."
    assert response["Access-Control-Allow-Origin"] == ORIGIN  # the widget can read why
    assert Message.objects.filter(body="mais uma").count() == 0


def test_too_many_sessions_from_one_address_get_429(channel):
    results = [Visitor(channel).start(name=f"V{n}").status_code for n in range(6)]
    assert results == [201] * 5 + [429]


def test_a_text_over_4096_characters_is_refused(visitor):
    visitor.start()
    response = visitor.say("a" * 4097)
    assert response.status_code == 400
    assert response.json()["detail"] == "A mensagem é longa demais: no máximo 4096 caracteres."


def test_files_follow_the_groups_rules_and_their_sniffed_type(visitor, eva):
    visitor.start()
    with TestCase.captureOnCommitCallbacks(execute=True):
        image = visitor.upload("foto.png", PNG)
    assert image.status_code == 201, image.content
    assert image.json()["kind"] == "image"
    fake_pdf = visitor.upload("contrato.pdf", PNG)  # a PNG named .pdf is an image: allowed
    assert fake_pdf.json()["kind"] == "image"
    document = visitor.upload("nota.txt", b"texto simples do cliente")
    assert document.status_code == 400
    assert "documentos" in document.json()["detail"]
    junk = visitor.upload("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
    assert junk.status_code == 400


def test_encerrar_conversa_closes_it_and_offers_the_survey(visitor, eva):
    visitor.start()
    visitor.say("oi")
    _answered_by_eva(eva, "Olá!")
    response = visitor.client.post(visitor.base + "close/", HTTP_AUTHORIZATION=f"Bearer {visitor.token}")
    assert response.status_code == 200 and response.json()["closed"] is True
    assert Attendance.objects.get().status == "closed"


def test_an_unknown_channel_is_404(db):
    response = Visitor.__new__(Visitor)
    from django.test import Client

    assert Client(HTTP_ORIGIN=ORIGIN).get("/webchat/nao-existe/messages/").status_code == 404
    assert response is not None


def test_the_widget_script_carries_its_api_address(channel, client):
    response = client.get(f"/webchat/{channel.public_id}/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert f"/webchat/{channel.public_id}/" in response.content.decode()


def test_the_admin_shows_the_embed_line_with_copiar_and_the_identity_secret_once(client, admin_user):
    from tests.factories import PASSWORD

    client.post("/accounts/login/", {"username": admin_user.username, "password": PASSWORD})
    response = client.post("/admin/attendance/channel/add/", {
        "name": "Chat do site", "network": "webchat", "provider": "webchat", "is_active": "on",
        "allowed_origins": "https://loja.example\nhttps://www.loja.example", "title": "Fale conosco",
        "greeting": "Olá!", "color": "#0b5cad", "consent_text": "", "prechat_email": "required",
        "prechat_phone": "off", "prechat_document": "optional",
    }, follow=True)  # fmt: skip
    assert response.status_code == 200
    channel = Channel.objects.get()
    assert channel.prechat_fields == {"email": "required", "phone": "off", "document": "optional"}
    assert channel.origins == ["https://loja.example", "https://www.loja.example"]
    assert len(channel.identity_secret) == 64 and channel.identity_secret in response.content.decode()
    page = client.get(f"/admin/attendance/channel/{channel.pk}/change/").content.decode()
    assert f"/webchat/{channel.public_id}/widget.js" in page and "Copiar" in page
    assert channel.identity_secret not in page  # shown once
    old = channel.identity_secret
    rotated = client.post("/admin/attendance/channel/", {"action": "rotate_identity_secret",
                                                         "_selected_action": [channel.pk]}, follow=True)  # fmt: skip
    channel.refresh_from_db()
    assert channel.identity_secret != old and channel.identity_secret in rotated.content.decode()


def test_the_admin_refuses_an_origin_that_is_not_a_site_address(client, admin_user):
    from tests.factories import PASSWORD

    client.post("/accounts/login/", {"username": admin_user.username, "password": PASSWORD})
    response = client.post("/admin/attendance/channel/add/", {
        "name": "Chat", "network": "webchat", "provider": "webchat", "allowed_origins": "loja.example/contato",
        "color": "#0b5cad", "prechat_email": "off", "prechat_phone": "off", "prechat_document": "off",
    })  # fmt: skip
    assert response.status_code == 200
    assert (
        "Não é um endereço de site como https://www.exemplo.com.br: loja.example/contato" in response.content.decode()
    )
    assert not Channel.objects.exists()


def test_the_api_creates_a_web_chat_and_shows_its_identity_secret_once(api_as, admin_user):
    api = api_as(admin_user)
    body = api.post("/api/v1/channels/", {"name": "Chat", "network": "webchat", "provider": "webchat",
                                          "allowed_origins": ORIGIN}, format="json").json()  # fmt: skip
    assert len(body["identity_secret"]) == 64
    assert body["webhook_url"].endswith(f"/webchat/{body['public_id']}/widget.js")
    again = api.get(f"/api/v1/channels/{body['id']}/").json()
    assert again["identity_secret"] is None


def test_the_demo_page_embeds_the_demo_channel(channel, client):
    page = client.get("/webchat/demo/").content.decode()
    assert f'<script src="/webchat/{channel.public_id}/widget.js" async></script>' in page


def test_outside_the_groups_hours_the_widget_is_told_and_a_left_message_opens_an_attendance(channel, visitor, eva):
    from calendars.models import Calendar
    from calendars.services import calendar_save

    closed = calendar_save(calendar=Calendar(name="Nunca", company=eva.group.operation.company, intervals=[]))
    eva.group.calendar = closed
    eva.group.out_of_hours_action = "close"
    from attendance.services import group_save

    group_save(group=eva.group)
    look = Visitor(channel).client.get(visitor.base + "sessions/").json()["channel"]
    assert look["open_hours"] is False
    visitor.start()
    assert visitor.say("Podem me ligar amanhã?").status_code == 201
    attendance = Attendance.objects.get()
    assert attendance.status == "closed" and attendance.close_reason == "out_of_hours"
    assert Message.objects.filter(attendance=attendance, body="Podem me ligar amanhã?").exists()


def test_the_event_stream_sends_the_agents_message_and_the_state(visitor, eva, monkeypatch):
    from webchat import views

    monkeypatch.setattr(views, "STREAM_SECONDS", 0)  # one round, then the stream ends
    visitor.start()
    visitor.say("oi")
    _answered_by_eva(eva, "Olá, sou a Eva.")
    response = visitor.client.get(visitor.base + f"events/?token={visitor.token}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/event-stream")
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    body = b"".join(response.streaming_content).decode()
    events = [block.split("\n") for block in body.split("\n\n") if "event: " in block]
    sent = {(lines[-2], json.loads(lines[-1].removeprefix("data: ")).get("text")) for lines in events}
    assert ("event: message", "Olá, sou a Eva.") in sent and ("event: state", None) in sent
    forged = visitor.client.get(visitor.base + "events/?token=nada")
    assert forged.status_code == 401


def test_the_agent_is_told_when_the_visitor_types(visitor, eva, monkeypatch):
    told = []
    monkeypatch.setattr(services, "live_publish_on_commit", lambda **kw: told.append(kw))
    visitor.start()
    visitor.say("oi")
    attendance = _answered_by_eva(eva, "Olá!")
    response = visitor.client.post(visitor.base + "typing/", HTTP_AUTHORIZATION=f"Bearer {visitor.token}")
    assert response.status_code == 204
    assert told == [{"user_ids": [eva.pk], "event": "typing", "data": {"attendance": attendance.pk}}]


def test_a_token_of_another_web_chat_opens_nothing_there(channel, visitor):
    other = Channel(name="Outro chat", network="webchat", provider="webchat", allowed_origins=ORIGIN)
    from attendance.services import channel_save

    channel_save(channel=other)
    visitor.start()
    stranger = Visitor(other)
    stranger.token = visitor.token
    assert stranger.read().status_code == 401
    assert stranger.say("oi").status_code == 401


@pytest.mark.parametrize("origin", ["http://[::1", "https://loja.example:porta", "ftp://loja.example", "https://"])
def test_the_api_refuses_an_allowed_origin_that_is_no_site_address(api_as, admin_user, origin):
    response = api_as(admin_user).post("/api/v1/channels/", {"name": "Chat", "network": "webchat",
                                                             "provider": "webchat", "allowed_origins": origin},
                                       format="json")  # fmt: skip
    assert response.status_code == 400 and "allowed_origins" in response.json()


def test_the_demo_data_has_a_web_chat_for_make_runs_own_address(client):
    from demo.loader import seed_demo

    seed_demo()
    channel = Channel.objects.get(provider="webchat")
    assert "http://127.0.0.1:8000" in channel.origins
    page = client.get("/webchat/demo/").content.decode()
    assert f"/webchat/{channel.public_id}/widget.js" in page
    visitor = Visitor(channel, origin="http://127.0.0.1:8000")
    assert visitor.start().status_code == 201


@pytest.mark.django_db(transaction=True)  # the view runs in another thread: it reads committed rows
def test_under_asgi_the_event_stream_is_asynchronous_and_sends_the_messages(visitor, eva, monkeypatch):
    from django.test import AsyncClient

    from webchat import views

    monkeypatch.setattr(views, "STREAM_SECONDS", 0)
    visitor.start()
    visitor.say("oi pelo servidor assíncrono")

    async def read() -> str:
        response = await AsyncClient().get(visitor.base + f"events/?token={visitor.token}", headers={"Origin": ORIGIN})
        assert response.status_code == 200, response.content
        assert response.is_async  # not buffered whole by Django
        return "".join([part.decode() async for part in response.streaming_content])

    from asgiref.sync import async_to_sync

    body = async_to_sync(read)()
    assert "event: message" in body and "event: state" in body
