"""WhatsApp Cloud API (Meta): webhooks signed with ``X-Hub-Signature-256``, the ``GET``
verification handshake, messages and statuses under ``entry[].changes[].value``, and
sending through ``POST /<phone_number_id>/messages`` (``WHATSAPP_CLOUD_API_BASE``).

Outbound files are uploaded (``POST /<phone_number_id>/media``, multipart) and sent by
the returned media id, not by link: Atende's media are private (served only to users who
may see the attendance), so a link would need a public, unauthenticated URL that Meta's
servers can reach — the upload works behind a firewall and without ``ATENDE_PUBLIC_URL``,
and Meta keeps the uploaded file for 30 days. A retried delivery uploads again (harmless).
A file of a type WhatsApp does not take for its kind (a GIF or WebP image, a WebM
video…) goes as a document, which takes any type."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from attendance.models import Channel
from core.parsers import UnreadableBody, read_json
from core.text import whole_number

from .base import (
    FetchedMedia,
    InboundMessage,
    MalformedPayload,
    MediaRef,
    Outbound,
    OutboundMedia,
    Parsed,
    Provider,
    ProviderError,  # fmt: skip
    StatusUpdate,
    media_size_check,
)
from .http import api_call, download, json_of

MEDIA_KINDS = {"image": "image", "sticker": "image", "audio": "audio", "voice": "audio", "video": "video",
               "document": "document"}  # fmt: skip
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}
# Outbound media (Cloud API "Supported media types"): the types each message type takes,
# the largest file per type, and the caption (audio takes none).
SEND_TYPES = {
    "image": {"image/jpeg", "image/png"},
    "audio": {"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"},
    "video": {"video/mp4", "video/3gpp"},
}
MIME_ALIASES = {"audio/m4a": "audio/mp4", "audio/x-m4a": "audio/mp4"}
SEND_LIMITS = {"image": 5 * 1024 * 1024, "audio": 16 * 1024 * 1024, "video": 16 * 1024 * 1024,
               "document": 100 * 1024 * 1024}  # fmt: skip
CAPTION_LIMIT = 1024


def _base() -> str:
    return settings.WHATSAPP_CLOUD_API_BASE.rstrip("/")


def _error_text(response) -> str:
    error = json_of(response).get("error") or {}
    return str(error.get("message") or response.reason or response.status_code)[:200]


def _str(value, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedPayload(what)
    return value


def _dict(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise MalformedPayload(what)
    return value


def _list(value, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload(what)
    return value


def location_text(location: dict) -> str:
    """A location as text: the coordinates and a map link (and its name and address)."""
    lat, lng = location.get("latitude"), location.get("longitude")
    if not isinstance(lat, int | float) or not isinstance(lng, int | float) or isinstance(lat, bool):
        raise MalformedPayload("location")
    label = " — ".join(str(part) for part in (location.get("name"), location.get("address")) if part)
    text = _("Location: %(lat)s, %(lng)s") % {"lat": lat, "lng": lng}
    return f"{text}{' (' + label + ')' if label else ''}\nhttps://maps.google.com/?q={lat},{lng}"


def reply_text(reply_id: str, title: str) -> str:
    """An interactive reply answers the bot's menu: its id when it is a menu key (1–99),
    else its title (the menu also accepts an option's label)."""
    return reply_id if whole_number(reply_id, max_digits=2) is not None else (title or reply_id)


class WhatsAppCloud(Provider):
    key = "whatsapp_cloud"

    def handshake(self, channel: Channel, request: HttpRequest) -> HttpResponse | None:
        mode, token = request.GET.get("hub.mode"), request.GET.get("hub.verify_token", "")
        if (
            mode == "subscribe"
            and channel.verify_token
            and hmac.compare_digest(token.encode(), channel.verify_token.encode())
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponse(status=403)

    def signature_valid(self, channel: Channel, request: HttpRequest) -> bool:
        header = request.headers.get("X-Hub-Signature-256", "")
        if not channel.app_secret or not header.startswith("sha256="):
            return False
        expected = hmac.new(channel.app_secret.encode(), request.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(header[7:].encode(), expected.encode())

    def parse(self, channel: Channel, request: HttpRequest) -> Parsed:
        try:
            payload = read_json(request.body)  # the API's hardened reader: depth, surrogates
        except UnreadableBody:
            raise MalformedPayload("json") from None
        parsed = Parsed()
        entries = _dict(payload, "payload").get("entry")
        if not isinstance(entries, list):
            raise MalformedPayload("entry")
        for entry in entries:
            for change in _list(_dict(entry, "entry").get("changes"), "changes"):
                change = _dict(change, "change")
                if change.get("field", "messages") != "messages":
                    continue
                value = _dict(change.get("value"), "value")
                account = str(_dict(value.get("metadata") or {}, "metadata").get("phone_number_id") or "")
                names = {}
                for contact in _list(value.get("contacts"), "contacts"):
                    contact = _dict(contact, "contact")
                    profile = _dict(contact.get("profile") or {}, "profile")
                    names[str(contact.get("wa_id", ""))] = str(profile.get("name") or "")[:150]
                for item in _list(value.get("messages"), "messages"):
                    message = self._message(_dict(item, "message"), names)
                    if message is not None:
                        message.account = account
                        parsed.messages.append(message)
                for item in _list(value.get("statuses"), "statuses"):
                    status = self._status(_dict(item, "status"))
                    if status is not None:
                        status.account = account
                        parsed.statuses.append(status)
        return parsed

    def _message(self, item: dict, names: dict) -> InboundMessage | None:
        sender = _str(item.get("from"), "from")
        if not sender.lstrip("+").isdigit():
            raise MalformedPayload("from")
        message = InboundMessage(
            provider_message_id=_str(item.get("id"), "id")[:128], network="whatsapp",
            address="+" + sender.lstrip("+"), display_name=names.get(sender, ""),
        )  # fmt: skip
        kind = _str(item.get("type"), "type")
        if kind == "text":
            message.text = str(_dict(item.get("text"), "text").get("body") or "")
        elif kind in MEDIA_KINDS:
            media = _dict(item.get(kind), kind)
            message.kind = MEDIA_KINDS[kind]
            message.text = str(media.get("caption") or "")
            message.media = MediaRef(ref=_str(media.get("id"), "media id"), mime=str(media.get("mime_type") or ""),
                                     filename=str(media.get("filename") or ""))  # fmt: skip
        elif kind == "location":
            message.text = location_text(_dict(item.get("location"), "location"))
        elif kind == "interactive":
            interactive = _dict(item.get("interactive"), "interactive")
            reply = _dict(interactive.get(interactive.get("type")) or {}, "reply")
            message.text = reply_text(str(reply.get("id") or ""), str(reply.get("title") or ""))
        elif kind == "button":  # a template's quick reply
            button = _dict(item.get("button"), "button")
            message.text = reply_text(str(button.get("payload") or ""), str(button.get("text") or ""))
        else:
            return None  # reactions, system notices, unsupported: nothing for the agent to read
        if message.kind == "text" and not message.text.strip():
            return None
        message.text = message.text[:4096]
        return message

    def _status(self, item: dict) -> StatusUpdate | None:
        status = STATUSES.get(_str(item.get("status"), "status"))
        if status is None:
            return None
        errors = _list(item.get("errors"), "errors")
        error = ""
        if errors and isinstance(errors[0], dict):
            error = str(errors[0].get("title") or errors[0].get("message") or errors[0].get("code") or "")[:300]
        return StatusUpdate(provider_message_id=_str(item.get("id"), "id")[:128], status=status, error=error)

    # Outbound -----------------------------------------------------------------------------

    def _post(self, channel: Channel, body: dict) -> str:
        response = api_call(
            "POST", f"{_base()}/{channel.phone_number_id}/messages", json=body,
            headers={"Authorization": f"Bearer {channel.access_token}"},
        )  # fmt: skip
        if response.status_code >= 500 or response.status_code == 429:
            response.raise_for_status()  # retried
        if response.status_code >= 400:
            raise ProviderError(_("WhatsApp refused the message: %(error)s") % {"error": _error_text(response)},
                                permanent=True)  # fmt: skip
        messages = json_of(response).get("messages") or [{}]
        return str(messages[0].get("id") or "")

    def send(self, channel: Channel, outbound: Outbound) -> str:
        if outbound.media is not None:
            return self._send_media(channel, outbound)
        return self._post(channel, {
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": outbound.to.lstrip("+"),
            "type": "text", "text": {"preview_url": False, "body": outbound.text},
        })  # fmt: skip

    def caption_limit(self, channel: Channel, outbound: Outbound) -> int:
        return 0 if send_type(outbound) == "audio" else CAPTION_LIMIT

    def _send_media(self, channel: Channel, outbound: Outbound) -> str:
        kind = send_type(outbound)
        media_id = self._upload(channel, outbound.media, kind)
        content: dict = {"id": media_id}
        if outbound.text and kind != "audio":
            content["caption"] = outbound.text
        if kind == "document":
            content["filename"] = outbound.media.filename
        return self._post(channel, {"messaging_product": "whatsapp", "recipient_type": "individual",
                                    "to": outbound.to.lstrip("+"), "type": kind, kind: content})  # fmt: skip

    def _upload(self, channel: Channel, media: OutboundMedia, kind: str) -> str:
        content = media.read()
        media_size_check(len(content), SEND_LIMITS[kind], "WhatsApp")
        mime = MIME_ALIASES.get(media.mime, media.mime)
        response = api_call(
            "POST", f"{_base()}/{channel.phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime}, files={"file": (media.filename, content, mime)},
            headers={"Authorization": f"Bearer {channel.access_token}"},
        )  # fmt: skip
        if response.status_code >= 500 or response.status_code == 429:
            response.raise_for_status()  # retried
        if response.status_code >= 400:
            raise ProviderError(_("WhatsApp refused the file: %(error)s") % {"error": _error_text(response)},
                                permanent=True)  # fmt: skip
        media_id = json_of(response).get("id")
        if not isinstance(media_id, str) or not media_id:
            raise ProviderError(_("WhatsApp did not give the uploaded file's id."))  # retried
        return media_id

    def send_template(self, channel: Channel, *, to: str, name: str, language: str, params: list[str]) -> str:
        """A template message (``type: template``): ``params`` fill the body's {{1}}, {{2}}…"""
        template: dict = {"name": name, "language": {"code": language}}
        if params:
            template["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": str(value)} for value in params]}
            ]
        return self._post(channel, {"messaging_product": "whatsapp", "recipient_type": "individual",
                                    "to": to.lstrip("+"), "type": "template", "template": template})  # fmt: skip

    def fetch_media(self, channel: Channel, media: MediaRef) -> FetchedMedia:
        headers = {"Authorization": f"Bearer {channel.access_token}"}
        response = api_call("GET", f"{_base()}/{media.ref}", headers=headers)
        info = json_of(response)
        if response.status_code != 200 or not isinstance(info.get("url"), str):
            raise ProviderError(_("WhatsApp did not give the media's address: %(error)s")
                                % {"error": _error_text(response)})  # fmt: skip
        return download(info["url"], headers=headers, filename=media.filename,
                        mime=str(info.get("mime_type") or media.mime))  # fmt: skip

    def test_connection(self, channel: Channel) -> str:
        if not (channel.phone_number_id and channel.access_token):
            raise ProviderError(_("Fill in the phone number ID and the access token."))
        response = api_call(
            "GET", f"{_base()}/{channel.phone_number_id}", params={"fields": "display_phone_number,verified_name"},
            headers={"Authorization": f"Bearer {channel.access_token}"},
        )  # fmt: skip
        if response.status_code != 200:
            raise ProviderError(_("WhatsApp answered %(status)s: %(error)s")
                                % {"status": response.status_code, "error": _error_text(response)})  # fmt: skip
        info = json_of(response)
        return f"{info.get('verified_name', '')} {info.get('display_phone_number', '')}".strip()


def send_type(outbound: Outbound) -> str:
    """The WhatsApp message type a file goes as: its kind, or ``document`` when WhatsApp
    does not take its type for that kind."""
    mime = MIME_ALIASES.get(outbound.media.mime, outbound.media.mime)
    return outbound.kind if mime in SEND_TYPES.get(outbound.kind, ()) else "document"


def whatsapp_template_send(*, channel: Channel, to: str, name: str, language: str = "pt_BR",
                           params: list[str] | None = None) -> str:  # fmt: skip
    """Send a WhatsApp template message now through ``channel`` (a ``whatsapp_cloud``
    channel); returns the provider's message id (``wamid…``).

    ``to`` is the customer's E.164 phone, ``name`` and ``language`` (``pt_BR``) the
    template's as approved by Meta, ``params`` the body's variables in order. Raises
    ``ProviderError`` (``permanent`` when Meta refused it) or ``requests`` exceptions
    (network: retry). For the workspace's ``whatsapp-templates``."""
    return WhatsAppCloud().send_template(channel, to=to, name=name, language=language, params=list(params or []))
