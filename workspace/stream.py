"""The live channel of the workspace (SPEC §7 "Live"): Server-Sent Events of the logged-in
user's own events (``core/live.py``), resumed from ``Last-Event-ID``.

One view serves both kinds of server: under ASGI (uvicorn, production and
``bench/live.py``) it streams from an async generator, so thousands of open pages cost no
threads; under WSGI (``runserver`` in ``make run``, the test server) it streams from a
blocking generator, one thread per open page. Django cannot stream an async iterator under
WSGI (it would buffer it whole), hence the two.

A stream ends after ``LIVE_STREAM_SECONDS``; the browser reconnects by itself with
``Last-Event-ID``, and the session (work hours, deactivation) is checked again."""

from __future__ import annotations

import json

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import JsonResponse, StreamingHttpResponse

from core.live import LiveEvent, Resync, live_stream, live_stream_async

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
    return int(raw) if raw.isdigit() else 0


def _release_database() -> None:
    """A stream reading Redis needs no database: give the request's connection back
    instead of holding one per open page (not inside a transaction: tests)."""
    if settings.REDIS_URL:
        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:
                connection.close()


async def events(request):
    user = await request.auser()
    if not (user.is_authenticated and user.is_active) or user.must_change_password:
        # 403 (not a redirect): EventSource stops reconnecting and the page shows why.
        return JsonResponse({"detail": "forbidden"}, status=403)
    after, seconds = _after(request), settings.LIVE_STREAM_SECONDS
    await sync_to_async(_release_database)()
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
