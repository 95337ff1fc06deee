"""SPEC §9 screens: landing, menu, permissions, and attendance monitoring (list filters,
the readable event log, "por que este agente?", transfer and close as supervisor)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from attendance.agent_actions import attendance_close
from attendance.distribution import distribute_group
from attendance.inbound import inbound_receive
from attendance.models import Attendance, Status
from attendance.presence import presence_set
from tests.factories import ProfileFactory, UserFactory
from users.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted(supervisor_profile):
    supervisor_profile.permissions.add(*Permission.objects.filter(content_type__app_label="reports"))
    return supervisor_profile


def _open(centre, phone, option):
    inbound_receive(channel=centre["channel"], network="whatsapp", phone=phone, country_code="55", text="oi")
    return inbound_receive(channel=centre["channel"], network="whatsapp", phone=phone, country_code="55",
                           text=option).attendance  # fmt: skip


@pytest.fixture
def floor(clock, centre, granted):
    """c1 assigned to lia in Vendas after 7 min (SLA 5 missed); c2 abandoned in Vendas."""
    clock.set_local(2026, 3, 10, 10, 0)
    c1 = _open(centre, "34990000101", "1")
    clock.advance(minutes=7)
    presence_set(agent=centre["lia"], state="online")
    distribute_group(group_id=centre["vendas"].pk)
    c2 = _open(centre, "34990000102", "1")
    attendance_close(attendance=c2, reason="abandoned")
    return {"c1": Attendance.objects.get(pk=c1.pk), "c2": c2}


def test_a_supervisor_lands_on_the_dashboard_with_the_supervision_menu(web_as, supervisor_a, granted):
    browser = web_as(supervisor_a)
    assert browser.get("/").url == "/dashboard/"
    page = browser.get("/dashboard/").content.decode()
    assert "Dashboard" in page and "Supervisão" in page and "Resultados de pesquisas" in page
    assert 'id="dashboard-data"' in page


def test_agents_are_sent_to_the_workspace_and_ungranted_supervisors_get_a_portuguese_403(web_as, agent_a,
                                                                                          operation_a):  # fmt: skip
    assert web_as(agent_a).get("/dashboard/").url == "/workspace/"
    bare = UserFactory(username="semperfil", role=Role.SUPERVISOR, operations=[operation_a],
                       profile=ProfileFactory(name="Vazio", perms=[]))  # fmt: skip
    browser = web_as(bare)
    for url in ("/dashboard/", "/reports/service-level/", "/reports/surveys/", "/monitor/"):
        response = browser.get(url)
        assert response.status_code == 403 and "Seu perfil não dá acesso a esta página" in response.content.decode()
    assert browser.get("/").url == "/admin/"  # no dashboard to land on
    admin_page = browser.get("/admin/attendance/attendance/")
    assert admin_page.status_code == 403 and "Acesso negado" in admin_page.content.decode()


def test_the_monitor_list_filters_and_never_shows_another_operation(web_as, supervisor_a, supervisor_b, floor):
    mine = web_as(supervisor_a)
    assert floor["c1"].protocol in mine.get("/monitor/?status=in_progress").content.decode()
    abandoned = mine.get("/monitor/?abandoned=1").content.decode()
    assert floor["c2"].protocol in abandoned and floor["c1"].protocol not in abandoned
    missed = mine.get("/monitor/?sla_missed=1").content.decode()
    assert floor["c1"].protocol in missed and floor["c2"].protocol not in missed
    dated = mine.get("/monitor/?date_field=assigned&date_from=2026-03-10&date_to=2026-03-10").content.decode()
    assert floor["c1"].protocol in dated and floor["c2"].protocol not in dated
    assert "Data inválida" in mine.get("/monitor/?date_from=ontem").content.decode()
    other = web_as(supervisor_b)
    assert floor["c1"].protocol not in other.get("/monitor/").content.decode()
    assert other.get(f"/monitor/{floor['c1'].pk}/").status_code == 404
    assert mine.get("/admin/attendance/attendance/").status_code == 200  # the admin list too, scoped


def test_the_detail_tells_the_story_in_portuguese_with_why_this_agent(web_as, supervisor_a, floor):
    page = web_as(supervisor_a).get(f"/monitor/{floor['c1'].pk}/").content.decode()
    assert "Aberto no grupo Atendimento." in page
    assert "Entrou na fila de Vendas." in page
    assert "Atribuído a Lia (estratégia: Circular)." in page
    assert "Por que este agente?" in page and "Vagas livres" in page
    assert "10:07:00" in page  # local time (São Paulo), not UTC


def test_a_supervisor_transfers_and_closes_as_supervisor(web_as, supervisor_a, floor, centre):
    browser = web_as(supervisor_a)
    c1 = floor["c1"]
    response = browser.post(f"/monitor/{c1.pk}/", {"action": "transfer", "group": centre["suporte"].pk}, follow=True)
    assert "Atendimento transferido." in response.content.decode()
    c1.refresh_from_db()
    assert (c1.status, c1.group) == (Status.QUEUED, centre["suporte"])
    assert "Transferido de Vendas para a fila de Suporte por Bia." in response.content.decode()
    refused = browser.post(f"/monitor/{c1.pk}/", {"action": "transfer", "group": centre["cobranca"].pk}, follow=True)
    assert refused.status_code == 200 and Attendance.objects.get(pk=c1.pk).group == centre["suporte"]
    closed = browser.post(f"/monitor/{c1.pk}/", {"action": "close"}, follow=True)
    assert "Atendimento encerrado." in closed.content.decode()
    c1.refresh_from_db()
    assert (c1.status, c1.close_reason) == (Status.CLOSED, "supervisor")
    assert "quem encerrou: supervisor" in closed.content.decode()
