"""SPEC §0: nothing is ever deleted; inactive records stay listed but cannot be chosen."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.errors import DELETION_FORBIDDEN, INACTIVE_CHOICE, DeletionForbidden
from organisation.models import Company, Operation
from tests.factories import OperationFactory
from users.models import User

pytestmark = pytest.mark.django_db


def test_deleting_a_model_instance_raises_a_clear_error(operation_a):
    with pytest.raises(DeletionForbidden) as error, translation.override("pt-br"):
        operation_a.delete()
    assert "desative o registro" in str(error.value)
    assert Operation.objects.filter(pk=operation_a.pk).exists()


def test_deleting_a_queryset_raises(cast):
    with pytest.raises(DeletionForbidden):
        User.objects.all().delete()
    with pytest.raises(DeletionForbidden):
        Company.objects.filter(pk__gt=0).delete()
    assert User.objects.count() == len(cast)


def test_the_admin_offers_no_delete_action_or_button(web_as, admin_user, operation_a):
    browser = web_as(admin_user)
    changelist = browser.get("/admin/organisation/operation/").content.decode()
    assert "delete_selected" not in changelist
    assert "deactivate_selected" in changelist
    change = browser.get(f"/admin/organisation/operation/{operation_a.pk}/change/").content.decode()
    assert "deletelink" not in change
    assert browser.get(f"/admin/organisation/operation/{operation_a.pk}/delete/").status_code == 403
    assert Operation.objects.filter(pk=operation_a.pk).exists()


def test_the_api_answers_delete_with_405_and_keeps_the_record(api_as, admin_user, operation_a):
    response = api_as(admin_user).delete(f"/api/v1/operations/{operation_a.pk}/", HTTP_ACCEPT_LANGUAGE="pt-br")
    assert response.status_code == 405
    assert response.json()["detail"] == str(DELETION_FORBIDDEN)
    assert Operation.objects.filter(pk=operation_a.pk, is_active=True).exists()


def test_the_deactivate_action_keeps_the_row_and_records_who_did_it(web_as, admin_user, operation_a):
    response = web_as(admin_user).post(
        "/admin/organisation/operation/",
        {"action": "deactivate_selected", "_selected_action": [operation_a.pk]},
        follow=True,
    )
    assert "1 operação desativada." in response.content.decode()
    operation_a.refresh_from_db()
    assert operation_a.is_active is False
    latest = operation_a.history.first()
    assert latest.history_user == admin_user
    assert latest.is_active is False


def test_inactive_records_stay_listed_and_filterable_by_status(web_as, admin_user, company):
    OperationFactory(name="Operação Ativa", company=company)
    OperationFactory(name="Operação Antiga", company=company, is_active=False)
    browser = web_as(admin_user)
    everything = browser.get("/admin/organisation/operation/").content.decode()
    assert "Operação Ativa" in everything and "Operação Antiga" in everything
    inactive = browser.get("/admin/organisation/operation/?status=inactive").content.decode()
    assert "Operação Antiga" in inactive and "Operação Ativa" not in inactive


def test_an_inactive_record_cannot_be_newly_chosen_in_the_api(api_as, admin_user, company):
    old = OperationFactory(name="Antiga", company=company, is_active=False)
    response = api_as(admin_user).post(
        "/api/v1/users/",
        {
            "username": "novo",
            "display_name": "Novo",
            "role": "agent",
            "password": "Senha@Forte1",
            "operations": [old.pk],
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="pt-br",
    )
    assert response.status_code == 400
    assert response.json()["operations"] == [str(INACTIVE_CHOICE)]
    assert not User.objects.filter(username="novo").exists()


def test_an_inactive_record_already_chosen_stays_valid_on_edit(api_as, admin_user, agent_a, operation_a):
    operation_a.is_active = False
    operation_a.save()
    response = api_as(admin_user).patch(
        f"/api/v1/users/{agent_a.pk}/", {"operations": [operation_a.pk], "priority": 3}, format="json"
    )
    assert response.status_code == 200, response.json()
    agent_a.refresh_from_db()
    assert agent_a.priority == 3


def test_the_admin_form_does_not_offer_inactive_operations(web_as, admin_user, company):
    OperationFactory(name="Operação Vigente", company=company)
    OperationFactory(name="Operação Encerrada", company=company, is_active=False)
    page = web_as(admin_user).get("/admin/users/user/add/").content.decode()
    assert "Operação Vigente" in page
    assert "Operação Encerrada" not in page
