"""A changelist's rows (core/admin_rows.py, SPEC §12 P5): the same HTML as Django's
``items_for_result`` on every list of the back office, each row without Django's per-row
work (the checkbox's form template, the change link's preserved filters resolved again)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.db import models
from django.forms import CheckboxInput
from django.utils import formats, timezone, translation

from attendance.models import Attendance
from core import admin_rows
from customers.models import Customer
from customers.services import customer_save
from tests.factories import ServiceGroupFactory, queued_attendance

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_rows(operation_a):
    group = ServiceGroupFactory(operation=operation_a, name="Vendas & <Pós>")
    queued_attendance(group, "11999990001")
    customer_save(customer=Customer(), display_name="Ana & <Bia>", phone="(34) 3212-3456", document="529.982.247-25")
    return group


def _lists(browser, query: str):
    """Each changelist the administrator can open, with ``query``: its ``cl``."""
    for model, model_admin in admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{query}"
        response = browser.get(url)
        if response.status_code == 200 and response.context and "cl" in response.context:
            yield url, model_admin, response.context["cl"]


@pytest.mark.parametrize("query", ["", "?o=-1", "?q=Ana"])
def test_every_list_renders_the_rows_django_renders(admin_user, web_as, some_rows, query, monkeypatch):
    browser = web_as(admin_user)
    compared = listed = 0
    for url, model_admin, cl in _lists(browser, query):
        # Compared in Django's own date format (a list may ask for a shorter one: tested below).
        monkeypatch.setattr(model_admin, "list_datetime_format", "DATETIME_FORMAT", raising=False)
        django_rows = [list(row) for row in admin_list.results(cl)]
        assert [list(row) for row in admin_rows.results(cl)] == django_rows, url
        compared += 1
        listed += len(django_rows)
    # The comparison means something: many lists, rows in them, the filters kept on the links.
    assert compared > 15
    assert listed >= 3


def test_a_row_links_to_its_change_page_keeping_the_lists_filters(admin_user, web_as, some_rows):
    response = web_as(admin_user).get("/admin/customers/customer/", {"q": "Ana", "status": "active"})
    customer = Customer.objects.get(display_name="Ana & <Bia>")
    html = response.content.decode()
    link = f'/admin/customers/customer/{customer.pk}/change/?_changelist_filters=q%3DAna%26status%3Dactive"'
    assert link in html
    assert "Ana &amp; &lt;Bia&gt;" in html
    assert "(34) 3212-3456" in html


def test_a_changelist_does_not_render_its_rows_through_djangos_per_row_code(admin_user, web_as, some_rows, monkeypatch):
    def items_for_result(*args, **kwargs):
        raise AssertionError("Django's items_for_result")

    monkeypatch.setattr(admin_list, "items_for_result", items_for_result)
    monkeypatch.setattr(CheckboxInput, "render", items_for_result)  # the selection checkbox's template
    browser = web_as(admin_user)
    for url in ("/admin/customers/customer/?q=Ana", "/admin/attendance/attendance/?status__exact=queued"):
        response = browser.get(url)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == 1


def test_the_selection_checkbox_is_djangos(some_rows):
    customer = Customer.objects.get(display_name="Ana & <Bia>")
    customers_admin = admin.site._registry[Customer]
    assert customers_admin.action_checkbox(customer) == admin.ModelAdmin.action_checkbox(customers_admin, customer)
    assert 'aria-label="Selecione esse objeto para uma ação - Ana &amp; &lt;Bia&gt; ((34) 3212-3456)"' in str(
        customers_admin.action_checkbox(customer)
    )


def test_an_attendance_without_an_agent_shows_the_empty_value(admin_user, web_as, some_rows):
    response = web_as(admin_user).get("/admin/attendance/attendance/")
    attendance = Attendance.objects.get()
    assert attendance.agent_id is None
    assert '<td class="field-agent nowrap">-</td>' in response.content.decode()


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_a_date_and_time_reads_as_django_writes_it(language):
    moments = [
        datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 29, 23, 36, 59, 999999, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 5, 3, 7, tzinfo=datetime.UTC),  # the day before, in Brazil
        datetime.datetime(2025, 12, 31, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5))),
    ]
    with translation.override(language):
        text = admin_rows.DateTimeText()
        for moment in moments:
            assert text(moment) == formats.localize(timezone.template_localtime(moment))


def test_a_date_and_time_cell_reads_the_format_once_per_page(admin_user, web_as, some_rows, monkeypatch):
    def display_for_field(value, field, *args, **kwargs):
        assert not isinstance(field, models.DateTimeField) or value is None, "a date formatted cell by cell"
        return django_display_for_field(value, field, *args, **kwargs)

    django_display_for_field = admin_rows.display_for_field
    monkeypatch.setattr(admin_rows, "display_for_field", display_for_field)
    response = web_as(admin_user).get("/admin/attendance/attendance/")
    assert response.status_code == 200
    opened = Attendance.objects.get().opened_at
    # The attendances' list asks for the short format (issue 31: three long dates do not fit).
    short = formats.date_format(timezone.template_localtime(opened), "SHORT_DATETIME_FORMAT")
    assert short in response.content.decode()


@pytest.mark.parametrize("key", [7, "abc", "a b/c:ç%_", "Olá#?&", "x~y@z"])
def test_the_change_url_reversed_once_writes_every_key_as_reverse_does(admin_user, web_as, some_rows, key):
    cl = web_as(admin_user).get("/admin/customers/customer/").context["cl"]
    row = Customer(pk=key) if isinstance(key, int) else type("Row", (), {cl.pk_attname: key})()
    assert admin_rows.change_url_maker(cl)(row) == cl.url_for_result(row)
