"""The Celery app, named ``config`` (``celery -A config worker`` / ``beat``).

Periodic tasks are declared here, in one place.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "worker-heartbeat": {"task": "core.tasks.heartbeat", "schedule": 30.0},
    "resume-stalled-imports": {"task": "imports.tasks.resume_stalled_imports", "schedule": 60.0},
    "distribution-sweep": {
        "task": "attendance.tasks.distribution_sweep",
        "schedule": float(os.environ.get("DISTRIBUTION_SWEEP_SECONDS", "5")),
    },
    "presence-expire": {"task": "attendance.tasks.presence_expire_task", "schedule": 15.0},
    "timers-sweep": {
        "task": "attendance.tasks.timers_sweep_task",
        "schedule": float(os.environ.get("TIMER_SWEEP_SECONDS", "1")),
    },
    "messages-due": {"task": "attendance.tasks.messages_due_task", "schedule": 10.0},
}
