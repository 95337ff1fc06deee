"""Work queued after commit reaches its task in a process that never imported the task
modules (a web process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
django.setup()
import sys
assert "attendance.tasks" not in sys.modules and "imports.tasks" not in sys.modules
from core import followups
for name in (followups.DISTRIBUTE, followups.QUEUE_POSITIONS, followups.DELIVER, followups.DELIVER_MANY,
             followups.IMPORT_RUN):
    assert callable(followups._task(name).delay)
print("ok")
"""


def test_every_followup_task_resolves_in_a_fresh_process():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
