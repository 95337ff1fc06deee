"""SPEC §8.2 outbound: a logging adapter by default; a webhook adapter that POSTs to the
channel's URL with retries, backoff and an idempotency key. The remote webhook is the
only thing mocked: a local HTTP server stands in for it."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from attendance.messaging import message_out
from attendance.models import Attendance, Message
from providers.models import WebhookDelivery
from providers.outbox import webhook_attempt
from providers.services import message_deliver
from providers.tasks import deliver_message_task
from tests.factories import ServiceGroupFactory, make_channel, queued_attendance

pytestmark = pytest.mark.django_db


class Remote:
    """A webhook receiver that fails the first ``failures`` calls with 500."""

    def __init__(self, failures: int = 0):
        self.calls: list[tuple[dict, dict]] = []
        self.failures = failures
        remote = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                remote.calls.append((dict(self.headers), body))
                status = 500 if len(remote.calls) <= remote.failures else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def attendance(operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    return queued_attendance(group, "34991234567")


def _with_channel(attendance, url):
    channel, _token = make_channel(outbound_webhook_url=url)
    Attendance.objects.filter(pk=attendance.pk).update(channel=channel)
    attendance.refresh_from_db()
    return attendance


def test_the_webhook_receives_the_message_with_an_idempotency_key(attendance):
    remote = Remote()
    try:
        attendance = _with_channel(attendance, remote.url)
        message = message_out(attendance=attendance, body="Olá!")
        deliver_message_task.delay(message.pk)
    finally:
        remote.close()
    headers, body = remote.calls[0]
    assert headers["Idempotency-Key"] == f"atende-message-{message.pk}"
    assert body == {
        "id": message.pk, "protocol": attendance.protocol, "network": "whatsapp", "phone": "+5534991234567",
        "kind": "text", "text": "Olá!", "sender": "bot", "sender_name": attendance.group.operation.company.name,
    }  # fmt: skip
    assert Message.objects.get(pk=message.pk).delivery == "sent"


def test_a_failing_webhook_is_retried_until_it_answers(attendance):
    remote = Remote(failures=2)
    try:
        attendance = _with_channel(attendance, remote.url)
        message = message_out(attendance=attendance, body="Olá!")
        # The delivery row keeps the schedule (providers/outbox.py): nothing is raised, and
        # each later try is made when it is due.
        assert message_deliver(message_id=message.pk) is False
        delivery = WebhookDelivery.objects.get(message=message)
        later = timezone.now() + timedelta(hours=1)
        assert webhook_attempt(delivery_id=delivery.pk, now=later) == "pending"
        assert webhook_attempt(delivery_id=delivery.pk, now=later + timedelta(hours=1)) == "delivered"
    finally:
        remote.close()
    assert len(remote.calls) == 3
    assert len({headers["Idempotency-Key"] for headers, _ in remote.calls}) == 1
    message.refresh_from_db()
    assert (message.delivery, message.delivery_attempts) == ("sent", 3)


def test_a_delivered_message_is_not_sent_twice(attendance):
    remote = Remote()
    try:
        attendance = _with_channel(attendance, remote.url)
        message = message_out(attendance=attendance, body="Olá!")
        deliver_message_task.delay(message.pk)
        deliver_message_task.delay(message.pk)
    finally:
        remote.close()
    assert len(remote.calls) == 1


def test_without_a_url_the_logging_adapter_is_used(attendance, caplog):
    message = message_out(attendance=attendance, body="Olá!")
    with caplog.at_level("INFO", logger="atende.outbound"):
        deliver_message_task.delay(message.pk)
    assert "Olá!" in caplog.text


def test_the_task_retries_with_backoff():
    assert deliver_message_task.autoretry_for == (Exception,)
    assert deliver_message_task.retry_backoff and deliver_message_task.max_retries == 8
