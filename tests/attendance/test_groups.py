"""SPEC §4: service groups: defaults, ranges, dependent fields, bots, relations, scope."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from attendance.models import ServiceGroup
from attendance.services import group_save
from tests.factories import BotFactory, ServiceGroupFactory, UserFactory, make_classification, make_survey
from users.models import Role

pytestmark = pytest.mark.django_db


def _fields(error: ValidationError) -> set[str]:
    return set(error.message_dict)


def test_a_new_group_has_the_manuals_defaults(operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    assert group.is_main and group.is_active
    assert (group.distribution_strategy, group.display_name_mode) == ("circular", "agent")
    assert (group.inactivity_timeout_minutes, group.inactivity_warning_percent) == (1440, 0)
    assert (group.inactivity_close_by, group.active_message_delay_minutes) == ("client", 0)
    assert group.agent_response_minutes is None and group.initial_sla_minutes is None
    assert not any(
        getattr(group, flag)
        for flag in [
            "requires_online_agent",
            "bot_inactivity_enabled",
            "survey_required",
            "classification_required",
            "auto_pending",
            "whatsapp_partner",
            "queue_position_by_period",
            "receive_only",
            "allow_audio",
        ]
    )


@pytest.mark.parametrize(
    "flag, dependent",
    [
        ("auto_pending", "pending_after_minutes"),
        ("whatsapp_partner", "partner_inactivity_warning_minutes"),
        ("queue_position_by_period", "queue_position_interval_minutes"),
    ],
)
def test_a_dependent_field_is_required_while_its_flag_is_on(operation_a, flag, dependent):
    with pytest.raises(ValidationError) as error:
        group_save(group=ServiceGroup(name="G", operation=operation_a, **{flag: True}))
    assert dependent in _fields(error.value)
    group = group_save(group=ServiceGroup(name="G", operation=operation_a, **{flag: True, dependent: 5}))
    assert getattr(group, dependent) == 5


def test_a_dependent_value_is_cleared_when_its_flag_is_off(operation_a):
    group = group_save(group=ServiceGroup(name="G", operation=operation_a, auto_pending=False, pending_after_minutes=9))
    assert group.pending_after_minutes is None


def test_bot_inactivity_needs_time_unit_and_action_and_a_target_group_to_send_to(operation_a):
    with pytest.raises(ValidationError) as error:
        group_save(group=ServiceGroup(name="G", operation=operation_a, bot_inactivity_enabled=True))
    assert _fields(error.value) == {"bot_inactivity_timeout", "bot_inactivity_unit", "bot_inactivity_action"}
    settings = {"bot_inactivity_enabled": True, "bot_inactivity_timeout": 30, "bot_inactivity_unit": "seconds"}
    with pytest.raises(ValidationError) as error:
        group_save(
            group=ServiceGroup(name="G", operation=operation_a, bot_inactivity_action="send_to_group", **settings)
        )
    assert _fields(error.value) == {"bot_inactivity_target_group"}
    target = ServiceGroupFactory(operation=operation_a)
    group = group_save(
        group=ServiceGroup(
            name="G",
            operation=operation_a,
            bot_inactivity_action="send_to_group",
            bot_inactivity_target_group=target,
            **settings,
        )
    )
    assert group.bot_inactivity_target_group == target


def test_the_bot_inactivity_timeout_must_be_positive(operation_a):
    with pytest.raises(ValidationError) as error:
        group_save(
            group=ServiceGroup(
                name="G",
                operation=operation_a,
                bot_inactivity_enabled=True,
                bot_inactivity_timeout=0,
                bot_inactivity_unit="days",
                bot_inactivity_action="close",
            )
        )
    assert "bot_inactivity_timeout" in _fields(error.value)


def test_ranges_of_timers(operation_a):
    with pytest.raises(ValidationError) as error:
        group_save(
            group=ServiceGroup(
                name="G", operation=operation_a, inactivity_warning_percent=100, inactivity_timeout_minutes=0
            )
        )
    assert _fields(error.value) == {"inactivity_warning_percent", "inactivity_timeout_minutes"}


def test_a_main_group_takes_a_service_bot_and_a_child_a_transfer_bot(operation_a):
    transfer = BotFactory(kind="transfer")
    with pytest.raises(ValidationError) as error:
        group_save(group=ServiceGroup(name="Main", operation=operation_a, initialization_bot=transfer))
    assert "initialization_bot" in _fields(error.value)
    main = ServiceGroupFactory(operation=operation_a)
    child = group_save(
        group=ServiceGroup(name="Child", operation=operation_a, parent=main, initialization_bot=transfer)
    )
    assert not child.is_main


def test_the_inactivity_and_finalization_bots_must_be_of_their_kind(operation_a):
    transfer = BotFactory(kind="transfer")
    with pytest.raises(ValidationError) as error:
        group_save(
            group=ServiceGroup(name="G", operation=operation_a, inactivity_bot=transfer, finalization_bot=transfer)
        )
    assert _fields(error.value) == {"inactivity_bot", "finalization_bot"}


def test_whatsapp_template_is_for_main_groups_only(operation_a):
    main = ServiceGroupFactory(operation=operation_a, whatsapp_template=True)
    with pytest.raises(ValidationError) as error:
        group_save(group=ServiceGroup(name="Child", operation=operation_a, parent=main, whatsapp_template=True))
    assert "whatsapp_template" in _fields(error.value)


def test_a_parent_is_a_main_group_of_the_same_operation(operation_a, operation_b):
    main = ServiceGroupFactory(operation=operation_a)
    child = ServiceGroupFactory(operation=operation_a, parent=main)
    with pytest.raises(ValidationError):
        group_save(group=ServiceGroup(name="Neto", operation=operation_a, parent=child))
    with pytest.raises(ValidationError):
        group_save(group=ServiceGroup(name="Outra", operation=operation_b, parent=main))


def test_required_survey_and_classification_need_one_chosen(operation_a):
    with pytest.raises(ValidationError) as error:
        group_save(
            group=ServiceGroup(name="G", operation=operation_a, survey_required=True, classification_required=True)
        )
    assert _fields(error.value) == {"survey_required", "classification_required"}
    group = group_save(
        group=ServiceGroup(
            name="G",
            operation=operation_a,
            survey=make_survey(),
            survey_required=True,
            classification=make_classification(),
            classification_required=True,
        )
    )
    assert group.survey_required and group.classification_required


def test_only_agents_and_supervisor_agents_can_be_associated(operation_a, agent_a, supervisor_agent_a, supervisor_a):
    group = ServiceGroupFactory(operation=operation_a, agents=[agent_a, supervisor_agent_a])
    assert set(group.agents.all()) == {agent_a, supervisor_agent_a}
    with pytest.raises(ValidationError) as error:
        group_save(group=group, agents=[supervisor_a])
    assert "agents" in _fields(error.value)


def test_a_group_is_not_its_own_transfer_target_and_targets_are_not_symmetric(operation_a):
    first, second = ServiceGroupFactory(operation=operation_a), ServiceGroupFactory(operation=operation_a)
    group_save(group=first, transfer_targets=[second])
    assert list(first.transfer_targets.all()) == [second]
    assert list(second.transfer_targets.all()) == []
    with pytest.raises(ValidationError) as error:
        group_save(group=first, transfer_targets=[first])
    assert "transfer_targets" in _fields(error.value)


def test_a_supervisor_editing_agents_keeps_the_agents_they_cannot_see(operation_a, operation_b, supervisor_a):
    agent_of_a = UserFactory(role=Role.AGENT, operations=[operation_a])
    agent_of_b = UserFactory(role=Role.AGENT, operations=[operation_b])
    group = ServiceGroupFactory(operation=operation_a, agents=[agent_of_a])
    group.agents.add(agent_of_b)  # an association made before the operation rule existed
    group_save(group=group, agents=[], actor=supervisor_a)
    assert list(group.agents.all()) == [agent_of_b]


def test_changes_are_audited_with_relations(operation_a, agent_a):
    group = ServiceGroupFactory(operation=operation_a)
    group_save(group=group, agents=[agent_a])
    group.distribution_strategy = "random"
    group_save(group=group)
    assert group.history.first().distribution_strategy == "random"
    assert group.history.count() >= 2


def test_the_api_creates_a_group_with_per_field_errors_first(api_as, admin_user, operation_a, agent_a):
    client = api_as(admin_user)
    bad = client.post(
        "/api/v1/groups/", {"name": "Vendas", "operation": operation_a.pk, "auto_pending": True}, format="json"
    )
    assert bad.status_code == 400
    assert list(bad.json()) == ["pending_after_minutes"]
    assert not ServiceGroup.objects.exists()
    payload = {
        "name": "Vendas",
        "operation": operation_a.pk,
        "auto_pending": True,
        "pending_after_minutes": 20,
        "agents": [agent_a.pk],
        "distribution_strategy": "least_attendances",
    }
    response = client.post("/api/v1/groups/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = client.get(f"/api/v1/groups/{response.json()['id']}/").json()
    assert {key: body[key] for key in payload} == {**payload}
    assert body["inactivity_timeout_minutes"] == 1440


def test_the_api_refuses_an_inactive_survey(api_as, admin_user, operation_a):
    survey = make_survey(is_active=False)
    response = api_as(admin_user).post(
        "/api/v1/groups/", {"name": "G", "operation": operation_a.pk, "survey": survey.pk}, format="json"
    )
    assert response.status_code == 400 and "survey" in response.json()


def test_a_supervisor_cannot_create_a_group_in_another_operation(api_as, supervisor_a, operation_b, supervisor_profile):
    from django.contrib.auth.models import Permission

    supervisor_profile.permissions.add(
        *Permission.objects.filter(codename__in=["add_servicegroup", "view_servicegroup"])
    )
    response = api_as(supervisor_a).post("/api/v1/groups/", {"name": "G", "operation": operation_b.pk}, format="json")
    assert response.status_code == 400
    assert "operation" in response.json()
