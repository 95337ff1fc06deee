"""SPEC §9: the rollups the engine keeps equal a recomputation from the raw attendances,
events and answers — over a scripted day played through the engine's public services
(bot, queue, distribution, transfers, timers, abandon, reopen, disconnect, survey
answers) that crosses midnight UTC and the company's own midnight."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Sum

from attendance.agent_actions import agent_message_send, attendance_close, attendance_transfer
from attendance.distribution import distribute_group
from attendance.inbound import inbound_receive
from attendance.models import Attendance, Status
from attendance.presence import presence_set
from attendance.timers import timers_sweep
from reports.models import AgentDay, AgentHour, GroupDay, GroupHour
from reports.recompute import day_bounds, verify_day
from reports.rollups import Fact, rollup_record
from tests.factories import UserFactory
from users.models import Role

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)
TZ = "America/Sao_Paulo"


def _say(centre, phone, text):
    return inbound_receive(channel=centre["channel"], network="whatsapp", phone=phone, country_code="55",
                           display_name=f"Cliente {phone[-4:]}", text=text).attendance  # fmt: skip


def _open(centre, phone, option):
    _say(centre, phone, "oi")
    return _say(centre, phone, option)


def _online(*agents):
    for agent in agents:
        presence_set(agent=agent, state="online")


def _distribute(*groups):
    for group in groups:
        distribute_group(group_id=group.pk)


def _fresh(attendance):
    return Attendance.objects.get(pk=attendance.pk)


def _sum(day, group, field):
    start, end = day_bounds(day, TZ)
    return GroupHour.objects.filter(group=group, hour__gte=start, hour__lt=end).aggregate(s=Sum(field))["s"] or 0


def _play_the_day(clock, centre, supervisor):
    vendas, suporte, lia, rui, teo = (centre[k] for k in ("vendas", "suporte", "lia", "rui", "teo"))
    clock.set_local(2026, 3, 10, 20, 10)
    _online(lia, rui, teo)
    c1 = _open(centre, "34991110001", "1")  # Vendas' queue through the bot
    assert c1.status == Status.QUEUED and c1.group == vendas
    clock.advance(minutes=3)
    _online(lia, rui, teo)
    _distribute(vendas)  # c1 waited 3 min: within Vendas' 5 min SLA
    assert _fresh(c1).status == Status.IN_PROGRESS
    c2 = _open(centre, "34991110002", "1")
    c3 = _open(centre, "34991110003", "2")  # Suporte
    _say(centre, "34991110009", "oi")  # stays with the bot: closed by inactivity later
    clock.advance(minutes=10)
    _online(lia, rui, teo)
    _distribute(vendas, suporte)  # c2 waited 10 min: SLA missed
    timers_sweep()  # computes the new timers of the assignments
    clock.advance(minutes=3)
    _online(lia, rui, teo)
    timers_sweep()  # teo did not answer c3 in 2 min: back to Suporte's queue; c1, c2 not yet pending
    assert _fresh(c3).status == Status.QUEUED
    agent_message_send(attendance=c1, agent=_fresh(c1).agent, kind="text", text="Olá!")
    attendance_transfer(attendance=c1, actor=_fresh(c1).agent, group=suporte)  # to Suporte's queue
    attendance_transfer(attendance=c2, actor=supervisor, agent=teo)  # straight to teo in Suporte
    c4 = _open(centre, "34991110004", "1")
    clock.advance(minutes=1)
    attendance_close(attendance=c4, reason="supervisor", actor=supervisor)  # abandoned: closed while queued
    clock.set_local(2026, 3, 10, 20, 58)
    _online(lia, rui, teo)
    _distribute(suporte)  # c3 and c1 to teo, across the hour
    for attendance in (c3, c1):
        agent_message_send(attendance=_fresh(attendance), agent=teo, kind="text", text="Oi, sou o Teo.")
    agent_message_send(attendance=_fresh(c2), agent=teo, kind="text", text="Pode fechar?")
    clock.set_local(2026, 3, 10, 21, 5)  # midnight UTC: still the 10th in São Paulo
    _online(lia, rui, teo)
    c5 = _open(centre, "34991110005", "1")
    clock.advance(minutes=2)
    _online(lia, rui, teo)
    _distribute(vendas)
    timers_sweep()
    clock.advance(minutes=6)
    _online(lia, rui, teo)
    timers_sweep()  # c5 has been silent 6 min: pending
    assert _fresh(c5).status == Status.PENDING
    _say(centre, "34991110005", "ainda estou aqui")  # reopened
    assert _fresh(c5).status == Status.IN_PROGRESS
    attendance_close(attendance=_fresh(c2), reason="agent", actor=teo, send_survey=True)
    for answer in ("1", "10", "Muito bom"):  # CSAT satisfied, NPS promoter, open comment
        clock.advance(minutes=1)
        _say(centre, "34991110002", answer)
    clock.set_local(2026, 3, 10, 22, 0)
    _online(lia, rui, teo)
    timers_sweep()  # the customer left with the bot is closed for inactivity
    presence_set(agent=_fresh(c5).agent, state="offline", disconnected=True)  # c5 closed: the agent vanished
    clock.set_local(2026, 3, 10, 23, 50)
    _online(lia, rui, teo)
    c6 = _open(centre, "34991110006", "1")
    clock.set_local(2026, 3, 11, 0, 20)  # the company's next day: c6 waited across midnight
    _online(lia, rui, teo)
    _distribute(vendas)
    clock.advance(minutes=5)
    attendance_close(attendance=_fresh(c3), reason="agent", actor=teo)  # assigned on the 10th, closed the 11th
    attendance_close(attendance=_fresh(c6), reason="agent", actor=_fresh(c6).agent)
    c7 = _open(centre, "34991110007", "3")  # the bot's "Sair" closes it
    assert c7.status == Status.CLOSED
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6}


def test_the_rollups_equal_the_recomputation_over_a_scripted_day(clock, centre, supervisor_a):
    _play_the_day(clock, centre, supervisor_a)
    assert verify_day(DAY, TZ) == []  # the hourly and the daily rows (reports.days)
    assert verify_day(date(2026, 3, 11), TZ) == []
    assert GroupDay.objects.filter(day=DAY).exists() and AgentDay.objects.filter(day=date(2026, 3, 11)).exists()
    vendas, suporte = centre["vendas"], centre["suporte"]
    # Vendas on the 10th: c1, c2, c4, c5, c6 entered; c1, c2, c5 assigned; c4 abandoned.
    assert (_sum(DAY, vendas, "queued"), _sum(DAY, vendas, "assigned"), _sum(DAY, vendas, "abandoned")) == (5, 3, 1)
    assert _sum(DAY, vendas, "sla_met") == 2  # c1 (3 min) and c5 (2 min); c2 waited 10 min
    assert _sum(DAY, vendas, "wait_sum") == pytest.approx(3 * 60 + 10 * 60 + 2 * 60)
    # Suporte: c3 twice (bot, agent timeout), c1 (transfer), c2 (direct to teo).
    assert _sum(DAY, suporte, "queued") == 4 and _sum(DAY, suporte, "assigned") == 4
    assert (_sum(DAY, suporte, "csat_satisfied"), _sum(DAY, suporte, "nps_promoters")) == (1, 1)
    # c6 waited from 23:50 to 00:20 local: the wait and assignment are the 11th's.
    assert _sum(date(2026, 3, 11), vendas, "assigned") == 1
    assert _sum(date(2026, 3, 11), vendas, "wait_max") == pytest.approx(30 * 60)
    assert _sum(date(2026, 3, 11), suporte, "handled") == 1  # c3 closed after midnight
    teo_rows = AgentHour.objects.filter(agent=centre["teo"])
    assert teo_rows.aggregate(s=Sum("assigned"))["s"] == 4


def test_verify_reports_a_tampered_figure_and_exits_non_zero(clock, centre, supervisor_a, capsys):
    _play_the_day(clock, centre, supervisor_a)
    call_command("reports_verify", "--date", "2026-03-10")
    assert "equal" in capsys.readouterr().out
    row = GroupHour.objects.filter(group=centre["vendas"], queued__gt=0).order_by("hour").first()
    GroupHour.objects.filter(pk=row.pk).update(queued=row.queued + 1)
    with pytest.raises(CommandError) as failure:
        call_command("reports_verify", "--date", "2026-03-10")
    assert failure.value.returncode == 1
    assert f"queued recomputed={row.queued} stored={row.queued + 1}" in capsys.readouterr().out


def test_rollup_record_adds_to_existing_rows_and_keeps_the_longest_wait(centre, clock):
    group, agent = centre["vendas"], centre["lia"]
    at = clock.set_local(2026, 3, 10, 9, 30)
    rollup_record([Fact(at=at, group_id=group.pk, agent_id=agent.pk, assigned=1, wait_seconds=40, sla_met=1)])
    rollup_record([
        Fact(at=at, group_id=group.pk, agent_id=agent.pk, assigned=1, wait_seconds=10),
        Fact(at=at, group_id=group.pk, queued=2),
    ])  # fmt: skip
    row = GroupHour.objects.get(group=group)
    assert (row.queued, row.assigned, row.wait_sum, row.wait_max, row.sla_met) == (2, 2, 50, 40, 1)
    assert row.hour.hour == 12  # 09:30 in São Paulo is 12:00 UTC's hour
    assert AgentHour.objects.get(agent=agent).assigned == 2


def test_rollup_record_refuses_to_run_outside_a_transaction(centre, clock):
    fact = Fact(at=clock.now, group_id=centre["vendas"].pk, queued=1)
    in_block = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError):
            rollup_record([fact])
    finally:
        connection.in_atomic_block = in_block
    with transaction.atomic():
        rollup_record([fact])
    assert GroupHour.objects.get().queued == 1


def test_a_supervisor_agent_closing_counts_once(clock, centre, operation_a):
    davi = UserFactory(username="davi9", role=Role.SUPERVISOR_AGENT, operations=[operation_a])
    centre["vendas"].agents.add(davi)
    _online(davi)
    c = _open(centre, "34991110011", "1")
    _distribute(centre["vendas"])
    attendance_close(attendance=_fresh(c), reason="agent", actor=_fresh(c).agent)
    assert _sum(DAY, centre["vendas"], "closed") == 1 and _sum(DAY, centre["vendas"], "handled") == 1
    assert verify_day(DAY, TZ) == []
