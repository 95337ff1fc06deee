"""Celery's Redis transport, with one client per channel for publishing.

Kombu's Redis channel builds a new ``redis.Redis`` object for every message it publishes
(``Channel._create_client``); redis-py fills two dictionaries of response callbacks in
each, which cost about a quarter of a task's publishing CPU — on the inbound hot path,
where every bot answer queues its delivery (SPEC §12 P7). The client holds no
connection of its own (they come from the channel's pool, which is unchanged), so one
per channel is reused; the asynchronous clients of a consuming worker are kombu's own.
Selected by ``CELERY_BROKER_TRANSPORT`` whenever ``REDIS_URL`` is set.
"""

from __future__ import annotations

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _sync_client = None  # (the pool it was built on, the client)

    def _create_client(self, asynchronous=False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        pool = self.pool
        if self._sync_client is None or self._sync_client[0] is not pool:
            self._sync_client = (pool, super()._create_client())
        return self._sync_client[1]


class Transport(kombu_redis.Transport):
    Channel = Channel
