"""SPEC §9 / §12 P6: the daily rollups (``reports.days``) the report by day, group and agent
reads are exactly the hourly rows added up by the company's local day — the same report
through the daily rows and through the hourly ones, over the scripted day that crosses
midnight UTC and São Paulo's midnight; a company in a time zone whose offset is not a
whole number of hours; ``reports_verify`` and ``days_rebuild`` covering them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import transaction

from organisation.models import Company
from reports.days import days_rebuild
from reports.models import AgentDay, GroupDay
from reports.recompute import verify_day
from reports.rollups import COLUMNS, Fact, rollup_record
from reports.selectors import BY_CHOICES, service_level
from tests.factories import CompanyFactory, OperationFactory, ServiceGroupFactory, UserFactory
from tests.reports.test_rollups import DAY, TZ, _play_the_day
from users.models import Role, User

pytestmark = pytest.mark.django_db

NEXT = date(2026, 3, 11)
PERIODS = [(date(2026, 3, 9), NEXT), (DAY, DAY), (NEXT, NEXT)]


def _both(user, **query) -> tuple[dict, dict]:
    return service_level(user, daily=True, **query), service_level(user, daily=False, **query)


def _rows(model) -> dict:
    ids = ("group_id", "agent_id") if model is AgentDay else ("group_id",)
    return {
        (row["day"], *(row[i] for i in ids)): {name: row[name] for name in COLUMNS}
        for row in model.objects.values("day", *ids, *COLUMNS)
    }


def test_the_report_gives_the_same_figures_from_the_daily_rows_as_from_the_hourly_ones(clock, centre, supervisor_a):
    _play_the_day(clock, centre, supervisor_a)
    vendas, teo = centre["vendas"], centre["teo"]
    # The engine wrote a row for each local day: c6 waited across São Paulo's midnight.
    assert set(GroupDay.objects.filter(group=vendas).values_list("day", flat=True)) == {DAY, NEXT}
    assert GroupDay.objects.get(group=vendas, day=DAY).queued == 5
    assert GroupDay.objects.get(group=vendas, day=NEXT).wait_max == pytest.approx(30 * 60)
    assert set(AgentDay.objects.filter(agent=teo).values_list("day", flat=True)) == {DAY, NEXT}
    for start, end in PERIODS:
        for by in BY_CHOICES:
            daily, hourly = _both(supervisor_a, start=start, end=end, by=by)
            assert daily == hourly, (start, end, by)
        for query in ({"by": "day", "agent_id": teo.pk}, {"by": "group", "group_id": vendas.pk},
                      {"by": "agent", "group_id": centre["suporte"].pk, "agent_id": teo.pk}):  # fmt: skip
            daily, hourly = _both(supervisor_a, start=start, end=end, **query)
            assert daily == hourly, (start, end, query)
    report = service_level(supervisor_a, start=DAY, end=NEXT, by="day")
    assert [row["key"] for row in report["rows"]] == ["2026-03-10", "2026-03-11"]
    assert report["totals"]["assigned"] > 0
    # The daily path really reads the daily rows: a changed daily row changes the report.
    GroupDay.objects.filter(group=vendas, day=DAY).update(queued=99)
    daily, hourly = _both(supervisor_a, start=DAY, end=DAY, by="group")
    assert daily != hourly


@pytest.mark.postgres  # days_rebuild locks the daily tables (PostgreSQL)
def test_verify_compares_the_daily_rows_and_days_rebuild_restores_them(clock, centre, supervisor_a):
    _play_the_day(clock, centre, supervisor_a)
    written = _rows(GroupDay), _rows(AgentDay)
    GroupDay.objects.filter(group=centre["vendas"], day=DAY).update(queued=99)
    lines = verify_day(DAY, TZ)
    assert lines == [f"group day 2026-03-10 [{centre['vendas'].pk}]: queued recomputed=5 stored=99"]
    days_rebuild()
    assert verify_day(DAY, TZ) == [] and verify_day(NEXT, TZ) == []
    rebuilt = _rows(GroupDay), _rows(AgentDay)
    for before, after in zip(written, rebuilt, strict=True):
        assert before.keys() == after.keys()
        for key, row in before.items():
            assert after[key] == pytest.approx(row), key


def _same_everywhere(user) -> None:
    user = User.objects.get(pk=user.pk)  # the company's time zone as it is now
    for start, end in PERIODS:
        for by in BY_CHOICES:
            daily, hourly = _both(user, start=start, end=end, by=by)
            assert daily == hourly, (user.username, start, end, by)


@pytest.mark.postgres  # reports_rebuild_days (PostgreSQL)
def test_a_time_zone_change_reads_the_hourly_rows_until_days_rebuild(clock, centre, supervisor_a):
    _play_the_day(clock, centre, supervisor_a)
    company = centre["vendas"].operation.company
    Company.objects.filter(pk=company.pk).update(time_zone="UTC")
    # The daily rows are still São Paulo's days: verify lists them, the report (now in
    # UTC for bia) reads those groups' hourly rows and stays exact.
    lines = verify_day(NEXT, "UTC")
    assert f"group day 2026-03-11 [{centre['vendas'].pk}]: time_zone expected=UTC stored='America/Sao_Paulo'" in lines
    _same_everywhere(supervisor_a)
    call_command("reports_rebuild_days", "--company", company.pk)
    assert verify_day(DAY, "UTC") == [] and verify_day(NEXT, "UTC") == []
    assert set(GroupDay.objects.values_list("time_zone", flat=True)) == {"UTC"}
    _same_everywhere(supervisor_a)
    # Back to São Paulo without a rebuild: an hour of the 10th in São Paulo added to the
    # 10th's UTC row makes it a row of two zones ("").
    Company.objects.filter(pk=company.pk).update(time_zone=TZ)
    agent_day = AgentDay.objects.filter(group=centre["vendas"], day=DAY).first()  # an agent of Vendas on the UTC 10th
    _record(datetime(2026, 3, 11, 1, 0, tzinfo=UTC), centre["vendas"], agent_day.agent, queued=1, assigned=1,
            wait_seconds=5.0)  # fmt: skip
    assert GroupDay.objects.get(group=centre["vendas"], day=DAY).time_zone == ""
    agent_day.refresh_from_db()
    assert agent_day.time_zone == "" and agent_day.assigned >= 2
    _same_everywhere(supervisor_a)


def _record(at: datetime, group, agent, **figures) -> None:
    with transaction.atomic():
        rollup_record([Fact(at=at, group_id=group.pk, agent_id=agent.pk, **figures)])


def test_a_company_whose_offset_is_not_whole_hours_and_a_viewer_in_another_zone(clock, centre, admin_user):
    """Asia/Kolkata is UTC+5:30: its 11 March starts at 18:30 UTC on the 10th, inside the
    18:00 UTC hour, which belongs to the 10th (the local date it starts in) in both tables."""
    india = CompanyFactory(name="Índia", time_zone="Asia/Kolkata")
    group = ServiceGroupFactory(name="Mumbai", operation=OperationFactory(name="Operação Índia", company=india),
                                initial_sla_minutes=2)  # fmt: skip
    agent = UserFactory(username="ravi", display_name="Ravi", role=Role.AGENT, company=india)
    viewer = UserFactory(username="priya", role=Role.ADMIN, company=india)
    for hour, minute, wait in ((18, 10, 30.0), (18, 45, 200.0), (19, 10, 60.0), (2, 0, 10.0)):
        day = 11 if hour < 12 else 10
        _record(datetime(2026, 3, day, hour, minute, tzinfo=UTC), group, agent, queued=1, assigned=1,
                wait_seconds=wait, sla_met=int(wait <= 120))  # fmt: skip
    days = {row.day: row for row in GroupDay.objects.filter(group=group)}
    assert {d: (r.queued, r.wait_max) for d, r in days.items()} == {DAY: (2, 200.0), NEXT: (2, 60.0)}
    assert AgentDay.objects.get(agent=agent, day=NEXT).wait_sum == pytest.approx(70.0)
    # India's viewer reads India's daily rows; the São Paulo admin reads that group's hourly
    # rows (its days are not São Paulo's) and São Paulo's groups' daily rows.
    for user in (viewer, admin_user):
        _same_everywhere(user)
    mumbai = service_level(viewer, start=NEXT, end=NEXT, by="group", group_id=group.pk)
    assert mumbai["totals"]["queued"] == 2 and mumbai["totals"]["max_wait_seconds"] == 60.0
    in_sao_paulo = service_level(admin_user, start=DAY, end=DAY, by="group", group_id=group.pk)
    assert in_sao_paulo["totals"]["queued"] == 4  # all four are São Paulo's 10th (02:00 UTC is 23:00 there)
