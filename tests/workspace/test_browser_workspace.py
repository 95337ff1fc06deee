"""The agent workspace in a real browser (SPEC §7): two agents online, a customer's
message arriving live, answers with text and an image, receive_only, a transfer that the
other agent sees arrive live, and a close with a required classification — with no
console error on either page."""

from __future__ import annotations

import time

import pytest
import requests
from playwright.sync_api import expect

from attendance.models import Attendance, Message, PauseReason, Status
from customers.models import Customer
from customers.services import customer_save
from tests.factories import PASSWORD, ServiceGroupFactory, UserFactory, make_channel, make_classification
from tests.media_samples import PNG
from users.models import Role
from workspace.models import CannedResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE_SECONDS = 2  # SPEC §7: within 1 s; the test allows 2 on a shared machine
SCREEN = {"width": 1366, "height": 768}


def _agent_page(browser, live_server, username, errors):
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo", viewport=SCREEN)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"{username}: {msg.text}"))
    page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/workspace/")
    expect(page.locator("#ws[data-ready='1']")).to_have_count(1)
    expect(page.locator("#live-status.on")).to_have_count(1)
    return page


def _go_online(page):
    page.select_option("#presence-state", "online")
    expect(page.locator("#presence-dot.online")).to_have_count(1)


def _inbound(live_server, token, text, phone="(34) 99123-4567", name="Maria Cliente"):
    response = requests.post(
        live_server.url + "/api/v1/inbound/",
        json={"network": "whatsapp", "phone": phone, "display_name": name, "text": text},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture
def desk(operation_a):
    """eva answers Suporte (which may transfer to Vendas and send images; closing needs a
    reason); davi answers Vendas; Receptivo only receives."""
    eva = UserFactory(username="eva", display_name="Eva Agente", role=Role.AGENT, operations=[operation_a],
                      max_simultaneous=3)  # fmt: skip
    davi = UserFactory(username="davi", display_name="Davi Agente", role=Role.AGENT, operations=[operation_a],
                       max_simultaneous=3)  # fmt: skip
    reasons = make_classification(name="Motivos", nodes=[
        {"name": "Dúvida", "children": [{"name": "Preço"}, {"name": "Prazo"}]}, {"name": "Elogio"}])  # fmt: skip
    vendas = ServiceGroupFactory(name="Vendas", operation=operation_a, agents=[davi], classification=reasons,
                                 classification_required=True)  # fmt: skip
    suporte = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva], transfer_targets=[vendas],
                                  allow_image=True)  # fmt: skip
    receptivo = ServiceGroupFactory(name="Receptivo", operation=operation_a, agents=[eva], receive_only=True)
    _, token = make_channel("whatsapp")
    # New attendances start in the customer's group.
    customer_save(customer=Customer(), display_name="Maria Cliente", phone="34991234567", group=suporte)
    customer_save(customer=Customer(), display_name="João Receptivo", phone="34991230000", group=receptivo)
    PauseReason.objects.get_or_create(name="Almoço")
    CannedResponse.objects.create(group=None, shortcut="ola", text="Olá {cliente}, aqui é {agente}.")
    return {"eva": eva, "davi": davi, "suporte": suporte, "vendas": vendas, "receptivo": receptivo, "token": token}


@pytest.fixture
def pages(browser, live_server):
    """``open(username)``: a logged-in workspace page; every context is closed at the end
    (their live streams end with them)."""
    contexts, errors = [], []

    def open_page(username):
        page = _agent_page(browser, live_server, username, errors)
        contexts.append(page.context)
        return page

    open_page.errors = errors
    yield open_page
    for context in contexts:
        context.close()


