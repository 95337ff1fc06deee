"""Twilio Programmable Messaging (SMS and WhatsApp): form-encoded webhooks signed with
``X-Twilio-Signature`` (base64 HMAC-SHA1 with the auth token of the full URL followed by
the POST parameters sorted by name, each name then value — Twilio's documented
algorithm, implemented here), inbound ``From``/``Body``/``MediaUrlN``, status callbacks
``MessageStatus``, sending through ``Messages.json`` (``TWILIO_API_BASE``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _

from ..models import Channel
from .base import (
    FetchedMedia,
    InboundMessage,
    MalformedPayload,
    MediaRef,
    Outbound,
    Parsed,
    Provider,
    ProviderError,  # fmt: skip
    StatusUpdate,
)
from .http import api_call, download, json_of

STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed", "undelivered": "failed"}
MEDIA_KINDS = {"image": "image", "audio": "audio", "video": "video"}
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
WHATSAPP_PREFIX = "whatsapp:"


def twilio_signature(auth_token: str, url: str, params: QueryDict | dict) -> str:
    """Twilio's request signature of ``url`` and the POST ``params``."""
    data = url
    getlist = params.getlist if isinstance(params, QueryDict) else (lambda key: [params[key]])
    for name in sorted(set(params)):
        for value in sorted(set(getlist(name))):
            data += name + value
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """The URL as Twilio may have signed it: with and without the default port."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, ""))
    with_port = urlunsplit((parts.scheme, f"{host}:{parts.port or default}", parts.path, parts.query, ""))
    return list(dict.fromkeys([url, bare, with_port]))


def _accounts_url(channel: Channel, tail: str) -> str:
    return f"{settings.TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/{channel.account_sid}{tail}"


def _error_text(response) -> str:
    return str(json_of(response).get("message") or response.reason or response.status_code)[:200]


class Twilio(Provider):
    key = "twilio"
    webhook_content_type = "application/x-www-form-urlencoded"

    def signature_valid(self, channel: Channel, request: HttpRequest) -> bool:
        given = request.headers.get("X-Twilio-Signature", "")
        if not channel.auth_token or not given:
            return False
        params = request.POST if request.content_type == self.webhook_content_type else QueryDict()
        return any(
            hmac.compare_digest(given.encode(), twilio_signature(channel.auth_token, url, params).encode())
            for url in _url_variants(request.build_absolute_uri())
        )

    def parse(self, channel: Channel, request: HttpRequest) -> Parsed:
        if request.content_type != self.webhook_content_type:
            raise MalformedPayload("content type")
        params = request.POST
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        if not sid or len(sid) > 128:
            raise MalformedPayload("MessageSid")
        if "MessageStatus" in params:
            status = STATUSES.get(params["MessageStatus"])
            error = params.get("ErrorMessage") or params.get("ErrorCode") or ""
            return Parsed(statuses=[StatusUpdate(provider_message_id=sid, status=status, error=error[:300])]
                          if status else [])  # fmt: skip
        sender = params.get("From", "")
        number = sender.removeprefix(WHATSAPP_PREFIX)
        if not number.startswith("+") or not number[1:].isdigit():
            raise MalformedPayload("From")
        count = params.get("NumMedia", "0")
        if not count.isdigit() or int(count) > 10:
            raise MalformedPayload("NumMedia")
        message = InboundMessage(
            provider_message_id=sid, network="whatsapp" if sender.startswith(WHATSAPP_PREFIX) else "sms",
            address=number, display_name=params.get("ProfileName", "")[:150], text=params.get("Body", "")[:4096],
        )  # fmt: skip
        if int(count):
            url = params.get("MediaUrl0", "")
            if not url:
                raise MalformedPayload("MediaUrl0")
            mime = params.get("MediaContentType0", "")
            message.kind = MEDIA_KINDS.get(mime.split("/")[0], "document")
            message.media = MediaRef(ref=url, mime=mime)
        if message.media is None and not message.text.strip():
            return Parsed()
        return Parsed(messages=[message])

    def ack(self) -> HttpResponse:
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")

    def send(self, channel: Channel, outbound: Outbound) -> str:
        to = outbound.to if channel.network != "whatsapp" else WHATSAPP_PREFIX + outbound.to
        data = {"To": to, "From": channel.from_number, "Body": outbound.text}
        if settings.ATENDE_PUBLIC_URL:
            data["StatusCallback"] = channel.webhook_url()
        response = api_call("POST", _accounts_url(channel, "/Messages.json"), data=data,
                            auth=(channel.account_sid, channel.auth_token))  # fmt: skip
        if response.status_code >= 500 or response.status_code == 429:
            response.raise_for_status()
        if response.status_code >= 400:
            raise ProviderError(_("Twilio refused the message: %(error)s") % {"error": _error_text(response)},
                                permanent=True)  # fmt: skip
        return str(json_of(response).get("sid") or "")

    def fetch_media(self, channel: Channel, media: MediaRef) -> FetchedMedia:
        extension = media.mime.split("/")[-1] if "/" in media.mime else "bin"
        return download(media.ref, auth=(channel.account_sid, channel.auth_token),
                        filename=f"media.{extension}", mime=media.mime)  # fmt: skip

    def test_connection(self, channel: Channel) -> str:
        if not (channel.account_sid and channel.auth_token):
            raise ProviderError(_("Fill in the account SID and the auth token."))
        response = api_call("GET", _accounts_url(channel, ".json"), auth=(channel.account_sid, channel.auth_token))
        if response.status_code != 200:
            raise ProviderError(_("Twilio answered %(status)s: %(error)s")
                                % {"status": response.status_code, "error": _error_text(response)})  # fmt: skip
        info = json_of(response)
        return f"{info.get('friendly_name', '')} ({info.get('status', '')})"
