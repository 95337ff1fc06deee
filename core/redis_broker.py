"""Celery's Redis transport, tuned for publishing on the inbound hot path (SPEC §12 P7).

Two changes, both about publishing; consuming is kombu's own:

- **One client per channel.** Kombu's Redis channel builds a new ``redis.Redis`` object
  for every message it publishes (``Channel._create_client``); redis-py fills two
  dictionaries of response callbacks in each. The client holds no connection of its own
  (they come from the channel's pool, unchanged), so one per channel is reused.
- **A task's later messages are one LPUSH** (``publish``). Publishing through
  ``apply_async`` walks Celery's options, router and signals and kombu's producer,
  exchange and channel objects: about 0.5 ms of CPU for a message that is, on Redis, one
  JSON document pushed onto a list. The first message of each task in a process goes the
  whole way and the transport records what it pushed (``Channel._put``); later messages
  of that task copy that record with their own ids and arguments and push it with one
  client of the process. The message is the document Celery and kombu write, with its
  own ids and arguments (``tests/core/test_redis_broker.py`` compares them, and a real
  worker runs one). The push goes over one connection the process keeps (redis-py's
  ``Connection``, without a client and its pool: the pool's checks on every command cost
  more than the push, 130 µs of CPU against 53 µs measured).

``publish`` takes the whole way whenever the short one could differ: eager tasks
(tests), another broker (`make run`'s embedded one), receivers of Celery's publish
signals, a key prefix in the transport options or TLS options, or Redis refusing the
push (``apply_async`` then retries as kombu does). Templates are forgotten
when a ``CELERY_*`` setting changes (``config.celery``).
"""

from __future__ import annotations

import base64
import copy
import os
import threading
import uuid

import redis
from celery.signals import after_task_publish, before_task_publish
from kombu.transport import redis as kombu_redis
from kombu.utils.json import dumps, loads

TRANSPORT = "core.redis_broker:Transport"
SOCKET_TIMEOUT = 5.0  # seconds
_local = threading.local()  # .sink: the list ``Channel._put`` records into, while one is set


class Channel(kombu_redis.Channel):
    _sync_client = None  # (the pool it was built on, the client)

    def _create_client(self, asynchronous=False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        pool = self.pool
        if self._sync_client is None or self._sync_client[0] is not pool:
            self._sync_client = (pool, super()._create_client())
        return self._sync_client[1]

    def _put(self, queue, message, **kwargs):
        sink = getattr(_local, "sink", None)
        if sink is not None:  # ``publish`` is recording this task's first message
            key = self._q_for_pri(queue, self._get_message_priority(message, reverse=False))
            sink.append((key, copy.deepcopy(message)))
        return super()._put(queue, message, **kwargs)


class Transport(kombu_redis.Transport):
    Channel = Channel


class _Template:
    """A task's first message as the transport pushed it, and its list's key."""

    __slots__ = ("key", "message", "embed")

    def __init__(self, key: str, message: dict):
        self.key = key
        self.message = message
        self.embed = loads(base64.b64decode(message["body"]))[2]  # callbacks, errbacks, chain, chord


class Publisher:
    """``publish(task, args)``: one process's templates and Redis client."""

    def __init__(self):
        self._templates: dict[str, _Template] = {}
        self._broker: str | None = None  # the Redis URL to push to; "" when the short way is closed
        self._connection: tuple[int, redis.Connection] | None = None  # (pid, connection)

    def clear(self) -> None:
        self._templates.clear()
        self._broker = None
        if self._connection is not None:
            self._connection[1].disconnect()
        self._connection = None

    def publish(self, task, args: tuple, argsrepr: str) -> None:
        """Queue ``task(*args)`` (positional arguments only, no options)."""
        app = task.app
        if self._broker is None:
            self._broker = app.conf.broker_url if self._short_way_allowed(app) else ""
        if not self._broker or before_task_publish.receivers or after_task_publish.receivers:
            task.apply_async(args, argsrepr=argsrepr)
            return
        template = self._templates.get(task.name)
        if template is None:
            self._record(task, args, argsrepr)
            return
        message = self._message(app, template, args, argsrepr)
        connection = self._connection_for()
        try:
            connection.send_packed_command(connection.pack_command("LPUSH", template.key, message), check_health=False)
            connection.read_response()
        except (redis.ConnectionError, redis.TimeoutError):
            connection.disconnect()  # the next push connects again
            task.apply_async(args, argsrepr=argsrepr)  # kombu's retry policy, then its error

    @staticmethod
    def _short_way_allowed(app) -> bool:
        conf = app.conf
        return (
            conf.broker_transport == TRANSPORT
            and not conf.task_always_eager
            and not (conf.broker_transport_options or {}).get("global_keyprefix")
            and not conf.broker_use_ssl  # certificates kombu would apply: the whole way
        )

    def _record(self, task, args: tuple, argsrepr: str) -> None:
        _local.sink = sink = []
        try:
            task.apply_async(args, argsrepr=argsrepr)
        finally:
            _local.sink = None
        if len(sink) == 1:
            key, message = sink[0]
            if message.get("properties", {}).get("body_encoding") == "base64":
                self._templates[task.name] = _Template(key, message)

    def _connection_for(self) -> redis.Connection:
        """The process's connection to the broker (a forked child makes its own); it
        connects on its first command and again after an error."""
        if self._connection is None or self._connection[0] != os.getpid():
            # A Redis that hangs fails the push after SOCKET_TIMEOUT (then the whole way).
            pool = redis.ConnectionPool.from_url(self._broker, socket_timeout=SOCKET_TIMEOUT,
                                                 socket_connect_timeout=SOCKET_TIMEOUT)  # fmt: skip
            self._connection = (os.getpid(), pool.make_connection())
        return self._connection[1]

    @staticmethod
    def _message(app, template: _Template, args: tuple, argsrepr: str) -> str:
        task_id = str(uuid.uuid4())
        root_id, parent_id = task_id, None
        parent = app.current_worker_task  # as ``Celery.send_task``: a task's children share its root
        if parent is not None:
            root_id, parent_id = parent.request.root_id or parent.request.id, parent.request.id
        message = template.message
        headers = {**message["headers"], "id": task_id, "root_id": root_id, "parent_id": parent_id,
                   "argsrepr": argsrepr}  # fmt: skip
        properties = {**message["properties"], "correlation_id": task_id, "reply_to": app.thread_oid,
                      "delivery_tag": str(uuid.uuid4())}  # fmt: skip
        if "argsrepr" in properties:
            properties["argsrepr"] = argsrepr
        body = dumps([list(args), {}, template.embed]).encode()
        return dumps({**message, "body": base64.b64encode(body).decode(), "headers": headers, "properties": properties})


publisher = Publisher()


def publish(task, args: tuple) -> None:
    """Queue ``task(*args)`` after the transaction (``core.followups``)."""
    # ``argsrepr`` given: the arguments are ids and short strings, and Celery's own
    # ``saferepr`` (for logs and monitors) cost a quarter of a publish.
    publisher.publish(task, args, repr(args)[:1024])