def test_two_agents_answer_transfer_and_close_live(live_server, pages, desk):
    errors = pages.errors
    eva = pages("eva")
    davi = pages("davi")
    _go_online(eva)
    _go_online(davi)

    # A customer writes: the attendance reaches Eva's open page, without reloading.
    started = time.monotonic()
    result = _inbound(live_server, desk["token"], "Olá, preciso de ajuda")
    expect(eva.locator("#inbox .item")).to_have_count(1, timeout=LIVE_SECONDS * 1000)
    expect(eva.locator("#messages")).to_contain_text("Olá, preciso de ajuda", timeout=LIVE_SECONDS * 1000)
    assert time.monotonic() - started < LIVE_SECONDS + 1
    assert eva.title().startswith("(1) ")  # the tab's title counts the new assignment
    attendance = Attendance.objects.get(pk=result["attendance"])
    assert attendance.agent == desk["eva"]

    # A second message, while the conversation is open, appears by itself.
    started = time.monotonic()
    _inbound(live_server, desk["token"], "O pedido 123 não chegou")
    expect(eva.locator("#messages")).to_contain_text("O pedido 123 não chegou", timeout=LIVE_SECONDS * 1000)
    assert time.monotonic() - started < LIVE_SECONDS + 1

    # A canned response typed as /ola, then Ctrl+Enter.
    eva.fill("#text", "/ola")
    eva.locator("#text").dispatch_event("input")
    expect(eva.locator("#canned li")).to_have_count(1)
    eva.locator("#canned li").click()
    expect(eva.locator("#text")).to_have_value("Olá Maria, aqui é Eva Agente.")  # {cliente}: the first name
    eva.locator("#text").press("Control+Enter")
    expect(eva.locator("#messages .msg.agent")).to_contain_text("Olá Maria, aqui é Eva Agente.")

    # An image: stored, shown inline from the authenticated media view.
    eva.set_input_files("#attach", files=[{"name": "comprovante.png", "mimeType": "image/png", "buffer": PNG}])
    expect(eva.locator("#attachment")).to_contain_text("comprovante.png")
    eva.click("#send")
    image = eva.locator("#messages .msg.agent img")
    expect(image).to_have_count(1)
    eva.wait_for_function("() => document.querySelector('#messages .msg.agent img').naturalWidth > 0")
    sent = Message.objects.get(attendance=attendance, kind="image")
    assert (sent.media_mime, sent.media_name) == ("image/png", "comprovante.png")
    eva.screenshot(path="test-results/workspace-eva-conversation.png")

    # Transfer to Davi (an agent of the target group Vendas): it arrives live on his page.
    eva.click("#open-transfer")
    expect(eva.locator("#transfer-agents")).to_contain_text("Davi Agente · Vendas · Online · 3 livres")
    eva.screenshot(path="test-results/workspace-eva-transfer.png")
    eva.locator("#transfer-agents input[type=radio]").check()
    started = time.monotonic()
    eva.click("#transfer-submit")
    expect(davi.locator("#inbox .item")).to_have_count(1, timeout=LIVE_SECONDS * 1000)
    assert time.monotonic() - started < LIVE_SECONDS + 1
    expect(eva.locator("#inbox .item")).to_have_count(0)
    expect(davi.locator("#messages")).to_contain_text("O pedido 123 não chegou")

    # Closing needs a reason in Vendas: refused without one, then picked by searching.
    davi.click("#open-close")
    expect(davi.locator("#classification-label")).to_have_text("Obrigatório: escolha o motivo.")
    davi.click("#close-submit")
    expect(davi.locator("#close-error")).to_contain_text("motivo")
    davi.fill("#classification-search", "preç")
    expect(davi.locator("#classification-list li")).to_have_text(["Dúvida › Preço"])
    davi.locator("#classification-list li").click()
    davi.screenshot(path="test-results/workspace-davi-close.png")
    davi.click("#close-submit")
    expect(davi.locator("#inbox .item")).to_have_count(0)
    attendance.refresh_from_db()
    assert attendance.status == Status.CLOSED and attendance.classification_node.name == "Preço"

    # receive_only: the composer is replaced by the reason.
    _inbound(live_server, desk["token"], "Só avisando", phone="(34) 99123-0000", name="João Receptivo")
    expect(eva.locator("#inbox .item", has_text="João Receptivo")).to_have_count(1, timeout=LIVE_SECONDS * 1000)
    eva.locator("#inbox .item", has_text="João Receptivo").click()
    expect(eva.locator("#composer-blocked")).to_contain_text("Somente Receptivo")
    # Answering is blocked; an internal note is what the composer offers (SPEC §7.2).
    expect(eva.locator("#note-mode")).to_be_checked()
    expect(eva.locator("#send")).to_have_text("Adicionar nota")
    expect(eva.locator("#messages")).to_contain_text("Só avisando")
    eva.screenshot(path="test-results/workspace-eva-receive-only.png")

    assert not errors, errors


