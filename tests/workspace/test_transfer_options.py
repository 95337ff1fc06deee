"""The transfer list offers exactly the agents the engine accepts (issue 24: one
eligibility rule, ``attendance.selectors.eligible_agents``, work hours included)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from attendance.models import Attendance, Status
from tests.factories import ServiceGroupFactory, UserFactory, online, queued_attendance
from users.models import Role
from workspace.selectors import transfer_options

pytestmark = pytest.mark.django_db


def test_an_agent_outside_work_hours_is_not_offered_for_a_transfer_the_engine_would_refuse(api_as, operation_a):
    eva = UserFactory(username="eva_tr", role=Role.AGENT, operations=[operation_a], max_simultaneous=3)
    tomorrow = (timezone.localtime() + timedelta(days=1)).weekday()  # 0 = Monday, as work hours count
    off_duty = UserFactory(username="leo_tr", role=Role.AGENT, operations=[operation_a], max_simultaneous=3,
                           work_hours=[{"weekday": tomorrow, "start": "08:00", "end": "09:00"}])  # fmt: skip
    on_duty = UserFactory(username="ana_tr", role=Role.AGENT, operations=[operation_a], max_simultaneous=3)
    group = ServiceGroupFactory(operation=operation_a, agents=[eva, off_duty, on_duty])
    for agent in (eva, off_duty, on_duty):
        online(agent)
    attendance = queued_attendance(group, "34991230404")
    Attendance.objects.filter(pk=attendance.pk).update(status=Status.IN_PROGRESS, agent=eva, assigned_at=timezone.now())
    attendance.refresh_from_db()

    offered = {row["id"]: row["available"] for row in transfer_options(attendance=attendance, user=eva)["agents"]}
    assert offered == {off_duty.pk: False, on_duty.pk: True}
    refused = api_as(eva).post(f"/api/v1/attendances/{attendance.pk}/transfer/", {"agent": off_duty.pk}, format="json")
    assert refused.status_code == 400
    accepted = api_as(eva).post(f"/api/v1/attendances/{attendance.pk}/transfer/", {"agent": on_duty.pk}, format="json")
    assert accepted.status_code == 200, accepted.content
