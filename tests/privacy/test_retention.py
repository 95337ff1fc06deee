"""SPEC §17 retention: the nightly task removes the contents of attendances closed longer
ago than the company keeps them and the old import files and rows; it says first what it
would touch (dry run), and a run killed mid-way is resumed by the next one."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from attendance.models import Attendance, Message
from config.celery import app
from customers.models import Customer
from imports.models import ImportJob, ImportRow
from privacy import retention
from privacy.contents import BODY_REMOVED_BY_RETENTION
from privacy.retention import months_before, retention_run
from reports.recompute import verify_day
from surveys.models import Response

from .scenario import NAME, build_person, scan_files
from .test_anonymize import _figures

pytestmark = pytest.mark.django_db
SAO_PAULO = "America/Sao_Paulo"
LATER = datetime(2026, 10, 1, 4, 0).astimezone()  # seven months after the scenario's day


def _world(centre, clock, admin_user, supervisor_a):
    customer = build_person(centre, clock, admin_user, supervisor_a)
    company = centre["vendas"].operation.company
    company.message_retention_months = 6
    company.save()
    # A fourth attendance closed in June: within six months of October, kept.
    clock.set_local(2026, 6, 20, 10, 0)
    from attendance.inbound import inbound_receive

    def say(text):
        return inbound_receive(channel=centre["channel"], network="whatsapp", phone="(34) 99123-4567",
                               country_code="55", text=text).attendance  # fmt: skip

    say("oi em junho")
    recent = say("3")
    assert Attendance.objects.get(pk=recent.pk).status == "closed"
    return customer, recent


def test_the_dry_run_says_what_would_go_and_changes_nothing(centre, clock, admin_user, supervisor_a):
    customer, recent = _world(centre, clock, admin_user, supervisor_a)
    bodies = list(Message.objects.order_by("pk").values_list("body", flat=True))
    run = retention_run(dry_run=True, now=LATER)
    assert run.dry_run and run.finished_at and not run.error
    assert run.figures["attendances"] == 3
    assert run.figures["media_files"] == 1 and run.figures["survey_answers"] == 1
    assert run.figures["import_jobs"] == 1 and run.figures["import_files"] == 1
    assert list(Message.objects.order_by("pk").values_list("body", flat=True)) == bodies
    assert scan_files() != {}


def test_contents_older_than_the_retention_go_the_customer_and_the_figures_stay(
    centre, clock, admin_user, supervisor_a
):
    customer, recent = _world(centre, clock, admin_user, supervisor_a)
    figures = _figures()
    run = retention_run(now=LATER)
    assert not run.error and run.figures["attendances"] == 3 and run.figures["media_files"] == 1
    old = Message.objects.filter(attendance__customer=customer).exclude(attendance=recent)
    assert set(old.values_list("body", flat=True)) == {BODY_REMOVED_BY_RETENTION}
    assert not old.exclude(media="").exists()
    kept = set(Message.objects.filter(attendance=recent).values_list("body", flat=True))
    assert "oi em junho" in kept and BODY_REMOVED_BY_RETENTION not in kept
    assert not Response.objects.exclude(text="").exists()
    assert Customer.objects.get(pk=customer.pk).display_name == NAME  # the customer is kept
    assert scan_files() == {}  # the media file and the import's files
    assert not ImportRow.objects.exclude(data={}).exists()
    assert ImportJob.objects.get().file == ""
    assert _figures() == figures and verify_day(date(2026, 3, 10), SAO_PAULO) == []
    # The next night finds nothing left to do.
    again = retention_run(now=LATER)
    assert again.figures["attendances"] == 0 and again.figures["import_jobs"] == 0


def test_a_run_killed_mid_way_is_resumed_by_the_next_without_doing_anything_twice(
    centre, clock, admin_user, supervisor_a, monkeypatch
):
    _world(centre, clock, admin_user, supervisor_a)
    real = retention.contents_remove
    calls = []

    def dies_on_the_second_batch(**kwargs):
        calls.append(kwargs["attendance_ids"])
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(retention, "contents_remove", dies_on_the_second_batch)
    first = retention_run(now=LATER, batch_size=1)
    assert first.error == "worker killed" and first.figures["attendances"] == 1
    monkeypatch.setattr(retention, "contents_remove", real)
    second = retention_run(now=LATER, batch_size=1)
    assert not second.error and second.figures["attendances"] == 2  # the two left, not the first again


def test_the_retention_is_scheduled_nightly():
    entry = next(e for e in app.conf.beat_schedule.values() if e["task"] == "privacy.tasks.retention_task")
    assert entry["schedule"].hour == {3}


def test_months_before_keeps_the_day_or_the_months_last():
    assert months_before(datetime(2026, 10, 1), 7) == datetime(2026, 3, 1)
    assert months_before(datetime(2026, 3, 31), 1) == datetime(2026, 2, 28)
    assert months_before(datetime(2026, 1, 15), 13) == datetime(2024, 12, 15)
