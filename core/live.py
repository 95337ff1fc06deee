"""Live updates to the users' open pages (SPEC §7 "Live"): one publisher, two transports.

``live_publish(user_ids=…, event=…, data=…)`` is called after commit (the engine's
followups; ``live_publish_on_commit`` queues it). Every event gets an id that increases per
user, and each user keeps a bounded backlog (``LIVE_BACKLOG`` events), so a page that
reconnects with ``Last-Event-ID`` receives what it missed; when the backlog no longer
reaches back that far, the stream says ``resync`` and the page reloads its lists.

Transports (chosen by ``REDIS_URL``):

- **Redis** (production): one Lua script increments each user's counter, appends to the
  user's backlog list (trimmed) and PUBLISHes on the user's channel, atomically, for a
  whole batch of events in one round trip. Stream readers subscribe (a sync subscription per connection under
  WSGI; one pattern subscription per process shared by every connection under ASGI).
- **Database** (the embedded defaults of ``make run``): rows of ``core.LiveEvent``, whose
  global id is the event id; streams poll every ``LIVE_POLL_SECONDS``. Rows older than
  ``LIVE_DB_KEEP_SECONDS`` are pruned: they are a delivery buffer, not a record (the
  attendance's events and messages are the record).

Events (``data`` is small: the page fetches what it shows through the API):
``assigned`` {attendance}, ``message`` {attendance}, ``transferred_away`` {attendance},
``closed`` {attendance, reason}, ``status`` {attendance, status}, ``presence`` {state,
forced}, ``delivery`` {attendance, message, status[, error]}. This module imports nothing from the
engine; ``core.followups.live`` calls it after commit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db import transaction

from core.models import LiveEvent as Row

logger = logging.getLogger("atende.live")

SEQ_KEY = "atende:live:seq:{}"
LOG_KEY = "atende:live:log:{}"
CHANNEL = "atende:live:user:{}"
CHANNEL_PATTERN = "atende:live:user:*"
PRUNED_KEY = "atende:live:pruned"  # database transport: the highest id pruned

# KEYS: (seq, log, channel) of each user; ARGV: backlog size, backlog ttl, then per user the
# number of its events and their payloads, in order. A whole batch in one call.
PUBLISH_SCRIPT = """
local backlog, ttl, a = tonumber(ARGV[1]), tonumber(ARGV[2]), 3
for k = 1, #KEYS, 3 do
  local count = tonumber(ARGV[a])
  a = a + 1
  for _ = 1, count do
    local message = redis.call('INCR', KEYS[k]) .. ' ' .. ARGV[a]
    a = a + 1
    redis.call('RPUSH', KEYS[k + 1], message)
    redis.call('PUBLISH', KEYS[k + 2], message)
  end
  redis.call('LTRIM', KEYS[k + 1], -backlog, -1)
  redis.call('EXPIRE', KEYS[k + 1], ttl)
