"""SPEC §12 P11: e-mail ingest from a real IMAP server holding 10,000 new mails (a third
of them replies) — at least 50 mails/s into attendances with threading, 0 duplicates.

Usage: ``.venv/bin/python bench/email_ingest.py [--mails 10000]`` (see bench/README.md).

1. Creates its own PostgreSQL database (``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/atende_bench_email``; dropped and recreated at
   start, dropped at the end), migrates it, seeds a main group without a bot (mails
   queue at once) and an e-mail channel.
2. Starts Debian's dovecot with a temporary configuration (tests/mailservers.py) and
   APPENDs the mails (not timed): two thirds first mails from distinct customers, one
   third replies (``In-Reply-To`` and ``References`` naming an earlier first mail, half
   of them also with ``[#<protocol>]``-less subjects "RE: …"), shuffled so replies
   arrive after their first mail but interleaved with other customers' mails.
3. Times the product's poller (``providers.email_ingest.email_poll``, what the worker
   runs for the beat), in this process, until the folder is read: every mail parsed,
   stored in its own transaction with its receipt and the cursor, flagged \\Seen after
   the commit. Celery's follow-ups go to the embedded broker (not timed: no worker).
4. Checks: every mail stored once (distinct ``Message-ID`` = mails), every reply in its
   first mail's attendance (attendances = first mails), every mail flagged \\Seen.
5. Prints ONE JSON line of figures on stdout; progress on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named after SPEC §12's bench/email_ingest.py: its folder, first on sys.path when it
# runs as a script, would hide the standard library's ``email`` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402 - after the sys.path fix above
import os  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from email.message import EmailMessage  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402, E501
    django_setup_and_migrate,
    drop_database,
    exit_on_sigterm,
    load_avg,
    make_logger,
    record,
    recreate_database,
)
from tests.mailservers import Dovecot  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atende_bench_email"
TARGET_MAILS_PER_S = 50
log = make_logger("email")


def build_mails(count: int, seed: int = 11) -> tuple[list[bytes], int]:
    """(the mails in delivery order, how many are first mails)."""
    rng = random.Random(seed)
    firsts = count - count // 3
    order: list[tuple[str, int]] = [("first", i) for i in range(firsts)]
    replies = range(count // 3)
    for _reply in replies:  # each reply after its first mail, somewhere later
        target = rng.randrange(firsts)
        position = rng.randrange(order.index(("first", target)) + 1, len(order) + 1)
        order.insert(position, ("reply", target))
    mails = []
    for number, (kind, customer) in enumerate(order):
        message = EmailMessage()
        message["From"] = f"Cliente {customer} <cliente{customer}@bench.example>"
        message["To"] = "sac@atende.example"
        if kind == "first":
            message["Message-ID"] = f"<bench-first-{customer}@bench.example>"
            message["Subject"] = f"Pedido {customer} atrasado"
            message.set_content(f"Olá, meu pedido {customer} não chegou.\nAguardo retorno.")
        else:
            first = f"<bench-first-{customer}@bench.example>"
            message["Message-ID"] = f"<bench-reply-{number}@bench.example>"
            message["Subject"] = f"RE: Pedido {customer} atrasado"
            message["In-Reply-To"] = first
            message["References"] = first
            message.set_content(
                f"Alguma novidade?\n\nEm ontem, SAC escreveu:\n> Estamos verificando o pedido {customer}."
            )
        mails.append(message.as_bytes())
    return mails, firsts


def seed(imap: Dovecot):
    from attendance.models import Channel, ServiceGroup
    from attendance.services import channel_save, group_save
    from organisation.models import Company, Operation

    company = Company.objects.create(name="Empresa Bench")
    operation = Operation.objects.create(name="Operação Bench", company=company)
    group_save(group=ServiceGroup(name="SAC", operation=operation))
    channel = Channel(name="SAC e-mail", network="email", provider="email", imap_host="127.0.0.1",
                      imap_port=imap.port, imap_security="none", imap_user="atende", smtp_host="127.0.0.1",
                      smtp_security="none", from_address="sac@atende.example")  # fmt: skip
    channel_save(channel=channel, credentials={"imap_password": "senha-imap", "smtp_password": "x"})
    return channel


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=10_000)
    args = parser.parse_args()
    exit_on_sigterm()
    work = Path(tempfile.mkdtemp(prefix="atende-bench-email-"))
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "0", "ATENDE_OUTBOUND_LOG_ONLY": "1",
                       "ATENDE_VAR_DIR": str(work / "var"), "MEDIA_ROOT": str(work / "media"),
                       "LOG_LEVEL": "WARNING"})  # fmt: skip
    os.environ.pop("REDIS_URL", None)  # follow-ups to the embedded broker: no worker is timed
    figures: dict = {"load_avg_1m_at_start": load_avg(), "mails": args.mails}
    imap = Dovecot().start()
    try:
        recreate_database()
        django_setup_and_migrate()
        channel = seed(imap)
        raws, firsts = build_mails(args.mails)
        log(f"appending {len(raws)} mails to dovecot")
        started = time.monotonic()
        for start in range(0, len(raws), 500):
            imap.deliver(*raws[start : start + 500])
        figures["append_seconds"] = round(time.monotonic() - started, 1)

        from django.db import connection

        from attendance.models import Attendance, Message
        from providers.email_ingest import email_poll

        log("polling")
        cpu, started = time.process_time(), time.monotonic()
        handled = 0
        while True:
            result = email_poll(channel_id=channel.pk)
            if result.error:
                raise RuntimeError(result.error)
            handled += result.handled
            log(f"  {handled} mails")
            if not result.handled:
                break
        seconds = time.monotonic() - started
        figures.update({
            "ingest_seconds": round(seconds, 2), "mails_per_s": round(handled / seconds, 1),
            "cpu_seconds": round(time.process_time() - cpu, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        })  # fmt: skip
        stored = Message.objects.filter(channel=channel, sender="customer")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) - count(DISTINCT provider_message_id) FROM attendance_message "
                           "WHERE channel_id = %s AND sender = 'customer'", [channel.pk])  # fmt: skip
            duplicates = cursor.fetchone()[0]
        figures.update({
            "handled": handled, "stored": stored.count(), "duplicates": duplicates,
            "attendances": Attendance.objects.count(), "first_mails": firsts,
            "threaded_replies": stored.count() - Attendance.objects.count(),
            "seen": imap.seen()[0],
        })  # fmt: skip
        figures["met"] = bool(figures["mails_per_s"] >= TARGET_MAILS_PER_S and duplicates == 0
                              and figures["stored"] == args.mails and figures["attendances"] == firsts)  # fmt: skip
    finally:
        imap.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110 - Django may not have started
            pass
        drop_database()
    record(figures, bench="email")
    return 0 if figures.get("met") else 1


if __name__ == "__main__":
    sys.exit(main())
