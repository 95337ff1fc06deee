"""A deactivated operation gives nobody access any more (core.scoping.member_operation_ids):
the same rule for supervisors' scope, agents' history and active messages' groups."""

from __future__ import annotations

import pytest

from attendance.models import Attendance, Status
from tests.factories import ServiceGroupFactory, UserFactory, queued_attendance
from users.models import Role, User

pytestmark = pytest.mark.django_db


def _history_ids(client) -> set[int]:
    return {row["id"] for row in client.get("/api/v1/attendances/?status=closed").json()["results"]}


def test_an_agent_s_history_of_the_operation_ends_when_the_operation_is_deactivated(api_as, operation_a):
    eva = UserFactory(username="eva_hist", role=Role.AGENT, operations=[operation_a], view_history_operations=True,
                      view_history_groups=False)  # fmt: skip
    other = UserFactory(username="ivo_hist", role=Role.AGENT, operations=[operation_a])
    group = ServiceGroupFactory(operation=operation_a, agents=[eva, other])
    closed = queued_attendance(group, "34991230101")
    Attendance.objects.filter(pk=closed.pk).update(status=Status.CLOSED, agent=other)
    client = api_as(eva)
    assert _history_ids(client) == {closed.pk}
    operation_a.is_active = False
    operation_a.save()
    assert _history_ids(api_as(User.objects.get(pk=eva.pk))) == set()  # a new request, a new user object


def test_active_messages_offer_no_group_of_a_deactivated_operation(api_as, operation_a, operation_b):
    eva = UserFactory(username="eva_ativa", role=Role.AGENT, operations=[operation_a, operation_b])
    ServiceGroupFactory(operation=operation_a, agents=[eva], name="Grupo Ativo A")
    group_b = ServiceGroupFactory(operation=operation_b, agents=[eva], name="Grupo Inativo B")
    operation_b.is_active = False
    operation_b.save()
    response = api_as(eva).post(
        "/api/v1/active-messages/",
        {"group": group_b.pk, "network": "whatsapp", "phone": "34991230102", "text": "Olá"},
        format="json",
    )
    assert response.status_code == 400
    assert "group" in response.json()