end
return 0
"""
# Events per script call: a batch of thousands is split so Redis is never held long.
PUBLISH_CHUNK = 500


@dataclass(frozen=True)
class LiveEvent:
    id: int
    event: str
    data: dict

    def sse(self) -> str:
        return f"id: {self.id}\nevent: {self.event}\ndata: {json.dumps(self.data, separators=(',', ':'))}\n\n"


def _redis_url() -> str:
    return getattr(settings, "REDIS_URL", "") or ""


def _decode(raw: bytes | str) -> LiveEvent:
    text = raw.decode() if isinstance(raw, bytes) else raw
    number, payload = text.split(" ", 1)
    body = json.loads(payload)
    return LiveEvent(int(number), body["event"], body["data"])


# Publishing ---------------------------------------------------------------------------------


def live_publish(*, user_ids: Iterable[int | None], event: str, data: dict) -> None:
    """Send ``event`` to each user's open pages. Never raises: a live update that cannot be
    sent is logged, and the page catches up when it next reconnects or refreshes."""
    live_publish_many((user_id, event, data) for user_id in set(user_ids))


def live_publish_many(items: Iterable[tuple[int | None, str, dict]]) -> None:
    """Several ``(user_id, event, data)`` at once (one Redis round trip): batches."""
    items = [(int(u), event, data) for u, event, data in items if u]
    if not items:
        return
    try:
        if _redis_url():
            _redis_publish(items)
        else:
            for user_id, event, data in items:
                _db_publish([user_id], event, data)
    except Exception:  # noqa: BLE001 - see live_publish
        logger.exception("%d live events not sent", len(items))


def _redis_publish(items: list[tuple[int, str, dict]]) -> None:
    """One script call per ``PUBLISH_CHUNK`` events, all in one round trip; each user's
    events keep their order."""
    script = _script(_sync_client())
    pipe = _sync_client().pipeline(transaction=False)
    for start in range(0, len(items), PUBLISH_CHUNK):
        by_user: dict[int, list[str]] = {}
        for user_id, event, data in items[start : start + PUBLISH_CHUNK]:
            payload = json.dumps({"event": event, "data": data}, separators=(",", ":"), default=str)
            by_user.setdefault(user_id, []).append(payload)
        keys, args = [], [settings.LIVE_BACKLOG, settings.LIVE_BACKLOG_SECONDS]
        for user_id, payloads in by_user.items():
            keys += [SEQ_KEY.format(user_id), LOG_KEY.format(user_id), CHANNEL.format(user_id)]
            args += [len(payloads), *payloads]
        script(keys=keys, args=args, client=pipe)
    pipe.execute()


def live_publish_many_on_commit(items: Iterable[tuple[int | None, str, dict]]) -> None:
    items = [item for item in items if item[0]]
    if items:
        transaction.on_commit(lambda: live_publish_many(items))


def live_publish_on_commit(*, user_ids: Iterable[int | None], event: str, data: dict) -> None:
    """``live_publish`` once the current transaction commits (at once outside one)."""
    users = [u for u in user_ids if u]
    if users:
        transaction.on_commit(lambda: live_publish(user_ids=users, event=event, data=data))


@lru_cache(maxsize=1)
def _sync_client():
    import redis

    return redis.Redis.from_url(_redis_url(), health_check_interval=30)


@lru_cache(maxsize=1)
def _script(client):
    return client.register_script(PUBLISH_SCRIPT)


def _db_publish(users: list[int], event: str, data: dict) -> None:
    from django.utils import timezone

    now = timezone.now()
    rows = Row.objects.bulk_create([Row(user_id=u, event=event, data=data, created_at=now) for u in users])
    if rows and rows[0].pk and rows[0].pk % 200 == 0:
        live_db_prune(before=now - timedelta(seconds=settings.LIVE_DB_KEEP_SECONDS))


def live_db_prune(*, before) -> int:
    """Remove delivered-or-stale rows older than ``before``; remembers the highest id
    removed (in the cache every process shares), so a stream resumed from an older id is
    told to resync."""
    from django.core.cache import cache

    old = Row.objects.filter(created_at__lt=before)
    highest = old.order_by("-pk").values_list("pk", flat=True).first()
    if highest is None:
        return 0
    cache.set(PRUNED_KEY, max(highest, cache.get(PRUNED_KEY) or 0), None)
    return Row.objects.filter(pk__lte=highest).delete()[0]


# Reading ------------------------------------------------------------------------------------


def live_last_id(user_id: int) -> int:
    """The user's latest event id (0 before any): where a freshly loaded page starts."""
    if _redis_url():
        return int(_sync_client().get(SEQ_KEY.format(user_id)) or 0)
    from django.core.cache import cache

    last = Row.objects.filter(user_id=user_id).order_by("-pk").values_list("pk", flat=True).first()
    if last:
        return last
    newest = Row.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return max(newest, cache.get(PRUNED_KEY) or 0)


def live_since(user_id: int, after: int) -> tuple[list[LiveEvent], bool]:
    """The user's events after ``after`` and whether some were lost (``resync`` needed)."""
    if _redis_url():
        client = _sync_client()
        raw, last = client.pipeline().lrange(LOG_KEY.format(user_id), 0, -1).get(SEQ_KEY.format(user_id)).execute()
        return _select([_decode(item) for item in raw], after, int(last or 0))
    rows = list(Row.objects.filter(user_id=user_id, pk__gt=after).order_by("pk")[: settings.LIVE_BACKLOG + 1])
    events = [LiveEvent(row.pk, row.event, row.data) for row in rows]
    # Pruning removes the oldest rows of every user: a client whose last id is older than
    # the highest id pruned may have lost some (maybe not: resyncing is the safe answer).
    from django.core.cache import cache

    lost = after < (cache.get(PRUNED_KEY) or 0)
    if len(events) > settings.LIVE_BACKLOG:
        return events[-settings.LIVE_BACKLOG :], True
    return events, lost


def _select(backlog: list[LiveEvent], after: int, last: int) -> tuple[list[LiveEvent], bool]:
    events = [e for e in backlog if e.id > after]
    if last > after and (not backlog or backlog[0].id > after + 1):
        return events, True  # the backlog starts after the client's last event: some are gone
    return events, False


# Streams (the SSE view formats them) -------------------------------------------------------------


@dataclass(frozen=True)
class Resync:
    """Events were lost: the page reloads its lists; its next id is ``id``."""

    id: int


Item = LiveEvent | Resync | None  # None: nothing happened for a while (keep-alive)


def _catch_up(user_id: int, after: int) -> list[LiveEvent | Resync]:
    events, lost = live_since(user_id, after)
    if lost:
        return [Resync(events[-1].id if events else live_last_id(user_id))]
    return list(events)


def _next_items(user_id: int, last: int, event: LiveEvent) -> list[LiveEvent | Resync]:
    if event.id > last + 1:  # something came in between: take it from the backlog
        return _catch_up(user_id, last)
    return [event] if event.id > last else []


