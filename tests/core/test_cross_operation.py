"""Issue 15 item 4: routing never crosses operations; a hidden id answers like a missing
one; supervisors keep their agents visible; free text is bounded (SPEC §0, §4.2, §10)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from attendance import errors as attendance_errors
from attendance.models import Bot, BotKind
from attendance.services import bot_save, group_save
from tests.factories import ServiceGroupFactory, queued_attendance
from users import errors as user_errors

pytestmark = pytest.mark.django_db


def _service_bot(name, group):
    menu = {
        "text": "Escolha:",
        "options": [{"key": "1", "label": "Ir", "action": "transfer_to_group", "group": group.pk}],
    }
    return bot_save(bot=Bot(name=name, kind=BotKind.SERVICE, menu=menu))


@pytest.fixture(autouse=True)
def supervisors_edit_groups(supervisor_profile):
    """The probe's supervisors could edit groups and see attendances (a profile may grant it)."""
    from django.contrib.auth.models import Permission

    for codename in ("view_servicegroup", "change_servicegroup", "view_attendance", "view_bot"):
        supervisor_profile.permissions.add(Permission.objects.get(codename=codename))


@pytest.fixture
def a_bot(operation_a):
    """Operação A's service bot: "1" sends the customer to A's Vendas."""
    return _service_bot("menu_a", ServiceGroupFactory(name="Vendas A", operation=operation_a))


def test_a_supervisor_of_b_cannot_attach_a_bot_of_a_to_a_b_group(api_as, supervisor_b, operation_b, a_bot):
    group = ServiceGroupFactory(name="Entrada B", operation=operation_b)
    response = api_as(supervisor_b).patch(
        f"/api/v1/groups/{group.pk}/", {"initialization_bot": a_bot.pk}, format="json"
    )
    assert response.status_code == 400
    missing = api_as(supervisor_b).patch(f"/api/v1/groups/{group.pk}/", {"initialization_bot": 999_999}, format="json")
    # The bot of A is not even disclosed: the same message as an id that does not exist.
    assert response.json()["initialization_bot"][0].replace(str(a_bot.pk), "N") == missing.json()["initialization_bot"][
        0
    ].replace("999999", "N")
    group.refresh_from_db()
    assert group.initialization_bot_id is None


