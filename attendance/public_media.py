"""Signed, expiring public URLs of outbound message files, for providers that fetch a
file by URL instead of taking an upload (Twilio's ``MediaUrl``).

``public_media_url(message_id=…)`` is ``ATENDE_PUBLIC_URL`` +
``/public-media/<message id>/<expires>/<signature>/``: the signature is an HMAC-SHA256
(``django.utils.crypto.salted_hmac``, keyed by ``SECRET_KEY``) of the message id and the
expiry (Unix seconds, ``PUBLIC_MEDIA_URL_SECONDS`` ahead). ``public_media`` serves the file
to whoever holds such a URL until it expires — no session, no cookie — and answers 404 to
anything else (a wrong or expired signature, a message without a file), so a URL cannot be
guessed or altered. Only files of messages sent *to* customers are served this way.
"""

from __future__ import annotations

import hmac
import time

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_safe

from .models import Direction, Message

SALT = "atende.public-media"


def _signature(message_id: int, expires: int) -> str:
    return salted_hmac(SALT, f"{message_id}:{expires}", algorithm="sha256").hexdigest()


def public_media_path(*, message_id: int, now: float | None = None) -> str:
    expires = int((time.time() if now is None else now) + settings.PUBLIC_MEDIA_URL_SECONDS)
    return reverse("public-media", args=[message_id, expires, _signature(message_id, expires)])


def public_media_url(*, message_id: int) -> str:
    """The absolute URL, or ``""`` when ``ATENDE_PUBLIC_URL`` is not set (no public address)."""
    base = settings.ATENDE_PUBLIC_URL.rstrip("/")
    return base + public_media_path(message_id=message_id) if base else ""


def signature_valid(message_id: int, expires: int, signature: str) -> bool:
    if expires < time.time():
        return False
    return hmac.compare_digest(signature.encode(), _signature(message_id, expires).encode())


@require_safe
def public_media(request: HttpRequest, pk: int, expires: int, signature: str) -> HttpResponse:
    if not signature_valid(pk, expires, signature):
        raise Http404
    message = Message.objects.filter(pk=pk, direction=Direction.OUTBOUND).exclude(media="").first()
    if message is None:
        raise Http404
    if not isinstance(default_storage, FileSystemStorage):
        return HttpResponseRedirect(default_storage.url(message.media.name))  # signed, short-lived
    try:
        handle = default_storage.open(message.media.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, filename=message.media_name or None, content_type=message.media_mime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
