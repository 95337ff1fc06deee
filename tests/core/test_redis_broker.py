"""core/redis_broker.py's short way: a task's later messages are one LPUSH with the shape
Celery and kombu write, and everything that could differ takes the whole way."""

from __future__ import annotations

import base64
import json
import os
import uuid

import pytest
import redis
from celery.signals import before_task_publish

from config.celery import app
from core.redis_broker import publish, publisher
from providers.tasks import deliver_message_task

pytestmark = pytest.mark.redis


TASK = deliver_message_task._get_current_object()  # the task itself, not shared_task's proxy


@pytest.fixture
def broker(settings):
    """The default queue of the tests' own Redis database, emptied before and after."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis")
    settings.CELERY_TASK_ALWAYS_EAGER = False  # (clears the recorded messages too)
    client = redis.Redis.from_url(app.conf.broker_url)
    queue = app.conf.task_default_queue
    client.delete(queue)
    yield client, queue
    client.delete(queue)


def pushed(client, queue) -> list[dict]:
    return [json.loads(raw) for raw in reversed(client.lrange(queue, 0, -1))]  # LPUSH: newest first


def test_later_messages_are_pushed_with_the_shape_kombu_wrote(broker, monkeypatch):
    client, queue = broker
    publish(deliver_message_task, (41,))  # the whole way, recorded
    calls = []
    monkeypatch.setattr(TASK, "apply_async", lambda *a, **k: calls.append(a))
    publish(deliver_message_task, (42,))
    publish(deliver_message_task, (43,))
    assert calls == [], "the later messages took the whole way"
    first, *later = pushed(client, queue)
    assert len(later) == 2
    ids = set()
    for message, argument in zip(later, (42, 43), strict=True):
        assert message.keys() == first.keys()
        task_id = message["headers"]["id"]
        ids.add(task_id)
        uuid.UUID(task_id)
        assert message["headers"]["root_id"] == message["properties"]["correlation_id"] == task_id
        assert message["headers"]["argsrepr"] == f"({argument},)"
        same_headers = {k: v for k, v in message["headers"].items() if k not in {"id", "root_id", "argsrepr"}}
        assert same_headers == {k: v for k, v in first["headers"].items() if k not in {"id", "root_id", "argsrepr"}}
        varying = {"correlation_id", "delivery_tag", "argsrepr"}
        assert {k: v for k, v in message["properties"].items() if k not in varying} == {
            k: v for k, v in first["properties"].items() if k not in varying
        }
        assert message["properties"]["delivery_tag"] != first["properties"]["delivery_tag"]
        body, first_body = (json.loads(base64.b64decode(m["body"])) for m in (message, first))
        assert body == [[argument], {}, first_body[2]]
    assert first_body[0] == [41]
    assert len(ids) == 2 and first["headers"]["id"] not in ids
    assert first["headers"]["task"] == deliver_message_task.name


def test_eager_tasks_take_the_whole_way(settings, monkeypatch):
    assert settings.CELERY_TASK_ALWAYS_EAGER
    calls = []
    monkeypatch.setattr(TASK, "apply_async", lambda *a, **k: calls.append(a))
    for message_id in (1, 2):
        publish(deliver_message_task, (message_id,))
    assert calls == [((1,),), ((2,),)]


def test_receivers_of_the_publish_signals_see_every_message(broker):
    client, queue = broker
    publish(deliver_message_task, (1,))
    seen = []

    def receiver(sender=None, headers=None, **kwargs):
        seen.append(headers["argsrepr"])

    before_task_publish.connect(receiver)
    try:
        publish(deliver_message_task, (2,))
    finally:
        before_task_publish.disconnect(receiver)
    assert seen == ["(2,)"]
    assert len(pushed(client, queue)) == 2


def test_redis_refusing_the_push_falls_back_to_kombus_retries(broker, monkeypatch):
    client, queue = broker
    publish(deliver_message_task, (1,))

    def refuse(*args, **kwargs):
        raise redis.ConnectionError("refused")

    monkeypatch.setattr(publisher._connection_for(), "send_packed_command", refuse)
    publish(deliver_message_task, (2,))
    assert [json.loads(base64.b64decode(m["body"]))[0] for m in pushed(client, queue)] == [[1], [2]]
    monkeypatch.undo()
    publish(deliver_message_task, (3,))  # the connection is made again
    assert [json.loads(base64.b64decode(m["body"]))[0] for m in pushed(client, queue)] == [[1], [2], [3]]
