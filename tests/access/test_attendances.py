"""The attendances API per role (SPEC §0, §8, §10): list, detail, the actions
``messages``, ``transfer``, ``close``; with the fixtures' profile, with
``view_attendance`` and with ``view`` + ``change_attendance`` granted.

The matrix's transfer / close payloads fail validation after the access checks (no
target; an unknown classification node), so an allowed action answers 400 and the
attendances stay as they are from role to role; ``messages`` really sends (201).
``test_attendance_actions_really_act`` closes for real."""

from __future__ import annotations

import pytest

from .checks import admin_matrix_failures, api_client, attendance_api_failures, attendance_state
from .world import CHANGE_ATTENDANCE, ROLES, SUPERVISOR_SIDE, VIEW_ATTENDANCE, grant, side_names

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_attendance_api_matrix(role, world):
    """The fixtures' profile: no attendance permission (bia, caio 403; davi his own only)."""
    failures = attendance_api_failures(role, world)
    assert not failures, f"{len(failures)} attendance API failure(s):\n" + "\n".join(failures)


def test_supervisors_granted_view_attendance(world, supervisor_profile):
    """view_attendance: their operations' attendances (davi also his own); acting 403."""
    grant(world, supervisor_profile, VIEW_ATTENDANCE)
    failures = []
    for role in ROLES:
        failures += attendance_api_failures(role, world)
    for role in SUPERVISOR_SIDE:  # the admin's read-only attendance screens, scoped alike
        failures += admin_matrix_failures(role, world)
    assert not failures, f"{len(failures)} failure(s) with view_attendance:\n" + "\n".join(failures)


def test_supervisors_granted_change_attendance(world, supervisor_profile):
    """view + change: transfer / close their operations' attendances; the other's 404."""
    grant(world, supervisor_profile, VIEW_ATTENDANCE, CHANGE_ATTENDANCE)
    failures = []
    for role in SUPERVISOR_SIDE:
        failures += attendance_api_failures(role, world)
    assert not failures, f"{len(failures)} failure(s) with change_attendance:\n" + "\n".join(failures)


def test_transfer_never_reaches_or_names_another_operation(world, supervisor_profile):
    """Transferring one's own attendance (eva) or one's operation's (bia, granted) to B's
    group or B's agent: refused (400), nothing moves, and the answer does not name them."""
    grant(world, supervisor_profile, VIEW_ATTENDANCE, CHANGE_ATTENDANCE)
    group_b, agent_b = world.samples["attendance.ServiceGroup"]["B"], world.cast["agent_b"]
    attendance = world.attendances["A"]
    names = side_names(world, "B") | {"agent_b": str(agent_b), "agent_b name": agent_b.display_name}
    before = attendance_state()
    failures = []
    for role in ("agent_a", "supervisor_a"):
        client = api_client(world.cast[role])
        for payload in ({"group": group_b.pk}, {"agent": agent_b.pk}, {"group": group_b.pk, "agent": agent_b.pk}):
            response = client.post(f"/api/v1/attendances/{attendance.pk}/transfer/", payload, format="json")
            where = f"[{role}] POST /api/v1/attendances/{attendance.pk}/transfer/ {payload}"
            if response.status_code != 400:
                failures.append(f"{where}: expected 400, got {response.status_code}")
            body = response.content.decode()
            failures += [f"{where}: names {what} {mark!r}" for what, mark in names.items() if mark in body]
    if attendance_state() != before:
        failures.append("a refused transfer changed attendances, events or messages")
    assert not failures, "\n".join(failures)


def test_a_transfer_to_another_operation_answers_exactly_like_a_missing_id(world, supervisor_profile):
    """Issue 32 item 4: B's group or agent as a target gets the answer of an id that does
    not exist (status and body), whatever else the payload or the attendance holds."""
    from attendance.models import Attendance, Status

    grant(world, supervisor_profile, VIEW_ATTENDANCE, CHANGE_ATTENDANCE)
    group_b, agent_b = world.samples["attendance.ServiceGroup"]["B"], world.cast["agent_b"]
    group_a = world.samples["attendance.ServiceGroup"]["A"]
    missing = 2_000_000_000
    attendance = world.attendances["A"]
    pairs = [
        ({"group": group_b.pk}, {"group": missing}),
        ({"agent": agent_b.pk}, {"agent": missing}),
        ({"group": group_b.pk, "agent": agent_b.pk}, {"group": missing, "agent": missing}),
        ({"group": group_a.pk, "agent": agent_b.pk}, {"group": group_a.pk, "agent": missing}),
    ]
    failures = []
    for closed in (False, True):
        if closed:
            Attendance.objects.filter(pk=attendance.pk).update(status=Status.CLOSED)
        for role in ("agent_a", "supervisor_a"):
            client = api_client(world.cast[role])
            url = f"/api/v1/attendances/{attendance.pk}/transfer/"
            for foreign, unknown in pairs:
                got, expected = (client.post(url, body, format="json") for body in (foreign, unknown))
                shown = got.content.decode().replace(str(group_b.pk), "N").replace(str(agent_b.pk), "N")
                if (got.status_code, shown) != (
                    expected.status_code,
                    expected.content.decode().replace(str(missing), "N"),
                ):
                    failures.append(f"[{role}] closed={closed} {foreign}: {got.status_code} {got.content!r} "
                                    f"but a missing id gets {expected.status_code} {expected.content!r}")  # fmt: skip
    assert not failures, "\n".join(failures)


def test_attendance_actions_really_act(world, supervisor_profile):
    """The allowed actions do act: eva closes her own; bia (view + change) closes davi's
    (operation A); nobody closes B's from operation A."""
    from attendance.models import Attendance, Status

    grant(world, supervisor_profile, VIEW_ATTENDANCE, CHANGE_ATTENDANCE)
    a, davis, b = (world.attendances[key] for key in ("A", "A_davi", "B"))
    for role in ("agent_a", "supervisor_a", "supervisor_agent_a"):
        response = api_client(world.cast[role]).post(f"/api/v1/attendances/{b.pk}/close/", {}, format="json")
        assert response.status_code == 404, (role, response.status_code)
    response = api_client(world.cast["agent_a"]).post(f"/api/v1/attendances/{a.pk}/close/", {}, format="json")
    assert response.status_code == 200, response.content
    response = api_client(world.cast["supervisor_a"]).post(f"/api/v1/attendances/{davis.pk}/close/", {}, format="json")
    assert response.status_code == 200, response.content
    closed = {x.pk: (x.status, x.close_reason) for x in Attendance.objects.all()}
    assert closed[a.pk] == (Status.CLOSED, "agent")
    assert closed[davis.pk][0] == Status.CLOSED and closed[davis.pk][1] != "agent"
    assert closed[b.pk][0] == Status.IN_PROGRESS
    # Closed, still readable by who may see it; still 404 for the others.
    assert api_client(world.cast["agent_a"]).get(f"/api/v1/attendances/{a.pk}/").status_code == 200
    assert api_client(world.cast["supervisor_b"]).get(f"/api/v1/attendances/{a.pk}/").status_code == 404