def _closed(group, agent, name, phone):
    from django.utils import timezone

    customer = customer_save(customer=Customer(), display_name=name, phone=phone)
    now = timezone.now()
    return Attendance.objects.create(protocol=f"H{phone}", customer=customer, group=group, agent=agent,
                                     status=Status.CLOSED, opened_at=now, assigned_at=now, closed_at=now)  # fmt: skip


def test_history_shows_what_each_permission_allows(live_server, pages, operation_a):
    """eva and rui (confidential) answered in Suporte; gil sees Suporte's history, ivo his
    operation's, leo only his own (none)."""
    eva = UserFactory(username="eva", role=Role.AGENT, operations=[operation_a])
    rui = UserFactory(username="rui", role=Role.AGENT, operations=[operation_a], confidential_history=True)
    gil = UserFactory(username="gil", role=Role.AGENT, operations=[operation_a], view_history_groups=True)
    ivo = UserFactory(username="ivo", role=Role.AGENT, operations=[operation_a], view_history_operations=True)
    UserFactory(username="leo", role=Role.AGENT, operations=[operation_a])
    suporte = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva, rui, gil])
    ServiceGroupFactory(name="Vendas", operation=operation_a, agents=[ivo])
    _closed(suporte, eva, "Cliente da Eva", "34991110001")
    _closed(suporte, rui, "Cliente Sigiloso", "34991110002")

    expected = {"gil": ["Cliente da Eva"], "ivo": ["Cliente da Eva"], "rui": ["Cliente Sigiloso"], "leo": []}
    for username, names in expected.items():
        page = pages(username)
        page.click("#open-history")
        if names:
            expect(page.locator("#history-rows tr td:nth-child(2)")).to_have_text(names)
        else:
            expect(page.locator("#history-empty")).to_be_visible()
            expect(page.locator("#history-rows tr")).to_have_count(0)
        if username == "gil":
            page.fill("#history-q", "34991110001")
            page.click("#history-search")
            expect(page.locator("#history-rows tr")).to_have_count(1)
            page.locator("#history-rows tr").click()
            expect(page.locator("#chat-customer")).to_have_text("Cliente da Eva")
            expect(page.locator("#composer-blocked")).to_contain_text("Somente leitura")
            expect(page.locator("#open-close")).to_be_hidden()
            page.screenshot(path="test-results/workspace-history-readonly.png")
        page.context.close()
    assert not pages.errors, pages.errors


def test_an_agent_starts_an_active_conversation_from_the_page(live_server, pages, desk):
    """ "Novo atendimento ativo": a customer found by name, through a network the group
    enables; outside WhatsApp's 24 h window only a template goes, with its parameters."""
    from workspace.models import WhatsAppTemplate

    suporte = desk["suporte"]
    suporte.active_whatsapp = True
    suporte.whatsapp_template = True
    suporte.save()
    WhatsAppTemplate.objects.create(name="retorno", body="Olá {{1}}, seu pedido {{2}} saiu.")
    eva = pages("eva")
    eva.click("#open-active")
    eva.fill("#active-search", "Maria")
    eva.locator("#active-results li", has_text="Maria Cliente").click()
    eva.select_option("#active-group", label="Suporte")
    eva.fill("#active-text", "Oi Maria!")
    eva.click("#active-submit")
    # She never wrote: WhatsApp accepts only a template.
    expect(eva.locator("#active-error")).to_contain_text("24 horas")
    eva.select_option("#active-template", label="retorno (pt_BR)")
    params = eva.locator("#active-params input")
    expect(params).to_have_count(2)
    params.nth(0).fill("Maria")
    params.nth(1).fill("42")
    eva.screenshot(path="test-results/workspace-eva-active.png")
    eva.click("#active-submit")
    expect(eva.locator("#inbox .item", has_text="Maria Cliente")).to_have_count(1)
    expect(eva.locator("#messages .msg.agent")).to_contain_text("Olá Maria, seu pedido 42 saiu.")
    message = Message.objects.get(body="Olá Maria, seu pedido 42 saiu.")
    assert message.template["name"] == "retorno" and message.attendance.agent == desk["eva"]
    # The one refusal (the text outside the window) is Chromium's log of that 400; no script error.
    assert pages.errors == ["eva: Failed to load resource: the server responded with a status of 400 (Bad Request)"]
