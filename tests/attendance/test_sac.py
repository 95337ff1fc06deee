"""SAC (Decreto 11.034/2022, SPEC §14): the protocol in the first message, "protocolo" at any
time, and the answer deadline in the dashboard and the monitor's filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from attendance.models import Attendance, Bot, BotKind, Message, ServiceGroup, Status
from attendance.services import bot_save, group_save
from tests.factories import ServiceGroupFactory, make_channel, queued_attendance

pytestmark = pytest.mark.django_db


def _inbound(api, token, text, phone="(34) 99123-4567"):
    payload = {"network": "whatsapp", "country_code": "55", "phone": phone, "display_name": "Maria Silva",
               "kind": "text", "text": text}  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post("/api/v1/inbound/", payload, format="json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code in (200, 201), response.content
    return Attendance.objects.get(pk=response.json()["attendance"])


def _to_customer(attendance):
    return [m.body for m in Message.objects.filter(attendance=attendance, sender="bot").order_by("pk")]


@pytest.fixture
def menu_group(operation_a):
    """A main group as an admin creates it (the model's defaults) with a service bot."""
    bot = bot_save(bot=Bot(name="menu", kind=BotKind.SERVICE, menu={"text": "Escolha:", "options": [
        {"key": "1", "label": "Sair", "action": "close"}]}))  # fmt: skip
    return group_save(group=ServiceGroup(name="Atendimento", operation=operation_a, initialization_bot=bot))


def test_the_protocol_is_on_by_default_and_comes_first(api, menu_group):
    assert menu_group.send_protocol is True
    _channel, token = make_channel()
    attendance = _inbound(api, token, "Olá")
    said = _to_customer(attendance)
    assert said[0] == f"Seu protocolo de atendimento é {attendance.protocol}."
    assert said[1].startswith("Escolha:")


def test_typing_protocolo_answers_it_again_and_is_no_menu_choice(api, menu_group):
    _channel, token = make_channel()
    attendance = _inbound(api, token, "Olá")
    attendance = _inbound(api, token, "Qual o PROTOCOLO?")
    said = _to_customer(attendance)
    assert said[-1] == f"Seu protocolo de atendimento é {attendance.protocol}."
    assert not any("não entendi" in body.casefold() for body in said)
    assert attendance.status == Status.BOT
    long_sentence = _inbound(api, token, "eu quero saber o número do meu protocolo por favor")
    assert _to_customer(long_sentence)[-1].startswith("Desculpe")  # a sentence is for the bot, not the rule


def test_without_send_protocol_it_is_only_told_on_request(api, operation_a):
    group = ServiceGroupFactory(name="Direto", operation=operation_a)  # no bot: queued at once
    assert group.send_protocol is False
    _channel, token = make_channel()
    attendance = _inbound(api, token, "Olá")
    assert not any(body.startswith("Seu protocolo") for body in _to_customer(attendance))
    attendance = _inbound(api, token, "protocolo")
    assert _to_customer(attendance)[-1] == f"Seu protocolo de atendimento é {attendance.protocol}."
    assert attendance.status == Status.QUEUED


@pytest.fixture
def waiting(operation_a):
    group = ServiceGroupFactory(name="Suporte", operation=operation_a)
    now = timezone.now()
    old = queued_attendance(group, "(34) 99000-0001", queued_at=now - timedelta(days=8))
    recent = queued_attendance(group, "(34) 99000-0002", queued_at=now - timedelta(days=6))
    return {"group": group, "old": old, "recent": recent}


def test_past_the_deadline_shows_in_the_dashboard_and_the_monitor(api_as, web_as, admin_user, waiting, company):
    dashboard = api_as(admin_user).get("/api/v1/dashboard/").json()
    assert dashboard["totals"]["sac_overdue"] == 1
    assert dashboard["groups"][0]["sac_overdue"] == 1
    page = web_as(admin_user).get("/monitor/?sac_overdue=1").content.decode()
    assert waiting["old"].protocol in page and waiting["recent"].protocol not in page
    assert "Fora do prazo SAC" in page
    company.answer_deadline_days = 5
    company.save()
    assert api_as(admin_user).get("/api/v1/dashboard/").json()["totals"]["sac_overdue"] == 2


def test_the_dashboard_names_the_figure_fora_do_prazo_sac(web_as, admin_user, waiting):
    page = web_as(admin_user).get("/dashboard/").content.decode()
    assert "Fora do prazo SAC" in page


def test_the_deadline_is_between_1_and_365_days_with_a_message(api_as, admin_user, company):
    response = api_as(admin_user).patch(f"/api/v1/companies/{company.pk}/", {"answer_deadline_days": 0},
                                        format="json", HTTP_ACCEPT_LANGUAGE="pt-br")  # fmt: skip
    assert response.status_code == 400 and "answer_deadline_days" in response.json()
    assert api_as(admin_user).get(f"/api/v1/companies/{company.pk}/").json()["answer_deadline_days"] == 7
