"""The back office's attendance detail speaks like the monitor (issue 31, item 5): events in
words, the company's local time, names instead of ids, "7 de dezembro" in lowercase."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from attendance.models import Event
from tests.factories import ServiceGroupFactory, UserFactory, queued_attendance
from users.models import Role

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 12, 7, 13, 21, 24, tzinfo=UTC)  # 10:21:24 in São Paulo


@pytest.fixture
def detail(web_as, admin_user, operation_a):
    company = operation_a.company
    company.time_zone = "America/Sao_Paulo"
    company.save()
    group = ServiceGroupFactory(name="Vendas", operation=operation_a)
    lia = UserFactory(username="lia", display_name="Lia Souza", role=Role.AGENT, operations=[operation_a])
    attendance = queued_attendance(group, "5534991234567", queued_at=OPENED)
    Event.objects.create(attendance=attendance, type="opened", at=OPENED, data={"group": group.pk})
    Event.objects.create(
        attendance=attendance, type="assigned", at=OPENED.replace(minute=22),
        data={"chosen": lia.pk, "strategy": "least_attendances",
              "candidates": [{"position": 1, "agent": lia.pk, "name": "lia", "figure": 2, "free_slots": 3}]},
    )  # fmt: skip
    Event.objects.create(
        attendance=attendance, type="closed", at=OPENED.replace(minute=30),
        data={"reason": "agent_disconnected", "by": "bot", "abandoned": False, "agent": lia.pk, "group": group.pk},
    )  # fmt: skip
    response = web_as(admin_user).get(f"/admin/attendance/attendance/{attendance.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_events_are_in_words_with_names(detail):
    assert "Aberto no grupo Vendas." in detail or "Vendas" in detail
    assert "Lia Souza" in detail
    assert "Por que este agente?" in detail
    for raw in ("agent_disconnected", "least_attendances", "by: bot", "abandoned: False", "agent: ", "opened @"):
        assert raw not in detail


def test_the_times_are_the_companys_local_time_with_a_lowercase_month(detail):
    assert "07/12/2026 10:21:24" in detail  # the event log
    assert "7 de dezembro de 2026 às 10:21" in detail  # the attendance's own dates
    assert "13:21" not in detail
    assert "Dezembro" not in detail


def test_the_monitor_and_the_back_office_write_the_same_lines(detail):
    from attendance.event_log import describe

    assert describe("opened", {"group": 1}, {1: "Vendas"}, {}) in detail
