"""SPEC §12 R6 — `make run` on its embedded defaults under `simulate` traffic.

Starts `make run` exactly as a newcomer would (no DATABASE_URL, no REDIS_URL, nothing
exported) but with its own ATENDE_VAR_DIR in a temporary folder and its own port, then
for ``--minutes``:

- drives ``python manage.py simulate --url http://127.0.0.1:<port> --no-distribute``
  (customers over HTTP, agents online, answers, closes; distribution left to the worker);
- uploads a few customer files through ``POST /api/v1/customer-imports/`` and follows
  the jobs to the end;
- polls ``/health/`` every ``--poll`` seconds;
- once, a third of the way in, kills the worker with SIGKILL and waits until
  ``/health/`` shows the supervisor restarted it.

Then it stops the stack the way Ctrl-C does (SIGINT to make's process group), checks no
process is left, compares what ``simulate`` recorded with the database and prints one
JSON line (appended to bench/results.jsonl). Every failure figure must be 0 (``pass``). Progress goes to stderr.

    .venv/bin/python bench/soak.py --minutes 30
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, free_port, load_avg, make_logger, record  # noqa: E402

log = make_logger("soak")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
# What a newcomer's shell would not have: the soak runs on the embedded defaults.
DROPPED = {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "MAKEFLAGS", "MAKELEVEL"}

CHECK = """
import json
from collections import Counter
from attendance.models import Attendance
from customers.models import Customer
from imports.models import ImportJob
created, refused = set(), 0
for line in open({record!r}, encoding="utf-8"):
    row = json.loads(line)
    if "attendance" in row:
        created.add(row["attendance"])
    else:
        refused += 1
