"""The user screen in a real browser: the role's fields, the work-hours boxes, and the
login that the hours then refuse."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, OperationFactory, UserFactory
from users.models import Role, User

pytestmark = pytest.mark.browser

AGENT_PASSWORD = "Agente@2026x"


def log_in(page, base_url, username, password):
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")


def test_an_admin_creates_an_agent_whose_login_outside_hours_is_refused(live_server, page):
    UserFactory(username="ana", display_name="Ana Admin", role=Role.ADMIN, password=PASSWORD)
    operation = OperationFactory(name="Central de Vendas")
    # A weekday three days away from today, in the agent's time zone: never "now", even
    # if the clock crosses midnight while the test runs.
    today = datetime.now(zoneinfo.ZoneInfo(operation.company.time_zone)).weekday()
    workday = (today + 3) % 7

    # The login page speaks Portuguese.
    page.goto(live_server.url + "/accounts/login/")
    expect(page.locator("form button[type=submit]")).to_have_text("Entrar")
    log_in(page, live_server.url, "ana", PASSWORD)
    expect(page.locator("#logout-form button")).to_be_visible()

    page.goto(live_server.url + "/admin/users/user/add/")
    page.fill("#id_display_name", "Joana Agente")
    page.fill("#id_username", "joana")

    # The screen shows the selected role's fields only.
    page.select_option("#id_role", "admin")
    expect(page.locator("#id_company")).to_be_visible()
    expect(page.locator("#id_max_simultaneous")).to_be_hidden()
    page.select_option("#id_role", "agent")
    expect(page.locator("#id_role option:checked")).to_have_text("Agente")
    expect(page.locator("#id_max_simultaneous")).to_be_visible()
    expect(page.locator(".field-work_hours")).to_be_visible()
    expect(page.locator("#id_company")).to_be_hidden()

    # Operations: the dual list.
    page.select_option("#id_operations_from", label="Central de Vendas")
    page.click("#id_operations_add")  # Django 5.2: a button, no longer the "_add_link" anchor
    expect(page.locator("#id_operations_to option")).to_have_text(["Central de Vendas"])

    # First an interval that ends before it starts: refused, in Portuguese.
    page.fill("#id_password1", AGENT_PASSWORD)
    page.fill("#id_password2", AGENT_PASSWORD)
    page.fill(f"input[name=work_hours_{workday}]", "12:00-08:00")
    page.click("input[name=_save]")
    expect(page.locator(".field-work_hours")).to_contain_text("o fim (08:00) deve ser depois do início (12:00)")
    assert not User.objects.filter(username="joana").exists()

    # Fixed: the passwords are never sent back, so they are typed again.
    expect(page.locator(f"input[name=work_hours_{workday}]")).to_have_value("12:00-08:00")
    page.fill(f"input[name=work_hours_{workday}]", "08:00-12:00")
    page.fill("#id_password1", AGENT_PASSWORD)
    page.fill("#id_password2", AGENT_PASSWORD)
    page.click("input[name=_save]")
    # Django's user admin then stays on the new user's page ("… você pode editá-lo novamente abaixo").
    expect(page.locator(".messagelist .success")).to_contain_text("“Joana Agente” foi adicionado com sucesso.")

    agent = User.objects.get(username="joana")
    assert agent.role == Role.AGENT
    assert list(agent.operations.all()) == [operation]
    assert agent.work_hours == [{"weekday": workday, "start": "08:00", "end": "12:00"}]

    # The admin leaves; the agent tries to come in on a day off.
    logout = page.locator("#logout-form button")
    expect(logout).to_have_text("Sair")
    logout.click()
    expect(page).to_have_url(live_server.url + "/accounts/login/")

    log_in(page, live_server.url, "joana", AGENT_PASSWORD)
    refusal = page.locator("ul.errorlist[role=alert]")
    expect(refusal).to_contain_text("Acesso não permitido fora do seu horário de trabalho.")
    expect(refusal).to_contain_text("Seu horário: ")
    expect(page).to_have_url(live_server.url + "/accounts/login/")
    expect(page.locator("#id_username")).to_be_visible()
