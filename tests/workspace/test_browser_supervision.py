"""Supervision in the browser (SPEC §9.1), two contexts: sofia, a supervisor-agent on the
monitor detail page, whispers to eva, writes to eva's customer and takes the attendance
over; eva's open workspace shows each of them live, without reloading."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from attendance.models import Attendance
from tests.factories import PASSWORD, ProfileFactory, UserFactory
from tests.workspace import test_browser_day as day
from users.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

desk, pages = day.desk, day.pages
SHOTS = Path("/tmp/shots-supervision")


def _monitor_page(browser, live_server, username: str, attendance_id: int):
    page = browser.new_context(locale="pt-BR", viewport={"width": 1366, "height": 768}).new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/monitor/{attendance_id}/")
    expect(page.locator("#supervise")).to_be_visible()
    return page


def test_a_supervisor_whispers_writes_and_takes_over_while_the_agents_page_shows_it(
    live_server, browser, pages, desk, operation_a
):
    profile = ProfileFactory(perms=["reports.monitor_attendances", "attendance.view_dashboard"])
    UserFactory(username="sofia", display_name="Sofia Supervisora", role=Role.SUPERVISOR_AGENT,
                operations=[operation_a], profile=profile)  # fmt: skip
    eva, attendance = day._with_a_customer(live_server, pages, desk)
    sofia = _monitor_page(browser, live_server, "sofia", attendance.pk)
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        sofia.screenshot(path=str(SHOTS / "monitor-detail-1366.png"), full_page=True)

        # Whisper: a note mentioning eva reaches her page as a mention, live.
        sofia.fill("#whisper-form textarea", "ofereça o plano anual")
        sofia.click("#whisper-form button")
        expect(eva.locator("#notice")).to_contain_text("Sofia Supervisora mencionou você em")
        expect(eva.locator("#messages .msg.note")).to_contain_text("ofereça o plano anual")

        # A message to the customer, signed by the supervisor, shows in eva's conversation.
        sofia.fill("#message-form textarea", "Olá, sou a supervisora e acompanho seu caso.")
        sofia.click("#message-form button")
        message = eva.locator("#messages .msg.supervisor")
        expect(message).to_contain_text("acompanho seu caso")
        expect(message).to_contain_text("Supervisor · Sofia Supervisora")

        # Take over: the attendance leaves eva's page, which says who took it.
        sofia.click("#take-form button")
        expect(eva.locator("#notice")).to_contain_text(f"{attendance.protocol} foi assumido por Sofia Supervisora")
        expect(eva.locator("#inbox .item")).to_have_count(0)
        expect(sofia.locator("#event-log")).to_contain_text("Assumido por Sofia Supervisora de Eva Agente.")
        assert Attendance.objects.get(pk=attendance.pk).agent.username == "sofia"
        eva.screenshot(path=str(SHOTS / "workspace-taken-over-1366.png"))
    finally:
        sofia.context.close()
    assert not pages.errors, pages.errors


def test_a_supervisor_pauses_an_agent_and_ends_her_session_from_the_dashboard(live_server, browser, pages, desk,
                                                                              operation_a):  # fmt: skip
    """sara's dashboard agents panel: "Pausar" with a reason, then "Encerrar sessão"; eva's
    open workspace shows the pause, then says who ended her session and goes to the login."""
    profile = ProfileFactory(perms=["reports.monitor_attendances", "attendance.view_dashboard"])
    UserFactory(username="sara", display_name="Sara Supervisora", role=Role.SUPERVISOR, operations=[operation_a],
                profile=profile)  # fmt: skip
    eva = pages("eva")
    day._go_online(eva)
    sara = browser.new_context(locale="pt-BR", viewport={"width": 1366, "height": 768}).new_page()
    try:
        sara.goto(live_server.url + "/accounts/login/")
        sara.fill("#id_username", "sara")
        sara.fill("#id_password", PASSWORD)
        sara.click("form button[type=submit]")
        sara.wait_for_url("**/dashboard/")
        row = sara.locator(f"#agents-table tr[data-agent='{desk['eva'].pk}']")
        expect(row).to_contain_text("Online")
        SHOTS.mkdir(parents=True, exist_ok=True)
        sara.screenshot(path=str(SHOTS / "dashboard-agents-1366.png"), full_page=True)

        row.get_by_role("button", name="Pausar").click()
        expect(sara.locator("#pause-title")).to_contain_text("Pausar Eva Agente")
        sara.locator("#pause-dialog select").select_option("Almoço")
        sara.click("#pause-dialog button[value=ok]")
        expect(eva.locator("#presence-state")).to_have_value("paused")
        expect(eva.locator("#notice")).to_contain_text("Um supervisor pausou você (Almoço)")
        expect(row).to_contain_text("Almoço")

        sara.on("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Encerrar sessão").click()
        expect(eva.locator("#notice")).to_contain_text("Sua sessão foi encerrada por Sara Supervisora")
        eva.wait_for_url("**/accounts/login/**", timeout=20_000)
    finally:
        sara.context.close()
