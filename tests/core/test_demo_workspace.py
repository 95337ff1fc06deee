"""The demo is ready for an agent's day (issue 25): groups that redirect on
disconnection, canned responses, a WhatsApp template, and a generic channel whose
printed token lets ``curl`` send a customer message."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import TestCase

from attendance.models import Attendance, ServiceGroup
from demo.loader import DEMO_GROUPS
from workspace.models import CannedResponse, WhatsAppTemplate

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_groups_redirect_on_agent_disconnect():
    _load()
    groups = ServiceGroup.objects.filter(name__in=DEMO_GROUPS)
    assert groups.count() == 4 and all(g.redirect_on_agent_disconnect for g in groups)


def test_the_demo_has_canned_responses_and_a_whatsapp_template():
    _load()
    assert CannedResponse.objects.filter(shortcut="bomdia", text__contains="{cliente}").exists()
    assert WhatsAppTemplate.objects.filter(name="retomar_contato", is_active=True).exists()


def test_the_printed_channel_token_sends_a_customer_message(api):
    _load()
    output = _load()  # loading again issues a new token, which is the one that works
    token = re.search(r"Bearer (\S+)'", output).group(1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post("/api/v1/inbound/", {"network": "whatsapp", "phone": "34991234567", "text": "Oi"},
                            format="json", HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    assert response.status_code == 201, response.content
    assert Attendance.objects.filter(protocol=response.json()["protocol"]).exists()
