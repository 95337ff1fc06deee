"""SPEC §2: ``must_change_password`` forces a change at first login before any other page."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, UserFactory
from users.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(operation_a, supervisor_profile):
    return UserFactory(
        username="novata",
        role=Role.SUPERVISOR,
        operations=[operation_a],
        profile=supervisor_profile,
        must_change_password=True,
    )


def test_every_page_leads_to_the_password_change_first(web_as, newcomer):
    browser = web_as(newcomer)
    for url in ["/", "/admin/", "/admin/users/user/", "/workspace/"]:
        response = browser.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/"


def test_after_changing_the_password_the_user_goes_on(web_as, newcomer):
    browser = web_as(newcomer)
    response = browser.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Nova@Senha2", "new_password2": "Nova@Senha2"},
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.must_change_password is False
    assert browser.get("/admin/").status_code == 200


def test_the_new_password_must_follow_the_policy(web_as, newcomer):
    response = web_as(newcomer).post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": "fraca", "new_password2": "fraca"}
    )
    assert response.status_code == 200
    assert "A senha deve ter mais de 7 caracteres." in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.must_change_password is True


def test_the_api_refuses_everything_but_the_password_change(api, newcomer):
    token = api.post("/api/v1/auth/token/", {"username": "novata", "password": PASSWORD}, format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/v1/users/")
    assert response.status_code == 403
    assert response.json()["detail"] == "Você precisa trocar sua senha antes de continuar."
    changed = api.post(
        "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": "Nova@Senha2"}, format="json"
    )
    assert changed.status_code == 204
    assert api.get("/api/v1/users/").status_code == 200
