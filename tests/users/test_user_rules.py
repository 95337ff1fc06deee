"""SPEC §2: role fields and who may manage whom; write-only secrets."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.factories import PASSWORD
from users.models import Role, User
from users.services import user_create, user_update

pytestmark = pytest.mark.django_db


def test_an_admin_needs_a_company():
    with pytest.raises(ValidationError) as error:
        user_create(username="semempresa", password=PASSWORD, role=Role.ADMIN)
    assert "company" in error.value.message_dict
    assert not User.objects.filter(username="semempresa").exists()


def test_a_supervisor_needs_an_operation():
    with pytest.raises(ValidationError) as error:
        user_create(username="solto", password=PASSWORD, role=Role.SUPERVISOR)
    assert "operations" in error.value.message_dict


def test_simultaneous_attendances_range_from_0_to_80(operation_a):
    with pytest.raises(ValidationError) as error:
        user_create(username="demais", password=PASSWORD, operations=[operation_a], max_simultaneous=81)
    assert "max_simultaneous" in error.value.message_dict
    assert user_create(username="zero", password=PASSWORD, max_simultaneous=0).max_simultaneous == 0


def test_a_supervisor_registers_agents_of_their_operations(supervisor_a, operation_a):
    agent = user_create(username="nova", password=PASSWORD, operations=[operation_a], actor=supervisor_a)
    assert list(agent.operations.all()) == [operation_a]


def test_a_supervisor_cannot_register_an_administrator_or_supervisor(supervisor_a, operation_a, company):
    for role in (Role.ADMIN, Role.SUPERVISOR, Role.SUPERVISOR_AGENT):
        with pytest.raises(ValidationError) as error:
            user_create(
                username=f"x{role}",
                password=PASSWORD,
                role=role,
                company=company,
                operations=[operation_a],
                actor=supervisor_a,
            )
        assert "role" in error.value.message_dict


def test_a_supervisor_cannot_assign_another_operation(supervisor_a, operation_b):
    with pytest.raises(ValidationError) as error:
        user_create(username="intrusa", password=PASSWORD, operations=[operation_b], actor=supervisor_a)
    assert "operations" in error.value.message_dict


def test_a_supervisor_editing_an_agent_keeps_the_operations_they_cannot_see(
    supervisor_a, operation_a, operation_b, company
):
    from tests.factories import OperationFactory

    operation_c = OperationFactory(name="Operação C", company=company)
    shared = user_create(username="compartilhada", password=PASSWORD, operations=[operation_a, operation_b])
    user_update(user=shared, actor=supervisor_a, operations=[], priority=4)
    assert set(shared.operations.all()) == {operation_b}
    user_update(user=shared, actor=None, operations=[operation_a, operation_c])
    user_update(user=shared, actor=supervisor_a, operations=[operation_a])
    assert set(shared.operations.all()) == {operation_a, operation_c}


def test_the_voice_channel_password_is_write_only_in_the_api(api_as, admin_user, agent_a):
    client = api_as(admin_user)
    client.patch(f"/api/v1/users/{agent_a.pk}/", {"voice_channel_password": "ramal#123"}, format="json")
    agent_a.refresh_from_db()
    assert agent_a.voice_channel_password == "ramal#123"
    body = client.get(f"/api/v1/users/{agent_a.pk}/").json()
    assert "voice_channel_password" not in body and "password" not in body
    # An empty value keeps the stored one.
    client.patch(f"/api/v1/users/{agent_a.pk}/", {"voice_channel_password": ""}, format="json")
    agent_a.refresh_from_db()
    assert agent_a.voice_channel_password == "ramal#123"


def test_the_voice_channel_password_is_never_rendered_in_the_admin(web_as, admin_user, agent_a):
    agent_a.voice_channel_password = "ramal#123"
    agent_a.save()
    page = web_as(admin_user).get(f"/admin/users/user/{agent_a.pk}/change/").content.decode()
    assert 'name="voice_channel_password"' in page
    assert "ramal#123" not in page


def test_the_admin_creates_an_agent_with_work_hours(web_as, admin_user, operation_a):
    response = web_as(admin_user).post(
        "/admin/users/user/add/",
        {
            "display_name": "Gabi",
            "username": "gabi",
            "role": "agent",
            "operations": [operation_a.pk],
            "password1": "Gabi@Senha1",
            "password2": "Gabi@Senha1",
            "max_simultaneous": 4,
            "priority": 2,
            "work_hours_0": "08:00-12:00, 13:00-18:00",
            "work_hours_4": "08:00-12:00",
            "is_active": "on",
            "_save": "Salvar",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    gabi = User.objects.get(username="gabi")
    assert gabi.check_password("Gabi@Senha1")
    assert list(gabi.operations.all()) == [operation_a]
    assert gabi.work_hours == [
        {"weekday": 0, "start": "08:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "18:00"},
        {"weekday": 4, "start": "08:00", "end": "12:00"},
    ]
    assert gabi.history.first().history_user == admin_user


def test_the_admin_form_shows_a_field_error_for_a_bad_interval(web_as, admin_user, operation_a):
    response = web_as(admin_user).post(
        "/admin/users/user/add/",
        {
            "display_name": "Gabi",
            "username": "gabi",
            "role": "agent",
            "password1": "Gabi@Senha1",
            "password2": "Gabi@Senha1",
            "max_simultaneous": 1,
            "priority": 0,
            "work_hours_1": "08:00 às 12:00",
        },
    )
    assert response.status_code == 200
    assert "Terça-feira" in response.content.decode()
    assert not User.objects.filter(username="gabi").exists()


def test_a_supervisor_in_the_admin_can_only_offer_their_operations(web_as, supervisor_a, operation_b):
    page = web_as(supervisor_a).get("/admin/users/user/add/").content.decode()
    assert "Operação A" in page
    assert "Operação B" not in page
