"""SPEC §11: ``manage.py simulate`` drives customers and agents through the real API."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from attendance.models import Attendance, Message
from core.demo import seed_demo

pytestmark = pytest.mark.django_db


def test_simulate_drives_customers_to_agents_and_prints_figures(settings):
    settings.ATENDE_OUTBOUND_LOG_ONLY = True
    seed_demo()
    out = StringIO()
    call_command("simulate", duration=3, rate=4, handle_seconds=0.5, seed=7, stdout=out)
    text = out.getvalue()
    assert "assigned/s" in text and "Done:" in text
    assert Attendance.objects.count() >= 8
    assert Attendance.objects.filter(assigned_at__isnull=False).exists()
    assert Message.objects.filter(sender="customer").exists() and Message.objects.filter(sender="bot").exists()
