"""One visibility rule (attendance.selectors.attendances_visible_to): a supervisor whose
profile grants the monitor lists the same attendances in ``GET /api/v1/attendances/`` as on
``/monitor/`` — her operations' only (issue 24, SPEC §9.1)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from tests.factories import ProfileFactory, ServiceGroupFactory, UserFactory, queued_attendance
from users.models import Role

pytestmark = pytest.mark.django_db


def test_the_monitor_and_the_api_list_the_same_attendances(api_as, web_as, operation_a, operation_b):
    profile = ProfileFactory(name="Só monitoramento", perms=["reports.monitor_attendances"])
    assert not Permission.objects.filter(codename="view_attendance", group__isnull=False).exists()
    bia = UserFactory(username="bia_monitor", role=Role.SUPERVISOR, operations=[operation_a], profile=profile)
    mine = [queued_attendance(ServiceGroupFactory(operation=operation_a), f"3499123000{i}") for i in range(2)]
    other = queued_attendance(ServiceGroupFactory(operation=operation_b), "34991230009")

    api_rows = api_as(bia).get("/api/v1/attendances/?page_size=100").json()["results"]
    page = web_as(bia).get("/monitor/").content.decode()

    assert {row["protocol"] for row in api_rows} == {a.protocol for a in mine}
    assert all(a.protocol in page for a in mine) and other.protocol not in page
