"""SPEC §12 R8 on PostgreSQL and Redis: ``kill -9`` of the worker during e-mail ingest
(1,000 mails in a real IMAP server) and during outbound webhook retries (a receiver that
fails on purpose), 10+ kills each, paced by progress. Every mail exactly once; every
webhook delivered at least once with its one delivery id, none after ``delivered``."""

from __future__ import annotations

import random
import threading
import time
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.utils import timezone

from attendance.models import Attendance, Channel, Message, Sender
from attendance.services import channel_save
from customers.models import Customer
from providers.models import EmailReceipt, WebhookDelivery
from providers.outbox import webhook_delivery_for_message
from tests.attendance.test_distribution_crash import Cluster, Progress
from tests.factories import ServiceGroupFactory, make_channel
from tests.mailservers import Dovecot

MAILS = 1000
KILLS = 10
DELIVERIES = 200

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _mails() -> list[bytes]:
    """1,000 mails from 400 customers: a first mail each, then replies naming it."""
    raws, firsts = [], {}
    for index in range(MAILS):
        customer = index % 400
        message = EmailMessage()
        message["From"] = f"Cliente {customer} <cliente{customer}@r8.example>"
        message["To"] = "sac@atende.example"
        message["Subject"] = f"Pedido {customer}"
        message["Message-ID"] = f"<r8-{index}@r8.example>"
        if customer in firsts:
            message["In-Reply-To"] = firsts[customer]
        else:
            firsts[customer] = message["Message-ID"]
        message.set_content(f"Mensagem {index}")
        raws.append(message.as_bytes())
    return raws


@pytest.mark.skipif(not Dovecot.available(), reason="dovecot-imapd is not installed (make test installs it)")
def test_every_mail_is_ingested_exactly_once_through_worker_kills(operation_a, tmp_path):
    ServiceGroupFactory(name="SAC R8", operation=operation_a)
    imap = Dovecot().start()
    cluster = Cluster(tmp_path)
    cluster.env.update({"EMAIL_POLL_LEASE_SECONDS": "2"})
    workers = []
    try:
        imap.deliver(*_mails())
        channel = Channel(name="R8 e-mail", network="email", provider="email", imap_host="127.0.0.1",
                          imap_port=imap.port, imap_security="none", imap_user="atende", smtp_host="127.0.0.1",
                          smtp_security="none", from_address="sac@atende.example", poll_seconds=5)  # fmt: skip
        channel_save(channel=channel, credentials={"imap_password": "senha-imap", "smtp_password": "x"})
        cluster.start_redis()
        workers = [cluster.worker(), cluster.beat(0)]
        handled = Progress(lambda: EmailReceipt.objects.filter(channel=channel).count())
        kills = 0
        # Each kill lands while a poll is storing mails: after 60 more are in.
        while handled.last < MAILS and kills < KILLS + 5:
            handled.wait_for(min(60, MAILS - handled.last), what="the next e-mails")
            if handled.last < MAILS:
                cluster.kill(workers[0])
                workers[0] = cluster.worker()
                kills += 1
        while handled.last < MAILS:
            handled.wait_for(MAILS - handled.last, what=f"the rest of the {MAILS} e-mails")
        assert kills >= KILLS, f"only {kills} kills: the ingest went faster than the pacing"
        deadline = time.monotonic() + 120  # the next poll flags what a killed poller committed
        while imap.seen()[0] < MAILS and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        for process in [*workers, *([cluster.redis] if cluster.redis else [])]:
            cluster.kill(process)
        seen = imap.seen()
        imap.stop()
    ids = list(Message.objects.filter(channel=channel, sender=Sender.CUSTOMER).values_list("provider_message_id",
                                                                                            flat=True))  # fmt: skip
    assert len(ids) == MAILS and len(set(ids)) == MAILS, "a mail stored twice or never"
    assert EmailReceipt.objects.filter(channel=channel).values("uid").distinct().count() == MAILS
    assert Customer.objects.filter(network="email").count() == 400
    assert Attendance.objects.count() == 400  # every reply threaded into its first mail's attendance
    assert seen == (MAILS, MAILS)


