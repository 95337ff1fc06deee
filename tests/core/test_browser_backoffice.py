"""Issue 14 item 6: every configuration screen, walked as an administrator in a real
browser at 1366 × 768 (the common office laptop): the list, the add page, the change page
of a record and its history. A screen fails on a JavaScript or console error, on a
horizontal scroll bar, or on an English word where the manual's Portuguese belongs
(labels, column headers, section titles, buttons, filters, breadcrumbs)."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin

from core.admin_menu import TECHNICAL_MODELS, _section
from demo.loader import seed_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1366, "height": 768}
# Common English words of Django's and our own screens. Not listed: words Portuguese uses
# as they are ("Status", "Bot", "Email", "Token", "SLA", "Dashboard", "Submenu", "Delay").
ENGLISH_WORDS = {
    "Name", "Group", "Groups", "Save", "Delete", "Add", "Change", "History", "Active", "Inactive", "Yes", "No",
    "Search", "Filter", "Select", "Choose", "Chosen", "Available", "Remove", "Type", "Description", "Users",
    "User", "Customers", "Customer", "Settings", "Required", "Time", "Unit", "Action", "Agents", "Options",
    "Question", "Questions", "Reasons", "Created", "Changed", "Revert", "Deleted", "Profile", "Phone", "Operation",
    "Company", "Priority", "Value", "Attribute", "Attributes", "Edit", "View", "Show", "Hide", "All", "Today",
    "Now", "Clear", "Home", "Log", "out", "Password", "Import", "Export", "Send", "Back", "Close", "Queue",
}  # fmt: skip
LABEL_SELECTORS = ", ".join(
    [
        "label",
        "#result_list thead th",
        "fieldset h2",
        "fieldset legend",
        ".module caption",
        "#changelist-filter h2",
        "#changelist-filter h3",
        ".submit-row input[type=submit]",
        ".submit-row a",
        ".object-tools a",
        ".breadcrumbs",
        "#content h1",
        "#content h2",
        ".selector-chooser button",
        ".selector-chooseall",
        ".selector-clearall",
        ".selector-available h2",
        ".selector-chosen h2",
        "#change-history th",
        ".actions label",
    ]
)
COLLECT = "(els) => els.map((el) => (el.tagName === 'INPUT' ? el.value : el.innerText) || '')"


def _screens() -> list[tuple[str, str]]:
    """``(app_label, model_name)`` of every configuration screen (technical ones excluded)."""
    screens = []
    for model in admin.site._registry:
        key = f"{model._meta.app_label}.{model._meta.model_name}"
        where = _section(key)
        if where is not None and where[0] == "technical":
            continue
        if any(pattern == key for pattern in TECHNICAL_MODELS):
            continue
        screens.append((model._meta.app_label, model._meta.model_name))
    return sorted(screens)


def _english_words(texts: list[str]) -> set[str]:
    found = set()
    for text in texts:
        for word in re.findall(r"[A-Za-zÀ-ÿ]+", text):
            if word in ENGLISH_WORDS:
                found.add(word)
    return found


def test_every_configuration_screen_fits_speaks_portuguese_and_raises_no_error(live_server, browser):
    seed_demo()
    from users.models import User

    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo", viewport=VIEWPORT)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"JavaScript: {error}"))
    page.on("console", lambda message: errors.append(f"console: {message.text}") if message.type == "error" else None)
    problems: list[str] = []
    try:
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", "Admin@2026")
        page.click("form button[type=submit]")
        page.wait_for_url("**/admin/**")
        assert User.objects.get(username="admin").is_admin

        urls = ["/admin/"]
        for app_label, model_name in _screens():
            model = next(
                m for m in admin.site._registry if (m._meta.app_label, m._meta.model_name) == (app_label, model_name)
            )
            base = f"/admin/{app_label}/{model_name}/"
            urls.append(base)
            if admin.site._registry[model].has_add_permission(_Request(User.objects.get(username="admin"))):
                urls.append(base + "add/")
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                urls += [f"{base}{first.pk}/change/", f"{base}{first.pk}/history/"]
        assert len(urls) > 20, urls

        for url in urls:
            errors.clear()
            response = page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            if response is None or response.status >= 400:
                problems.append(f"{url}: HTTP {response.status if response else '?'}")
                continue
            if errors:
                problems.append(f"{url}: {errors[:3]}")
            scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if scroll[0] > scroll[1]:
                problems.append(f"{url}: horizontal scroll ({scroll[0]} px in a {scroll[1]} px window)")
            english = _english_words(page.eval_on_selector_all(LABEL_SELECTORS, COLLECT))
            if english:
                problems.append(f"{url}: English words {sorted(english)}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


class _Request:
    """Just enough of a request for ``has_add_permission``."""

    def __init__(self, user):
        self.user = user


def _admin_page(live_server, browser):
    seed_demo()
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo", viewport=VIEWPORT)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"JavaScript: {error}"))
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "Admin@2026")
    page.click("form button[type=submit]")
    page.wait_for_url("**/admin/**")
    return context, page, errors


def test_the_editors_behave_as_typed(live_server, browser):
    from playwright.sync_api import expect

    from attendance.models import Bot
    from classifications.models import Classification

    context, page, errors = _admin_page(live_server, browser)
    try:
        # The customer phone: flag, +55 and the mask as typed; "+" adds an attribute row.
        page.goto(live_server.url + "/admin/customers/customer/add/")
        expect(page.locator(".br-phone-prefix")).to_contain_text("+55")
        page.locator("#id_phone").press_sequentially("34991234567")
        expect(page.locator("#id_phone")).to_have_value("(34) 99123-4567")
        rows = page.locator("table.attribute-pairs tbody tr")
        expect(rows).to_have_count(1)
        page.click(".attribute-add")
        expect(rows).to_have_count(2)
        expect(page.locator(".attribute-add")).to_have_count(1)

        # The bot editor: choosing "Submenu" opens a submenu without a JavaScript error.
        bot = Bot.objects.get(kind="service")
        page.goto(f"{live_server.url}/admin/attendance/bot/{bot.pk}/change/")
        action = page.locator("select.tree-option-action").first
        action.select_option("menu")
        expect(page.locator(".tree-submenu:not([hidden]) .tree-node").first).to_be_visible()

        # The survey: the options box only for CSAT questions.
        page.goto(live_server.url + "/admin/surveys/survey/add/")
        question_type = page.locator("select[name='questions-0-type']")
        options = page.locator("#questions-0 .field-options_text")
        question_type.select_option("open")
        expect(options).to_be_hidden()
        question_type.select_option("csat")
        expect(options).to_be_visible()

        # The classification editor: a reason left empty is the only box marked.
        classification = Classification.objects.first()
        page.goto(f"{live_server.url}/admin/classifications/classification/{classification.pk}/change/")
        page.locator(".classification-editor .tree-add-child").first.click()
        page.click("input[name=_save]")
        expect(page.locator(".errorlist").first).to_be_visible()
        expect(page.locator(".classification-editor input.tree-invalid")).to_have_count(1)
        expect(page.locator(".classification-editor input.tree-invalid")).to_have_value("")
        assert page.locator(".classification-editor input.tree-name").count() > 3
        assert not errors, errors
    finally:
        context.close()
