"""SPEC §7 and §0: a pause names an active "Motivo de pausa"; one deactivated later stays
valid on the pause already taken (the heartbeat posts it again), never on a new one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from attendance import errors
from attendance.models import DEFAULT_PAUSE_REASONS, AgentPresence, PauseReason
from attendance.presence import presence_expire, presence_set
from tests.factories import UserFactory
from users.models import Role

pytestmark = pytest.mark.django_db

PRESENCE = "/api/v1/agents/me/presence/"


@pytest.fixture
def agent(operation_a):
    return UserFactory(username="ana_pausa", role=Role.AGENT, operations=[operation_a], max_simultaneous=2)


def test_a_fresh_install_has_the_usual_pause_reasons_so_agents_can_pause_from_day_one(db):
    assert sorted(PauseReason.objects.filter(is_active=True).values_list("name", flat=True)) == sorted(
        DEFAULT_PAUSE_REASONS
    )


@pytest.fixture
def reasons(db):
    PauseReason.objects.update(is_active=False)  # the install's defaults, set aside for these tests
    return {
        "lunch": PauseReason.objects.update_or_create(name="Almoço", defaults={"is_active": True})[0],
        "coffee": PauseReason.objects.create(name="Café"),
        "old": PauseReason.objects.create(name="Treinamento antigo", is_active=False),
    }


def _pause(client, reason):
    return client.post(PRESENCE, {"state": "paused", "reason": reason}, format="json")


def test_a_pause_takes_an_active_reason_of_the_list(api_as, agent, reasons):
    response = _pause(api_as(agent), " Almoço ")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "paused" and response.json()["reason"] == "Almoço"


@pytest.mark.parametrize("reason", ["Fui ao banco", "almoço", "Treinamento antigo"])
def test_a_free_text_or_inactive_reason_is_refused_in_portuguese(api_as, agent, reasons, reason):
    """Not in the list, not the list's spelling, or deactivated: 400, and the presence is
    unchanged."""
    response = _pause(api_as(agent), reason)
    assert response.status_code == 400
    assert response.json()["reason"] == ["Escolha um dos motivos de pausa ativos (“Motivos de pausa”)."]
    presence = AgentPresence.objects.filter(agent=agent).first()
    assert presence is None or presence.state == "offline"


def test_a_reason_deactivated_during_the_pause_stays_valid_for_that_pause(api_as, agent, reasons):
    client = api_as(agent)
    assert _pause(client, "Café").status_code == 200
    PauseReason.objects.filter(pk=reasons["coffee"].pk).update(is_active=False)
    heartbeat = _pause(client, "Café")  # the open page's heartbeat: the same state and reason
    assert heartbeat.status_code == 200 and heartbeat.json()["reason"] == "Café"
    # A new choice of it is refused: another reason, then back to the deactivated one.
    assert _pause(client, "Almoço").status_code == 200
    again = _pause(client, "Café")
    assert again.status_code == 400 and "reason" in again.json()
    assert AgentPresence.objects.get(agent=agent).reason == "Almoço"
    # After being online, too.
    assert client.post(PRESENCE, {"state": "online"}, format="json").status_code == 200
    assert _pause(client, "Café").status_code == 400


def test_online_and_offline_need_no_reason_and_clear_it(api_as, agent, reasons):
    client = api_as(agent)
    assert _pause(client, "Almoço").status_code == 200
    PauseReason.objects.filter(pk=reasons["lunch"].pk).update(is_active=False)
    online = client.post(PRESENCE, {"state": "online", "reason": "qualquer coisa"}, format="json")
    assert online.status_code == 200 and online.json()["reason"] == ""
    offline = client.post(PRESENCE, {"state": "offline"}, format="json")
    assert offline.status_code == 200 and offline.json()["reason"] == ""


def test_the_service_refuses_an_unknown_reason_for_every_caller(agent, reasons):
    with pytest.raises(ValidationError) as error:
        presence_set(agent=agent, state="paused", reason="Inventado", forced=True)
    assert error.value.message_dict["reason"] == [str(errors.PAUSE_REASON_UNKNOWN)]


def test_the_system_takes_offline_an_agent_paused_with_a_reason_deactivated_since(agent, reasons):
    """The forced change (heartbeat timeout) goes to offline: no reason is involved."""
    presence_set(agent=agent, state="paused", reason="Café")
    PauseReason.objects.filter(pk=reasons["coffee"].pk).update(is_active=False)
    AgentPresence.objects.filter(agent=agent).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert presence_expire() == 1
    presence = AgentPresence.objects.get(agent=agent)
    assert (presence.state, presence.reason) == ("offline", "")


def test_the_workspace_menu_reads_only_active_reasons(api_as, agent, reasons):
    """The page's menu loads ``/api/v1/pause-reasons/?is_active=true`` (main.js), and an
    agent reads the active ones only, whatever the filter."""
    client = api_as(agent)
    for url in ("/api/v1/pause-reasons/?is_active=true&page_size=200", "/api/v1/pause-reasons/?is_active=false"):
        names = [r["name"] for r in client.get(url).json()["results"]]
        assert "Treinamento antigo" not in names
    assert [r["name"] for r in client.get("/api/v1/pause-reasons/?is_active=true").json()["results"]] == [
        "Almoço",
        "Café",
    ]
