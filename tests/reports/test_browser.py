"""SPEC §9 in the browser: a supervisor lands on the live dashboard, sees a new queued
attendance without reloading, drills into it, and exports the service-level report
whose XLSX totals equal the API's."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from attendance.inbound import inbound_receive
from tests.factories import PASSWORD, ServiceGroupFactory, make_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFRESH_WAIT_MS = 15_000  # the page promises an update at least every 15 s


def test_a_supervisor_watches_the_queue_grow_and_exports_the_report(live_server, page, supervisor_a, operation_a,
                                                                     supervisor_profile):  # fmt: skip
    supervisor_profile.permissions.add(*Permission.objects.filter(content_type__app_label="reports"))
    group = ServiceGroupFactory(name="Balcão", operation=operation_a, initial_sla_minutes=5)
    channel, _token = make_channel()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", supervisor_a.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))
    errors.clear()  # the login page's favicon request is not the dashboard's
    queued = page.locator("[data-figure=queued] .v")
    assert queued.inner_text() == "0"
    assert page.locator("#updated").inner_text().startswith("Atualizado às")

    attendance = inbound_receive(channel=channel, network="whatsapp", phone="34991234567", country_code="55",
                                 display_name="Maria", text="Olá").attendance  # fmt: skip
    assert attendance.status == "queued" and attendance.group == group
    page.wait_for_function(
        "document.querySelector('[data-figure=queued] .v').textContent === '1'", timeout=REFRESH_WAIT_MS
    )  # the new attendance appears without a reload
    assert page.locator(f"#groups-table tr[data-group='{group.pk}'] td").nth(1).inner_text() == "1"

    page.click("[data-figure=queued]")
    page.wait_for_url(re.compile(r"/monitor/\?.*status=queued"))
    assert page.locator("#monitor-table tbody tr").count() == 1
    assert attendance.protocol in page.locator("#monitor-table").inner_text()

    page.goto(f"{live_server.url}/reports/service-level/?by=group")
    page.wait_for_selector("#report-table tfoot tr")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    rows = list(load_workbook(io.BytesIO(download.value.path().read_bytes())).active.iter_rows(values_only=True))
    href = page.locator("#export-xlsx").get_attribute("href").replace("file_format=xlsx", "")
    api = page.request.get(f"{live_server.url}{href}").json()
    total = rows[-1]
    assert total[1] == "Total"
    assert [int(value) for value in total[2:6]] == [api["totals"][key] for key in ("queued", "assigned", "abandoned",
                                                                                  "closed")]  # fmt: skip
    assert int(total[2]) == 1
    assert errors == []


def test_a_period_outside_the_years_shows_the_api_s_own_message(live_server, page, supervisor_a):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", supervisor_a.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.goto(f"{live_server.url}/reports/service-level/?start=1999-12-01&end=1999-12-05")
    assert page.locator("input[name=start]").get_attribute("min") == "2000-01-01"
    assert page.locator("input[name=end]").get_attribute("max") == "2100-12-31"
    page.get_by_text("Use uma data entre 01/01/2000 e 31/12/2100.").wait_for()
