"""SPEC §8.2.2: the generic channel's outbound webhook is signed (``X-Atende-Signature``),
carries one ``X-Atende-Delivery`` id on every try, is retried with backoff and jitter for
24 h (at least 10 tries) from a persisted row, and every try is in the delivery log (API
and admin, with "Reenviar"). The receiver is a local HTTP server that fails on purpose."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import TestCase
from django.utils import timezone

from attendance.agent_actions import attendance_close
from attendance.messaging import message_out
from attendance.models import Attendance, Channel, Message
from providers import outbox
from providers.models import WebhookAttempt, WebhookDelivery
from providers.outbox import backoff, signature_valid, webhook_attempt, webhook_resend, webhooks_due
from providers.services import message_deliver
from providers.tasks import webhooks_due_task
from tests.factories import PASSWORD, ServiceGroupFactory, make_channel, queued_attendance

pytestmark = pytest.mark.django_db


class Receiver:
    """A webhook receiver answering each POST with the next of ``answers`` (then 200);
    an answer ``"slow"`` sleeps past the sender's timeout."""

    def __init__(self, answers=()):
        self.calls: list[tuple[dict, bytes]] = []
        self.answers = list(answers)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "slow":
                    time.sleep(2)
                    answer = 200
                self.send_response(answer)
                self.end_headers()
                self.wfile.write(b'{"error": "indisponivel"}' if answer >= 300 else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(answers=()):
        made.append(Receiver(answers))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def outbound(settings):
    settings.ATENDE_OUTBOUND_LOG_ONLY = False


@pytest.fixture
def attendance(operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    return queued_attendance(group, "34991234567")


def _wire(attendance, url, **fields) -> Channel:
    channel, _token = make_channel(outbound_webhook_url=url, **fields)
    Attendance.objects.filter(pk=attendance.pk).update(channel=channel)
    attendance.refresh_from_db()
    return channel


def _expected(secret: str, body: bytes, header: str) -> bool:
    """A receiver's check written from SPEC §8.2.2 alone (not Atende's helper)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if part.startswith("t="))
    signed = f"{fields['t']}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"v1={digest}" in header.split(",")


def test_the_webhook_is_signed_with_the_channels_secret_and_names_its_delivery(outbound, attendance, receiver):
    remote = receiver()
    channel = _wire(attendance, remote.url)
    message = message_out(attendance=attendance, body="Olá!")
    assert message_deliver(message_id=message.pk) is True
    headers, body = remote.calls[0]
    delivery = WebhookDelivery.objects.get(message=message)
    assert headers["X-Atende-Delivery"] == str(delivery.uuid)
    assert headers["Idempotency-Key"] == f"atende-message-{message.pk}"
    assert _expected(channel.webhook_secret, body, headers["X-Atende-Signature"])
    assert signature_valid(channel.webhook_secret, body, headers["X-Atende-Signature"])
    assert not signature_valid("whsec_forged", body, headers["X-Atende-Signature"])
    assert not signature_valid(channel.webhook_secret, body.replace(b"Ol", b"Xl"), headers["X-Atende-Signature"])
    assert json.loads(body)["text"] == "Olá!"
    assert Message.objects.get(pk=message.pk).delivery == "sent"
    assert delivery.tries.get().status_code == 200


def test_an_old_signature_is_refused_by_the_readme_check(outbound, attendance, receiver):
    remote = receiver()
    channel = _wire(attendance, remote.url)
    message_deliver(message_id=message_out(attendance=attendance, body="Olá!").pk)
    headers, body = remote.calls[0]
    assert not signature_valid(channel.webhook_secret, body, headers["X-Atende-Signature"], now=time.time() + 3600)


def test_a_failing_receiver_is_retried_with_the_same_delivery_id_until_it_answers(outbound, attendance, receiver):
    remote = receiver([500, 503])
    _wire(attendance, remote.url)
    message = message_out(attendance=attendance, body="Olá!")
    assert message_deliver(message_id=message.pk) is False  # the row keeps the retries, nothing raised
    delivery = WebhookDelivery.objects.get(message=message)
    assert delivery.state == "pending" and delivery.next_attempt_at > timezone.now()
    assert webhooks_due() == []  # not before its time
    later = timezone.now() + timedelta(hours=1)
    assert webhook_attempt(delivery_id=delivery.pk, now=later) == "pending"
    assert webhook_attempt(delivery_id=delivery.pk, now=later + timedelta(hours=1)) == "delivered"
    assert len({headers["X-Atende-Delivery"] for headers, _body in remote.calls}) == 1
    assert [t.status_code for t in WebhookAttempt.objects.order_by("pk")] == [500, 503, 200]
    assert WebhookAttempt.objects.order_by("pk").first().response_excerpt == '{"error": "indisponivel"}'
    message.refresh_from_db()
    assert (message.delivery, message.delivery_attempts) == ("sent", 3)
    # Delivered: never sent again, whoever asks.
    assert webhook_attempt(delivery_id=delivery.pk, now=later + timedelta(days=2)) is None
    assert message_deliver(message_id=message.pk) is False
    assert len(remote.calls) == 3


def test_the_backoff_grows_exponentially_with_jitter_and_spans_at_least_ten_tries_in_a_day(settings):
    settings.ATENDE_WEBHOOK_RETRY_SECONDS = 30
    assert backoff(1, rand=lambda: 0.5) == timedelta(seconds=30)
    assert backoff(4, rand=lambda: 0.5) == timedelta(seconds=240)
    assert backoff(30, rand=lambda: 0.5) == timedelta(hours=4)
    assert backoff(3, rand=lambda: 0.0) == timedelta(seconds=60) and backoff(3, rand=lambda: 0.999) > timedelta(
        seconds=179
    )
    slowest = [backoff(n, rand=lambda: 0.9999) for n in range(1, 10)]
    assert sum(slowest, timedelta()) < timedelta(hours=24)  # 10 tries fit in the day even at the longest jitter


def test_after_a_day_and_ten_tries_it_is_failed_and_reenviar_delivers_it_with_the_same_id(
    outbound, attendance, receiver
):
    remote = receiver([500] * 12)
    _wire(attendance, remote.url)
    message = message_out(attendance=attendance, body="Olá!")
    message_deliver(message_id=message.pk)
    delivery = WebhookDelivery.objects.get(message=message)
    when = timezone.now()
    for _try in range(8):  # 9 tries in 9 hours: still pending
        when += timedelta(hours=1)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=when)
        assert webhook_attempt(delivery_id=delivery.pk, now=when) == "pending"
    when += timedelta(days=1)  # past the 24 h: the 10th try is the last
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=when, expires_at=when)
    assert webhook_attempt(delivery_id=delivery.pk, now=when) == "failed"
    message.refresh_from_db()
    assert message.delivery == "failed" and "HTTP 500" in message.delivery_error
    assert webhook_attempt(delivery_id=delivery.pk, now=when + timedelta(days=1)) is None  # failed is final
    remote.answers = []
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert webhook_resend(delivery=delivery) is True
    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    assert len(remote.calls) == 11 and len({h["X-Atende-Delivery"] for h, _b in remote.calls}) == 1
    assert Message.objects.get(pk=message.pk).delivery == "sent"
    assert webhook_resend(delivery=delivery) is False  # a delivered one is never resent


def test_a_receiver_that_does_not_answer_in_time_is_logged_and_retried(outbound, attendance, receiver, monkeypatch):
    monkeypatch.setattr(outbox, "TIMEOUT", 0.5)
    remote = receiver(["slow"])
    _wire(attendance, remote.url)
    message = message_out(attendance=attendance, body="Olá!")
    assert message_deliver(message_id=message.pk) is False
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "0.5" in attempt.response_excerpt
    assert WebhookDelivery.objects.get().state == "pending"


def test_a_worker_that_died_mid_try_leaves_a_lease_the_sweep_takes_back(outbound, attendance, receiver):
    remote = receiver()
    _wire(attendance, remote.url)
    message = message_out(attendance=attendance, body="Olá!")
    delivery = outbox.webhook_delivery_for_message(message)
    now = timezone.now()
    assert outbox._claim(delivery.pk, now) is not None  # a worker claimed it, then was killed
    assert outbox._claim(delivery.pk, now) is None  # nobody else tries it meanwhile
    assert webhooks_due(now=now + timedelta(seconds=30)) == []
    assert webhooks_due(now=now + outbox.LEASE) == [delivery.pk]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=now - timedelta(seconds=1))
    assert webhooks_due_task() == 1  # eager: the sweep's task tries it
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == "delivered"
    assert len(remote.calls) == 1


def test_a_rotated_secret_signs_with_both_for_a_day(outbound, attendance, receiver, api_as, admin_user):
    remote = receiver()
    channel = _wire(attendance, remote.url)
    old = channel.webhook_secret
    response = api_as(admin_user).post(f"/api/v1/channels/{channel.pk}/rotate-webhook-secret/")
    assert response.status_code == 200
    new = response.json()["webhook_secret"]
    assert new != old and new.startswith("whsec_")
    message_deliver(message_id=message_out(attendance=attendance, body="um").pk)
    headers, body = remote.calls[-1]
    assert _expected(new, body, headers["X-Atende-Signature"]) and _expected(old, body, headers["X-Atende-Signature"])
    Channel.objects.filter(pk=channel.pk).update(webhook_secret_previous_until=timezone.now() - timedelta(seconds=1))
    message_deliver(message_id=message_out(attendance=attendance, body="dois").pk)
    headers, body = remote.calls[-1]
    assert _expected(new, body, headers["X-Atende-Signature"]) and not _expected(
        old, body, headers["X-Atende-Signature"]
    )
    assert old not in api_as(admin_user).get(f"/api/v1/channels/{channel.pk}/").content.decode()


def test_the_secret_is_shown_once_at_creation(api_as, admin_user):
    api = api_as(admin_user)
    created = api.post("/api/v1/channels/", {"name": "Integração", "network": "sms",
                                            "outbound_webhook_url": "https://example.com/hook"}, format="json")  # fmt: skip
    assert created.status_code == 201
    secret = created.json()["webhook_secret"]
    assert secret.startswith("whsec_") and Channel.objects.get().webhook_secret == secret
    again = api.get(f"/api/v1/channels/{created.json()['id']}/").json()
    assert again["webhook_secret"] is None
    history = api.get(f"/api/v1/channels/{created.json()['id']}/history/").content.decode()
    assert secret not in history


def test_unknown_events_are_refused_with_a_message(api_as, admin_user):
    response = api_as(admin_user).post("/api/v1/channels/", {"name": "X", "network": "sms",
                                                              "webhook_events": ["attendance.exploded"]},
                                       format="json")  # fmt: skip
    assert response.status_code == 400 and "webhook_events" in response.json()


def test_the_delivery_log_is_in_the_api_for_admins_only(outbound, attendance, receiver, api_as, admin_user, agent_a,
                                                         supervisor_a):  # fmt: skip
    remote = receiver([502])
    channel = _wire(attendance, remote.url)
    message = message_out(attendance=attendance, body="Olá!")
    message_deliver(message_id=message.pk)
    response = api_as(admin_user).get(f"/api/v1/channels/{channel.pk}/deliveries/")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    delivery = WebhookDelivery.objects.get()
    assert row["delivery"] == str(delivery.uuid)
    assert {k: row[k] for k in ("message", "event", "attempt", "status_code", "state")} == {
        "message": message.pk, "event": "message", "attempt": 1, "status_code": 502, "state": "pending"}  # fmt: skip
    assert len(row["response_excerpt"]) <= 500 and row["duration_ms"] >= 0 and row["at"]
    assert api_as(agent_a).get(f"/api/v1/channels/{channel.pk}/deliveries/").status_code == 403
    assert api_as(supervisor_a).get(f"/api/v1/channels/{channel.pk}/deliveries/").status_code in (403, 404)
    assert api_as(admin_user).get("/api/v1/channels/999999/deliveries/").status_code == 404
    assert api_as(admin_user).get(f"/api/v1/channels/{10**30}/deliveries/").status_code == 404
    assert api_as(agent_a).post(f"/api/v1/channels/{channel.pk}/rotate-webhook-secret/").status_code == 403


def test_subscribers_receive_attendance_events_and_others_do_not(outbound, attendance, receiver):
    remote = receiver()
    _wire(attendance, remote.url, webhook_events=["attendance.closed"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        attendance_close(attendance=attendance, reason="inactivity")
    events = [json.loads(body) for headers, body in remote.calls if headers["X-Atende-Event"] != "message"]
    assert [(e["event"], e["protocol"], e["status"]) for e in events] == [
        ("attendance.closed", attendance.protocol, "closed")
    ]
    headers = next(h for h, b in remote.calls if h["X-Atende-Event"] == "attendance.closed")
    assert headers["X-Atende-Delivery"] == str(WebhookDelivery.objects.get(event="attendance.closed").uuid)
    other = queued_attendance(attendance.group, "34997654321")
    silent = receiver()
    _wire(other, silent.url)  # subscribes to nothing
    with TestCase.captureOnCommitCallbacks(execute=True):
        attendance_close(attendance=other, reason="inactivity")
    assert not [h for h, b in silent.calls if h["X-Atende-Event"] != "message"]


def test_the_admin_page_shows_the_log_and_reenviar_sends_a_failed_one_again(outbound, attendance, receiver, client,
                                                                           admin_user):  # fmt: skip
    remote = receiver([500])
    channel = _wire(attendance, remote.url)
    message = message_out(attendance=attendance, body="Olá!")
    message_deliver(message_id=message.pk)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="failed")
    client.post("/accounts/login/", {"username": admin_user.username, "password": PASSWORD})
    page = client.get(f"/admin/attendance/channel/{channel.pk}/change/").content.decode()
    assert str(delivery.uuid) in page and "Reenviar" in page and "500" in page
    assert client.get(f"/admin/attendance/channel/{channel.pk}/resend/{delivery.pk}/").status_code == 405
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/admin/attendance/channel/{channel.pk}/resend/{delivery.pk}/", follow=True)
    assert "enviada novamente" in response.content.decode()
    assert WebhookDelivery.objects.get().state == "delivered" and len(remote.calls) == 2
    rotated = client.post(f"/admin/attendance/channel/{channel.pk}/rotate-webhook-secret/", follow=True)
    channel.refresh_from_db()
    assert channel.webhook_secret in rotated.content.decode()