def test_an_admin_cannot_attach_a_bot_routing_into_another_operation(api_as, admin_user, operation_b, a_bot):
    group = ServiceGroupFactory(name="Entrada B", operation=operation_b)
    response = api_as(admin_user).patch(f"/api/v1/groups/{group.pk}/", {"initialization_bot": a_bot.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["initialization_bot"] == [str(attendance_errors.BOT_OTHER_OPERATION)]


def test_a_supervisor_still_chooses_a_bot_routing_within_their_operation(api_as, supervisor_a, operation_a, a_bot):
    group = ServiceGroupFactory(name="Entrada A", operation=operation_a)
    response = api_as(supervisor_a).patch(
        f"/api/v1/groups/{group.pk}/", {"initialization_bot": a_bot.pk}, format="json"
    )
    assert response.status_code == 200, response.content


def test_a_bot_in_use_cannot_be_changed_to_route_into_another_operation(operation_a, operation_b, a_bot):
    ServiceGroupFactory(name="Entrada A", operation=operation_a, initialization_bot=a_bot)
    other = ServiceGroupFactory(name="Vendas B", operation=operation_b)
    a_bot.menu["options"][0]["group"] = other.pk
    with pytest.raises(ValidationError) as error:
        bot_save(bot=a_bot)
    assert "Entrada A" in error.value.message_dict["menu"][0]


def test_the_bot_inactivity_target_stays_in_the_groups_operation(api_as, admin_user, operation_a, operation_b):
    group = ServiceGroupFactory(name="Entrada A", operation=operation_a)
    foreign = ServiceGroupFactory(name="Fila B", operation=operation_b)
    payload = {
        "bot_inactivity_enabled": True, "bot_inactivity_timeout": 5, "bot_inactivity_unit": "minutes",
        "bot_inactivity_action": "send_to_group", "bot_inactivity_target_group": foreign.pk,
    }  # fmt: skip
    response = api_as(admin_user).patch(f"/api/v1/groups/{group.pk}/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["bot_inactivity_target_group"] == [str(attendance_errors.TARGET_OTHER_OPERATION)]
    own = ServiceGroupFactory(name="Fila A", operation=operation_a)
    payload["bot_inactivity_target_group"] = own.pk
    assert api_as(admin_user).patch(f"/api/v1/groups/{group.pk}/", payload, format="json").status_code == 200


def test_the_model_rule_holds_outside_the_api(operation_b, a_bot):
    group = ServiceGroupFactory(name="Entrada B", operation=operation_b)
    group.initialization_bot = a_bot
    with pytest.raises(ValidationError) as error:
        group_save(group=group)
    assert "initialization_bot" in error.value.message_dict


def test_an_operation_of_another_supervisor_answers_like_a_missing_one(api_as, supervisor_b, operation_a, agent_b):
    client = api_as(supervisor_b)
    hidden = client.patch(f"/api/v1/users/{agent_b.pk}/", {"operations": [operation_a.pk]}, format="json")
    missing = client.patch(f"/api/v1/users/{agent_b.pk}/", {"operations": [999_999]}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["operations"][0].replace(str(operation_a.pk), "N") == missing.json()["operations"][0].replace(
        "999999", "N"
    )


def test_an_agent_filter_answers_the_same_for_hidden_and_missing_ids(api_as, supervisor_b, agent_a, operation_b):
    client = api_as(supervisor_b)
    hidden = client.get(f"/api/v1/attendances/?agent={agent_a.pk}")
    missing = client.get("/api/v1/attendances/?agent=999999")
    assert hidden.status_code == missing.status_code == 200
    assert hidden.json() == missing.json()


def test_relation_filters_still_filter(api_as, admin_user, operation_a, operation_b):
    group = ServiceGroupFactory(name="Fila A", operation=operation_a)
    queued_attendance(group, "11999990001")
    client = api_as(admin_user)
    assert client.get(f"/api/v1/attendances/?group={group.pk}").json()["count"] == 1
    assert client.get("/api/v1/attendances/?group=999999").json()["count"] == 0
    assert client.get(f"/api/v1/groups/?operation={operation_b.pk}").json()["count"] == 0
    assert client.get("/api/v1/attendances/?group=x").status_code == 400


def test_a_supervisor_cannot_register_an_agent_without_one_of_their_operations(api_as, supervisor_a):
    payload = {"username": "novo", "display_name": "Novo", "role": "agent", "password": "Segura@2026"}
    response = api_as(supervisor_a).post("/api/v1/users/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["operations"] == [str(user_errors.SUPERVISOR_AGENT_NEEDS_OPERATION)]
    payload["operations"] = [supervisor_a.operations.get().pk]
    assert api_as(supervisor_a).post("/api/v1/users/", payload, format="json").status_code == 201


@pytest.mark.parametrize(
    "url, payload, field",
    [
        ("/api/v1/bots/", {"name": "longo", "kind": "transfer", "message": "m" * 4097}, "message"),
        ("/api/v1/profiles/", {"name": "Perfil", "description": "d" * 1001}, "description"),
        ("/api/v1/surveys/", {"name": "P", "questions": [{"type": "open", "text": "q" * 1001}]}, "questions"),
        (
            "/api/v1/surveys/",
            {"name": "P", "questions": [{"type": "csat", "text": "Q?", "options": [
                {"text": "o" * 201, "satisfied": True}, {"text": "Ruim"}]}]},
            "questions",
        ),
        ("/api/v1/users/", {"username": "x", "display_name": "X", "role": "agent", "password": "Aa1!" * 33}, "password"),
    ],
)  # fmt: skip
def test_free_text_fields_have_a_maximum_length(api_as, admin_user, url, payload, field):
    response = api_as(admin_user).post(url, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_the_password_policy_refuses_more_than_128_characters():
    from django.contrib.auth.password_validation import validate_password

    with pytest.raises(ValidationError):
        validate_password("Aa1!" * 33)
    validate_password("Aa1!" * 32)
