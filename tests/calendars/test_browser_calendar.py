"""The calendar screen in a real browser (SPEC §14): an admin types the week as people write
it, the page then shows the week grid, the year's holidays as the calendar applies them and
the next openings. Screenshots at 1366x768 go to ``$SHOTS_DIR`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from calendars.models import Calendar
from tests.factories import PASSWORD, CompanyFactory, UserFactory
from users.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, username, password=PASSWORD):
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    expect(page.locator("#logout-form button")).to_be_visible()


def shot(page, name: str) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_an_admin_builds_a_calendar_and_sees_its_week_holidays_and_openings(live_server, page):
    UserFactory(username="ana", display_name="Ana Admin", role=Role.ADMIN)
    CompanyFactory(name="Loja Mineira")
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server.url, "ana")
    page.goto(live_server.url + "/admin/calendars/calendar/add/")
    page.fill("#id_name", "Comercial BH")
    page.select_option("#id_company", label="Loja Mineira")
    page.select_option("#id_holidays_subdivision", "MG")
    for weekday in range(5):
        page.fill(f"#id_day_{weekday}", "08:00-12:00, 13:00-18:00")
    page.fill("#id_day_5", "8h-12h")  # not how hours are written
    shot(page, "calendar_add")
    page.click("input[name=_continue]")
    expect(page.locator(".errorlist")).to_contain_text("Escreva os horários como 08:00-12:00")
    shot(page, "calendar_error")
    page.fill("#id_day_5", "08:00-12:00")
    page.fill("#id_special_hours_text", "24/12/2026 08:00-12:00")
    page.fill("#id_closed_dates_text", "31/12/2026")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_be_visible()
    calendar = Calendar.objects.get(name="Comercial BH")
    assert calendar.holidays_subdivision == "MG" and calendar.closed_dates == ["2026-12-31"]

    page.goto(live_server.url + f"/admin/calendars/calendar/{calendar.pk}/change/?year=2026")
    grid = page.locator("#calendar-grid")
    expect(grid.locator("tbody tr")).to_have_count(7)
    expect(grid.locator("tbody tr").nth(0).locator("td.open")).to_have_count(18)  # 9 h in half hours
    expect(grid.locator("tbody tr").nth(6).locator("td.open")).to_have_count(0)  # Sunday
    holidays = page.locator("#calendar-holidays")
    expect(holidays).to_contain_text("Feriados de 2026")
    expect(holidays.locator("tr", has_text="25/12/2026")).to_contain_text("Fechado (feriado)")
    expect(holidays.locator("tr", has_text="21/04/2026")).to_contain_text("Tiradentes")
    expect(page.locator("#calendar-openings tbody tr")).to_have_count(5)
    page.locator("#calendar-summary").scroll_into_view_if_needed()
    shot(page, "calendar_change")


def test_the_group_form_offers_the_out_of_hours_rule_once_a_calendar_is_chosen(live_server, page):
    from attendance.models import ServiceGroup
    from calendars.services import calendar_save
    from tests.factories import OperationFactory, ServiceGroupFactory

    UserFactory(username="ana", display_name="Ana Admin", role=Role.ADMIN)
    operation = OperationFactory(name="Central")
    calendar_save(calendar=Calendar(name="Comercial", company=operation.company,
                                    intervals=[{"weekday": 0, "start": "08:00", "end": "18:00"}]))  # fmt: skip
    ServiceGroupFactory(name="Plantão 24h", operation=operation)
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server.url, "ana")
    page.goto(live_server.url + "/admin/attendance/servicegroup/add/")
    page.fill("#id_name", "Suporte")
    page.select_option("#id_operation", label="Central")
    expect(page.locator(".field-out_of_hours_action")).to_be_hidden()
    page.select_option("#id_calendar", label="Comercial")
    expect(page.locator(".field-out_of_hours_action")).to_be_visible()
    expect(page.locator(".field-out_of_hours_group")).to_be_hidden()
    page.select_option("#id_out_of_hours_action", "group")
    expect(page.locator(".field-out_of_hours_group")).to_be_visible()
    expect(page.locator(".field-calendar")).to_contain_text("Calendário de atendimento")
    expect(page.locator(".field-out_of_hours_action")).to_contain_text("Ação fora do horário")
    page.locator(".field-calendar").scroll_into_view_if_needed()
    shot(page, "group_service_hours")
    page.click("input[name=_save]")
    expect(page.locator(".errorlist")).to_contain_text("Escolha o grupo que recebe os atendimentos fora do horário.")
    page.select_option("#id_out_of_hours_group", label="Plantão 24h")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_be_visible()
    group = ServiceGroup.objects.get(name="Suporte")
    assert (group.calendar.name, group.out_of_hours_action, group.out_of_hours_group.name) == (
        "Comercial", "group", "Plantão 24h")  # fmt: skip
