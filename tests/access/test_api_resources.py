"""API model resources per role (every router registration with a model queryset), the
profiles that grant more than the fixtures', and channel tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.urls import reverse

from organisation.models import Operation

from .checks import (
    admin_matrix_failures,
    admin_path,
    api_client,
    api_matrix_failures,
    operation_filter_choices,
    user_for,
    web_client,
)
from .expectations import perm
from .world import ADMIN_INDEX, ADMIN_ONLY_LABELS, GROUP_PERMS, ROLES, SUPERVISOR_SIDE, api_resources, grant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(role, world):
    failures = api_matrix_failures(role, world)
    assert not failures, f"{len(failures)} API access failure(s):\n" + "\n".join(failures)


def test_supervisor_with_group_permissions(world, supervisor_profile):
    """A profile granting view + change on service groups: own operation's group only."""
    from attendance.models import ServiceGroup

    grant(world, supervisor_profile, *GROUP_PERMS)
    # The whole matrix again with the grant (own group 200, the other's redirect/404).
    failures = []
    for role in SUPERVISOR_SIDE:
        failures += admin_matrix_failures(role, world)
        failures += api_matrix_failures(role, world)
    assert not failures, f"{len(failures)} failure(s) with the group grant:\n" + "\n".join(failures)

    group_a, group_b = (world.samples["attendance.ServiceGroup"][side] for side in ("A", "B"))
    op_a, op_b = world.operations["A"], world.operations["B"]
    agent_b = world.cast["agent_b"]
    # A second operation for bia: Django shows a related filter only with 2+ choices.
    op_a2 = Operation.objects.create(name="Operação A2", company=op_a.company)
    bia = world.cast["supervisor_a"]
    bia.operations.add(op_a2)
    bia = world.cast["supervisor_a"] = type(bia).objects.get(pk=bia.pk)
    web = web_client(bia)
    leaks = [group_b.name, op_b.name, "Empresa Beta", str(agent_b)]

    # Admin: change and history of A's group 200, of B's group the "doesn't exist" redirect.
    for kind in ("change", "history"):
        response = web.get(admin_path(ServiceGroup, kind, group_a.pk))
        assert response.status_code == 200, (kind, response.status_code)
        html = response.content.decode()
        assert group_a.name in html
        assert not [name for name in leaks if name in html], f"{kind} of A's group leaks B"
        response = web.get(admin_path(ServiceGroup, kind, group_b.pk))
        assert response.status_code == 302, (kind, response.status_code)
        assert urlsplit(response["Location"]).path == ADMIN_INDEX
    # A POST to B's change form changes nothing.
    response = web.post(admin_path(ServiceGroup, "change", group_b.pk), {"name": "Invadido"})
    assert response.status_code == 302  # back to the index, as for a missing id
    group_b.refresh_from_db()
    assert group_b.name == "Grupo Beta"

    # Changelist: A's group only, and the operation filter lists A's operations only.
    changelist = admin_path(ServiceGroup, "changelist")
    response = web.get(changelist)
    assert response.status_code == 200
    html = response.content.decode()
    assert group_a.name in html and op_a2.name in html
    assert not [name for name in leaks if name in html], "changelist leaks B"
    assert operation_filter_choices(response) == {op_a.pk, op_a2.pk}
    # Asking for B's operation by id shows nothing of it either.
    response = web.get(f"{changelist}?operation__id__exact={op_b.pk}")
    assert response.status_code == 200  # an empty list: the filter does not reach outside her groups
    assert group_b.name not in response.content.decode()
    # (The admin's filter does list B: the check above is not vacuous.)
    response = web_client(world.cast["admin"]).get(changelist)
    assert {op_a.pk, op_b.pk, op_a2.pk} <= operation_filter_choices(response)

    # API: list shows A's group only; PATCH of A's 200, of B's 404.
    api = api_client(bia)
    for query in ("", f"&operation={op_b.pk}", f"&agents={agent_b.pk}"):
        response = api.get(f"/api/v1/groups/?page_size=500{query}")
        assert response.status_code == 200, (query, response.status_code)  # filtered within her groups
        if response.status_code == 200:
            ids = {row["id"] for row in response.json()["results"]}
            assert group_b.pk not in ids, f"groups list{query} leaks B's group"
            if not query:
                assert ids == {group_a.pk}
    response = api.patch(f"/api/v1/groups/{group_a.pk}/", {"inactivity_timeout_minutes": 30}, format="json")
    assert response.status_code == 200, response.content
    group_a.refresh_from_db()
    assert group_a.inactivity_timeout_minutes == 30
    assert group_b.pk not in response.json()["transfer_targets"]
    response = api.patch(f"/api/v1/groups/{group_b.pk}/", {"inactivity_timeout_minutes": 30}, format="json")
    assert response.status_code == 404, response.content
    group_b.refresh_from_db()
    assert group_b.inactivity_timeout_minutes == 1440
    # Nor can A's group be pointed at B's operation, group or agents.
    for payload in (
        {"operation": op_b.pk},
        {"parent": group_b.pk},
        {"transfer_targets": [group_b.pk]},
        {"agents": [agent_b.pk]},
    ):
        response = api.patch(f"/api/v1/groups/{group_a.pk}/", payload, format="json")
        assert response.status_code == 400, (payload, response.status_code, response.content)
    group_a.refresh_from_db()
    assert group_a.operation_id == op_a.pk and group_a.parent_id is None
    assert not group_a.transfer_targets.exists()
    assert list(group_a.agents.all()) == [world.cast["agent_a"]]


