"""The floor of SPEC §12 P7/P9's ratio: a bare Django view that looks the channel up and
inserts one row, served by the same gunicorn as the product in the same run.

Bench-only: it is reachable only through ``bench.settings_inbound`` (``ROOT_URLCONF =
"bench.bare_inbound"``), never through ``config.urls``. The row goes into
``bench_bare_message``, a table ``bench/inbound.py`` creates in its own database."""

from __future__ import annotations

import hashlib

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as product_urlpatterns

LOOKUP_BY_TOKEN = "SELECT id FROM attendance_channel WHERE token_hash = %s AND is_active"
LOOKUP_BY_PUBLIC_ID = "SELECT id FROM attendance_channel WHERE public_id = %s AND is_active"
INSERT = "INSERT INTO bench_bare_message (channel_id, body, created_at) VALUES (%s, %s, now())"


def _store(lookup: str, key: str, body: bytes) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(lookup, [key])
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"detail": "unknown channel"}, status=401)
        cursor.execute(INSERT, [row[0], body.decode("utf-8", "replace")])
    return JsonResponse({"ok": True})


@csrf_exempt
def bare_generic(request):
    """Bearer token → channel (one SELECT), one INSERT of the raw body."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return _store(LOOKUP_BY_TOKEN, hashlib.sha256(token.encode()).hexdigest(), request.body)


@csrf_exempt
def bare_webhook(request, public_id: str):
    """Public id → channel (one SELECT), one INSERT of the raw body."""
    return _store(LOOKUP_BY_PUBLIC_ID, public_id, request.body)


urlpatterns = [
    *product_urlpatterns,
    path("bench/bare/", bare_generic),
    path("bench/bare/<str:public_id>/", bare_webhook),
]
