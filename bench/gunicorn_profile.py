"""Gunicorn config used by ``bench/inbound.py --profile DIR``: each worker runs under
pyinstrument and writes its profile to ``DIR/worker-<pid>.txt`` when it exits."""

from __future__ import annotations

import os
from pathlib import Path

_profilers = {}


def post_worker_init(worker):
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    _profilers[os.getpid()] = profiler


def worker_exit(server, worker):
    profiler = _profilers.pop(os.getpid(), None)
    if profiler is not None:
        profiler.stop()
        path = Path(os.environ["BENCH_PROFILE_DIR"]) / f"worker-{os.getpid()}.txt"
        path.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
