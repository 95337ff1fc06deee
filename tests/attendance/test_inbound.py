"""SPEC §8.2: channels, the inbound webhook, the bot's menu and the hand-off to a queue."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.test import TestCase

from attendance.models import Attendance, Bot, BotKind, Channel, Message, Status
from attendance.services import bot_save, group_save
from customers.models import Customer
from customers.services import customer_save
from tests.factories import ServiceGroupFactory, UserFactory, make_channel, online
from users.models import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/inbound/"


@pytest.fixture
def setup(operation_a, company):
    """A main group with a service bot: 1 Vendas (child), 2 Sair."""
    vendas = ServiceGroupFactory(name="Vendas", operation=operation_a)
    plantao = ServiceGroupFactory(name="Plantão", operation=operation_a, requires_online_agent=True)
    bot = bot_save(bot=Bot(name="menu", kind=BotKind.SERVICE, menu={
        "text": "Escolha:",
        "options": [
            {"key": "1", "label": "Vendas", "action": "transfer_to_group", "group": vendas.pk},
            {"key": "2", "label": "Plantão", "action": "transfer_to_group", "group": plantao.pk},
            {"key": "3", "label": "Mais", "action": "menu",
             "menu": {"text": "Outras:", "options": [{"key": "1", "label": "Sair", "action": "close"}]}},
        ],
    }))  # fmt: skip
    main = ServiceGroupFactory(name="Atendimento", operation=operation_a)
    main.initialization_bot = bot
    group_save(group=main)
    for child in (vendas, plantao):
        child.parent = main
        group_save(group=child)
    channel, token = make_channel()
    return {"main": main, "vendas": vendas, "plantao": plantao, "channel": channel, "token": token}


def _post(api, token, text="oi", phone="(34) 99123-4567", **extra):
    payload = {"network": "whatsapp", "country_code": "55", "phone": phone, "display_name": "Maria Silva",
               "kind": "text", "text": text, **extra}  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        return api.post(URL, payload, format="json", HTTP_AUTHORIZATION=f"Bearer {token}")


def _bodies(attendance):
    return [m.body for m in Message.objects.filter(attendance=attendance, sender="bot")]


def test_a_bad_or_inactive_token_gets_401(api, setup):
    assert _post(api, "wrong").status_code == 401
    Channel.objects.filter(pk=setup["channel"].pk).update(is_active=False)
    assert _post(api, setup["token"]).status_code == 401
    assert api.post(URL, {}, format="json").status_code == 401
    assert not Attendance.objects.exists()


def test_a_bad_payload_gets_field_errors(api, setup):
    response = _post(api, setup["token"], phone="+1 202 555 0100", kind="gif")
    assert response.status_code == 400
    assert set(response.json()) == {"kind"}
    response = _post(api, setup["token"], phone="+1 202 555 0100")
    assert response.status_code == 400 and "phone" in response.json()
    assert not Customer.objects.exists()


def test_the_answer_is_json_whatever_accept_says_and_the_body_must_be_json(api, setup):
    """A webhook endpoint (``core.api.JSONOnly``): no negotiation, JSON bodies only."""
    token = f"Bearer {setup['token']}"
    payload = {"network": "whatsapp", "phone": "(34) 99123-4567", "text": "oi"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post(URL, payload, format="json", HTTP_AUTHORIZATION=token, HTTP_ACCEPT="text/html")
    assert response.status_code == 201 and response["Content-Type"] == "application/json"
    assert response.json()["status"] == "bot"
    form = api.post(URL, payload, HTTP_AUTHORIZATION=token)  # multipart
    assert form.status_code == 415 and "detail" in form.json()
    assert Message.objects.filter(direction="in").count() == 1


def test_a_valid_message_takes_the_short_way_and_errors_go_through_drf(api, setup, monkeypatch):
    """``InboundView``: the same answer either way; DRF only sees what the short way refused."""
    from attendance.engine_api import InboundView

    through_drf = []
    original = InboundView.initial
    monkeypatch.setattr(InboundView, "initial", lambda self, request, *a, **k: (through_drf.append(1),
                                                                                original(self, request, *a, **k)))  # fmt: skip
    first, again = _post(api, setup["token"]), _post(api, setup["token"], text="1")
    assert (first.status_code, again.status_code) == (201, 200) and through_drf == []
    assert first.json() == {"protocol": first.json()["protocol"], "attendance": again.json()["attendance"],
                            "status": "bot"} and first["Content-Type"] == "application/json"  # fmt: skip
    assert again.json()["status"] == "queued"
    assert _post(api, setup["token"], kind="gif").status_code == 400 and through_drf == [1]
    assert _post(api, "wrong").status_code == 401 and through_drf == [1, 1]
    Customer.objects.update(is_active=False)  # the engine refuses: nothing written, DRF answers
    refused = _post(api, setup["token"], text="oi de novo")
    assert refused.status_code == 403 and through_drf == [1, 1, 1]
    assert not Message.objects.filter(body="oi de novo").exists()


def test_a_new_customer_meets_the_bot(api, setup):
    response = _post(api, setup["token"])
    assert response.status_code == 201
    body = response.json()
    attendance = Attendance.objects.get(pk=body["attendance"])
    assert body == {"protocol": attendance.protocol, "attendance": attendance.pk, "status": "bot"}
    assert attendance.group == setup["main"] and attendance.customer.phone == "+5534991234567"
    assert attendance.customer.display_name == "Maria Silva"
    greeting = _bodies(attendance)[0]
    # The greeting is the menu, written once (SPEC §3): no greeting line of the engine's own.
    assert greeting == "Escolha:\n1 - Vendas\n2 - Plantão\n3 - Mais" and "Maria" not in greeting


def test_the_greeting_uses_the_name_only_when_the_customer_wants(api, setup):
    customer_save(customer=Customer(), display_name="Maria Silva", phone="34991234567", show_name_in_greeting=True)
    attendance = Attendance.objects.get(pk=_post(api, setup["token"]).json()["attendance"])
    assert _bodies(attendance)[0] == "Olá, Maria!\nEscolha:\n1 - Vendas\n2 - Plantão\n3 - Mais"


def test_a_menu_choice_queues_the_attendance_in_the_child_group(api, setup):
    _post(api, setup["token"])
    response = _post(api, setup["token"], text="1")
    assert response.status_code == 200
    attendance = Attendance.objects.get()
    assert (attendance.status, attendance.group) == (Status.QUEUED, setup["vendas"])
    assert attendance.events.filter(type="queued").exists()


def test_an_invalid_option_shows_the_menu_again_with_a_hint(api, setup):
    _post(api, setup["token"])
    _post(api, setup["token"], text="banana")
    attendance = Attendance.objects.get()
    assert attendance.status == Status.BOT
    assert "1 - Vendas" in _bodies(attendance)[-1] and _bodies(attendance)[-1] != _bodies(attendance)[0]


def test_submenus_and_closing_by_the_bot(api, setup):
    _post(api, setup["token"])
    _post(api, setup["token"], text="3")
    attendance = Attendance.objects.get()
    assert "Outras:" in _bodies(attendance)[-1]
    _post(api, setup["token"], text="sair")
    attendance.refresh_from_db()
    assert (attendance.status, attendance.close_reason) == (Status.CLOSED, "bot")


def test_a_group_that_requires_an_online_agent_refuses_while_nobody_is_online(api, setup, operation_a):
    _post(api, setup["token"])
    _post(api, setup["token"], text="2")
    attendance = Attendance.objects.get()
    assert attendance.status == Status.BOT
    assert "Plantão" in _bodies(attendance)[-1]
    agent = UserFactory(role=Role.AGENT, operations=[operation_a])
    group_save(group=setup["plantao"], agents=[agent])
    online(agent)
    _post(api, setup["token"], text="2")
    attendance.refresh_from_db()
    assert attendance.group == setup["plantao"]
    assert attendance.status in {Status.QUEUED, Status.IN_PROGRESS}


def test_a_message_to_an_open_attendance_is_appended(api, setup):
    first = _post(api, setup["token"]).json()
    second = _post(api, setup["token"], text="1").json()
    assert first["attendance"] == second["attendance"]
    assert Message.objects.filter(attendance_id=first["attendance"], sender="customer").count() == 2


def test_an_inactive_customer_opens_no_attendance(api, setup):
    customer_save(customer=Customer(), display_name="Bloqueado", phone="34991234567", is_active=False)
    response = _post(api, setup["token"])
    assert response.status_code == 403
    assert "inativo" in response.json()["detail"]
    assert not Attendance.objects.exists()


def test_the_customer_group_is_where_a_new_attendance_starts(api, setup):
    customer_save(customer=Customer(), display_name="Cliente", phone="34991234567", group=setup["vendas"])
    attendance = Attendance.objects.get(pk=_post(api, setup["token"]).json()["attendance"])
    assert (attendance.group, attendance.status) == (setup["vendas"], Status.QUEUED)  # no service bot: queued at once


def test_the_database_allows_one_open_attendance_per_customer(setup):
    from django.db import transaction
    from django.utils import timezone

    customer = customer_save(customer=Customer(), display_name="C", phone="34991234567")
    now = timezone.now()
    Attendance.objects.create(protocol="A1", customer=customer, group=setup["main"], opened_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(protocol="A2", customer=customer, group=setup["main"], opened_at=now)
    Attendance.objects.filter(protocol="A1").update(status=Status.CLOSED)
    Attendance.objects.create(protocol="A3", customer=customer, group=setup["main"], opened_at=now)


def test_the_channel_token_is_shown_once(api_as, admin_user):
    client = api_as(admin_user)
    created = client.post("/api/v1/channels/", {"name": "WhatsApp Vendas", "network": "whatsapp"}, format="json")
    assert created.status_code == 201
    token = created.json()["token"]
    assert token and len(token) > 30
    assert client.get(f"/api/v1/channels/{created.json()['id']}/").json()["token"] is None
    assert token not in str(Channel.objects.values())


def test_configuration_edits_reach_the_next_message_through_the_engine_cache(api, setup, settings):
    """The inbound path reads groups and bots from a short per-process cache; a save in
    the process empties it, so the next message already sees the new menu."""
    from attendance.engine_cache import engine_group

    settings.ENGINE_CONFIG_CACHE_SECONDS = 60
    assert _post(api, setup["token"]).status_code == 201
    main = setup["main"]
    assert engine_group(main.pk) is engine_group(main.pk)  # cached: one object, no query
    bot = main.initialization_bot
    bot.menu = {"text": "Novo menu:", "options": [{"key": "1", "label": "Vendas", "action": "transfer_to_group",
                                                   "group": setup["vendas"].pk}]}  # fmt: skip
    bot_save(bot=bot)
    assert _post(api, setup["token"], text="x").status_code == 200
    attendance = Attendance.objects.get(customer__phone="+5534991234567")
    assert "Novo menu:" in _bodies(attendance)[-1]


def test_the_engine_cache_can_be_turned_off(setup, settings, django_assert_num_queries):
    from attendance.engine_cache import engine_group

    settings.ENGINE_CONFIG_CACHE_SECONDS = 0
    with django_assert_num_queries(2):
        engine_group(setup["main"].pk)
        engine_group(setup["main"].pk)


def test_a_channel_deactivated_by_a_save_is_refused_at_once(api, setup, settings):
    settings.ENGINE_CONFIG_CACHE_SECONDS = 60
    assert _post(api, setup["token"]).status_code == 201  # the token is now cached
    channel = setup["channel"]
    channel.is_active = False
    channel.save()  # the admin and the API save: the process's cache is emptied
    assert _post(api, setup["token"]).status_code == 401
