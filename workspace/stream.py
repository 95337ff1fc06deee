"""The live channel of the workspace (SPEC §7 "Live"): Server-Sent Events of the logged-in
user's own events (``core/live.py``), resumed from ``Last-Event-ID``.

One view serves both kinds of server: under ASGI (uvicorn, production and
``bench/live.py``) it streams from an async generator, so thousands of open pages cost no
threads; under WSGI (``runserver`` in ``make run``, the test server) it streams from a
blocking generator, one thread per open page. Django cannot stream an async iterator under
WSGI (it would buffer it whole), hence the two.

A stream ends after ``LIVE_STREAM_SECONDS``; the browser reconnects by itself with
``Last-Event-ID``, and the session (work hours, deactivation) is checked again.

Opening a stream reads the session and the user from the database, then gives the
connection back. Under ASGI each request runs that in its own thread with its own
connection, so a burst of reconnections (a server restart: every open page at once)
would open as many connections as pages and exceed PostgreSQL's ``max_connections``;
``LIVE_STREAM_DB_SLOTS`` bounds how many streams open at the same time."""

from __future__ import annotations

import asyncio
import json
import weakref

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import JsonResponse, StreamingHttpResponse

from core.live import LiveEvent, Resync, live_stream, live_stream_async
from core.text import whole_number
from users.selectors import user_is_within_work_hours

RETRY_MS = 2000


def _format(item) -> str:
    if isinstance(item, LiveEvent):
        return item.sse()
    if isinstance(item, Resync):
        return f"id: {item.id}\nevent: resync\ndata: {{}}\n\n"
    return ": keep-alive\n\n"


def _start(after: int) -> str:
    # The first bytes go out at once: proxies and browsers see the stream open.
    return f"retry: {RETRY_MS}\nevent: ready\ndata: {json.dumps({'after': after})}\n\n"


def _after(request) -> int:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or "0"
    return whole_number(raw) or 0


def _release_database() -> None:
    """A stream reading Redis needs no database: give the request's connection back
    instead of holding one per open page (not inside a transaction: tests)."""
    if settings.REDIS_URL:
        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:
                connection.close()


def _user_of(request):
    """The session's user if they may have a stream now (``users.middleware``'s rules:
    active, within work hours, password changed), read and the connection given back in
    the same thread."""
    try:
        user = request.user
        allowed = (user.is_authenticated and user.is_active and not user.must_change_password
                   and user_is_within_work_hours(user=user))  # fmt: skip
        return user if allowed else None
    finally:
        _release_database()


# One semaphore per event loop (a uvicorn worker has one); weak keys, so a loop that ends
# (tests run several) takes its semaphore with it and a new loop never inherits it.
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _opening_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(settings.LIVE_STREAM_DB_SLOTS)
    return _slots[loop]


async def events(request):
    async with _opening_slots():
        user = await sync_to_async(_user_of)(request)
    if user is None:
        # 403 (not a redirect): EventSource stops reconnecting and the page shows why.
        return JsonResponse({"detail": "forbidden"}, status=403)
    after, seconds = _after(request), settings.LIVE_STREAM_SECONDS
    if isinstance(request, ASGIRequest):

        async def body():
            yield _start(after)
            async for item in live_stream_async(user.pk, after, seconds=seconds):
                yield _format(item)

    else:

        def body():
            yield _start(after)
            for item in live_stream(user.pk, after, seconds=seconds):
                yield _format(item)

    response = StreamingHttpResponse(body(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response
