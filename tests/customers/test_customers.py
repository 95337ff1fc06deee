"""SPEC §6.1–6.2: customers: phones, documents, username, attributes, search, status."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.phones import normalize_phone
from customers.documents import mask_document, normalize_document
from customers.models import Customer, CustomerAttribute
from customers.selectors import customer_can_open_attendance, customer_search
from customers.services import customer_create_for_message, customer_save

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    ["(34) 99123-4567", "034 99123 4567", "+55 34 99123-4567", "5534991234567", "34991234567", "55 (34) 99123-4567"],
)
def test_a_brazilian_mobile_is_accepted_in_the_formats_people_type(typed):
    assert normalize_phone(typed) == "+5534991234567"


def test_a_landline_is_accepted():
    assert normalize_phone("(11) 3212-3456") == "+551132123456"


def test_a_separate_country_code_is_understood():
    assert normalize_phone("34 99123-4567", country_code="55") == "+5534991234567"
    assert normalize_phone("34 99123-4567", country_code="+55") == "+5534991234567"


@pytest.mark.parametrize(
    "typed, country", [("+1 202 555 0100", None), ("202 555 0100", "1"), ("+351 912 345 678", None)]
)
def test_a_foreign_number_says_it_is_foreign(typed, country):
    with pytest.raises(ValidationError) as error, translation.override("pt-br"):
        normalize_phone(typed, country)
    assert error.value.code == "foreign"
    assert "estrangeiro" in str(error.value.messages[0]).lower()


@pytest.mark.parametrize("typed", ["12345", "(34) 1234", "abc", "(20) 99123-4567"])
def test_an_invalid_number_says_it_is_invalid(typed):
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert error.value.code in {"invalid", "required"}


def test_cpf_and_cnpj_check_digits_are_validated_and_stored_as_digits():
    assert normalize_document("529.982.247-25") == ("cpf", "52998224725")
    assert normalize_document("11.222.333/0001-81") == ("cnpj", "11222333000181")
    with pytest.raises(ValidationError):
        normalize_document("529.982.247-26")
    with pytest.raises(ValidationError):
        normalize_document("11.222.333/0001-80")
    with pytest.raises(ValidationError):
        normalize_document("111.111.111-11")


def test_a_cpf_typed_as_a_spreadsheet_number_gets_its_leading_zeros_back():
    assert normalize_document(2664378007.0) == ("cpf", "02664378007")
    assert normalize_document(2664378007) == ("cpf", "02664378007")


def test_documents_are_shown_masked():
    assert mask_document("cpf", "52998224725") == "529.982.247-25"
    assert mask_document("cnpj", "11222333000181") == "11.222.333/0001-81"


def test_the_username_is_generated_on_creation_and_kept_afterwards():
    customer = customer_save(customer=Customer(), display_name="Maria", network="whatsapp", phone="(34) 99123-4567")
    assert (customer.phone, customer.username) == ("+5534991234567", "whatsapp_5534991234567")
    customer_save(customer=customer, phone="(34) 99999-0000", network="telegram")
    customer.refresh_from_db()
    assert customer.username == "whatsapp_5534991234567"


def test_network_and_phone_are_unique_together():
    customer_save(customer=Customer(), display_name="A", network="whatsapp", phone="34991234567")
    customer_save(customer=Customer(), display_name="B", network="telegram", phone="34991234567")
    with pytest.raises(ValidationError) as error:
        customer_save(customer=Customer(), display_name="C", network="whatsapp", phone="+55 34 99123-4567")
    assert "phone" in error.value.message_dict
    assert Customer.objects.count() == 2


def test_attributes_are_pairs_of_active_attributes():
    plan = CustomerAttribute.objects.create(description="Plano")
    old = CustomerAttribute.objects.create(description="Antigo", is_active=False)
    customer = customer_save(
        customer=Customer(),
        display_name="A",
        phone="34991234567",
        attributes=[{"attribute": plan.pk, "value": "Ouro"}, {"attribute": plan.pk, "value": "Anual"}],
    )
    assert customer.attributes == [{"attribute": plan.pk, "value": "Ouro"}, {"attribute": plan.pk, "value": "Anual"}]
    with pytest.raises(ValidationError) as error:
        customer_save(customer=customer, attributes=[{"attribute": old.pk, "value": "x"}])
    assert "attributes" in error.value.message_dict


def test_an_inactive_customer_opens_no_attendance():
    customer = customer_save(customer=Customer(), display_name="A", phone="34991234567", is_active=False)
    assert customer_can_open_attendance(customer=customer) is False


def test_search_finds_by_name_phone_in_any_format_document_and_email():
    maria = customer_save(
        customer=Customer(), display_name="Maria Silva", phone="34991234567", document="52998224725",
        email="maria@example.com",
    )  # fmt: skip
    customer_save(customer=Customer(), display_name="João", phone="11988887777")
    everyone = Customer.objects.all()
    for term in ["maria", "(34) 99123-4567", "+55 34 99123 4567", "529.982.247-25", "52998224725", "MARIA@example.com"]:
        assert list(customer_search(queryset=everyone, term=term)) == [maria], term


def test_the_api_creates_a_customer_with_per_field_portuguese_errors(api_as, admin_user):
    client = api_as(admin_user)
    bad = client.post(
        "/api/v1/customers/",
        {"display_name": "X", "network": "whatsapp", "phone": "+1 202 555 0100", "document": "123", "email": "x@"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"phone", "document", "email"}
    assert "estrangeiro" in bad.json()["phone"][0].lower()
    good = client.post(
        "/api/v1/customers/",
        {"display_name": "Maria", "network": "whatsapp", "phone": "(34) 99123-4567", "document": "529.982.247-25"},
        format="json",
    )
    assert good.status_code == 201, good.json()
    body = good.json()
    assert (body["phone"], body["username"], body["document"], body["document_display"]) == (
        "+5534991234567", "whatsapp_5534991234567", "52998224725", "529.982.247-25",
    )  # fmt: skip
    assert client.delete(f"/api/v1/customers/{body['id']}/").status_code == 405


def test_the_admin_searches_customers_by_phone(web_as, admin_user):
    customer_save(customer=Customer(), display_name="Maria Silva", phone="34991234567")
    page = web_as(admin_user).get("/admin/customers/customer/", {"q": "(34) 99123-4567"}).content.decode()
    assert "Maria Silva" in page


def test_the_admin_creates_a_customer_with_attributes(web_as, admin_user):
    plan = CustomerAttribute.objects.create(description="Plano")
    response = web_as(admin_user).post(
        "/admin/customers/customer/add/",
        {
            "display_name": "Maria", "network": "whatsapp", "phone": "034 99123 4567", "document": "529.982.247-25",
            "priority": "3", "is_active": "on", "attributes_attribute": [str(plan.pk), ""],
            "attributes_value": ["Ouro", ""],
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get()
    assert (customer.phone, customer.document, customer.attributes) == (
        "+5534991234567", "52998224725", [{"attribute": plan.pk, "value": "Ouro"}],
    )  # fmt: skip
    assert customer.history.first().history_user == admin_user


def test_a_customer_keeps_an_attribute_deactivated_since_and_can_still_be_saved(api_as, web_as, admin_user):
    plan = CustomerAttribute.objects.create(description="Plano")
    customer = customer_save(customer=Customer(), display_name="Maria", phone="34991234567",
                             attributes=[{"attribute": plan.pk, "value": "Ouro"}])  # fmt: skip
    plan.is_active = False
    plan.save()
    # The API: the unchanged attribute stays valid; the name changes.
    response = api_as(admin_user).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"display_name": "Maria Silva", "attributes": [{"attribute": plan.pk, "value": "Ouro"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    # The admin screen: the same.
    response = web_as(admin_user).post(
        f"/admin/customers/customer/{customer.pk}/change/",
        {
            "display_name": "Maria S.", "network": "whatsapp", "phone": "34991234567", "priority": "0",
            "is_active": "on", "attributes_attribute": [str(plan.pk)], "attributes_value": ["Ouro"],
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    customer.refresh_from_db()
    assert (customer.display_name, customer.attributes) == ("Maria S.", [{"attribute": plan.pk, "value": "Ouro"}])


def test_a_deactivated_attribute_cannot_be_newly_chosen_and_the_message_names_it():
    from django.utils import translation

    old = CustomerAttribute.objects.create(description="Antigo", is_active=False)
    customer = customer_save(customer=Customer(), display_name="A", phone="34991234567")
    with pytest.raises(ValidationError) as error, translation.override("pt-br"):
        customer_save(customer=customer, attributes=[{"attribute": old.pk, "value": "x"}])
    assert "“Antigo”" in " ".join(error.value.message_dict["attributes"])


def _history(customer):
    record = customer.history.get()
    tracked = {f.attname: getattr(record, f.attname) for f in type(record).tracked_fields}
    return record.history_type, record.history_user_id, record.history_change_reason, tracked


def test_a_customer_created_by_a_first_message_is_written_as_customer_save_writes_it():
    """``customer_create_for_message`` (inbound's plain INSERTs): the same row, username and
    history record as ``customer_save``, and the same validation."""
    by_message = customer_create_for_message(network="whatsapp", phone="(34) 99123-4567", display_name="Maria")
    by_save = customer_save(customer=Customer(), network="whatsapp", phone="(34) 99123-4568", display_name="Maria",
                            check_unique=False)  # fmt: skip
    assert by_message.pk and not by_message._state.adding and by_message.created_at is not None
    fresh = Customer.objects.get(pk=by_message.pk)
    assert (fresh.phone, fresh.username, fresh.display_name) == ("+5534991234567", by_message.username, "Maria")
    assert by_message.username == Customer.make_username("whatsapp", "+5534991234567")
    message_history, save_history = _history(by_message), _history(by_save)
    assert message_history[:3] == save_history[:3] == ("+", None, None)
    differing = {"id", "phone", "username", "created_at"}
    assert {k: v for k, v in message_history[3].items() if k not in differing} == {
        k: v for k, v in save_history[3].items() if k not in differing
    }
    assert message_history[3]["id"] == by_message.pk and message_history[3]["created_at"] == fresh.created_at
    with pytest.raises(ValidationError):
        customer_create_for_message(network="whatsapp", phone="123", display_name="Maria")


@pytest.mark.parametrize("query", ["foo=bar", "phone__regex=(", "display_name__in=x", "phone__startswith=34"])
def test_the_export_refuses_filters_the_list_does_not_have_with_a_message(admin_user, web_as, query):
    """Issue 32 item 3: the admin export takes exactly the customers list's filters; any
    other parameter, or a filter's value that is not one, gets a 400 with a message."""
    customer_save(customer=Customer(), display_name="Ana", phone="34991234567")
    response = web_as(admin_user).get(f"/admin/customers/customer/export/?file_format=csv&{query}")
    assert response.status_code == 400
    assert response.content.decode() == (
        "Estes não são filtros da lista de clientes: volte à lista e exporte novamente."
    )


def test_the_export_still_takes_the_lists_own_filters_search_and_order(admin_user, web_as, operation_a):
    from tests.factories import ServiceGroupFactory

    group = ServiceGroupFactory(name="Vendas", operation=operation_a)
    customer_save(customer=Customer(), display_name="Ana Lima", phone="34991234567", group=group)
    customer_save(customer=Customer(), display_name="Bruno", phone="34991234568")
    web = web_as(admin_user)
    query = f"group__id__exact={group.pk}&status=active&network__exact=whatsapp&o=1&q=Ana"
    response = web.get(f"/admin/customers/customer/export/?file_format=csv&{query}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig", errors="replace")
    assert "Ana Lima" in body and "Bruno" not in body


@pytest.mark.parametrize("query", ["phone__regex=(", "foo=bar"])
def test_the_list_with_a_parameter_it_does_not_have_shows_itself_without_it(admin_user, web_as, query):
    customer_save(customer=Customer(), display_name="Ana", phone="34991234567")
    response = web_as(admin_user).get(f"/admin/customers/customer/?{query}")
    assert (response.status_code, response["Location"]) == (302, "/admin/customers/customer/?e=1")


def test_a_list_filter_given_a_value_that_is_not_an_id_exports_like_the_list_shows(admin_user, web_as):
    customer_save(customer=Customer(), display_name="Ana", phone="34991234567")
    web = web_as(admin_user)
    listed = web.get("/admin/customers/customer/?group__id__exact=abc")
    exported = web.get("/admin/customers/customer/export/?file_format=csv&group__id__exact=abc")
    assert (listed.status_code, exported.status_code) == (200, 200)
