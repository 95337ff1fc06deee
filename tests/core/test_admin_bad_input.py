"""The back office's forms answer bad input with the form's own messages (SPEC §0).

Found by posting every field of every add and change page with values that are not what
the field takes (a NUL, "²", 30 digits, a word, 20,000 characters): Django's
autocomplete widget looked the refused value up again to show it (a server error), the
user form left the phone to the service (a server error on save), and a customer
attribute's value with a NUL reached PostgreSQL."""

from __future__ import annotations

import pytest

from customers.models import Customer, CustomerAttribute
from customers.services import ATTRIBUTE_VALUE_MAX_LENGTH, customer_save
from tests.factories import ServiceGroupFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["²", "\x00", "x" * 20_000, "[", "9" * 30])
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/admin/organisation/operation/add/", "company"),
        ("/admin/customers/customer/add/", "wallet_agent"),
        ("/admin/workspace/cannedresponse/add/", "group"),
    ],
)
def test_an_autocomplete_field_refuses_what_is_not_an_id_with_the_form_s_message(web_as, admin_user, url, field, value):
    response = web_as(admin_user).post(url, {field: value})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


@pytest.mark.parametrize("phone", ["0", "-1", "²", "[", "9" * 30])
def test_a_user_s_phone_is_checked_by_the_form(web_as, admin_user, agent_a, phone):
    browser = web_as(admin_user)
    url = f"/admin/users/user/{agent_a.pk}/change/"
    page = browser.get(url).context["adminform"].form
    data = {name: value for name, value in page.initial.items() if value is not None and name != "password"}
    data.update(
        phone=phone,
        operations=[op.pk for op in agent_a.operations.all()],
        **{f"work_hours_{day}": "" for day in range(7)},
    )
    response = browser.post(url, data)
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    before = agent_a.phone
    agent_a.refresh_from_db()
    assert agent_a.phone == before


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Plano\x00Ouro", "tem caracteres de controle ou inválidos"),
        ("x" * (ATTRIBUTE_VALUE_MAX_LENGTH + 1), f"pode ter no máximo {ATTRIBUTE_VALUE_MAX_LENGTH} caracteres"),
    ],
)
def test_a_customer_attribute_value_that_cannot_be_stored_is_a_field_error(web_as, admin_user, value, message):
    plan = CustomerAttribute.objects.create(description="Plano")
    customer = customer_save(customer=Customer(), display_name="Maria", phone="34991234567")
    response = web_as(admin_user).post(
        f"/admin/customers/customer/{customer.pk}/change/",
        {
            "display_name": "Maria", "network": "whatsapp", "phone": "(34) 99123-4567", "priority": "0",
            "is_active": "on", "attributes_attribute": [str(plan.pk)], "attributes_value": [value],
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert f"O valor de “Plano” {message}" in response.content.decode()
    customer.refresh_from_db()
    assert customer.attributes == []


def test_the_autocomplete_still_shows_a_valid_choice_after_another_field_s_error(web_as, admin_user, operation_a):
    group = ServiceGroupFactory(name="Balcão", operation=operation_a)
    response = web_as(admin_user).post("/admin/workspace/cannedresponse/add/", {"group": str(group.pk)})
    assert response.status_code == 200
    assert "Balcão" in response.content.decode()
