"""``python manage.py simulate``: customers and agents driven through the real inbound API
and services, with live figures (SPEC §11). A demo and a load generator.

Customers write to ``/api/v1/inbound/`` (in-process through Django's test client, or over
HTTP with ``--url``), answer the bot's menu with a random option, and wait. Simulated
agents go online, answer and close their attendances after ``--handle-seconds``. Each
second prints queued, in progress, closed, assignments per second and queue waits.

``--record FILE`` appends one JSON line per attendance that a customer's first message
created (``{"attendance": id, "phone": ...}``) and one per refused message, so a soak can
check afterwards that none vanished (bench/soak.py). ``--no-distribute`` leaves the
distribution to the Celery worker (it runs on commit when a customer is queued).
"""

from __future__ import annotations

import json
import random
import statistics
import time

import requests
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, F
from django.test import Client
from django.utils import timezone

from attendance.agent_actions import agent_message_send, attendance_close
from attendance.distribution import distribute_group
from attendance.models import Attendance, Channel, Status
from attendance.presence import presence_set
from attendance.selectors import groups_with_queue
from classifications.selectors import classification_active_leaves
from users.models import AGENT_ROLES, User


class Command(BaseCommand):
    help = "Simulates customers and agents through the inbound API and the engine, printing live figures."

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=2.0, help="new customers per second")
        parser.add_argument("--duration", type=float, default=30.0, help="seconds to run")
        parser.add_argument("--handle-seconds", type=float, default=5.0, help="how long an agent keeps an attendance")
        parser.add_argument("--max-agents", type=int, default=50, help="agents of the demo groups to put online")
        parser.add_argument("--url", default="", help="send inbound over HTTP to this base URL (default: in-process)")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--record", default="", help="append created attendances (JSON lines) to this file")
        parser.add_argument(
            "--no-distribute", action="store_true", help="leave distribution to the worker (default: also here)"
        )

    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        self._leaves: dict[int, object] = {}  # group → the classification reason its agents pick
        channel, token = self._channel()
        agents = list(
            User.objects.filter(role__in=AGENT_ROLES, is_active=True, service_groups__is_active=True)
            .distinct().order_by("pk")[: options["max_agents"]]
        )  # fmt: skip
        if not agents:
            raise CommandError("No active agent is associated with an active group (run `manage.py seed_demo`).")
        for agent in agents:
            presence_set(agent=agent, state="online")
        send = self._recording(self._sender(options["url"], token), options["record"])
        started = time.monotonic()
        next_customer, customers, counter = started, [], 0
        last_print, last_heartbeat, assigned_before = started, started, self._assigned()
        self.stdout.write(f"Simulating with {len(agents)} agents online, {options['rate']}/s customers.")
        while time.monotonic() - started < options["duration"]:
            now = time.monotonic()
            while next_customer <= now:
                counter += 1
                phone = f"349{rng.randrange(10**7, 10**8)}"
                send({"network": channel.network, "phone": phone, "display_name": f"Cliente {counter}", "text": "oi"})
                customers.append((phone, now + rng.uniform(0.5, 2.0)))
                next_customer += 1.0 / options["rate"]
            for phone, at in [c for c in customers if c[1] <= now]:
                send({"network": channel.network, "phone": phone, "text": str(rng.randint(1, 3))})
                customers.remove((phone, at))
            if not options["no_distribute"]:
                for group_id in groups_with_queue():
                    distribute_group(group_id=group_id)
            self._agents_work(options["handle_seconds"])
            if now - last_heartbeat >= 5.0:  # well inside PRESENCE_TIMEOUT_SECONDS, without a write per loop
                for agent in agents:
                    presence_set(agent=agent, state="online")
                last_heartbeat = now
            if now - last_print >= 1.0:
                assigned = self._assigned()
                self._print(assigned - assigned_before, now - last_print)
                last_print, assigned_before = now, assigned
            time.sleep(0.05)
        self.stdout.write(self.style.SUCCESS(f"Done: {counter} customers, {self.refused} messages refused."))

    def _channel(self) -> tuple[Channel, str]:
        channel = Channel.objects.filter(name="Simulador").first() or Channel(name="Simulador", network="whatsapp")
        token = channel.issue_token()
        channel.is_active = True
        channel.save()
        return channel, token

    def _sender(self, url: str, token: str):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_HOST": "localhost"}
        if url:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            return lambda payload: session.post(f"{url.rstrip('/')}/api/v1/inbound/", json=payload, timeout=10)
        client = Client()
        return lambda payload: client.post("/api/v1/inbound/", payload, content_type="application/json", **headers)

    def _recording(self, send, path: str):
        """``send`` that counts refused messages and, with ``--record``, writes them and the
        attendances created down (a line is flushed at once: the file survives a kill)."""
        self.refused = 0
        record = open(path, "a", encoding="utf-8") if path else None  # noqa: SIM115 - for the run

        def write(line: dict) -> None:
            if record is not None:
                record.write(json.dumps(line) + "\n")
                record.flush()

        def send_and_record(payload):
            try:
                response = send(payload)
                status = response.status_code
            except Exception as error:  # noqa: BLE001 - a simulation keeps going and says why
                response, status = None, f"{type(error).__name__}: {error}"
            if status == 201:
                write({"attendance": response.json()["attendance"], "phone": payload["phone"]})
            elif status != 200:
                self.refused += 1
                self.stderr.write(f"inbound refused ({status}) for {payload['phone']}")
                write({"refused": str(status), "phone": payload["phone"]})
            return response

        return send_and_record

    def _agents_work(self, handle_seconds: float) -> None:
        due = timezone.now() - timezone.timedelta(seconds=handle_seconds)
        for attendance in Attendance.objects.filter(status=Status.IN_PROGRESS, assigned_at__lte=due).select_related(
            "agent"
        )[:50]:
            try:
                agent_message_send(attendance=attendance, agent=attendance.agent, kind="text", text="Resolvido!")
                attendance_close(attendance=attendance, actor=attendance.agent,
                                 classification_node=self._classification(attendance.group))  # fmt: skip
            except Exception as error:  # noqa: BLE001 - a simulation keeps going and says why
                self.stderr.write(f"{attendance.protocol}: {error}")

    def _classification(self, group):
        """The first reason of the group's classification, when agents must pick one."""
        if not group.classification_required:
            return None
        if group.pk not in self._leaves:
            self._leaves[group.pk] = next(iter(classification_active_leaves(group=group)), None)
        return self._leaves[group.pk]

    @staticmethod
    def _assigned() -> int:
        return Attendance.objects.filter(assigned_at__isnull=False).count()

    def _print(self, assigned: int, seconds: float) -> None:
        counts = {row["status"]: row["n"] for row in Attendance.objects.values("status").annotate(n=Count("pk"))}
        waits = [
            (a - q).total_seconds()
            for q, a in Attendance.objects.filter(assigned_at__gte=timezone.now() - timezone.timedelta(seconds=30))
            .exclude(queued_at=None)
            .annotate(q=F("queued_at"), a=F("assigned_at"))
            .values_list("q", "a")
        ]
        p95 = statistics.quantiles(waits, n=20)[-1] if len(waits) >= 2 else (waits[0] if waits else 0.0)
        self.stdout.write(
            f"bot {counts.get('bot', 0):>4}  queued {counts.get('queued', 0):>4}  in progress "
            f"{counts.get('in_progress', 0):>4}  closed {counts.get('closed', 0):>6}  assigned/s "
            f"{assigned / seconds:6.1f}  wait p50 {statistics.median(waits) if waits else 0:5.2f}s  p95 {p95:5.2f}s"
        )