class FlakyReceiver:
    """Answers 503 to a third of the POSTs at random; logs (delivery id, time, status)."""

    def __init__(self):
        self.log: list[tuple[str, float, int]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                status = 503 if random.random() < 0.33 else 200
                with receiver.lock:
                    receiver.log.append((self.headers["X-Atende-Delivery"], time.time(), status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_every_webhook_is_delivered_at_least_once_and_never_after_delivered(operation_a, tmp_path):
    group = ServiceGroupFactory(name="Webhook R8", operation=operation_a)
    receiver = FlakyReceiver()
    channel, _token = make_channel(network="sms", outbound_webhook_url=receiver.url)
    customer = Customer.objects.create(display_name="R8", network="sms", phone="+5534991230000",
                                       username="sms_5534991230000")  # fmt: skip
    now = timezone.now()
    attendance = Attendance.objects.create(protocol="R8WEBHOOK", customer=customer, group=group, channel=channel,
                                           status="queued", opened_at=now, queued_at=now)  # fmt: skip
    messages = Message.objects.bulk_create(
        Message(attendance=attendance, direction="out", sender="agent", body=f"m{i}", created_at=now,
                delivery="pending")
        for i in range(DELIVERIES)
    )  # fmt: skip
    for message in Message.objects.filter(pk__in=[m.pk for m in messages]).select_related("attendance__customer"):
        webhook_delivery_for_message(message)
    cluster = Cluster(tmp_path)
    cluster.env.update({"ATENDE_OUTBOUND_LOG_ONLY": "0", "ATENDE_WEBHOOK_RETRY_SECONDS": "0.2",
                        "ATENDE_WEBHOOK_LEASE_SECONDS": "3"})  # fmt: skip
    workers = []
    ours = [m.pk for m in messages]
    delivered = Progress(lambda: WebhookDelivery.objects.filter(state="delivered", message__in=ours).count())
    kills = 0
    try:
        cluster.start_redis()
        workers = [cluster.worker(), cluster.beat(0)]
        while delivered.last < DELIVERIES and kills < KILLS + 5:
            delivered.wait_for(min(12, DELIVERIES - delivered.last), what="the next deliveries")
            if delivered.last < DELIVERIES:
                cluster.kill(workers[0])
                workers[0] = cluster.worker()
                kills += 1
        while delivered.last < DELIVERIES:
            delivered.wait_for(DELIVERIES - delivered.last, what=f"the rest of the {DELIVERIES} deliveries")
        time.sleep(3)  # anything still in flight would show up in the receiver's log
    finally:
        for process in [*workers, *([cluster.redis] if cluster.redis else [])]:
            cluster.kill(process)
        receiver.close()
    assert kills >= KILLS, f"only {kills} kills"
    # The cluster's engine may add messages of its own (the queue notice): only ours are counted.
    every = {str(d.uuid) for d in WebhookDelivery.objects.all()}
    rows = {str(d.uuid): d for d in WebhookDelivery.objects.filter(message__in=messages)}
    states = sorted((d.state, d.event, d.message_id is not None) for d in rows.values() if d.state != "delivered")
    assert len(rows) == DELIVERIES and not states, f"{len(rows)} deliveries; not delivered: {states[:5]}"
    received = {}
    for delivery_id, at, status in receiver.log:
        received.setdefault(delivery_id, []).append((at, status))
    assert set(rows) <= set(received), "a delivery never reached the receiver"
    assert set(received) <= every, "the receiver got an id no delivery has"
    for delivery_id in rows:
        posts = received[delivery_id]
        assert any(status == 200 for _at, status in posts)
        delivered_at = rows[delivery_id].delivered_at.timestamp()
        late = [at for at, _status in posts if at > delivered_at + 0.001]
        assert not late, f"{delivery_id} was POSTed {len(late)} time(s) after it was delivered"
    assert Message.objects.filter(pk__in=[m.pk for m in messages], delivery="sent").count() == DELIVERIES
    with connection.cursor() as cursor:  # one delivery row per message, whatever the races
        cursor.execute("SELECT count(*) FROM (SELECT message_id FROM providers_webhookdelivery "
                       "GROUP BY message_id HAVING count(*) > 1) t")  # fmt: skip
        assert cursor.fetchone()[0] == 0
