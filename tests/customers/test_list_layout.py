"""Customers list at 1366 px (issue 31, item 4): an e-mail may wrap only after its "@" and
before its dots; the browser walk (tests/core/test_browser_backoffice.py) checks every list."""

from __future__ import annotations

import pytest

from core.admin import breakable_email
from customers.models import Customer
from customers.services import customer_save

pytestmark = pytest.mark.django_db


def test_an_email_breaks_only_between_its_parts():
    assert breakable_email("ana.souza@padaria.com.br") == "ana<wbr>.souza@<wbr>padaria<wbr>.com<wbr>.br"
    assert breakable_email("") == "-"
    assert "&lt;b&gt;" in breakable_email("<b>@x.com")


def test_the_customers_list_shows_the_breakable_email(web_as, admin_user):
    customer_save(customer=Customer(), display_name="Ana", phone="5534991234567", email="ana.souza@padaria.com.br")
    page = web_as(admin_user).get("/admin/customers/customer/").content.decode()
    assert "ana<wbr>.souza@<wbr>padaria<wbr>.com<wbr>.br" in page
