"""The Celery app, named ``config`` (``celery -A config worker`` / ``beat``).

Periodic tasks are declared here, in one place.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_init

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


@worker_init.connect
def redeliver_on_the_embedded_broker(sender=None, **kwargs) -> None:
    """On `make run`'s embedded broker, a starting worker takes back the messages its dead
    predecessor had received and not acknowledged (core/broker.py). Redis does this itself
    (visibility timeout)."""
    if app.conf.broker_transport == "core.broker:Transport":
        from core.broker import redeliver_unacknowledged

        count = redeliver_unacknowledged(app.conf.broker_url)
        if count:
            print(f"Embedded broker: {count} unacknowledged message(s) delivered again.", flush=True)
