"""SPEC §12 P7 / P9: the inbound API (``POST /api/v1/inbound/``) or, with ``--provider
whatsapp_cloud``, the WhatsApp Cloud webhook (signed payloads), under load on loopback,
and the ratio to a bare Django view (channel lookup + one INSERT) served the same way.

Usage: ``.venv/bin/python bench/inbound.py [--provider whatsapp_cloud] [--rates 300]
[--seconds 20]`` (see bench/README.md).

1. Creates its own PostgreSQL database (``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/atende_bench_inbound``; dropped and recreated at
   start, dropped at the end), migrates it and seeds a main group with a service bot
   (menu: 1 → a child group, 2 → close), its child group and a WhatsApp channel (token).
2. Starts a private ``redis-server`` and ``gunicorn config.wsgi`` (production settings,
   ``--gunicorn-workers`` sync workers) on 127.0.0.1 and free ports.
3. From a SECOND process (``--load-child``; threads + ``http.client``, loopback only),
   after the capacity rounds (4.), offers each rate of ``--rates`` for ``--seconds``
   (after ``--warmup`` seconds not counted): an open loop, request *i* due at ``start + i
   / rate``; latency is measured from the due time (a late start counts). Mix:
   ``--new-share`` new customers (distinct phones), the rest follow-up messages from
   customers with an open attendance. Each run starts on a quiet machine (``wait_for_idle_cores``).
4. Capacity, for the ratio: the same generator in a closed loop (``--capacity-threads``
   connections sending back to back for ``--capacity-seconds``) against the bare view
   (bench/bare_inbound.py, bench-only URLconf) and against the product endpoint, both in
   the same gunicorn, in ``--capacity-rounds`` interleaved rounds (bare then product,
   product then bare, …); ``ratio`` = product messages/s ÷ bare messages/s over all
   rounds (each round's own ratio is reported too).
5. Prints ONE JSON line with the figures on stdout and appends it to bench/results.jsonl
   (``record``); progress goes to stderr. Every process
   it started is stopped (process groups), also on error.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    HOST,
    ROOT,
    Processes,
    bench_environment,
    exit_on_sigterm,
    free_port,
    fresh_database,
    load_avg,
    machine_busy_seconds,
    make_logger,
    percentile,
    phone_of,
    record,
    start_run,
    tear_down,
    wait_for_http,
    wait_for_idle_cores,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atende_bench_inbound"
TARGETS = {"messages_per_s": 300, "p99_seconds": 0.3, "ratio_to_bare": 0.4}
APP_SECRET = "bench-app-secret"  # the WhatsApp channel's (the generator signs with it)
log = make_logger("inbound")


def setup_environment(work: Path, redis_port: int) -> dict[str, str]:
    env = bench_environment(work, redis_port, DEFAULT_DATABASE_URL)
    # Production settings plus the bench-only URLconf with the bare view.
    return dict(env, DJANGO_SETTINGS_MODULE="bench.settings_inbound")


def seed(provider: str) -> dict:
    """Main group + service bot + child group + channel, and the bare view's table;
    returns what the generator needs to reach the channel."""
    from django.db import connection

    from attendance.models import Bot, BotKind, Channel, ServiceGroup
    from attendance.services import bot_save, channel_save, group_save
    from organisation.models import Company, Operation

    company = Company.objects.create(name="Empresa Bench")
    operation = Operation.objects.create(name="Operação Bench", company=company)
    child = group_save(group=ServiceGroup(name="Vendas", operation=operation))
    bot = bot_save(bot=Bot(name="menu", kind=BotKind.SERVICE, menu={
        "text": "Escolha:",
        "options": [
            {"key": "1", "label": "Vendas", "action": "transfer_to_group", "group": child.pk},
            {"key": "2", "label": "Sair", "action": "close"},
        ],
    }))  # fmt: skip
    main = group_save(group=ServiceGroup(name="Atendimento", operation=operation, initialization_bot=bot))
    child.parent = main
    group_save(group=child)
    channel = Channel(name="WhatsApp Bench", network="whatsapp", provider=provider)
    credentials = {}
    if provider == "whatsapp_cloud":
        credentials = {"phone_number_id": "106540352242922", "access_token": "bench", "app_secret": APP_SECRET,
                       "verify_token": "bench"}  # fmt: skip
    token = channel_save(channel=channel, credentials=credentials)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_bare_message (id bigserial PRIMARY KEY, channel_id integer NOT NULL, "
                       "body text NOT NULL, created_at timestamptz NOT NULL)")  # fmt: skip
    return {"provider": provider, "token": token, "public_id": channel.public_id}


# The load generator (a separate process) ----------------------------------------------------


def whatsapp_body(phone: int, message_id: str) -> bytes:
    """A WhatsApp Cloud webhook with one text message, as Meta sends it."""
    wa_id = phone_of(phone).removeprefix("+")
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "553432100000", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": f"Cliente {phone}"}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": message_id, "timestamp": "1749416383", "type": "text",
                      "text": {"body": "oi"}}],
    }  # fmt: skip
    payload = {"object": "whatsapp_business_account",
               "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}  # fmt: skip
    return json.dumps(payload).encode()


def request_for(spec: dict, index: int, phone: int) -> tuple[str, bytes, dict]:
    """(path, body, headers) of message ``index`` from customer ``phone``."""
    channel = spec["channel"]
    if channel["provider"] == "whatsapp_cloud":
        body = whatsapp_body(phone, f"wamid.BENCH{spec['tag']}-{index}")
        if spec["target"] == "bare":
            return f"/bench/bare/{channel['public_id']}/", body, {"Content-Type": "application/json"}
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
        return f"/webhooks/whatsapp_cloud/{channel['public_id']}/", body, headers
    body = json.dumps({"network": "whatsapp", "country_code": "55", "phone": phone_of(phone, typed=True),
                       "display_name": f"Cliente {phone}", "kind": "text", "text": "oi"}).encode()  # fmt: skip
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {channel['token']}"}
    return ("/bench/bare/" if spec["target"] == "bare" else "/api/v1/inbound/"), body, headers


def _send(connection, port: int, request: tuple[str, bytes, dict]):
    """One request on a kept-alive connection; returns (connection, status)."""
    status = 0
    try:
        if connection is None:
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
        connection.request("POST", *request)
        response = connection.getresponse()
        response.read()
        status = response.status
        if response.getheader("Connection", "").lower() == "close" or response.will_close:
            connection.close()
            connection = None
    except (OSError, http.client.HTTPException):
        if connection is not None:
            connection.close()
        connection = None
    return connection, status


class Customers:
    """Who sends next: ``new_share`` new customers, the rest follow-ups of known ones."""

    def __init__(self, spec: dict):
        self.rng = random.Random(spec["seed"])
        self.new_share = spec["new_share"]
        self.next_new = spec["first_phone"]
        self.first = spec["first_phone"]
        self.known: list[int] = []

    def pick(self) -> int:
        if not self.known or self.rng.random() < self.new_share:
            self.known.append(self.next_new)
            self.next_new += 1
            return self.next_new - 1
        return self.rng.choice(self.known)


def load_child(spec: dict) -> dict:
    return closed_loop(spec) if spec["mode"] == "closed" else open_loop(spec)


def closed_loop(spec: dict) -> dict:
    """``threads`` connections sending back to back for ``seconds``: the capacity."""
    port, seconds = spec["port"], spec["seconds"]
    customers, lock = Customers(spec), threading.Lock()
    counter = iter(range(10**9))
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    start = time.perf_counter()
    deadline = start + seconds

    def worker():
        connection = None
        while time.perf_counter() < deadline:
            with lock:
                index, phone = next(counter), customers.pick()
            request = request_for(spec, index, phone)
            sent = time.perf_counter()
            connection, status = _send(connection, port, request)
            with lock:
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if 200 <= status < 300:
                    latencies.append(time.perf_counter() - sent)
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(spec["threads"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - start
    return {
        "target": spec["target"], "threads": spec["threads"], "seconds": round(elapsed, 2), "statuses": statuses,
        "ok": len(latencies), "messages_per_s": round(len(latencies) / elapsed, 1),
        "p50_seconds": round(percentile(latencies, 50), 4) if latencies else None,
        "p99_seconds": round(percentile(latencies, 99), 4) if latencies else None,
        "new_customers": customers.next_new - customers.first,
        "load_generator_cpu_ms_per_request": round(1000 * time.process_time() / max(1, sum(statuses.values())), 3),
    }  # fmt: skip


def open_loop(spec: dict) -> dict:
    """Open-loop load at ``rate`` for ``warmup + seconds``; figures for the measured part."""
    port, rate, seconds, warmup = spec["port"], spec["rate"], spec["seconds"], spec["warmup"]
    customers = Customers(spec)
    total = int(rate * (warmup + seconds))
    plan = [(i / rate, customers.pick()) for i in range(total)]  # (due offset, phone index)
    results: list[tuple[float, float, int]] = [(0.0, 0.0, 0)] * total  # (due, latency, status)
    cursor = iter(range(total))
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def worker():
        connection = None
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            due, phone = plan[index]
            request = request_for(spec, index, phone)
            delay = start + due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif -delay > spec["max_lag"]:  # hopelessly behind: not sent, counted as failed
                results[index] = (due, -delay, -1)
                continue
            connection, status = _send(connection, port, request)
            results[index] = (due, time.perf_counter() - (start + due), status)
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(spec["threads"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=warmup + seconds + 120)
    finished = time.perf_counter()
    measured = [r for r in results if r[0] >= warmup]
    ok = [r for r in measured if 200 <= r[2] < 300]
    latencies = [r[1] for r in ok]
    # Throughput: messages answered with success over the measured window (due times
    # span ``seconds``; the last answers may arrive a little after it).
    window = max(seconds, max((r[0] + r[1] for r in measured), default=warmup) - warmup)
    statuses: dict[str, int] = {}
    for r in measured:
        statuses[str(r[2])] = statuses.get(str(r[2]), 0) + 1
    return {
        "offered_per_s": rate,
        "requests": len(measured),
        "ok": len(ok),
        "statuses": statuses,
        "messages_per_s": round(len(ok) / window, 1),
        "p50_seconds": round(percentile(latencies, 50), 4) if latencies else None,
        "p95_seconds": round(percentile(latencies, 95), 4) if latencies else None,
        "p99_seconds": round(percentile(latencies, 99), 4) if latencies else None,
        "max_seconds": round(max(latencies), 4) if latencies else None,
        "new_customers": customers.next_new - customers.first,
        "run_seconds": round(finished - start, 2),
        # The generator shares the machine: what it used, per request sent.
        "load_generator_cpu_ms_per_request": round(1000 * time.process_time() / max(1, total), 3),
    }


def run_child(args, spec: dict, timeout: float) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--load-child", json.dumps(spec)]
    busy_before = machine_busy_seconds()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, _ = child.communicate(timeout=timeout)
    finally:
        Processes.kill(child)
    if child.returncode != 0:
        raise RuntimeError(f"the load generator failed with exit code {child.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    busy, elapsed = machine_busy_seconds()[0] - busy_before[0], time.monotonic() - busy_before[1]
    result["machine_cpu_busy_fraction"] = round(busy / (elapsed * (os.cpu_count() or 1)), 2)
    return result


def run_load(args, port: int, channel: dict, rate: int, first_phone: int) -> dict:
    spec = {"mode": "open", "target": "product", "channel": channel, "tag": f"open{rate}", "port": port,
            "rate": rate, "seconds": args.seconds, "warmup": args.warmup, "new_share": args.new_share,
            "threads": args.threads, "seed": rate, "first_phone": first_phone, "max_lag": args.max_lag}  # fmt: skip
    return run_child(args, spec, args.warmup + args.seconds + 180)


def run_capacity(args, port: int, channel: dict, target: str, first_phone: int, seconds: int | None = None) -> dict:
    # Each run its own message ids (the tag): a WhatsApp message id seen before is a replay.
    spec = {"mode": "closed", "target": target, "channel": channel, "tag": f"cap{target}{first_phone}",
            "port": port, "seconds": seconds or args.capacity_seconds, "new_share": args.new_share,
            "threads": args.capacity_threads, "seed": 7, "first_phone": first_phone}  # fmt: skip
    return run_child(args, spec, args.capacity_seconds + 180)


def _capacity_total(runs: list[dict]) -> dict:
    """Every round of one target together: messages answered over seconds measured."""
    ok, seconds = sum(r["ok"] for r in runs), sum(r["seconds"] for r in runs)
    return {"ok": ok, "seconds": round(seconds, 2), "messages_per_s": round(ok / seconds, 1) if seconds else 0.0,
            "rounds_per_s": [r["messages_per_s"] for r in runs]}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="300", help="offered rates (messages/s), comma-separated (default 300)")
    parser.add_argument("--seconds", type=int, default=20, help="measured seconds per rate (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before measuring (default 3)")
    parser.add_argument("--new-share", type=float, default=0.3, help="share of new customers (default 0.3)")
    parser.add_argument("--threads", type=int, default=64, help="load generator threads (default 64)")
    parser.add_argument(
        "--max-lag",
        type=float,
        default=10,
        help="a request due this many seconds ago is not "
        "sent but counted as failed (status -1), so a run stays bounded (default 10)",
    )
    parser.add_argument("--provider", choices=["generic", "whatsapp_cloud"], default="generic",
                        help="generic: POST /api/v1/inbound/; whatsapp_cloud: signed webhooks (P9)")  # fmt: skip
    parser.add_argument("--capacity-seconds", type=int, default=10, help="closed-loop seconds per target (default 10)")
    parser.add_argument("--capacity-rounds", type=int, default=3,
                        help="interleaved bare/product capacity rounds (default 3)")  # fmt: skip
    parser.add_argument("--capacity-threads", type=int, default=12, help="closed-loop connections (default 12)")
    parser.add_argument("--gunicorn-workers", type=int, default=3, help="gunicorn sync workers (default 3)")
    parser.add_argument("--profile", metavar="DIR", help="profile the gunicorn workers with pyinstrument into DIR")
    parser.add_argument("--load-child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.load_child:
        print(json.dumps(load_child(json.loads(args.load_child))), flush=True)
        return 0

    exit_on_sigterm()
    rates = [int(r) for r in args.rates.split(",") if r.strip()]
    load = load_avg()
    work, redis_port, processes = start_run("inbound", setup_environment)
    figures: dict = {}
    try:
        fresh_database(work)
        channel = seed(args.provider)
        from django.db import connections

        connections.close_all()
        processes.redis(redis_port)
        port = free_port()
        extra = []
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            processes.env = dict(processes.env, BENCH_PROFILE_DIR=str(Path(args.profile).resolve()))
            extra = ["-c", str(Path(__file__).resolve().parent / "gunicorn_profile.py")]
        processes.gunicorn(port, args.gunicorn_workers, *extra)
        wait_for_http(port, "/api/v1/inbound/")
        log(f"gunicorn ({args.gunicorn_workers} workers) on {HOST}:{port}; load average {load_avg()}")
        first_phone = 0
        for target in ("bare", "product"):  # warm-up, not counted: every worker's first requests
            log(f"warming the {target} endpoint up for {args.warmup} s…")
            warm = run_capacity(args, port, channel, target, first_phone, seconds=args.warmup)
            first_phone += warm["new_customers"] + 10_000
        rounds: list[dict] = []
        # Capacity first: an offered rate the machine cannot serve leaves requests queued in
        # gunicorn after its run, which would slow whatever is measured next.
        for number in range(args.capacity_rounds):
            # Interleaved (bare, product), (product, bare)…: a drift of the machine's speed
            # during the run weighs on both sides alike.
            order = ("bare", "product") if number % 2 == 0 else ("product", "bare")
            measured = {}
            for target in order:
                wait_for_idle_cores()
                log(f"round {number + 1}/{args.capacity_rounds}: capacity of the {target} endpoint, closed loop, "
                    f"{args.capacity_threads} connections, {args.capacity_seconds} s…")  # fmt: skip
                measured[target] = run_capacity(args, port, channel, target, first_phone)
                first_phone += measured[target]["new_customers"] + 10_000
                log(f"  {measured[target]}")
            rounds.append(measured)
        runs = []
        for rate in rates:
            wait_for_idle_cores()
            log(f"offering {rate} messages/s ({args.provider}) for {args.warmup} + {args.seconds} s…")
            result = run_load(args, port, channel, rate, first_phone)
            first_phone += result["new_customers"] + 10_000
            log(f"  {result}")
            runs.append(result)
        capacity = {target: _capacity_total([r[target] for r in rounds]) for target in ("bare", "product")}
        capacity["rounds"] = [
            {"bare_per_s": r["bare"]["messages_per_s"], "product_per_s": r["product"]["messages_per_s"],
             "ratio": round(r["product"]["messages_per_s"] / r["bare"]["messages_per_s"], 3)
             if r["bare"]["messages_per_s"] else None, "detail": r}
            for r in rounds
        ]  # fmt: skip
        bare_rate = capacity["bare"]["messages_per_s"]
        ratio = round(capacity["product"]["messages_per_s"] / bare_rate, 3) if bare_rate else None
        good = [r for r in runs if r["p99_seconds"] is not None and r["p99_seconds"] < TARGETS["p99_seconds"]
                and r["ok"] == r["requests"]]  # fmt: skip
        best = max(good, key=lambda r: r["messages_per_s"]) if good else None
        figures = {
            "provider": args.provider, "cores": os.cpu_count(), "load_avg_1m_at_start": load,
            "load_avg_1m_at_end": load_avg(), "gunicorn_workers": args.gunicorn_workers, "seconds": args.seconds,
            "new_share": args.new_share, "runs": runs, "best": best, "capacity": capacity, "ratio_to_bare": ratio,
            "targets": TARGETS,
        }  # fmt: skip
        passed = {
            "messages_per_s": bool(best) and best["messages_per_s"] >= TARGETS["messages_per_s"],
            "p99": bool(best),
            "ratio_to_bare": ratio is not None and ratio >= TARGETS["ratio_to_bare"],
        }
        passed["all"] = all(passed.values())
        figures["pass"] = passed
    finally:
        tear_down(processes, work)
    record(figures, bench="inbound_whatsapp_cloud" if args.provider == "whatsapp_cloud" else "inbound")
    return 0


if __name__ == "__main__":
    sys.exit(main())
