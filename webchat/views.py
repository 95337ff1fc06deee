"""The visitor API under ``/webchat/<public id>/`` (SPEC §15) and the widget's script.

CORS is scoped to these paths and to the channel's ``allowed_origins``: a request whose
``Origin`` (or, for a same-site ``GET`` such as ``EventSource``, whose ``Referer``) is not
allowed gets 403 before anything is read or written. Every answer is JSON with a
Portuguese ``detail`` on errors, never a page."""

from __future__ import annotations

import asyncio
import json
import time
from functools import wraps
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from attendance.engine_cache import engine_channel_public
from attendance.models import Channel, Provider
from core.text import whole_number

from . import services
from .services import IdentityRefused, RateLimited

STREAM_SECONDS = 25
STREAM_POLL_SECONDS = 1.0
ALLOWED_METHODS = "GET, POST, OPTIONS"


def _origin_of(request: HttpRequest) -> str:
    origin = request.headers.get("Origin", "")
    if not origin and request.method == "GET" and request.headers.get("Referer"):
        parts = urlsplit(request.headers["Referer"])
        origin = f"{parts.scheme}://{parts.netloc}"
    return origin.rstrip("/")


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    return response


def _detail(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"detail": str(message), **extra}, status=status)


def visitor_api(view):
    """Find the active web chat channel (404), answer the CORS preflight, refuse other
    origins with 403 (nothing written) and add the CORS headers to the answer."""

    @csrf_exempt  # no cookies: the visitor token in the header is the credential
    @wraps(view)
    def wrapper(request: HttpRequest, public_id: str, *args, **kwargs):
        channel = engine_channel_public(public_id[:32])
        if channel is None or channel.provider != Provider.WEBCHAT:
            return _detail(404, _("Unknown web chat."))
        origin = _origin_of(request)
        if origin not in channel.origins:
            return _detail(403, _("This site may not use this web chat."))
        if request.method == "OPTIONS":
            return _cors(HttpResponse(status=204), origin)
        try:
            response = view(request, channel, *args, **kwargs)
        except RateLimited as error:
            response = _detail(429, str(error))
        except IdentityRefused:
            response = _detail(403, services.IDENTITY_REFUSED)
        except ValidationError as error:
            problems = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            first = next(iter(problems.values()))[0]
            response = _detail(400, first, errors=problems)
        return _cors(response, origin)

    return wrapper


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or ""


def _session(request: HttpRequest, channel: Channel, token: str | None = None):
    if token is None:
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    return services.session_for_token(channel, token)


