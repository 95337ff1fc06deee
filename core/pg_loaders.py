"""PostgreSQL timestamps read by psycopg's C loader (``psycopg[binary]``), and psycopg's
parsed queries kept for the engine's long statements (``keep_long_parsed_queries``).

Django (5.2) reads every ``timestamptz`` through a subclass of psycopg's *pure-Python*
``TimestamptzLoader`` (``django.db.backends.postgresql.psycopg_any.BaseTzLoader``): a
regular expression and a dozen Python calls per value. The engine's hot paths read
thousands of rows with several timestamps each (the timer sweep claims 500 attendances of
eight timestamps per batch): with this loader a fired timer spends 0.35 ms of Python
instead of 0.41 ms (``bench/timers.py --profile``).

``TzLoader`` has Django's semantics (the value in ``timezone``, the connection's) with
the parsing done by psycopg's C loader. It is registered on each new connection (the
``connection_created`` signal) with the same ``timezone`` attribute that Django's cursor
compares, so Django keeps it. Without the C implementation (``psycopg`` pure Python),
nothing is registered and Django's loader stays.
"""

from __future__ import annotations

import functools

from psycopg import adapt, adapters, pq
from psycopg.postgres import types

_OID = types["timestamptz"].oid
_C_LOADER = adapters.get_loader(_OID, pq.Format.TEXT)
C_AVAILABLE = pq.__impl__ in ("c", "binary") and _C_LOADER.__module__.startswith(("psycopg_binary", "psycopg_c"))


def tz_loader_class(tz):
    """A loader class reading ``timestamptz`` text as aware datetimes in ``tz``."""

    class TzLoader(adapt.Loader):
        timezone = tz

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._parse = _C_LOADER(oid, context).load

        def load(self, data):
            return self._parse(data).replace(tzinfo=tz)

    return TzLoader


def use_c_timestamp_loader(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: on PostgreSQL, read timestamps with the C loader."""
    if connection.vendor != "postgresql" or not C_AVAILABLE:
        return
    connection.connection.adapters.register_loader("timestamptz", _loader_for(connection.timezone))


@functools.cache
def _loader_for(tz):
    return tz_loader_class(tz)


# psycopg turns a query's ``%s`` into PostgreSQL's ``$n`` in Python (a regular expression
# over the text) and keeps the result (an LRU of 128 queries) only for queries of at most
# 4,096 bytes and 50 parameters, so that ORM-made ``VALUES`` lists of every length do not
# fill it. The engine's set-based statements (``core.bulk``) are built once per shape and
# run on every message: a first message's customer, history record and attendance
# (``insert_linked``, 58 parameters) were parsed again each time, about a tenth of that
# request's CPU (``bench/inbound_profile.py``). The limits are raised; the LRU still
# bounds what is kept.
QUERY_CACHE_MAX_LENGTH = 16_384
QUERY_CACHE_MAX_PARAMS = 256


def keep_long_parsed_queries() -> bool:
    """Raise psycopg's limits of the parsed-query cache (``False``: this psycopg has none
    of that name, and ``tests/core/test_pg_loaders.py`` says so)."""
    from psycopg import _queries

    if not hasattr(_queries, "MAX_CACHED_STATEMENT_LENGTH") or not hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS"):
        return False
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, QUERY_CACHE_MAX_LENGTH)
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, QUERY_CACHE_MAX_PARAMS)
    return True
