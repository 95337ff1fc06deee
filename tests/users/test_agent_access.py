"""SPEC §0: agents never reach configuration screens (workspace instead; API 403)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_an_agent_on_a_configuration_screen_is_sent_to_the_workspace_with_the_reason(web_as, agent_a):
    response = web_as(agent_a).get("/admin/users/user/", follow=True)
    assert response.redirect_chain == [("/workspace/", 302)]
    page = response.content.decode()
    assert "Agentes não têm acesso às telas de configuração." in page
    assert "Espaço de trabalho do agente" in page


def test_an_agent_logging_in_lands_on_the_workspace(client, agent_a):
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": "eva", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/workspace/"


def test_an_agent_gets_403_in_the_configuration_api(api_as, agent_a):
    response = api_as(agent_a).get("/api/v1/users/")
    assert response.status_code == 403
    assert response.json()["detail"] == "Agentes não têm acesso aos recursos de configuração."


def test_admins_logging_in_land_on_the_back_office_and_supervisor_agents_on_the_workspace(
    client, admin_user, supervisor_agent_a
):
    from tests.factories import PASSWORD

    for username, home in (("ana", "/admin/"), ("davi", "/workspace/")):
        response = client.post("/accounts/login/", {"username": username, "password": PASSWORD}, follow=True)
        assert response.redirect_chain[-1][0] == home
        client.logout()


def test_supervisors_who_may_see_the_dashboard_land_on_it(client, supervisor_a):
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": "bia", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/dashboard/"
