"""The Celery app, named ``config`` (``celery -A config worker`` / ``beat``).

Periodic tasks are declared here, in one place.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_init, worker_process_init, worker_ready
from django.dispatch import receiver
from django.test.signals import setting_changed

from core.redis_broker import publisher

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("config")
app.config_from_object("config.celery_settings:CELERY_SETTINGS", namespace="CELERY")
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
    # Nightly, at a quiet hour: resumable, so a missed or killed night is caught up the next.
    "privacy-retention": {"task": "privacy.tasks.retention_task", "schedule": crontab(hour=3, minute=15)},
    "webhooks-due": {"task": "providers.tasks.webhooks_due_task", "schedule": 10.0},
    "email-poll": {"task": "providers.tasks.email_poll_due_task", "schedule": 5.0},
}


@receiver(setting_changed)
def follow_celery_settings(setting: str, **kwargs) -> None:
    """``override_settings`` of a ``CELERY_*`` setting (tests) reaches the app's conf."""
    if setting.startswith("CELERY_"):
        from django.conf import settings  # configured by now: a setting is changing

        # The conf is namespaced: it looks ``CELERY_TASK_ALWAYS_EAGER`` up before ``task_always_eager``.
        if hasattr(settings, setting):
            app.conf[setting] = getattr(settings, setting)
        else:
            app.conf.changes.pop(setting, None)
        publisher.clear()  # the recorded messages followed the old settings


@worker_init.connect
def redeliver_on_the_embedded_broker(sender=None, **kwargs) -> None:
    """On `make run`'s embedded broker, a starting worker takes back the messages its dead
    predecessor had received and not acknowledged (core/broker.py). Redis does this itself
    (visibility timeout)."""
    if app.conf.broker_transport == "core.broker:Transport":
        # This module loads with the settings (config/__init__.py), before Django's apps:
        # the project's modules are imported once a worker starts.
        from core.broker import redeliver_unacknowledged

        count = redeliver_unacknowledged(app.conf.broker_url)
        if count:
            print(f"Embedded broker: {count} unacknowledged message(s) delivered again.", flush=True)


@worker_ready.connect
@worker_process_init.connect
def freeze_worker_startup(**kwargs) -> None:
    """The loaded worker's long-lived objects out of the collector's walks (``core.runtime``):
    ``worker_ready`` for the solo pool (tasks run in the main process), ``worker_process_init``
    in each prefork child."""
    # Loaded with the settings, before Django's apps (see above): imported when the worker is up.
    from core.runtime import freeze_startup_objects

    freeze_startup_objects()
