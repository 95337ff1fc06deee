"""`make run`'s supervisor (core/supervisor.py) with real processes: a program that dies is
restarted with a back-off, the others are untouched, /health/ shows it, and Ctrl-C (or the
supervisor's own death) leaves nothing behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60.0  # generous: the machine is shared

DRIVER = """
import sys
from pathlib import Path
from core.supervisor import Program, Supervisor
var = Path(sys.argv[1])
py = sys.executable
programs = [
    # steady starts a grandchild of its own (like a pool or an autoreloader) and sleeps.
    Program("steady", [py, "-c", "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
        f"open({str(var / 'grandchild.pid')!r}, 'w').write(str(child.pid)); time.sleep(600)"]),
    # crashy dies shortly after each start.
    Program("crashy", [py, "-c", "import time; time.sleep(0.3); raise SystemExit(3)"]),
]
sys.exit(Supervisor(programs=programs, var_dir=var, cwd=Path.cwd()).run(poll_seconds=0.05))
"""


def _wait_for(what: str, predicate, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


def _state(var: Path) -> dict:
    try:
        return json.loads((var / "supervisor.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


@pytest.fixture
def supervisor(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(tmp_path)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    yield process, tmp_path
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    leftovers = [p.get("pid") for p in _state(tmp_path).get("processes", {}).values()]
    if (tmp_path / "grandchild.pid").exists():
        leftovers.append(int((tmp_path / "grandchild.pid").read_text()))
    for pid in filter(None, leftovers):  # what a failed test may have left, if still ours
        try:
            if "time.sleep(600)" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                os.kill(pid, signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError):
            pass


def test_a_program_that_exits_is_restarted_with_a_back_off_and_the_others_keep_running(supervisor):
    process, var = supervisor
    first = _wait_for("steady to start", lambda: _state(var).get("processes", {}).get("steady", {}).get("pid"))
    crashy = _wait_for(
        "crashy's third restart",
        lambda: (c := _state(var).get("processes", {}).get("crashy", {})).get("restarts", 0) >= 3 and c,
    )
    assert crashy["last_exit"] == "exit 3"
    assert crashy["last_restart_at"] is not None
    steady = _state(var)["processes"]["steady"]
    assert (steady["state"], steady["pid"], steady["restarts"]) == ("running", first, 0)
    log = (var / "log" / "supervisor.log").read_text()
    # 1 s, then doubling while it keeps dying young.
    assert re.search(r"crashy exited \(exit 3\) after \d+ s; restarting in 1 s", log)
    assert "restarting in 2 s" in log and "restarting in 4 s" in log
    assert process.poll() is None


def test_ctrl_c_stops_every_program_and_what_they_started(supervisor):
    process, var = supervisor
    _wait_for("the grandchild", lambda: (var / "grandchild.pid").exists() and (var / "grandchild.pid").read_text())
    steady = _state(var)["processes"]["steady"]["pid"]
    grandchild = int((var / "grandchild.pid").read_text())
    os.kill(process.pid, signal.SIGINT)
    assert process.wait(timeout=WAIT) == 0
    assert not _alive(steady) and not _alive(grandchild)
    assert _state(var)["state"] == "stopped"


def test_a_supervisor_killed_with_sigkill_takes_its_programs_with_it(supervisor):
    process, var = supervisor
    steady = _wait_for("steady to start", lambda: _state(var).get("processes", {}).get("steady", {}).get("pid"))
    os.kill(process.pid, signal.SIGKILL)  # no chance to stop anything itself
    process.wait(timeout=WAIT)
    _wait_for("the orphaned program to receive its SIGTERM", lambda: not _alive(steady))


@pytest.mark.django_db
def test_the_health_check_shows_the_supervised_programs_and_a_dead_supervisor(supervisor, client, settings):
    process, var = supervisor
    settings.VAR_DIR = var
    _wait_for("crashy's first restart", lambda: _state(var).get("processes", {}).get("crashy", {}).get("restarts"))
    report = client.get("/health/").json()
    assert report["supervisor"]["state"] == "running"
    assert report["supervisor"]["processes"]["crashy"]["restarts"] >= 1
    assert report["supervisor"]["processes"]["crashy"]["last_restart_at"]
    assert report["supervisor"]["processes"]["steady"]["state"] == "running"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=WAIT)
    assert client.get("/health/").json()["supervisor"]["state"] == "gone"
