"""Celery tasks of the privacy app (declared in ``config/celery.py``'s beat schedule)."""

from __future__ import annotations

from celery import shared_task

from .retention import retention_run


@shared_task(ignore_result=True, acks_late=True)
def retention_task() -> None:
    """The nightly retention (safe to run twice: it resumes from its checkpoints)."""
    retention_run()
