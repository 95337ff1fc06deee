"""The supervision routes of SPEC §9.1 against every role (R4/R10): ``take`` on each
attendance, and ``agents/<id>/presence`` and ``agents/<id>/logout`` on each agent. Out of
the caller's operations it answers like a missing id (404) and nothing changes; an agent
or a supervisor whose profile grants neither the monitor nor changing attendances: 403."""

from __future__ import annotations

import pytest
from django.urls import reverse
from knox.models import AuthToken

from attendance.models import AgentPresence

from .checks import api_client, attendance_state, user_for
from .expectations import PERM_MONITOR, att_permitted, att_supervises, att_visible
from .world import ATTENDANCES, CHANGE_ATTENDANCE, ROLES, SUPERVISOR_SIDE, VIEW_ATTENDANCE, grant

pytestmark = pytest.mark.django_db

MISSING = 2_000_000_000


def _take_expected(role: str, world, key: str) -> int:
    if role == "anonymous":
        return 401
    if not att_permitted(role, world):
        return 403
    if not att_visible(role, world, key):
        return 404
    if not att_supervises(role, world):
        return 403
    if role != "supervisor_agent_a":
        return 400  # a plain supervisor or an admin has no workspace to answer in
    return 400 if ATTENDANCES[key].owner == role else 200  # his own: "already with you"


@pytest.mark.parametrize("perms", [(), (VIEW_ATTENDANCE,), (VIEW_ATTENDANCE, CHANGE_ATTENDANCE), (PERM_MONITOR,)])
def test_take_over_matrix(world, supervisor_profile, perms):
    grant(world, supervisor_profile, *perms)
    failures, taken = [], []
    # davi's successful take last, so the others meet the world as built.
    order = sorted(ROLES, key=lambda role: role == "supervisor_agent_a")
    for role in order:
        client = api_client(user_for(role, world))
        for key in sorted(ATTENDANCES, key=lambda k: k == "A"):
            attendance = world.attendances[key]
            before = attendance_state()[0]
            response = client.post(reverse("attendance-take", args=[attendance.pk]), {}, format="json")
            expected = _take_expected(role, world, key)
            if response.status_code != expected:
                failures.append(f"[{role}] take {key}: expected {expected}, got {response.status_code}")
            if response.status_code == 200:
                taken.append(key)
            elif attendance_state()[0] != before:
                failures.append(f"[{role}] take {key}: refused ({response.status_code}) but an attendance changed")
        missing = client.post(reverse("attendance-take", args=[MISSING]), {}, format="json")
        if role != "anonymous" and att_permitted(role, world) and missing.status_code != 404:
            failures.append(f"[{role}] take a missing id: expected 404, got {missing.status_code}")
    assert not failures, "\n".join(failures)
    assert taken == (["A"] if att_supervises("supervisor_agent_a", world) else [])


def _control_expected(role: str, world, target: str) -> int:
    if role == "anonymous":
        return 401
    if not att_supervises(role, world):
        return 403
    if target == "admin":
        return 404  # not an agent: nobody's to pause
    if role == "admin":
        return 0  # allowed
    return 0 if SUPERVISOR_SIDE[role] == ("B" if target == "agent_b" else "A") else 404


@pytest.mark.parametrize("perms", [(), (VIEW_ATTENDANCE, CHANGE_ATTENDANCE), (PERM_MONITOR,)])
def test_agent_control_matrix(world, supervisor_profile, perms):
    """presence with ``paused`` and no reason: 400 once allowed (nothing changes); logout of
    an agent out of scope: 404 and their token still works; allowed logouts end it."""
    grant(world, supervisor_profile, *perms)
    targets = ["agent_a", "agent_b", "supervisor_agent_a", "admin"]
    tokens = {target: AuthToken.objects.create(user=world.cast[target])[0].pk for target in targets}
    failures = []
    for role in ROLES:
        client = api_client(user_for(role, world))
        for target in targets:
            pk = world.cast[target].pk
            presences = dict(AgentPresence.objects.values_list("agent_id", "state"))
            expected = _control_expected(role, world, target)
            response = client.post(reverse("api-agent-presence", args=[pk]), {"state": "paused"}, format="json")
            want = expected or 400
            if response.status_code != want:
                failures.append(f"[{role}] presence of {target}: expected {want}, got {response.status_code}")
            if dict(AgentPresence.objects.values_list("agent_id", "state")) != presences:
                failures.append(f"[{role}] presence of {target}: a presence changed")
            if expected:  # refused: the logout must be refused alike and end nothing
                response = client.post(reverse("api-agent-logout", args=[pk]), {}, format="json")
                if response.status_code != expected:
                    failures.append(f"[{role}] logout of {target}: expected {expected}, got {response.status_code}")
                if not AuthToken.objects.filter(pk=tokens[target]).exists():
                    failures.append(f"[{role}] logout of {target}: refused but the token was ended")
        for action in ("api-agent-presence", "api-agent-logout"):
            missing = client.post(reverse(action, args=[MISSING]), {"state": "online"}, format="json")
            want = 401 if role == "anonymous" else 404 if att_supervises(role, world) else 403
            if missing.status_code != want:
                failures.append(f"[{role}] {action} of a missing id: expected {want}, got {missing.status_code}")
    # An allowed logout really ends the agent's token.
    allowed = [role for role in ROLES if role != "anonymous" and _control_expected(role, world, "agent_a") == 0]
    for role in allowed[:1]:
        response = api_client(user_for(role, world)).post(reverse("api-agent-logout", args=[world.cast["agent_a"].pk]))
        if response.status_code != 200 or AuthToken.objects.filter(pk=tokens["agent_a"]).exists():
            failures.append(f"[{role}] logout of agent_a: {response.status_code}, the token still works")
    assert not failures, "\n".join(failures)
