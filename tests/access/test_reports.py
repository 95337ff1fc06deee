"""The supervisor's figures per operation (SPEC §9): what the dashboard and the
service-level report of each supervisor add up to, filters naming the other operation,
and the monitoring actions on another operation's attendance. (Statuses and names per
role are in ``test_site.py``.)"""

from __future__ import annotations

import pytest
from django.utils import timezone

from .checks import api_client, attendance_state, web_client
from .expectations import PERM_MONITOR, PERM_SURVEYS
from .world import VIEW_ATTENDANCE, grant

pytestmark = pytest.mark.django_db

FIGURES = ("queued", "bot", "in_progress", "pending")
TODAY = ("queued", "assigned", "abandoned", "closed")


def _dashboard(world, role: str, query: str = "") -> dict:
    response = api_client(world.cast[role]).get(f"/api/v1/dashboard/{query}")
    assert response.status_code == 200, (role, query, response.status_code)
    return response.json()


def _group_ids(world, side: str) -> set[int]:
    return {world.samples["attendance.ServiceGroup"][side].pk}


def test_each_supervisors_dashboard_adds_up_to_their_operation_only(world):
    """caio's totals are B's groups' figures, bia's A's; together the admin's (the groups
    split in two), so no figure of one operation hides in the other's totals."""
    admin, bia, caio = (_dashboard(world, role) for role in ("admin", "supervisor_a", "supervisor_b"))
    assert {g["id"] for g in caio["groups"]} == _group_ids(world, "B")
    assert {g["id"] for g in bia["groups"]} == _group_ids(world, "A")
    assert {o["id"] for o in caio["operations"]} == {world.operations["B"].pk}
    assert {a["id"] for a in caio["agents"]} == {world.cast["agent_b"].pk}
    assert caio["totals"]["in_progress"] == 1 and bia["totals"]["in_progress"] == 2  # B; A and A_davi
    for key in FIGURES:
        assert bia["totals"][key] + caio["totals"][key] == admin["totals"][key], key
    for key in TODAY:
        assert bia["totals"]["today"][key] + caio["totals"]["today"][key] == admin["totals"]["today"][key], key
    assert caio["totals"]["today"]["assigned"] == 1  # fabio's, by the distribution


def test_filters_naming_the_other_operation_show_none_of_it(world):
    """caio asking for A's operation, A's group or eva: an error or nothing of A."""
    group_a, op_a, eva = world.samples["attendance.ServiceGroup"]["A"], world.operations["A"], world.cast["agent_a"]
    client = api_client(world.cast["supervisor_b"])
    today = timezone.localdate().isoformat()
    period = f"start={today}&end={today}"
    for url in (
        f"/api/v1/dashboard/?operation={op_a.pk}",
        f"/api/v1/dashboard/?group={group_a.pk}",
        f"/api/v1/reports/service-level/?{period}&by=group&group={group_a.pk}",
        f"/api/v1/reports/service-level/?{period}&by=agent&agent={eva.pk}",
        f"/api/v1/reports/service-level/?{period}&by=group&group={group_a.pk}&file_format=csv",
    ):
        response = client.get(url)
        assert response.status_code == 400, (url, response.status_code)  # A's ids are not B's choices
        text = b"".join(response.streaming_content) if response.streaming else response.content
        text = text.decode("utf-8-sig")
        assert group_a.name not in text and op_a.name not in text and eva.display_name not in text, url
        if response.status_code == 200 and "file_format" not in url:
            body = response.json()
            if "groups" in body:
                assert not {g["id"] for g in body["groups"]} - _group_ids(world, "B"), url
                assert body["totals"]["in_progress"] <= 1, url  # at most B's own attendance
            else:
                assert body["totals"]["assigned"] == 0, url  # nothing of A's activity


def test_the_service_level_rows_of_each_supervisor_are_their_groups(world):
    today = timezone.localdate().isoformat()
    url = f"/api/v1/reports/service-level/?start={today}&end={today}&by=group"
    rows = {}
    for role in ("admin", "supervisor_a", "supervisor_b"):
        response = api_client(world.cast[role]).get(url)
        assert response.status_code == 200, (role, response.status_code)
        rows[role] = response.json()
    names = {side: world.samples["attendance.ServiceGroup"][side].name for side in ("A", "B")}
    assert {row["label"] for row in rows["supervisor_b"]["rows"]} <= {names["B"]}
    assert {row["label"] for row in rows["supervisor_a"]["rows"]} <= {names["A"]}
    for key in TODAY:
        assert rows["supervisor_a"]["totals"][key] + rows["supervisor_b"]["totals"][key] == rows["admin"]["totals"][key]


def test_monitoring_never_acts_on_another_operations_attendance(world, supervisor_profile):
    """caio (granted monitoring) posting a transfer or a close to A's attendance: 404,
    nothing changes; bia's own operation's detail answers (the check is not vacuous)."""
    grant(world, supervisor_profile, PERM_MONITOR, PERM_SURVEYS, VIEW_ATTENDANCE)
    attendance, group_b = world.attendances["A"], world.samples["attendance.ServiceGroup"]["B"]
    before = attendance_state()
    caio = web_client(world.cast["supervisor_b"])
    for data in ({"action": "close"}, {"action": "transfer", "group": group_b.pk}):
        response = caio.post(f"/monitor/{attendance.pk}/", data)
        assert response.status_code == 404, (data, response.status_code)
    assert attendance_state() == before
    assert web_client(world.cast["supervisor_a"]).get(f"/monitor/{attendance.pk}/").status_code == 200


def test_an_agent_of_both_operations_shows_caio_only_the_attendances_of_b(world):
    """hana answers in A's and B's groups and has one of A's attendances: on caio's
    dashboard her row counts none of it (A's figure), on bia's and the admin's it counts."""
    from attendance.models import Attendance, Status
    from tests.factories import UserFactory, queued_attendance
    from users.models import Role

    group_a, group_b = (world.samples["attendance.ServiceGroup"][side] for side in ("A", "B"))
    hana = UserFactory(username="hana", display_name="Hana", role=Role.AGENT,
                       operations=[world.operations["A"], world.operations["B"]])  # fmt: skip
    group_a.agents.add(hana)
    group_b.agents.add(hana)
    attendance = queued_attendance(group_a, "34991230099")
    Attendance.objects.filter(pk=attendance.pk).update(
        agent=hana, status=Status.IN_PROGRESS, assigned_at=timezone.now()
    )
    rows = {
        role: {a["id"]: a for a in _dashboard(world, role)["agents"]}
        for role in ("admin", "supervisor_a", "supervisor_b")
    }
    assert rows["admin"][hana.pk]["in_progress"] == 1 and rows["supervisor_a"][hana.pk]["in_progress"] == 1
    assert rows["supervisor_b"][hana.pk]["in_progress"] == 0
    assert rows["supervisor_b"][hana.pk]["groups"] == [group_b.pk]
