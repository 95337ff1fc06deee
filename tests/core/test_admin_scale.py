"""P5 levers (SPEC §12): changelist counts that do not scan a million rows, attendance
search by protocol or name, and admin JSON fields that refuse deep nesting."""

from __future__ import annotations

import pytest
from django.db import connection

from core.admin_paging import COUNT_CAP, SEARCH_CAP, EstimatedCountPaginator
from customers.models import Customer
from customers.services import customer_save
from tests.factories import ServiceGroupFactory, queued_attendance

pytestmark = pytest.mark.django_db


def test_a_filtered_count_stops_at_the_cap(monkeypatch, db):
    monkeypatch.setattr("core.admin_paging.COUNT_CAP", 3)
    for n in range(5):
        customer_save(customer=Customer(), display_name=f"Cliente {n}", phone=f"1199999000{n}")
    paginator = EstimatedCountPaginator(Customer.objects.filter(is_active=True), 2)
    expected = 3 if connection.vendor == "postgresql" else 5
    assert paginator.count == expected


@pytest.mark.postgres
def test_an_unfiltered_count_of_a_big_table_is_postgres_estimate(db):
    with connection.cursor() as cursor:
        # What ANALYZE would record for a big table (the test's table is small).
        cursor.execute("UPDATE pg_class SET reltuples = %s WHERE oid = 'customers_customer'::regclass", [1_234_567])
    assert EstimatedCountPaginator(Customer.objects.all(), 50).count == 1_234_567
    assert COUNT_CAP < 1_234_567


@pytest.mark.postgres
def test_a_filtered_list_is_counted_up_to_a_thousand_rows_like_a_search(db):
    Customer.objects.bulk_create(
        Customer(display_name=f"Cliente {n}", phone=f"+55119{n:08d}", username=f"whatsapp_55119{n:08d}")
        for n in range(1_002)
    )
    paginator = EstimatedCountPaginator(Customer.objects.filter(is_active=True), 50)
    assert (paginator.count, paginator.more_than) == (1_000, True)
    assert COUNT_CAP == SEARCH_CAP == 1_000


@pytest.mark.postgres
def test_a_filtered_list_past_the_cap_says_it_has_more(monkeypatch, admin_user, web_as):
    monkeypatch.setattr("core.admin_paging.COUNT_CAP", 3)
    for n in range(4):
        customer_save(customer=Customer(), display_name=f"Cliente {n}", phone=f"1199999000{n}")
    response = web_as(admin_user).get("/admin/customers/customer/", {"status": "active"})
    assert "Mais de 3 clientes" in response.content.decode()
    assert response.context["cl"].result_count == 3


@pytest.mark.postgres
def test_a_filtered_list_at_the_cap_gives_its_count(monkeypatch, admin_user, web_as):
    monkeypatch.setattr("core.admin_paging.COUNT_CAP", 3)
    for n in range(3):
        customer_save(customer=Customer(), display_name=f"Cliente {n}", phone=f"1199999000{n}")
    html = web_as(admin_user).get("/admin/customers/customer/", {"status": "active"}).content.decode()
    assert "3 clientes" in html
    assert "Mais de" not in html


def test_a_search_past_the_cap_says_it_found_more(monkeypatch, admin_user, web_as):
    monkeypatch.setattr("core.admin_paging.SEARCH_CAP", 2)
    for n in range(3):
        customer_save(customer=Customer(), display_name=f"Fernanda Rocha {n}", phone=f"1199999000{n}")
    response = web_as(admin_user).get("/admin/customers/customer/", {"q": "Fernanda Rocha"})
    html = response.content.decode()
    assert "Mais de 2 resultados" in html
    assert "Mais de 2 clientes" in html
    assert len(response.context["cl"].result_list) == 2
    exactly = web_as(admin_user).get("/admin/customers/customer/", {"q": "Fernanda Rocha 1"}).content.decode()
    assert "Mais de" not in exactly


def test_the_attendances_changelist_searches_by_protocol_and_by_name(admin_user, web_as, operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    first = queued_attendance(group, "11999990001")
    second = queued_attendance(group, "11999990002")
    Customer.objects.filter(pk=second.customer_id).update(display_name="Fernanda Rocha")
    browser = web_as(admin_user)
    by_protocol = browser.get("/admin/attendance/attendance/", {"q": first.protocol})
    assert by_protocol.status_code == 200
    assert [a.pk for a in by_protocol.context["cl"].result_list] == [first.pk]
    by_name = browser.get("/admin/attendance/attendance/", {"q": "nanda roc"})
    assert [a.pk for a in by_name.context["cl"].result_list] == [second.pk]


def test_the_admin_refuses_a_deeply_nested_menu_with_a_message(admin_user, web_as):
    browser = web_as(admin_user)
    deep = "[" * 5000 + "]" * 5000
    response = browser.post("/admin/attendance/bot/add/", {"name": "fundo", "kind": "service", "menu": deep})
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors["menu"]


def test_an_attendances_search_past_the_customers_cap_says_it_found_more(monkeypatch, admin_user, web_as, operation_a):
    """The attendances of at most ``SEARCH_CUSTOMERS`` customers are listed: with more
    customers matching, the list says so."""
    monkeypatch.setattr("attendance.admin_engine.SEARCH_CUSTOMERS", 2)
    group = ServiceGroupFactory(operation=operation_a)
    for n in range(3):
        attendance = queued_attendance(group, f"1199999000{n}")
        Customer.objects.filter(pk=attendance.customer_id).update(display_name=f"Fernanda Rocha {n}")
    response = web_as(admin_user).get("/admin/attendance/attendance/", {"q": "Fernanda Rocha"})
    html = response.content.decode()
    assert "Mais de 2 resultados" in html
    assert len(response.context["cl"].result_list) == 2
    exactly = web_as(admin_user).get("/admin/attendance/attendance/", {"q": "Fernanda Rocha 1"}).content.decode()
    assert "Mais de" not in exactly