found = dict(Attendance.objects.filter(pk__in=created).values_list("pk", "status"))
print(json.dumps({{
    "created": len(created), "missing": len(created - set(found)), "refused": refused,
    "recorded_by_status": Counter(found.values()),
    "all_by_status": Counter(Attendance.objects.values_list("status", flat=True)),
    "customers": Customer.objects.count(),
    "imports": Counter(ImportJob.objects.values_list("status", flat=True)),
}}))
"""


class Soak:
    def __init__(self, args):
        self.args = args
        self.var = Path(tempfile.mkdtemp(prefix="atende-soak-"))
        self.port = args.port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k not in DROPPED}
        self.env.update(ATENDE_VAR_DIR=str(self.var), ATENDE_PORT=str(self.port))
        self.make = self.simulate = None
        self.health_polls = self.health_failures = 0
        self.health_failure_samples: list[str] = []
        self.last_supervisor: dict = {}
        self.pids_seen: set[int] = set()
        self.imports: list[dict] = []
        self.kill: dict = {}

    # The stack -------------------------------------------------------------------------------

    def start(self) -> None:
        log(f"make run on port {self.port}, ATENDE_VAR_DIR={self.var}")
        output = open(self.var / "make-run.out", "wb")  # noqa: SIM115 - the child keeps it
        self.make = subprocess.Popen(
            ["make", "run"], cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.wait_for("make run serving /health/ (install, migrate and demo data first)", 900, self.served)
        self.wait_for("the worker's first heartbeat in /health/", 300, lambda: self.health().get("worker") == "ok")

    def served(self) -> bool:
        if self.make.poll() is not None:
            raise SystemExit(f"make run exited ({self.make.returncode}): see {self.var / 'make-run.out'}")
        return bool(self.health())

    def health(self) -> dict:
        try:
            response = requests.get(f"{self.url}/health/", timeout=10)
            return response.json() if response.status_code == 200 else {}
        except (requests.RequestException, ValueError):
            return {}

    def wait_for(self, what: str, seconds: float, predicate) -> float:
        started = time.monotonic()
        while not predicate():
            if time.monotonic() - started > seconds:
                raise SystemExit(f"waited {seconds:.0f} s for {what}; see {self.var}/log")
            time.sleep(1)
        log(f"{what}: after {time.monotonic() - started:.0f} s")
        return time.monotonic() - started

    def manage(self, *args: str, timeout: float = 300) -> str:
        """``python manage.py …`` with nothing exported but the var dir (local.env does the rest)."""
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(args)} failed: {result.stderr[-2000:]}")
        return result.stdout

    # Health, kill and imports ------------------------------------------------------------

    def poll_health(self, warm: bool) -> None:
        self.health_polls += 1
        try:
            response = requests.get(f"{self.url}/health/", timeout=10)
            body = response.json()
            problem = None if response.status_code == 200 else f"HTTP {response.status_code}"
            if problem is None and warm and body.get("status") != "ok":
                problem = f"status {body.get('status')}: worker {body.get('worker')}, broker {body.get('broker')}"
        except (requests.RequestException, ValueError) as error:
            body, problem = {}, f"{type(error).__name__}: {error}"
        if problem:
            self.health_failures += 1
            if len(self.health_failure_samples) < 10:
                self.health_failure_samples.append(f"{time.strftime('%H:%M:%S')} {problem}")
            log(f"/health/ failure: {problem}")
        supervisor = body.get("supervisor") or {}
        if supervisor:
            self.last_supervisor = supervisor
            self.pids_seen.update(p["pid"] for p in supervisor["processes"].values() if p.get("pid"))

    def kill_worker(self) -> None:
        worker = self.health()["supervisor"]["processes"]["worker"]
        log(f"killing the worker (pid {worker['pid']}) with SIGKILL")
        os.kill(worker["pid"], signal.SIGKILL)
        self.kill = {"pid": worker["pid"], "restarts_before": worker["restarts"]}

        def restarted() -> bool:
            now = self.health().get("supervisor", {}).get("processes", {}).get("worker", {})
            return now.get("state") == "running" and now.get("restarts", 0) > worker["restarts"]

        self.kill["seconds_to_restart"] = round(self.wait_for("the supervisor restarting the worker", 120, restarted))
        self.kill["restarted"] = True

    def upload_import(self, token: str, index: int) -> None:
        rows = ["PHONE NUMBER;DISPLAY NAME"]
        rows += [f"(34) 99{index:02d}{n:05d};Importado {index}-{n}" for n in range(self.args.import_rows)]
        response = requests.post(
            f"{self.url}/api/v1/customer-imports/",
            headers={"Authorization": f"Token {token}"},
            files={"file": (f"soak-{index}.csv", "\n".join(rows).encode(), "text/csv")},
            timeout=60,
        )
        job = {"index": index, "upload_status": response.status_code}
        if response.status_code == 201:
            job["id"] = response.json()["id"]
        self.imports.append(job)
        log(f"import {index} uploaded: HTTP {response.status_code}")

    def imports_finished(self, token: str) -> bool:
        for job in self.imports:
            if "id" in job and job.get("status") not in {"done", "failed"}:
                response = requests.get(
                    f"{self.url}/api/v1/customer-imports/{job['id']}/",
                    headers={"Authorization": f"Token {token}"},
                    timeout=30,
                )
                if response.status_code == 200:
                    body = response.json()
                    job.update(status=body["status"], imported=body["imported"], errors=body["errors"])
        return all(job.get("status") in {"done", "failed"} for job in self.imports if "id" in job)

    def ours(self, pid: int) -> bool:
        """A live process of this soak's stack (its environment names our var dir), not a
        stranger that got a recycled pid."""
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return False
        return "zombie" not in status and f"ATENDE_VAR_DIR={self.var}".encode() in environ

    # The run ------------------------------------------------------------------------------

    def run(self) -> dict:
        load_start = load_avg()
        self.start()
        # The API's token for the demo admin (make run's seed_demo): tokens are stored hashed,
        # so one is issued through the API like any client's.
        response = requests.post(f"{self.url}/api/v1/auth/token/", json={"username": "admin", "password": "Admin@2026"},
                                 timeout=30)  # fmt: skip
        response.raise_for_status()
        token = response.json()["token"]
        seconds = self.args.minutes * 60
        record = self.var / "simulate.jsonl"
        log(f"simulate for {seconds:.0f} s at {self.args.rate}/s")
        self.simulate = subprocess.Popen(
            [PYTHON, "manage.py", "simulate", "--url", self.url, "--duration", str(seconds), "--rate",
             str(self.args.rate), "--handle-seconds", "5", "--record", str(record), "--no-distribute", "--seed", "6"],
            cwd=ROOT, env=self.env, stdout=open(self.var / "simulate.out", "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )  # fmt: skip
        started = time.monotonic()
        import_times = [seconds * (i + 1) / (self.args.imports + 1) for i in range(self.args.imports)]
        kill_at = seconds / 3
        while self.simulate.poll() is None:
            elapsed = time.monotonic() - started
            if import_times and elapsed >= import_times[0]:
                import_times.pop(0)
                self.upload_import(token, len(self.imports) + 1)
            if not self.kill and elapsed >= kill_at:
                self.kill_worker()
            self.poll_health(warm=True)
            time.sleep(self.args.poll)
        log(f"simulate ended ({self.simulate.returncode})")
        self.wait_for("the import jobs to finish", 600, lambda: self.imports_finished(token))
        self.poll_health(warm=True)
        unrestarted = sum(1 for p in self.last_supervisor["processes"].values() if p["state"] != "running")
        check = json.loads(self.manage("shell", "-c", CHECK.format(record=str(record))).strip().splitlines()[-1])
        processes = self.last_supervisor["processes"]
        orphans = self.stop()
        crashes = {name: p["exits"] - (1 if name == "worker" and self.kill else 0) for name, p in processes.items()}
        failures = {
            "crashes": sum(crashes.values()),
            "unrestarted": unrestarted,
            "lost_attendances": check["missing"],
            "refused_messages": check["refused"],
            "health_failures": self.health_failures,
            "imports_failed": sum(1 for job in self.imports if job.get("status") != "done"),
            "orphans_after_stop": orphans,
            "kill_test_failed": 0 if self.kill.get("restarted") else 1,
            "simulate_failed": 0 if self.simulate.returncode == 0 else 1,
        }
        return {
            "bench": "soak",
            "minutes": self.args.minutes,
            "rate": self.args.rate,
            "load_avg_1m_at_start": load_start,
            "load_avg_1m_at_end": load_avg(),
            "cpus": os.cpu_count(),
            "failures": failures,
            "crashes_by_program": crashes,
            "restarts_by_program": {name: p["restarts"] for name, p in processes.items()},
            "kill_test": self.kill,
            "health_polls": self.health_polls,
            "health_failure_samples": self.health_failure_samples,
            "attendances_created_by_simulate": check["created"],
            "recorded_by_status": check["recorded_by_status"],
            "final_counts": {"attendances": check["all_by_status"], "customers": check["customers"]},
            "imports": self.imports,
            "var_dir": str(self.var),
            "pass": not any(failures.values()) and check["recorded_by_status"].get("closed", 0) > 0,
        }

    def stop(self) -> int:
        """Ctrl-C (SIGINT to make's process group), then count the processes left behind."""
        if self.simulate is not None and self.simulate.poll() is None:
            self.simulate.terminate()
        if self.make is None or self.make.poll() is not None:
            return 0
        os.killpg(self.make.pid, signal.SIGINT)
        try:
            self.make.wait(timeout=60)
        except subprocess.TimeoutExpired:
            log("make run did not stop within 60 s of SIGINT")
            os.killpg(self.make.pid, signal.SIGKILL)
        time.sleep(1)
        left = [pid for pid in self.pids_seen if self.ours(pid)]
        try:
            os.killpg(self.make.pid, 0)
            left.append(self.make.pid)
        except ProcessLookupError:
            pass
        for pid in left:
            log(f"process {pid} left after stop")
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return len(left)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=0.3, help="new customers per second")
    parser.add_argument("--imports", type=int, default=3, help="customer files uploaded during the run")
    parser.add_argument("--import-rows", type=int, default=200)
    parser.add_argument("--poll", type=float, default=3.0, help="seconds between /health/ polls")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    # Ctrl-C or SIGTERM stops the stack before leaving (even when started in the background,
    # where the shell had SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    soak = Soak(args)
    try:
        report = soak.run()
    finally:
        soak.stop()
    record(report, bench="soak")
    return 0 if report["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
