"""SPEC §11: ``manage.py simulate`` drives customers and agents through the real API."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from attendance.models import Attendance, Message
from demo.loader import seed_demo

pytestmark = pytest.mark.django_db


def test_simulate_drives_customers_to_agents_and_prints_figures(settings):
    settings.ATENDE_OUTBOUND_LOG_ONLY = True
    seed_demo()
    out = StringIO()
    errors = StringIO()
    call_command("simulate", duration=3, rate=4, handle_seconds=0.5, seed=7, stdout=out, stderr=errors)
    text = out.getvalue()
    assert "assigned/s" in text and "Done:" in text
    # Agents close with a reason where the group requires one (the demo's groups do).
    assert "classification_node" not in errors.getvalue()
    closed = Attendance.objects.filter(status="closed", close_reason="agent")
    assert closed.exists() and not closed.filter(group__classification_required=True, classification_node=None).exists()
    assert Attendance.objects.count() >= 8
    assert Attendance.objects.filter(assigned_at__isnull=False).exists()
    assert Message.objects.filter(sender="customer").exists() and Message.objects.filter(sender="bot").exists()


def test_simulate_records_the_attendances_it_created_and_can_leave_distribution_to_the_worker(settings, tmp_path):
    settings.ATENDE_OUTBOUND_LOG_ONLY = True
    seed_demo()
    record = tmp_path / "created.jsonl"
    call_command(
        "simulate", duration=2, rate=4, seed=3, record=str(record), no_distribute=True, stdout=StringIO()
    )  # fmt: skip
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    created = {line["attendance"] for line in lines if "attendance" in line}
    assert created and not [line for line in lines if "refused" in line]
    assert set(Attendance.objects.filter(pk__in=created).values_list("pk", flat=True)) == created
