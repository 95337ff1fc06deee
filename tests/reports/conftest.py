"""Reports fixtures: a controllable clock and a small contact centre driven through the
engine's public services."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import pytest

from attendance.models import Bot, BotKind
from attendance.services import bot_save, group_save
from tests.factories import ServiceGroupFactory, UserFactory, make_channel, make_survey
from users.models import Role

SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")


class Clock:
    """``django.utils.timezone.now`` under the test's control (every engine module calls it)."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set_local(self, year, month, day, hour, minute=0) -> datetime:
        self.now = datetime(year, month, day, hour, minute, tzinfo=SAO_PAULO)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(datetime(2026, 3, 10, 20, 0, tzinfo=SAO_PAULO))
    monkeypatch.setattr("django.utils.timezone.now", clock)
    return clock


@pytest.fixture
def centre(operation_a, operation_b):
    """Operation A: main group "Atendimento" whose bot offers 1 Vendas, 2 Suporte, 3 Sair;
    Vendas (SLA 5 min, auto pending after 5 min) has lia and rui, Suporte (agent must answer
    in 2 min, a required survey) has teo. Operation B: "Cobrança" with its own agent."""
    lia = UserFactory(username="lia", display_name="Lia", role=Role.AGENT, operations=[operation_a], max_simultaneous=2)
    rui = UserFactory(username="rui", display_name="Rui", role=Role.AGENT, operations=[operation_a], max_simultaneous=2)
    teo = UserFactory(username="teo", display_name="Teo", role=Role.AGENT, operations=[operation_a], max_simultaneous=3)
    survey = make_survey(name="Satisfação", send_on_close_by=["agent", "supervisor_agent", "bot"])
    suporte = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[teo], agent_response_minutes=2,
                                  survey=survey, survey_required=True)  # fmt: skip
    vendas = ServiceGroupFactory(name="Vendas", operation=operation_a, agents=[lia, rui], initial_sla_minutes=5,
                                 auto_pending=True, pending_after_minutes=5, transfer_targets=[suporte])  # fmt: skip
    bot = bot_save(bot=Bot(name="menu", kind=BotKind.SERVICE, menu={
        "text": "Escolha:",
        "options": [
            {"key": "1", "label": "Vendas", "action": "transfer_to_group", "group": vendas.pk},
            {"key": "2", "label": "Suporte", "action": "transfer_to_group", "group": suporte.pk},
            {"key": "3", "label": "Sair", "action": "close"},
        ],
    }))  # fmt: skip
    main = ServiceGroupFactory(name="Atendimento", operation=operation_a, inactivity_timeout_minutes=30)
    main.initialization_bot = bot
    group_save(group=main)
    for child in (vendas, suporte):
        child.parent = main
        group_save(group=child, transfer_targets=[suporte] if child == vendas else None)
    bob = UserFactory(username="bob", display_name="Bob", role=Role.AGENT, operations=[operation_b])
    cobranca = ServiceGroupFactory(name="Cobrança", operation=operation_b, agents=[bob], initial_sla_minutes=1)
    channel, _ = make_channel()
    return {"main": main, "vendas": vendas, "suporte": suporte, "cobranca": cobranca, "lia": lia, "rui": rui,
            "teo": teo, "bob": bob, "channel": channel, "survey": survey}  # fmt: skip
