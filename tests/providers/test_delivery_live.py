"""Delivery status live (SPEC §7 "Live", §8.2.1): a status callback moving an outbound
message's delivery publishes a ``delivery`` event to the attendance's agent once it is
committed — over Redis, the production transport — and a stale callback publishes none."""

from __future__ import annotations

import os

import pytest
from django.test import TestCase

from attendance.models import Message
from core.live import live_last_id, live_since
from providers.base import Parsed, StatusUpdate
from providers.registry import provider_for
from providers.services import webhook_receive

from .test_whatsapp_cloud import envelope, send

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.fixture
def redis_live(settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]


def _forget(user):
    """Redis outlives the test database (ids come back): start the user's stream afresh."""
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).delete(f"atende:live:seq:{user.pk}", f"atende:live:log:{user.pk}")


def _events(user, after):
    return [(e.event, e.data) for e in live_since(user.pk, after)[0]]


def test_each_status_reaches_the_agent_after_commit(client, fake, desk, wa_channel, redis_live):
    from attendance.agent_actions import agent_message_send

    attendance = desk(wa_channel, "+5534991234567")
    eva = desk.eva
    _forget(eva)
    start = live_last_id(eva.pk)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = agent_message_send(attendance=attendance, agent=eva, kind="text", text="Olá, Maria")
    answer.refresh_from_db()
    assert (answer.delivery, answer.provider_message_id) == ("sent", "wamid.OUT1")
    base = {"attendance": attendance.pk, "message": answer.pk}
    assert _events(eva, start) == [("delivery", {**base, "status": "sent"})]

    # Published only once committed: nothing while the transaction is open.
    after_sent = live_last_id(eva.pk)
    update = StatusUpdate(provider_message_id="wamid.OUT1", status="delivered")
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        webhook_receive(channel=wa_channel, adapter=provider_for("whatsapp_cloud"), parsed=Parsed(statuses=[update]))
    assert _events(eva, after_sent) == [] and len(callbacks) == 1
    callbacks[0]()
    assert _events(eva, after_sent) == [("delivery", {**base, "status": "delivered"})]

    # Through the webhook: read, then a late "delivered" that changes nothing and says nothing.
    def status(name, **extra):
        return {"id": "wamid.OUT1", "status": name, "timestamp": "1750263773", "recipient_id": "5534991234567",
                **extra}  # fmt: skip

    after_delivered = live_last_id(eva.pk)
    send(client, wa_channel, envelope(statuses=[status("read")]))
    send(client, wa_channel, envelope(statuses=[status("delivered")]))
    assert _events(eva, after_delivered) == [("delivery", {**base, "status": "read"})]
    assert Message.objects.get(pk=answer.pk).delivery == "read"


def test_a_failure_carries_its_reason(client, fake, desk, wa_channel, redis_live):
    from attendance.agent_actions import agent_message_send

    attendance = desk(wa_channel, "+5534991234567")
    eva = desk.eva
    _forget(eva)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = agent_message_send(attendance=attendance, agent=eva, kind="text", text="Olá")
    start = live_last_id(eva.pk)
    failed = {"id": "wamid.OUT1", "status": "failed", "timestamp": "1", "recipient_id": "5534991234567",
              "errors": [{"code": 131047, "title": "Re-engagement message"}]}  # fmt: skip
    send(client, wa_channel, envelope(statuses=[failed]))
    assert _events(eva, start) == [("delivery", {"attendance": attendance.pk, "message": answer.pk,
                                                 "status": "failed", "error": "Re-engagement message"})]  # fmt: skip


def test_a_message_without_an_agent_publishes_nothing(client, fake, menu, wa_channel, redis_live):
    """The bot's greeting (no agent yet): its statuses are stored, nobody is told."""
    from .test_whatsapp_cloud import text

    send(client, wa_channel, envelope([text("oi")]))
    greeting = Message.objects.get(sender="bot")
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        update = StatusUpdate(provider_message_id=greeting.provider_message_id, status="read")
        webhook_receive(channel=wa_channel, adapter=provider_for("whatsapp_cloud"), parsed=Parsed(statuses=[update]))
    assert callbacks == []
    greeting.refresh_from_db()
    assert greeting.delivery == "read"
