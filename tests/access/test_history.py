"""The readable history (``core/audit.py``) never names another operation's records to a
supervisor: the API ``history`` actions and the admin's "Histórico" pages show
"(outra operação)" instead, and leave the hidden ids out of the stored values; admins
still read every name."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from attendance.models import ServiceGroup
from attendance.services import group_save
from tests.factories import UserFactory
from users.models import Role

from .checks import web_client

pytestmark = pytest.mark.django_db

HIDDEN = "(outra operação)"


def _history(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_a_user_moved_to_b_does_not_name_operation_a_to_the_supervisor_of_b(
    api_as, admin_user, supervisor_b, operation_a, operation_b
):
    # duda worked in operation A; ana moved her to B, where caio now supervises her.
    duda = UserFactory(username="duda", display_name="Duda", role=Role.AGENT, operations=[operation_a])
    response = api_as(admin_user).patch(f"/api/v1/users/{duda.pk}/", {"operations": [operation_b.pk]}, format="json")
    assert response.status_code == 200, response.content

    url = f"/api/v1/users/{duda.pk}/history/"
    assert operation_a.name in _history(api_as(admin_user), url)  # admins read every name
    history = api_as(supervisor_b).get(url).json()
    changes = [c for entry in history for c in entry["changes"] if c["field"] == "operations"]
    assert operation_a.name not in str(history)
    texts = {text for c in changes for text in (c["before_text"], c["after_text"])}
    assert {HIDDEN, operation_b.name} <= texts
    stored = [row for c in changes for row in (c["before"] or []) + (c["after"] or [])]
    assert operation_a.pk not in {row.get("operation") for row in stored}
    assert operation_b.pk in {row.get("operation") for row in stored}

    page = _history(web_client(supervisor_b), f"/admin/users/user/{duda.pk}/history/")
    assert operation_a.name not in page
    assert HIDDEN in page


def test_a_groups_history_does_not_name_its_former_agent_now_in_another_operation(
    api_as, admin_user, supervisor_b, supervisor_profile, operation_a, operation_b, agent_b
):
    # duda answered in B's group, then ana moved her to operation A (and out of the group).
    profile_perms = Permission.objects.filter(content_type__app_label="attendance", codename="view_servicegroup")
    supervisor_profile.permissions.add(*profile_perms)
    duda = UserFactory(username="duda", display_name="Duda Souza", role=Role.AGENT, operations=[operation_b])
    group = group_save(group=ServiceGroup(name="Cobrança", operation=operation_b), agents=[agent_b, duda])
    response = api_as(admin_user).patch(f"/api/v1/users/{duda.pk}/", {"operations": [operation_a.pk]}, format="json")
    assert response.status_code == 200, response.content
    group_save(group=group, agents=[agent_b])

    caio = type(supervisor_b).objects.get(pk=supervisor_b.pk)
    url = f"/api/v1/groups/{group.pk}/history/"
    assert "Duda Souza" in _history(api_as(admin_user), url)
    text = _history(api_as(caio), url)
    assert "Duda Souza" not in text and HIDDEN in text
    assert str(agent_b) in text  # his own operation's agent is still named
    page = _history(web_client(caio), f"/admin/attendance/servicegroup/{group.pk}/history/")
    assert "Duda Souza" not in page and HIDDEN in page


def test_the_author_of_a_change_from_another_operation_is_not_named(
    api_as, supervisor_a, supervisor_b, operation_a, operation_b
):
    # duda works in both operations; bia (A) renames her; caio (B) reads her history.
    duda = UserFactory(username="duda", display_name="Duda", role=Role.AGENT, operations=[operation_a, operation_b])
    response = api_as(supervisor_a).patch(f"/api/v1/users/{duda.pk}/", {"display_name": "Duda Lima"}, format="json")
    assert response.status_code == 200, response.content
    history = api_as(supervisor_b).get(f"/api/v1/users/{duda.pk}/history/").json()
    rename = next(e for e in history if any(c["field"] == "display_name" for c in e["changes"]))
    assert rename["user"] == {"id": None, "username": "", "name": HIDDEN}
    mine = api_as(supervisor_a).get(f"/api/v1/users/{duda.pk}/history/").json()
    assert next(e for e in mine if e["id"] == rename["id"])["user"]["username"] == supervisor_a.username
