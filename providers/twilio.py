"""Twilio Programmable Messaging (SMS and WhatsApp): form-encoded webhooks signed with
``X-Twilio-Signature`` (base64 HMAC-SHA1 with the auth token of the full URL followed by
the POST parameters sorted by name, each name then value — Twilio's documented
algorithm, implemented here), inbound ``From``/``Body``/``MediaUrlN``, status callbacks
``MessageStatus``, sending through ``Messages.json`` (``TWILIO_API_BASE``).

Inbound media: every item (``NumMedia`` up to 10, ``MediaUrl0…9``) becomes its own message,
since a message holds one file: the first keeps the ``MessageSid`` and the body, the
others are ``<MessageSid>:<n>`` (idempotent one by one: a replay stores nothing new, a
replay after a partial failure stores what is missing), and the bot answers only the first.

Outbound files: Twilio takes no upload, only ``MediaUrl``, a public URL it fetches the file
from — a signed, expiring URL of Atende's own (``attendance/public_media.py``), so
``ATENDE_PUBLIC_URL`` must be set (without it the message fails, saying so). Limits: 5 MB
(MMS) on SMS, 16 MB on WhatsApp; the body goes as the caption (1600 characters on SMS,
1024 on WhatsApp, where audio takes none)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _

from attendance.models import Channel
from attendance.public_media import public_media_url
from core.text import whole_number

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
    media_size_check,
)
from .http import api_call, download, json_of

STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed", "undelivered": "failed"}
MEDIA_KINDS = {"image": "image", "audio": "audio", "video": "video"}
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
WHATSAPP_PREFIX = "whatsapp:"
MAX_MEDIA = 10
SEND_LIMITS = {"sms": 5 * 1024 * 1024, "whatsapp": 16 * 1024 * 1024}
CAPTION_LIMITS = {"sms": 1600, "whatsapp": 1024}


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
    try:
        port = parts.port
    except ValueError:  # a ``Host`` whose port is out of range: no signed URL has it
        return [url]
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, ""))
    with_port = urlunsplit((parts.scheme, f"{host}:{port or default}", parts.path, parts.query, ""))
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
        if not sid or len(sid) > 125:  # room for the ":<n>" of a second media item
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
        count = whole_number(params.get("NumMedia", "0"), max_digits=3)
        if count is None or count > MAX_MEDIA:
            raise MalformedPayload("NumMedia")
        network = "whatsapp" if sender.startswith(WHATSAPP_PREFIX) else "sms"
        name, text = params.get("ProfileName", "")[:150], params.get("Body", "")[:4096]
        messages = []
        for index in range(int(count)):
            url = params.get(f"MediaUrl{index}", "")
            if not url:
                raise MalformedPayload(f"MediaUrl{index}")
            mime = params.get(f"MediaContentType{index}", "")
            messages.append(InboundMessage(
                provider_message_id=sid if index == 0 else f"{sid}:{index}", network=network, address=number,
                display_name=name, text=text if index == 0 else "",
                kind=MEDIA_KINDS.get(mime.split("/")[0], "document"), media=MediaRef(ref=url, mime=mime),
                continuation=index > 0,
            ))  # fmt: skip
        if not messages and text.strip():
            messages.append(InboundMessage(provider_message_id=sid, network=network, address=number,
                                           display_name=name, text=text))  # fmt: skip
        return Parsed(messages=messages)

    def ack(self) -> HttpResponse:
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")

    def send(self, channel: Channel, outbound: Outbound) -> str:
        to = outbound.to if channel.network != "whatsapp" else WHATSAPP_PREFIX + outbound.to
        data = {"To": to, "From": channel.from_number, "Body": outbound.text}
        if outbound.media is not None:
            data.update(self._media(channel, outbound))
            if not outbound.text:
                del data["Body"]
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

    def caption_limit(self, channel: Channel, outbound: Outbound) -> int:
        if channel.network == "whatsapp" and outbound.kind == "audio":
            return 0
        return CAPTION_LIMITS.get(channel.network, CAPTION_LIMITS["sms"])

    def _media(self, channel: Channel, outbound: Outbound) -> dict:
        media_size_check(outbound.media.size, SEND_LIMITS.get(channel.network, SEND_LIMITS["sms"]), "Twilio")
        url = public_media_url(message_id=outbound.media.message_id)
        if not url:
            raise ProviderError(_("Twilio fetches files from a public address: set ATENDE_PUBLIC_URL to send them."),
                                permanent=True)  # fmt: skip
        return {"MediaUrl": url}

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
