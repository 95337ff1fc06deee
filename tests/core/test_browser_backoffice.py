"""Issue 14 item 6: every configuration screen, walked as an administrator in a real
browser at 1366 × 768 (the common office laptop): the list, the add page, the change page
of a record and its history. A screen fails on a JavaScript or console error, on a
horizontal scroll bar, or on an English word where the manual's Portuguese belongs
(labels, column headers, section titles, buttons, filters, breadcrumbs).

Issue 31 adds: a list wider than the window, a header cut off or a cell that breaks a word
in two ("What sApp"); a success message whose article or participle disagrees with its
noun ("O pesquisa de satisfação … foi adicionado"), checked by saving every first record;
an English text on an error page (404, 403, CSRF failure). Screenshots of every list go to
``/tmp/shots-polish/``."""

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
SHOTS = "/tmp/shots-polish"

# A changelist's layout at this window: wider than the window, a header cut off, a word split
# over two lines (a word's rectangles on more than one line).
LIST_LAYOUT = """() => {
  const problems = [];
  const table = document.querySelector('#result_list');
  if (!table) return problems;
  const width = document.documentElement.clientWidth;
  const right = table.getBoundingClientRect().right;
  // The admin puts the list in a frame that scrolls sideways: a wider list hides its last
  // columns ("STA" of "STATUS") without any scroll bar on the page.
  const frame = (table.closest('.results') || table.parentElement).getBoundingClientRect();
  if (right > Math.min(width, frame.right) + 1) {
    problems.push(`list ends at ${Math.round(right)} px, its frame at ${Math.round(frame.right)} (window ${width})`);
  }
  for (const th of table.querySelectorAll('thead th')) {
    const box = th.querySelector('.text') || th;
    if (box.scrollWidth > box.clientWidth + 1) problems.push(`header "${th.innerText.trim()}" cut off`);
  }
  for (const cell of table.querySelectorAll('thead th, tbody td, tbody th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const words = /\\S+/g;
      let match;
      while ((match = words.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) problems.push(`"${match[0]}" broken in two in "${cell.innerText.trim().slice(0, 60)}"`);
      }
    }
  }
  return problems;
}"""
# Nouns whose Portuguese gender is feminine (the rest of the back office's nouns are masculine):
# written out here, apart from the catalogue the messages come from.
FEMININE_NOUNS = ("pesquisa", "classificação", "resposta", "empresa", "operação", "tentativa", "falha")
SAVED = re.compile(r"^(O|A) (.+?) “.*” foi (adicionad|alterad)(o|a) com sucesso")
ERROR_PAGE_ENGLISH = ("Not Found", "Page not found", "Forbidden", "Server Error", "CSRF", "requested resource",
                      "Go back", "Home", "More information")  # fmt: skip


def _message_problems(url: str, text: str) -> list[str]:
    """A success message's article and participle agree with each other and with the noun."""
    match = SAVED.match(text)
    if match is None:
        return [f"{url}: unexpected success message {text!r}"]
    article, noun, _verb, ending = match.groups()
    feminine = noun.split()[0].lower() in FEMININE_NOUNS
    if (article == "A") != feminine or (ending == "a") != feminine:
        return [f"{url}: the message disagrees with its noun: {text!r}"]
    return []


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
    from customers.models import Customer
    from users.models import User

    # Long values as a real office has them: the lists must still fit, wrapping between words.
    Customer.objects.filter(pk=Customer.objects.order_by("pk").values("pk")[:1]).update(
        email="atendimento.comercial@padariapaoquente.com.br"
    )
    User.objects.filter(username="admin").update(email="administracao.central@empresa-exemplo.com.br")
    _an_attendance_of_every_kind_of_date()

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
            if url.count("/") == 4 and url != "/admin/":  # a changelist: /admin/<app>/<model>/
                page.screenshot(path=f"{SHOTS}/list-{url.strip('/').replace('/', '-')}.png", full_page=True)
                problems += [f"{url}: {problem}" for problem in page.evaluate(LIST_LAYOUT)[:5]]
            if url.startswith("/admin/attendance/attendance/") and url.endswith("/change/"):
                page.screenshot(path=f"{SHOTS}/attendance-detail.png", full_page=True)
                text = page.inner_text("#content")
                raw = [
                    code for code in ("agent_disconnected", "least_attendances", "opened @", "by: bot") if code in text
                ]
                if raw:
                    problems.append(f"{url}: raw codes {raw}")
            if url.endswith("/change/") and page.locator("input[name=_continue]").count():
                page.click("input[name=_continue]")
                page.wait_for_load_state("networkidle")
                success = page.locator(".messagelist .success")
                if success.count():
                    problems += _message_problems(url, success.first.inner_text().strip())

        # Error pages: Portuguese, in the site's look (DEBUG is off in the live server).
        for url in ("/admin/nao-existe/", "/nao-existe/"):
            response = page.goto(live_server.url + url)
            text = page.inner_text("body")
            if response is None or response.status != 404 or "Página não encontrada" not in text:
                problems.append(f"{url}: not the Portuguese 404 page")
            problems += [f"{url}: English {word!r} on the error page" for word in ERROR_PAGE_ENGLISH if word in text]
            page.screenshot(path=f"{SHOTS}/error-404{'-admin' if 'admin' in url else ''}.png", full_page=True)
        page.context.clear_cookies()
        page.goto(live_server.url + "/accounts/login/")
        page.context.clear_cookies()  # the form's CSRF cookie is gone: the CSRF failure page
        page.fill("#id_username", "admin")
        page.fill("#id_password", "Admin@2026")
        page.click("form button[type=submit]")
        page.wait_for_load_state("networkidle")
        text = page.inner_text("body")
        if "O formulário expirou" not in text:
            problems.append("CSRF failure: not the Portuguese page")
        problems += [f"CSRF failure: English {word!r}" for word in ERROR_PAGE_ENGLISH if word in text]
        page.screenshot(path=f"{SHOTS}/error-csrf.png", full_page=True)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def _an_attendance_of_every_kind_of_date():
    """The attendances list with a closed attendance: every date column filled."""
    from datetime import timedelta

    from django.utils import timezone

    from attendance.models import Attendance, ServiceGroup, Status
    from customers.models import Customer
    from users.models import Role, User

    now = timezone.now()
    attendance = Attendance.objects.create(
        protocol="20261207000000123", customer=Customer.objects.order_by("pk").first(),
        group=ServiceGroup.objects.order_by("pk").first(), agent=User.objects.filter(role=Role.AGENT).first(),
        status=Status.CLOSED, opened_at=now - timedelta(hours=1), queued_at=now - timedelta(hours=1),
        assigned_at=now - timedelta(minutes=50), closed_at=now,
    )  # fmt: skip
    agent = attendance.agent
    events = [
        ("opened", attendance.opened_at, {"group": attendance.group_id}),
        ("assigned", attendance.assigned_at, {"chosen": agent.pk, "strategy": "least_attendances", "candidates": [
            {"position": 1, "agent": agent.pk, "name": agent.username, "figure": 0, "free_slots": 2}]}),
        ("closed", attendance.closed_at, {"reason": "agent_disconnected", "by": "bot", "abandoned": False,
                                          "agent": agent.pk, "group": attendance.group_id}),
    ]  # fmt: skip
    for type_, at, data in events:
        attendance.events.create(type=type_, at=at, data=data)


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
