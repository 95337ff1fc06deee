"""SPEC §17 at scale: the retention task and the anonymisation over 10,000 customers, and
the export of a customer with 10,000 messages (peak RSS, SPEC: under 250 MB).

    .venv/bin/python bench/privacy.py                        # 10,000 customers, 10 messages each
    .venv/bin/python bench/privacy.py --customers 2000 --messages 5

``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/atende_bench_privacy``)
names a database the script drops and recreates at start and drops at the end. Seeding
is the ORM's ``bulk_create``: one company keeping messages one month, one group, an
agent, ``--customers`` customers each with one attendance closed two months ago holding
``--messages`` messages (one with a media file in storage) and an open survey answer,
plus one customer with ``--export-messages`` messages. Measured in this process, in order:

1. the retention's dry run, then its run over every attendance (contents removed,
   customers kept): attendances per second;
2. ``customer_anonymize`` of the seeded customers (``--anonymize N``: the first N), one
   request each (what a DPO's batch of requests costs): customers per second;
3. the export of the large customer, streamed through the API view in a child process:
   bytes and peak RSS (``ru_maxrss``).

One JSON line on stdout."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import make_logger, record  # noqa: E402

log = make_logger("privacy")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/atende_bench_privacy"
EXPORT_PHONE = "+5511999990000"


def _environment(media_root: str) -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["MEDIA_ROOT"] = media_root


def seed(customers: int, messages: int, export_messages: int) -> dict:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from attendance.models import Attendance, Message, ServiceGroup
    from customers.models import Customer
    from organisation.models import Company, Operation
    from surveys.models import Question, Response, Survey
    from users.models import Role, User

    company = Company.objects.create(name="Bench", message_retention_months=1)
    operation = Operation.objects.create(name="Bench", company=company)
    group = ServiceGroup.objects.create(name="Bench", operation=operation)
    admin = User.objects.create(username="dpo", display_name="DPO", role=Role.ADMIN)
    survey = Survey.objects.create(name="Bench")
    question = Question.objects.create(survey=survey, type="open", text="Comentários?")
    closed = timezone.now() - timedelta(days=62)
    started = time.perf_counter()
    for start in range(0, customers, 1000):
        size = min(1000, customers - start)
        rows = [Customer(display_name=f"Cliente Bench {n}", username=f"whatsapp_55119{n:08d}", phone=f"+55119{n:08d}",
                         email=f"cliente{n}@exemplo.com.br") for n in range(start, start + size)]  # fmt: skip
        made = Customer.objects.bulk_create(rows)
        Customer.history.bulk_history_create(made)
        attendances = Attendance.objects.bulk_create([
            Attendance(protocol=f"B{c.pk:012d}", customer=c, group=group, status="closed", opened_at=closed,
                       closed_at=closed + timedelta(minutes=5), close_reason="agent")
            for c in made
        ])  # fmt: skip
        batch = []
        for a in attendances:
            for m in range(messages):
                batch.append(Message(attendance=a, direction="in", sender="customer", kind="text",
                                     body=f"Mensagem {m} do cliente {a.customer_id}", created_at=closed))  # fmt: skip
        Message.objects.bulk_create(batch, batch_size=5000)
        Response.objects.bulk_create([Response(survey=survey, question=question, attendance=a, group=group,
                                               answered_at=closed, text="Muito bom") for a in attendances])  # fmt: skip
        log(f"seeded {start + size} customers")
    # One media file per 100 customers (storage costs dominate otherwise).
    for attendance_id in Attendance.objects.values_list("pk", flat=True)[::100]:
        name = default_storage.save("messages/bench/file.txt", ContentFile(b"bench media"))
        Message.objects.create(attendance_id=attendance_id, direction="in", sender="customer", kind="document",
                               media=name, media_name="arquivo.txt", created_at=closed)  # fmt: skip
    large = Customer.objects.create(display_name="Cliente Grande", username="whatsapp_5511999990000",
                                    phone=EXPORT_PHONE)  # fmt: skip
    now = timezone.now()
    attendances = Attendance.objects.bulk_create([
        Attendance(protocol=f"G{n:08d}", customer=large, group=group, status="closed", opened_at=now,
                   closed_at=now) for n in range(max(1, export_messages // 100))
    ])  # fmt: skip
    Message.objects.bulk_create([
        Message(attendance=attendances[n % len(attendances)], direction="in", sender="customer", kind="text",
                body=f"Mensagem {n}: " + "texto de exemplo " * 8, created_at=now)
        for n in range(export_messages)
    ], batch_size=5000)  # fmt: skip
    return {"seed_s": round(time.perf_counter() - started, 1), "admin": admin}


def export_child() -> None:
    """In a fresh process: stream the large customer's export, print bytes and peak RSS."""
    import django

    django.setup()
    from rest_framework.test import APIClient

    from customers.models import Customer
    from users.models import User

    client = APIClient()
    client.force_authenticate(User.objects.get(username="dpo"))
    customer = Customer.objects.get(phone=EXPORT_PHONE)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.post(f"/api/v1/customers/{customer.pk}/export/")
    size = sum(len(chunk) for chunk in response.streaming_content)
    print(json.dumps({"status": response.status_code, "bytes": size, "seconds": round(time.perf_counter() - started, 2),
                      "baseline_rss_mb": round(baseline / 1024, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--export-messages", type=int, default=10_000)
    parser.add_argument("--anonymize", type=int, default=None, help="how many customers to anonymise (default: all)")
    parser.add_argument("--export-child", action="store_true")
    args = parser.parse_args()
    media = os.environ.get("BENCH_MEDIA_ROOT") or tempfile.mkdtemp(prefix="atende-bench-privacy-")
    os.environ["BENCH_MEDIA_ROOT"] = media
    _environment(media)
    if args.export_child:
        export_child()
        return 0
    from bench.common import django_setup_and_migrate, drop_database, recreate_database

    recreate_database()
    try:
        django_setup_and_migrate()
        from customers.models import Customer
        from privacy.retention import retention_run
        from privacy.services import customer_anonymize

        figures = {"bench": "SPEC 17 privacy", "customers": args.customers, "messages_each": args.messages,
                   "load_avg_1m_at_start": os.getloadavg()[0]}  # fmt: skip
        seeded = seed(args.customers, args.messages, args.export_messages)
        figures["seed_s"] = seeded["seed_s"]
        started = time.perf_counter()
        dry = retention_run(dry_run=True)
        figures["retention_dry_run"] = {"s": round(time.perf_counter() - started, 2), **dry.figures}
        started = time.perf_counter()
        run = retention_run()
        elapsed = time.perf_counter() - started
        rate = round(run.figures["attendances"] / elapsed)
        figures["retention"] = {"s": round(elapsed, 2), "attendances_per_s": rate, **run.figures}
        log(f"retention: {figures['retention']}")
        child = subprocess.run([sys.executable, __file__, "--export-child"], capture_output=True, text=True,
                               env=os.environ.copy(), check=True)  # fmt: skip
        figures["export"] = json.loads(child.stdout.strip().splitlines()[-1])
        figures["export"]["messages"] = args.export_messages
        log(f"export: {figures['export']}")
        admin = seeded["admin"]
        ids = list(Customer.objects.exclude(phone=EXPORT_PHONE).order_by("pk").values_list("pk", flat=True))
        ids = ids[: args.anonymize] if args.anonymize is not None else ids
        started = time.perf_counter()
        for pk in ids:
            customer_anonymize(customer=Customer(pk=pk), by=admin, reason="Bench", confirm=True)
        elapsed = time.perf_counter() - started
        figures["anonymize"] = {"customers": len(ids), "s": round(elapsed, 1),
                                "customers_per_s": round(len(ids) / elapsed, 1)}  # fmt: skip
        log(f"anonymize: {figures['anonymize']}")
        figures["load_avg_1m_at_end"] = os.getloadavg()[0]
        record(json.loads(json.dumps(figures, default=str)), bench="privacy")
    finally:
        drop_database()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
