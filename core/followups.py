"""The one place that queues work after the current transaction commits.

Distribution requests, queue-position passes, deliveries, import jobs and live events
are published here and nowhere else (zulip's ``queue_event_on_commit``): a rollback
publishes nothing, and no engine module imports ``tasks`` (which import the engine),
so the engine has no import cycle. Tasks are imported by their dotted name when the
transaction commits — the one deliberate late import (a web process never imports the
task modules otherwise, so Celery's registry alone would not know them there).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module

from django.db import transaction

from core.live import live_publish, live_publish_many
from core.redis_broker import publish

DISTRIBUTE = "attendance.tasks.distribute_group_task"
QUEUE_POSITIONS = "attendance.tasks.queue_positions_task"
DELIVER = "providers.tasks.deliver_message_task"
DELIVER_MANY = "providers.tasks.deliver_messages_task"
IMPORT_RUN = "imports.tasks.run_import_task"
PROVIDER_ACKNOWLEDGE = "providers.tasks.provider_acknowledge_task"


# Module paths of the tasks (a task's Celery name may differ: delivery's kept the names of
# ``attendance.tasks``, where it lived before, see providers/tasks.py).


def _task(name: str):
    module, task = name.rsplit(".", 1)
    return getattr(import_module(module), task)


def _send(name: str, *args) -> None:
    publish(_task(name), args)  # one LPUSH on Redis once the task's first message went out


def on_commit(name: str, *args) -> None:
    """Run task ``name`` with ``args`` once the transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _send(name, *args))


def distribute(group_ids: Iterable[int]) -> None:
    """SPEC §8.3: distribution is event-driven; the beat sweep is only a safety net."""
    for group_id in sorted({g for g in group_ids if g}):
        on_commit(DISTRIBUTE, group_id)


def queue_positions(group_ids: Iterable[int]) -> None:
    for group_id in sorted({g for g in group_ids if g}):
        on_commit(QUEUE_POSITIONS, group_id)


def deliver(message_ids: list[int]) -> None:
    if len(message_ids) == 1:
        on_commit(DELIVER, message_ids[0])
    elif message_ids:
        on_commit(DELIVER_MANY, list(message_ids))


def provider_acknowledge(channel_id: int, callback_id: str) -> None:
    """Answer a provider's interactive press (Telegram ``answerCallbackQuery``) after commit."""
    on_commit(PROVIDER_ACKNOWLEDGE, channel_id, callback_id)


def live(*, user_ids: Iterable[int], event: str, data: dict) -> None:
    """Tell the users' open workspaces (``core.live``) once the change is committed."""
    targets = sorted({u for u in user_ids if u})
    if not targets:
        return

    transaction.on_commit(lambda: live_publish(user_ids=targets, event=event, data=data))


def live_many(items: Iterable[tuple[Iterable[int], str, dict]]) -> None:
    """Several live notices of one batch, published together after commit (one Redis
    round trip for a whole distribution batch)."""
    flat = [(user_id, event, data) for users, event, data in items for user_id in users if user_id]
    if flat:
        transaction.on_commit(lambda: live_publish_many(flat))


def import_run(job_id: int) -> None:
    on_commit(IMPORT_RUN, job_id)