def _json_body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(_("The request is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ValidationError(_("The request is not valid JSON."))
    return data


def _unauthorised() -> JsonResponse:
    return _detail(401, _("Your conversation expired. Reload the page to start a new one."))


@visitor_api
def sessions(request: HttpRequest, channel: Channel) -> HttpResponse:
    """``POST``: the pre-chat form → 201 ``{visitor_token, customer}``; ``GET`` with the
    token: the channel's look and the conversation's state (the widget on a reload)."""
    if request.method == "GET":
        session = _session(request, channel)
        state = services.conversation_state(session) if session is not None else None
        return JsonResponse({"channel": _look(channel), "state": state,
                             "customer": _customer(session) if session else None})  # fmt: skip
    if request.method != "POST":
        return _detail(405, _("Method not allowed."))
    services.rate_limit("session", _address(request), services.SESSIONS_PER_MINUTE)
    started = services.session_start(channel=channel, data=_json_body(request), address=_address(request) or None)
    return JsonResponse({"visitor_token": started.token, "customer": _customer(started.session)}, status=201)


def _customer(session) -> dict:
    return {"name": session.customer.display_name, "identified": bool(session.identity_id)}


def _look(channel: Channel) -> dict:
    return {
        "title": channel.title or channel.name, "greeting": channel.greeting, "color": channel.color or "#0b5cad",
        "prechat": channel.prechat_fields or {}, "consent_text": channel.consent_text,
        "open_hours": services.conversation_state_of_channel(channel)["open_hours"],
    }  # fmt: skip


@visitor_api
def messages(request: HttpRequest, channel: Channel) -> HttpResponse:
    session = _session(request, channel)
    if session is None:
        return _unauthorised()
    if request.method == "GET":
        after = whole_number(request.GET.get("after") or "0") or 0
        rows = services.visible_messages(session, after=after)
        return JsonResponse({"results": [services.message_json(m) for m in rows],
                             "state": services.conversation_state(session)})  # fmt: skip
    if request.method != "POST":
        return _detail(405, _("Method not allowed."))
    services.rate_limit("message", f"{session.pk}", services.MESSAGES_PER_MINUTE)
    services.rate_limit("message-address", _address(request), services.ADDRESS_MESSAGES_PER_MINUTE)
    if request.content_type == "multipart/form-data":
        message = services.visitor_send(session=session, text=request.POST.get("text", ""),
                                        upload=request.FILES.get("file"))  # fmt: skip
    else:
        message = services.visitor_send(session=session, text=str(_json_body(request).get("text") or ""))
    return JsonResponse(services.message_json(message), status=201)


@visitor_api
def typing(request: HttpRequest, channel: Channel) -> HttpResponse:
    session = _session(request, channel)
    if session is None:
        return _unauthorised()
    if request.method != "POST":
        return _detail(405, _("Method not allowed."))
    services.visitor_typing(session=session)
    return HttpResponse(status=204)


@visitor_api
def close(request: HttpRequest, channel: Channel) -> HttpResponse:
    """ "Encerrar conversa"."""
    session = _session(request, channel)
    if session is None:
        return _unauthorised()
    if request.method != "POST":
        return _detail(405, _("Method not allowed."))
    closed = services.visitor_close(session=session)
    return JsonResponse({"closed": closed, "state": services.conversation_state(session)})


class _Poll:
    """One look at what is new for the visitor: messages after the last one sent, and the
    state when it changed; a keep-alive comment when nothing is."""

    def __init__(self, session, after: int):
        self.session, self.last, self.state = session, after, None

    def round(self) -> str:
        parts = []
        for message in services.visible_messages(self.session, after=self.last):
            self.last = message.pk
            parts.append(f"id: {self.last}\nevent: message\ndata: {json.dumps(services.message_json(message))}\n\n")
        current = services.conversation_state(self.session)
        if current != self.state:
            self.state = current
            parts.append(f"event: state\ndata: {json.dumps(current)}\n\n")
        return "".join(parts) or ": keep-alive\n\n"

    def round_in_pool(self) -> str:
        """ASGI: a round in any thread of the pool, whose connection follows ``CONN_MAX_AGE``."""
        try:
            return self.round()
        finally:
            close_old_connections()


@visitor_api
def events(request: HttpRequest, channel: Channel) -> HttpResponse:
    """Server-Sent Events (the token in the query: ``EventSource`` sends no headers):
    ``message`` for each new message the visitor may read, ``state`` when the
    conversation's state (status, survey question, hours) changes. The stream ends after
    ``STREAM_SECONDS``; the browser reconnects with ``Last-Event-ID`` (the last message id)."""
    session = _session(request, channel, token=request.GET.get("token", ""))
    if session is None:
        return _unauthorised()
    after = whole_number(request.headers.get("Last-Event-ID") or request.GET.get("after") or "0") or 0

    poll = _Poll(session, after)
    if isinstance(request, ASGIRequest):
        # Under ASGI (production) an async generator: Django would buffer a sync one whole.

        async def body():
            yield "retry: 2000\n\n"
            deadline = time.monotonic() + STREAM_SECONDS
            while True:
                yield await sync_to_async(poll.round_in_pool, thread_sensitive=False)()
                if time.monotonic() >= deadline:
                    return
                await asyncio.sleep(STREAM_POLL_SECONDS)

    else:

        def body():
            yield "retry: 2000\n\n"
            deadline = time.monotonic() + STREAM_SECONDS
            while True:
                yield poll.round()
                if time.monotonic() >= deadline:
                    return
                time.sleep(STREAM_POLL_SECONDS)

    response = StreamingHttpResponse(body(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"
    return response


def widget(request: HttpRequest, public_id: str) -> HttpResponse:
    """The embed script: the static widget with its API base in front. Any site may load
    the script; only the allowed origins may use the API."""
    channel = engine_channel_public(public_id[:32])
    if channel is None or channel.provider != Provider.WEBCHAT:
        return HttpResponse("/* Atende: unknown web chat */", content_type="text/javascript", status=404)
    with open(finders.find("webchat/widget.js"), encoding="utf-8") as handle:
        source = handle.read()
    base = request.build_absolute_uri(f"/webchat/{channel.public_id}/")
    # The host page may have set ``window.AtendeWebchat.identity`` before the line: kept.
    head = f"window.AtendeWebchat=Object.assign(window.AtendeWebchat||{{}},{json.dumps({'base': base})});"
    response = HttpResponse(f"{head}\n{source}", content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def demo(request: HttpRequest) -> HttpResponse:
    """A sample host page with the demo channel's widget (``make run``)."""
    channels = Channel.objects.filter(provider=Provider.WEBCHAT, is_active=True)
    chosen = request.GET.get("channel", "")[:32]
    channel = (channels.filter(public_id=chosen).first() if chosen else None) or channels.order_by("pk").first()
    return render(request, "webchat/demo.html", {"channel": channel})
