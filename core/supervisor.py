"""`make run`'s supervisor: the web server, the Celery worker and the beat, kept alive.

Each program runs in its own session (process group), so a Ctrl-C reaches the supervisor
alone and it stops the programs in order, and so that what a program leaves behind when
it dies (a prefork pool child, the autoreloader's server) goes with it. A program that
exits is restarted after a back-off (1 s, doubling while it keeps dying young, at most
30 s); no program's death takes another down. Every start and exit is logged to the
terminal and ``<var>/log/supervisor.log``, and the state is written to
``<var>/supervisor.json``, which ``/health/`` shows (``core/health.py``). Each program's
output goes to ``<var>/log/<name>.log``. On Linux a program also gets SIGTERM if the
supervisor itself is killed (``PR_SET_PDEATHSIG``), so nothing is orphaned.

No Django import: it must run (and be tested) whatever the state of the project.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

STATE_FILENAME = "supervisor.json"
MIN_BACKOFF = 1.0
MAX_BACKOFF = 30.0
STABLE_AFTER = 60.0  # a program that ran this long gets the short back-off again
STOP_GRACE = 15.0  # seconds between SIGTERM and SIGKILL when stopping


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def describe_exit(returncode: int) -> str:
    return f"signal {-returncode}" if returncode < 0 else f"exit {returncode}"


@dataclass
class Program:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    starts: int = 0
    exits: int = 0
    last_exit: str | None = None
    last_exit_at: str | None = None
    last_restart_at: str | None = None
    backoff: float = MIN_BACKOFF
    next_start: float = 0.0
    log_handle: object = field(default=None, repr=False)

    @property
    def restarts(self) -> int:
        return max(0, self.starts - 1)

    def state(self) -> dict:
        running = self.process is not None and self.process.poll() is None
        return {
            "state": "running" if running else "restarting",
            "pid": self.process.pid if running else None,
            "restarts": self.restarts,
            "exits": self.exits,
            "last_exit": self.last_exit,
            "last_exit_at": self.last_exit_at,
            "last_restart_at": self.last_restart_at,
        }


class Supervisor:
    def __init__(self, *, programs: list[Program], var_dir: Path, cwd: Path, out=None):
        self.programs = programs
        self.var_dir = var_dir
        self.cwd = cwd
        self.log_dir = var_dir / "log"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.state_path = var_dir / STATE_FILENAME
        self.out = out or sys.stdout
        self.log_file = open(self.log_dir / "supervisor.log", "a", encoding="utf-8")  # noqa: SIM115 - for the run
        self.stopping = False
        self.state = "starting"
        self.started_at = now_iso()

    # Logging and state -------------------------------------------------------------------

    def log(self, message: str) -> None:
        line = f"[{now_iso()}] {message}"
        for stream in (self.out, self.log_file):
            try:
                print(line, file=stream, flush=True)
            except (OSError, ValueError):  # a closed terminal must not stop the supervisor
                pass

    def write_state(self) -> None:
        state = {
            "pid": os.getpid(),
            "state": self.state,
            "started_at": self.started_at,
            "updated_at": now_iso(),
            "processes": {program.name: program.state() for program in self.programs},
        }
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=1), encoding="utf-8")
        os.replace(temporary, self.state_path)  # /health/ never reads half a file

    # Programs ----------------------------------------------------------------------------

    def start(self, program: Program) -> None:
        if program.log_handle is None:
            program.log_handle = open(self.log_dir / f"{program.name}.log", "ab")  # noqa: SIM115 - kept open
        launcher = [sys.executable, str(Path(__file__).resolve()), "--exec"]
        program.process = subprocess.Popen(
            [*launcher, *program.argv],
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=program.log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        program.started_at = time.monotonic()
        program.starts += 1
        if program.starts > 1:
            program.last_restart_at = now_iso()
            self.log(f"{program.name} restarted (restart #{program.restarts}, pid {program.process.pid})")
        else:
            self.log(f"{program.name} started (pid {program.process.pid}), log: {self.log_dir / program.name}.log")
        self.write_state()

    def reap(self, program: Program) -> None:
        """A program exited on its own: clean up its group and schedule the restart."""
        returncode = program.process.returncode
        lived = time.monotonic() - program.started_at
        kill_group(program.process.pid, signal.SIGKILL)  # what it left behind
        program.process = None
        program.exits += 1
        program.last_exit = describe_exit(returncode)
        program.last_exit_at = now_iso()
        if lived >= STABLE_AFTER:
            program.backoff = MIN_BACKOFF
        delay, program.backoff = program.backoff, min(program.backoff * 2, MAX_BACKOFF)
        program.next_start = time.monotonic() + delay
        self.log(
            f"{program.name} exited ({program.last_exit}) after {lived:.0f} s; "
            f"restarting in {delay:.0f} s (see {self.log_dir / program.name}.log)"
        )
        self.write_state()

    def run(self, *, poll_seconds: float = 0.2) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        self.state = "running"
        for program in self.programs:
            self.start(program)
        while not self.stopping:
            for program in self.programs:
                if self.stopping:
                    break
                if program.process is not None and program.process.poll() is not None:
                    self.reap(program)
                elif program.process is None and time.monotonic() >= program.next_start:
                    self.start(program)
            time.sleep(poll_seconds)
        self.stop()
        return 0

    def _on_signal(self, signum, _frame) -> None:
        self.stopping = True

    def stop(self) -> None:
        """SIGTERM to every program (it stops its own children: the worker its pool, the
        autoreloader its server), SIGKILL to each group's leftovers after the grace."""
        self.state = "stopping"
        self.log("Stopping Atende...")
        running = [program for program in self.programs if program.process is not None]
        for program in reversed(running):
            try:
                program.process.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_GRACE
        for program in running:
            try:
                program.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                self.log(f"{program.name} stopped ({describe_exit(program.process.returncode)})")
            except subprocess.TimeoutExpired:
                self.log(f"{program.name} did not stop in {STOP_GRACE:.0f} s: killed")
        for program in running:
            kill_group(program.process.pid, signal.SIGKILL)  # the group's leftovers, if any
            program.process.wait()
        self.state = "stopped"
        self.write_state()
        self.log("Stopped.")


def kill_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def exec_child(argv: list[str]) -> None:
    """Runs ``argv`` in place of this process, asking Linux to send it SIGTERM when the
    supervisor dies (set here, not in ``preexec_fn``, which is unsafe with threads)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
            if os.getppid() == 1:  # the supervisor died before the call
                sys.exit(1)
        except OSError:
            pass
    os.execvp(argv[0], argv)  # noqa: S606 - argv is the supervisor's own command


if __name__ == "__main__" and sys.argv[1:2] == ["--exec"]:
    exec_child(sys.argv[2:])