def _tidy_connections() -> None:
    """Drop broken or expired connections between polls, as a request's end would (never
    inside a transaction: the tests run in one)."""
    from django.db import close_old_connections, connection

    if not connection.in_atomic_block:
        close_old_connections()


def live_stream(user_id: int, after: int, *, seconds: float) -> Iterator[Item]:
    """Blocking stream for WSGI servers: events after ``after`` for ``seconds``."""
    deadline = time.monotonic() + seconds
    keepalive = settings.LIVE_KEEPALIVE_SECONDS
    if not _redis_url():
        last, quiet_since = after, time.monotonic()
        try:
            while time.monotonic() < deadline:
                items = _catch_up(user_id, last)
                _tidy_connections()
                for item in items:
                    last, quiet_since = item.id, time.monotonic()
                    yield item
                if time.monotonic() - quiet_since >= keepalive:
                    quiet_since = time.monotonic()
                    yield None
                time.sleep(min(settings.LIVE_POLL_SECONDS, max(0.0, deadline - time.monotonic())))
        finally:
            _tidy_connections()
        return
    pubsub = _sync_client().pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(CHANNEL.format(user_id))
        last = after
        for item in _catch_up(user_id, after):
            last = item.id
            yield item
        quiet_since = time.monotonic()
        while (now := time.monotonic()) < deadline:
            message = pubsub.get_message(timeout=min(1.0, deadline - now))
            if message is not None and message["type"] == "message":
                event = _decode(message["data"])
                items = _next_items(user_id, last, event)
                for item in items:
                    last = item.id
                    yield item
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= keepalive:
                quiet_since = time.monotonic()
                yield None
    finally:
        pubsub.close()


async def live_stream_async(user_id: int, after: int, *, seconds: float) -> AsyncIterator[Item]:
    """The same stream for ASGI servers: one shared subscription per process (``_Hub``)."""
    from asgiref.sync import sync_to_async

    deadline = time.monotonic() + seconds
    keepalive = settings.LIVE_KEEPALIVE_SECONDS
    catch_up = sync_to_async(_catch_up, thread_sensitive=False)
    last = after
    if not _redis_url():
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            for item in await catch_up(user_id, last):
                last, quiet_since = item.id, time.monotonic()
                yield item
            if time.monotonic() - quiet_since >= keepalive:
                quiet_since = time.monotonic()
                yield None
            await asyncio.sleep(settings.LIVE_POLL_SECONDS)
        return
    hub = await _Hub.get()
    queue = hub.join(user_id)
    try:
        for item in await catch_up(user_id, after):
            last = item.id
            yield item
        while (now := time.monotonic()) < deadline:
            try:
                event = await asyncio.wait_for(queue.get(), timeout=min(keepalive, deadline - now))
            except TimeoutError:
                yield None
                continue
            if event is None or event.id > last + 1:  # the hub reconnected, or a gap: read the backlog
                items = await catch_up(user_id, last)
            else:
                items = [event] if event.id > last else []
            for item in items:
                last = item.id
                yield item
    finally:
        hub.leave(user_id, queue)


class _Hub:
    """A process's single Redis pattern subscription, fanned out to its open streams."""

    _instances: dict[int, _Hub] = {}

    def __init__(self) -> None:
        self.queues: dict[int, set[asyncio.Queue]] = {}
        self.ready = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._run())

    @classmethod
    async def get(cls) -> _Hub:
        loop = asyncio.get_running_loop()
        hub = cls._instances.get(id(loop))
        if hub is None or hub.task.done():
            hub = cls._instances[id(loop)] = cls()
        await asyncio.wait_for(hub.ready.wait(), timeout=10)
        return hub

    def join(self, user_id: int) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        self.queues.setdefault(user_id, set()).add(queue)
        return queue

    def leave(self, user_id: int, queue: asyncio.Queue) -> None:
        queues = self.queues.get(user_id, set())
        queues.discard(queue)
        if not queues:
            self.queues.pop(user_id, None)

    def _tell(self, user_id: int, event: LiveEvent | None) -> None:
        for queue in self.queues.get(user_id, ()):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                pass  # a stuck reader: it will find the gap and catch up from the backlog

    async def _run(self) -> None:
        import redis.asyncio as aioredis

        prefix = CHANNEL.format("")
        while True:
            client = aioredis.Redis.from_url(_redis_url())
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(CHANNEL_PATTERN)
                if self.ready.is_set():  # a reconnection: every stream re-reads its backlog
                    for user_id in list(self.queues):
                        self._tell(user_id, None)
                self.ready.set()
                async for message in pubsub.listen():
                    if message["type"] != "pmessage":
                        continue
                    channel = message["channel"].decode()
                    self._tell(int(channel[len(prefix) :]), _decode(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - Redis went away: reconnect, streams catch up
                logger.warning("live hub lost Redis; reconnecting", exc_info=True)
                await asyncio.sleep(1)
            finally:
                await pubsub.aclose()
                await client.aclose()
