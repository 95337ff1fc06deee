"""Celery's configuration comes from the Django settings (read once into a dict) and
follows ``override_settings``; with Redis, publishing uses the project's transport."""

from __future__ import annotations

import os

import pytest
from django.test import override_settings

from config.celery import app


def test_celery_reads_the_django_settings_and_follows_overrides(settings):
    assert app.conf.task_acks_late is True
    assert app.conf.task_always_eager is True  # config.settings.test
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert app.conf.task_always_eager is False
    with override_settings(CELERY_TASK_DEFAULT_PRIORITY=3):  # a key the settings did not have
        assert app.conf.task_default_priority == 3
    assert app.conf.task_default_priority is None


@pytest.mark.redis
def test_a_published_task_reaches_redis_through_one_reused_client(settings):
    """``core.redis_broker``: the channel's publishing client is built once."""
    import redis

    from providers.tasks import deliver_message_task

    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queue = redis.Redis.from_url(app.conf.broker_url)
    queue.delete("celery")
    with app.connection_for_write() as connection:
        assert type(connection.transport).__module__ == "core.redis_broker"
        channel = connection.default_channel
        with app.producer_or_acquire() as producer:
            for message_id in (1, 2, 3):
                deliver_message_task.apply_async((message_id,), producer=producer)
        assert channel._create_client() is channel._create_client()
    assert queue.llen("celery") == 3
    queue.delete("celery")
