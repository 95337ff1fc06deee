"""SPEC §2 / issue: login failures are throttled per username *and* address."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _fail(client: Client, username: str, address: str, times: int):
    for _ in range(times):
        client.post("/accounts/login/", {"username": username, "password": "errada"}, REMOTE_ADDR=address)


def test_a_user_is_locked_out_after_repeated_failures(agent_a):
    client = Client()
    _fail(client, "eva", "10.0.0.1", settings.AXES_FAILURE_LIMIT)
    response = client.post("/accounts/login/", {"username": "eva", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "Muitas tentativas sem sucesso: este usuário está bloqueado a partir deste endereço por 15 minutos." in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_a_colleague_behind_the_same_office_address_can_still_log_in(agent_a, agent_b):
    client = Client()
    _fail(client, "eva", "10.0.0.1", settings.AXES_FAILURE_LIMIT)
    response = Client().post("/accounts/login/", {"username": "fabio", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302


def test_failures_below_the_limit_do_not_lock(agent_a):
    client = Client()
    _fail(client, "eva", "10.0.0.1", settings.AXES_FAILURE_LIMIT - 1)
    response = client.post("/accounts/login/", {"username": "eva", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302


def test_the_token_endpoint_is_throttled_too(api, agent_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = api.post("/api/v1/auth/token/", {"username": "eva", "password": "errada"}, format="json")
        assert response.status_code == 400
        assert response.json()["detail"] == "Nome de usuário ou senha incorretos."
    api.post("/api/v1/auth/token/", {"username": "eva", "password": "errada"}, format="json")
    response = api.post("/api/v1/auth/token/", {"username": "eva", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert "bloqueado" in response.json()["detail"]
