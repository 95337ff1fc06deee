"""Issue 32: the other operation's people with an "all permissions" profile, on every
write route — active messages, imports, transfers, closes, messages, presence, the
records an attendance points at. Whatever the profile grants, nothing of operation A
changes, and A's ids answer exactly like ids that do not exist (SPEC §0, §10, R4).

The probe found an agent of B writing into A's attendance with an active message; these
routes are where such a write would hide."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from .checks import api_client, attendance_state
from .world import SUPERVISOR_SIDE

pytestmark = pytest.mark.django_db

MISSING = 2_000_000_000


@pytest.fixture
def all_permissions(world, supervisor_profile):
    """The supervisors' profile grants every permission there is."""
    supervisor_profile.permissions.set(Permission.objects.all())
    for role in SUPERVISOR_SIDE:
        world.cast[role] = type(world.cast[role]).objects.get(pk=world.cast[role].pk)
    return world


def _state():
    from customers.models import Customer
    from imports.models import ImportJob
    from users.models import User

    customers = sorted(Customer.objects.values_list("pk", "group_id", "wallet_agent_id", "display_name"))
    users = sorted(User.objects.values_list("pk", "is_active", "role"))
    return attendance_state(), customers, users, ImportJob.objects.filter(imported__gt=0).count()


def _same_as_missing(response, missing, *ids) -> bool:
    """Status and body equal, once the ids each one named are written alike."""
    shown, expected = response.content.decode(), missing.content.decode().replace(str(MISSING), "N")
    for pk in ids:
        shown = re.sub(rf"(?<!\d){pk}(?!\d)", "N", shown)
    return response.status_code == missing.status_code and shown == expected


def test_a_supervisor_of_b_with_every_permission_changes_nothing_of_a(all_permissions):
    world = all_permissions
    attendance_a, attendance_b = world.attendances["A"], world.attendances["B"]
    group_a, group_b = (world.samples["attendance.ServiceGroup"][side] for side in ("A", "B"))
    agent_a = world.cast["agent_a"]
    client = api_client(world.cast["supervisor_b"])
    before = _state()
    failures = []

    # A's attendance: every action answers like an attendance that does not exist.
    for action, body in (("transfer", {"group": group_b.pk}), ("close", {}),
                         ("messages", {"kind": "text", "text": "Oi"})):  # fmt: skip
        response = client.post(f"/api/v1/attendances/{attendance_a.pk}/{action}/", body, format="json")
        missing = client.post(f"/api/v1/attendances/{MISSING}/{action}/", body, format="json")
        if not _same_as_missing(response, missing, attendance_a.pk):
            failures.append(f"{action} of A's attendance: {response.status_code} {response.content[:200]!r}")
    # B's own attendance, sent to A's group or A's agent: answered like a missing target.
    url = f"/api/v1/attendances/{attendance_b.pk}/transfer/"
    for field, foreign in (("group", group_a.pk), ("agent", agent_a.pk)):
        response = client.post(url, {field: foreign}, format="json")
        missing = client.post(url, {field: MISSING}, format="json")
        if not _same_as_missing(response, missing, foreign):
            failures.append(f"transfer of B's attendance to A's {field}: {response.content[:200]!r}")
    # Records an attendance points at: A's group and A's agent, by id.
    for path, foreign in (("groups", group_a.pk), ("users", agent_a.pk)):
        response = client.patch(f"/api/v1/{path}/{foreign}/", {"is_active": False}, format="json")
        missing = client.patch(f"/api/v1/{path}/{MISSING}/", {"is_active": False}, format="json")
        if not _same_as_missing(response, missing, foreign):
            failures.append(f"PATCH {path}/{foreign}: {response.status_code} {response.content[:200]!r}")
    body = {"display_name": "Cruzado", "phone": "34991110009"}
    for field, foreign in (("group", group_a.pk), ("wallet_agent", agent_a.pk)):
        response = client.post("/api/v1/customers/", {**body, field: foreign}, format="json")
        missing = client.post("/api/v1/customers/", {**body, field: MISSING}, format="json")
        if not _same_as_missing(response, missing, foreign):
            failures.append(f"customer with A's {field}: {response.status_code} {response.content[:200]!r}")
    # Presence is one's own only: a supervisor without agent role has none to set.
    presence = client.post("/api/v1/agents/me/presence/", {"state": "offline"}, format="json")
    if presence.status_code not in (400, 403):
        failures.append(f"presence: {presence.status_code}")
    assert not failures, "\n".join(failures)
    assert _state() == before


def test_an_import_by_a_supervisor_of_b_with_every_permission_cannot_name_a(all_permissions):
    from imports.models import ImportRow
    from tests.imports.helpers import CUSTOMER_HEADER, csv_bytes, customer_row, run_import

    world = all_permissions
    group_a = world.samples["attendance.ServiceGroup"]["A"]
    supervisor_b = world.cast["supervisor_b"]
    before = _state()
    rows = [customer_row("34991110011", "Cruzado", group=group_a.name, agent=world.cast["agent_a"].username),
            customer_row("34991110012", "Inventado", group="Grupo Nenhum", agent="ninguem")]  # fmt: skip
    job = run_import(supervisor_b, "c.csv", csv_bytes(CUSTOMER_HEADER, rows))
    assert (job.imported, job.errors) == (0, 2)
    errors = {row.data["DISPLAY NAME"]: row.errors for row in ImportRow.objects.filter(job=job)}
    assert errors["Cruzado"]["GROUP"].replace(group_a.name, "N") == errors["Inventado"]["GROUP"].replace(
        "Grupo Nenhum", "N"
    )
    header = ["USERNAME", "DISPLAY NAME", "ROLE", "PASSWORD", "OPERATIONS"]
    operation_a = world.operations["A"].name
    users = [["cruzado", "Cruzado", "agent", "Cruz@2026x", operation_a],
             ["inventado", "Inventado", "agent", "Inve@2026x", "Operação Nenhuma"]]  # fmt: skip
    job = run_import(supervisor_b, "u.csv", csv_bytes(header, users), kind="users")
    assert (job.imported, job.errors) == (0, 2)
    errors = {row.data["USERNAME"]: row.errors["OPERATIONS"] for row in ImportRow.objects.filter(job=job)}
    assert errors["cruzado"].replace(operation_a, "N") == errors["inventado"].replace("Operação Nenhuma", "N")
    assert _state() == before


def test_an_agent_of_b_cannot_write_into_as_attendance_with_an_active_message(all_permissions):
    from attendance.models import Attendance

    world = all_permissions
    attendance_a = world.attendances["A"]
    group_b = world.samples["attendance.ServiceGroup"]["B"]
    group_b.active_whatsapp = True
    group_b.save()
    Attendance.objects.filter(pk=attendance_a.pk).update(last_customer_message_at=timezone.now())
    customer = attendance_a.customer
    before = _state()
    client = api_client(world.cast["agent_b"])
    for body in ({"customer": customer.pk}, {"network": customer.network, "phone": customer.phone}):
        response = client.post("/api/v1/active-messages/", {**body, "group": group_b.pk, "text": "Oi"}, format="json")
        assert response.status_code == 400, response.content
        assert attendance_a.protocol not in response.content.decode()
    assert _state() == before