def test_supervisor_granted_admin_only_models(world, supervisor_profile):
    """Bots, surveys and classifications have no ``scope_path``: even a profile granting
    view + change leaves a supervisor with empty lists (``scope_queryset`` → ``none()``)."""
    perms = [
        perm(model, action)
        for model in (type(world.samples[label]["A"]) for label in ADMIN_ONLY_LABELS)
        for action in ("view", "change")
    ]
    grant(world, supervisor_profile, *perms)
    failures = admin_matrix_failures("supervisor_a", world) + api_matrix_failures("supervisor_a", world)
    assert not failures, f"{len(failures)} failure(s) with the grant:\n" + "\n".join(failures)

    bia = world.cast["supervisor_a"]
    web, api = web_client(bia), api_client(bia)
    prefixes = {model: prefix for prefix, _viewset, _basename, model in api_resources()}
    for label in ADMIN_ONLY_LABELS:
        pair = world.samples[label]
        model = type(pair["A"])
        if model in admin.site._registry:
            response = web.get(admin_path(model, "changelist"))
            assert response.status_code == 200, (label, response.status_code)
            assert response.context["cl"].result_count == 0, label
            html = response.content.decode()
            assert not [str(obj) for obj in pair.values() if str(obj) in html], f"{label} changelist shows objects"
            for obj in pair.values():
                response = web.get(admin_path(model, "change", obj.pk))
                assert response.status_code == 302, (label, response.status_code)
                assert urlsplit(response["Location"]).path == ADMIN_INDEX
        response = api.get(f"/api/v1/{prefixes[model]}/?page_size=500")
        assert response.status_code == 200, (label, response.status_code)
        assert response.json()["results"] == [], label
        response = api.patch(f"/api/v1/{prefixes[model]}/{pair['A'].pk}/", {"is_active": False}, format="json")
        assert response.status_code == 404, (label, response.status_code)
        pair["A"].refresh_from_db()
        assert pair["A"].is_active


def test_channel_token_is_shown_once_and_only_to_admins(world):
    url = reverse("channel-list")
    payload = {"name": "Canal Novo", "network": "telegram"}
    for role in ROLES:
        if role == "admin":
            continue
        response = api_client(user_for(role, world)).post(url, payload, format="json")
        assert response.status_code == (401 if role == "anonymous" else 403), (role, response.status_code)
    admin_api = api_client(world.cast["admin"])
    response = admin_api.post(url, payload, format="json")
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    assert token and len(token) >= 20
    for path in (f"{url}{response.json()['id']}/", f"{url}?page_size=500", f"{url}{response.json()['id']}/history/"):
        again = admin_api.get(path)
        assert again.status_code == 200 and token not in again.content.decode(), path
