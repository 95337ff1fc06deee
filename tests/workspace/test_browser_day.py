"""The agent's whole day in a real browser (SPEC §7.1, §7.2): Enter sends and
Shift+Enter breaks the line, an error belongs to one conversation, canned responses use
the first name, going offline with customers asks first and returns them to the queue,
images open full size, PDFs open in the browser's viewer, the header fits one line at
1366 px and stays usable at 1024 px, and a supervisor-agent lands on the workspace with
a link to the back office. Screenshots go to /tmp/shots-workspace/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from attendance.models import Attendance, Message, Status
from customers.models import Customer
from customers.services import customer_save
from tests.factories import PASSWORD, UserFactory
from tests.media_samples import PDF, PNG
from tests.workspace import test_browser_workspace as base
from users.models import Role
from workspace.models import CannedResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The workspace's browser fixtures (eva in Suporte with a channel, a canned /ola; logged-in pages).
desk, pages, _go_online, _inbound = base.desk, base.pages, base._go_online, base._inbound

SHOTS = Path("/tmp/shots-workspace")


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def _with_a_customer(live_server, pages, desk, text="Olá, preciso de ajuda"):
    eva = pages("eva")
    _go_online(eva)
    result = _inbound(live_server, desk["token"], text)
    expect(eva.locator("#messages")).to_contain_text(text)
    return eva, Attendance.objects.get(pk=result["attendance"])


def test_enter_sends_and_shift_enter_breaks_the_line(live_server, pages, desk):
    eva, attendance = _with_a_customer(live_server, pages, desk)
    eva.locator("#text").click()
    eva.keyboard.type("Primeira linha")
    eva.keyboard.press("Shift+Enter")
    eva.keyboard.type("segunda linha")
    expect(eva.locator("#text")).to_have_value("Primeira linha\nsegunda linha")  # not sent yet
    eva.keyboard.press("Enter")
    expect(eva.locator("#messages .msg.agent .body")).to_have_text(["Primeira linha\nsegunda linha"])
    expect(eva.locator("#text")).to_have_value("")
    # "Enviar com Enter" off: Enter breaks the line, Ctrl+Enter sends; the choice survives a reload.
    eva.uncheck("#enter-sends")
    eva.reload()
    expect(eva.locator("#ws[data-ready='1']")).to_have_count(1)
    eva.locator("#inbox .item").click()
    expect(eva.locator("#enter-sends")).not_to_be_checked()
    eva.locator("#text").click()
    eva.keyboard.type("Linha A")
    eva.keyboard.press("Enter")
    eva.keyboard.type("Linha B")
    expect(eva.locator("#text")).to_have_value("Linha A\nLinha B")
    eva.keyboard.press("Control+Enter")
    expect(eva.locator("#messages .msg.agent .body")).to_have_count(2)
    assert Message.objects.filter(attendance=attendance, sender="agent", body="Linha A\nLinha B").exists()
    assert not pages.errors, pages.errors


def test_canned_responses_use_the_first_name_and_the_full_name(live_server, pages, desk):
    CannedResponse.objects.create(group=None, shortcut="tchau", text="Até logo, {cliente_nome}!")
    eva, _ = _with_a_customer(live_server, pages, desk)
    eva.fill("#text", "/ola")
    eva.keyboard.press("Enter")  # an exact shortcut fills the text instead of sending it
    expect(eva.locator("#text")).to_have_value("Olá Maria, aqui é Eva Agente.")
    eva.fill("#text", "/tchau")
    eva.keyboard.press("Enter")
    expect(eva.locator("#text")).to_have_value("Até logo, Maria Cliente!")
    assert not pages.errors, pages.errors


def test_an_error_under_the_composer_belongs_to_its_conversation(live_server, pages, desk):
    customer_save(customer=Customer(), display_name="Rita Souza", phone="34991239999", group=desk["suporte"])
    eva, _ = _with_a_customer(live_server, pages, desk)
    _inbound(live_server, desk["token"], "Outro cliente aqui", phone="(34) 99123-9999", name="Rita Souza")
    expect(eva.locator("#inbox .item")).to_have_count(2)
    eva.locator("#inbox .item", has_text="Maria Cliente").click()
    eva.set_input_files("#attach", files=[{"name": "nota.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    eva.click("#send")  # Suporte does not allow documents
    expect(eva.locator("#composer-error")).to_be_visible()
    eva.locator("#inbox .item", has_text="Rita Souza").click()
    expect(eva.locator("#chat-customer")).to_have_text("Rita Souza")
    expect(eva.locator("#composer-error")).to_be_hidden()
    # The refused upload is Chromium's log of that 400; no script error.
    assert [e for e in pages.errors if "status of 400" not in e] == []


def test_going_offline_with_customers_asks_and_returns_them_to_the_queue(live_server, pages, desk):
    eva, attendance = _with_a_customer(live_server, pages, desk)
    eva.select_option("#presence-state", "offline")
    dialog = eva.locator("#presence-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Você tem 1 atendimento(s) em andamento.")
    expect(eva.locator("#presence-confirm")).to_have_text("Devolver à fila")
    _shot(eva, "offline-confirmation-1366.png")
    eva.click("#presence-cancel")  # "Cancelar": nothing changes
    expect(eva.locator("#presence-dot.online")).to_have_count(1)
    attendance.refresh_from_db()
    assert attendance.status == Status.IN_PROGRESS

    eva.select_option("#presence-state", "offline")
    eva.click("#presence-confirm")
    expect(eva.locator("#presence-dot.offline")).to_have_count(1)
    expect(eva.locator("#inbox .item")).to_have_count(0)
    attendance.refresh_from_db()
    assert (attendance.status, attendance.agent) == (Status.QUEUED, None)
    assert attendance.messages.filter(body="Você será atendido por outro agente em instantes.").exists()
    assert not pages.errors, pages.errors


def test_pausing_with_customers_asks_and_keeps_them(live_server, pages, desk):
    eva, attendance = _with_a_customer(live_server, pages, desk)
    eva.select_option("#presence-state", "paused")
    expect(eva.locator("#presence-dialog")).to_contain_text("continuam com você")
    eva.click("#presence-confirm")
    expect(eva.locator("#presence-dot.paused")).to_have_count(1)
    expect(eva.locator("#inbox .item")).to_have_count(1)
    attendance.refresh_from_db()
    assert (attendance.status, attendance.agent) == (Status.IN_PROGRESS, desk["eva"])
    assert not pages.errors, pages.errors


def test_an_image_opens_full_size_and_a_pdf_in_the_browsers_viewer(live_server, pages, desk):
    suporte = desk["suporte"]
    suporte.allow_document = True
    suporte.save()
    eva, attendance = _with_a_customer(live_server, pages, desk)
    eva.set_input_files("#attach", files=[{"name": "foto.png", "mimeType": "image/png", "buffer": PNG}])
    eva.click("#send")
    thumb = eva.locator("#messages .msg.agent a.thumb img")
    expect(thumb).to_have_count(1)
    eva.wait_for_function("() => document.querySelector('#messages a.thumb img').naturalWidth > 0")
    with eva.context.expect_page() as opened:
        thumb.click()
    full = opened.value
    full.wait_for_load_state()
    assert full.url.endswith(f"/workspace/media/{Message.objects.get(attendance=attendance, kind='image').pk}/")
    full.close()

    eva.set_input_files("#attach", files=[{"name": "boleto.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    eva.click("#send")
    link = eva.locator("#messages .msg.agent a.file.pdf")
    expect(link).to_contain_text("boleto.pdf")
    expect(link.locator("svg")).to_have_count(1)  # an icon that renders without an emoji font
    assert link.get_attribute("target") == "_blank" and link.get_attribute("download") is None
    pdf = Message.objects.get(attendance=attendance, kind="document")
    response = eva.request.get(f"{live_server.url}/workspace/media/{pdf.pk}/")
    assert response.headers["content-type"] == "application/pdf"
    assert not response.headers.get("content-disposition", "").startswith("attachment")  # shown, not saved
    with eva.context.expect_page() as opened:
        link.click()
    viewer = opened.value
    viewer.wait_for_load_state()
    assert viewer.url.endswith(f"/workspace/media/{pdf.pk}/")
    viewer.close()
    _shot(eva, "media-1366.png")
    assert not pages.errors, pages.errors


@pytest.mark.parametrize("width", [1366, 1024])
def test_the_header_fits_one_line(live_server, pages, desk, width):
    eva, _ = _with_a_customer(live_server, pages, desk)
    eva.set_viewport_size({"width": width, "height": 768})
    header = eva.locator(".ws-top").bounding_box()
    logout = eva.locator(".ws-top form button").bounding_box()
    presence = eva.locator("#presence").bounding_box()
    assert header["height"] < 60, header  # one line
    assert abs(logout["y"] - presence["y"]) < 20 and logout["x"] + logout["width"] <= width
    for control in ("#open-active", "#open-history", "#send", "#open-transfer", "#open-close"):
        expect(eva.locator(control)).to_be_visible()
    _shot(eva, f"workspace-{width}.png")
    assert not pages.errors, pages.errors


def test_a_supervisor_agent_lands_on_the_workspace_and_reaches_the_back_office(live_server, page, operation_a):
    UserFactory(username="sofia", display_name="Sofia Supervisora", role=Role.SUPERVISOR_AGENT,
                operations=[operation_a])  # fmt: skip
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "sofia")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/workspace/")
    page.click("#to-backoffice")
    page.wait_for_url("**/admin/")
    page.click("#to-workspace")
    page.wait_for_url("**/workspace/")


def test_a_note_is_set_apart_and_its_mention_arrives_live_on_the_workspace_and_the_dashboard(
    live_server, pages, desk, operation_a
):
    """eva writes an internal note mentioning sofia (a supervisor-agent) and sara (a
    supervisor on her dashboard): each sees the counter go up without reloading; sofia
    opens the mention and reads the note in the conversation."""
    from tests.factories import ProfileFactory

    profile = ProfileFactory(perms=["reports.monitor_attendances", "attendance.view_dashboard"])
    UserFactory(username="sofia", display_name="Sofia Supervisora", role=Role.SUPERVISOR_AGENT,
                operations=[operation_a], profile=profile)  # fmt: skip
    UserFactory(username="sara", display_name="Sara Supervisora", role=Role.SUPERVISOR, operations=[operation_a],
                profile=profile)  # fmt: skip
    eva, attendance = _with_a_customer(live_server, pages, desk)
    sofia = pages("sofia")
    expect(sofia.locator("#mentions[data-ready='1']")).to_have_count(1)
    dashboard = sofia.context.browser.new_context(locale="pt-BR", viewport={"width": 1366, "height": 768}).new_page()
    dashboard.goto(live_server.url + "/accounts/login/")
    dashboard.fill("#id_username", "sara")
    dashboard.fill("#id_password", PASSWORD)
    dashboard.click("form button[type=submit]")
    dashboard.wait_for_url("**/dashboard/")
    expect(dashboard.locator("#mentions[data-ready='1']")).to_have_count(1)
    expect(sofia.locator("#mentions-count")).to_be_hidden()

    eva.check("#note-mode")
    expect(eva.locator("#send")).to_have_text("Adicionar nota")
    eva.fill("#text", "@sofia @sara cliente pediu estorno, podem autorizar?")
    eva.keyboard.press("Enter")
    note = eva.locator("#messages .msg.note")
    expect(note).to_contain_text("Nota interna · Eva Agente")
    expect(note).to_contain_text("cliente pediu estorno")
    assert Message.objects.get(attendance=attendance, kind="note").delivery == ""  # never sent

    expect(sofia.locator("#mentions-count")).to_have_text("1")  # live, no reload
    expect(sofia.locator("#notice")).to_contain_text("Eva Agente mencionou você em")
    expect(dashboard.locator("#mentions-count")).to_have_text("1")
    _shot(sofia, "mention-1366.png")
    sofia.click("#mentions-button")
    sofia.locator("#mentions-list li.unread").click()
    expect(sofia.locator("#chat-customer")).to_have_text("Maria Cliente")
    expect(sofia.locator("#messages .msg.note")).to_contain_text("cliente pediu estorno")
    expect(sofia.locator("#mentions-count")).to_be_hidden()  # read
    _shot(sofia, "mention-opened-1366.png")
    dashboard.context.close()
    assert not pages.errors, pages.errors


def test_the_emoji_picker_inserts_an_emoji_drawn_with_the_bundled_font(live_server, pages, desk):
    """emoji-mart and its data are served from static/vendor (no CDN); the emoji render
    with the bundled Twemoji font on a system without an emoji font."""
    eva, attendance = _with_a_customer(live_server, pages, desk)
    cdn = []
    eva.on("request", lambda request: not request.url.startswith(live_server.url) and cdn.append(request.url))
    eva.fill("#text", "Obrigado ")
    eva.click("#emoji-button")
    picker = eva.locator("#emoji-picker em-emoji-picker")
    expect(picker).to_be_visible()
    picker.locator("input[type=search]").fill("thumbs up")
    picker.locator("button[aria-label='👍']").first.click()
    expect(eva.locator("#text")).to_have_value("Obrigado 👍")
    eva.wait_for_function(
        "() => [...document.fonts].some(f => f.family.replaceAll('\"', '') === 'Atende Emoji' && f.status === 'loaded')"
    )
    picker.locator("input[type=search]").fill("")
    eva.wait_for_timeout(1500)  # only for the screenshot: the picker's other subsets arrive
    _shot(eva, "emoji-picker-1366.png")
    eva.click("#emoji-button")  # closes
    expect(eva.locator("#emoji-picker")).to_be_hidden()
    eva.locator("#text").press("Enter")
    expect(eva.locator("#messages .msg.agent .body")).to_have_text(["Obrigado 👍"])
    assert cdn == [], cdn
    assert not pages.errors, pages.errors


@pytest.mark.parametrize("width", [1366, 1024])
def test_a_supervisor_agents_fuller_header_fits_one_line(live_server, pages, operation_a, width):
    """Mentions, the back office link and a long name: still one line."""
    UserFactory(username="sofia", display_name="Sofia Supervisora Agente", role=Role.SUPERVISOR_AGENT,
                operations=[operation_a])  # fmt: skip
    sofia = pages("sofia")
    sofia.set_viewport_size({"width": width, "height": 768})
    header = sofia.locator(".ws-top").bounding_box()
    logout = sofia.locator(".ws-top form button").bounding_box()
    assert header["height"] < 60, header
    assert logout["x"] + logout["width"] <= width
    for control in ("#mentions-button", "#to-backoffice", "#open-history", "#presence-state"):
        expect(sofia.locator(control)).to_be_visible()
    _shot(sofia, f"supervisor-agent-{width}.png")
    assert not pages.errors, pages.errors
