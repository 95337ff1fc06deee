"""SPEC §0: every change is audited: who, when, what changed (before/after)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_history_endpoint_shows_who_changed_what_before_and_after(api_as, admin_user, operation_a):
    client = api_as(admin_user)
    response = client.patch(f"/api/v1/operations/{operation_a.pk}/", {"name": "Cobrança"}, format="json")
    assert response.status_code == 200

    history = client.get(f"/api/v1/operations/{operation_a.pk}/history/").json()

    assert [entry["type"] for entry in history] == ["changed", "created"]
    latest = history[0]
    assert latest["user"] == {"id": admin_user.pk, "username": "ana", "name": admin_user.display_name}
    assert latest["changes"] == [
        {
            "field": "name",
            "label": "Nome",
            "before": "Operação A",
            "after": "Cobrança",
            "before_text": "Operação A",
            "after_text": "Cobrança",
        }
    ]
    assert latest["at"]


def test_user_history_tracks_operations_and_never_exposes_passwords(api_as, admin_user, agent_a, operation_b):
    client = api_as(admin_user)
    client.patch(
        f"/api/v1/users/{agent_a.pk}/",
        {"operations": [operation_b.pk], "password": "Outra@Senha9", "voice_channel_password": "segredo"},
        format="json",
    )
    history = client.get(f"/api/v1/users/{agent_a.pk}/history/").json()
    changed_fields = {change["field"] for entry in history for change in entry["changes"]}
    assert "operations" in changed_fields
    assert not changed_fields & {"password", "voice_channel_password"}
    assert "segredo" not in str(history)


def test_the_admin_shows_the_history_page_in_portuguese(web_as, admin_user, operation_a):
    browser = web_as(admin_user)
    change = browser.get(f"/admin/organisation/operation/{operation_a.pk}/change/").content.decode()
    assert "Histórico" in change
    page = browser.get(f"/admin/organisation/operation/{operation_a.pk}/history/")
    assert page.status_code == 200
