"""Telegram Bot API: webhooks carry ``X-Telegram-Bot-Api-Secret-Token`` (the
``secret_token`` given to ``setWebhook``); an Update's ``message`` (or an inline button's
``callback_query``) is an inbound message from the chat ``tg:<chat id>``; sending is
``sendMessage`` (``TELEGRAM_API_BASE``).

Files go as multipart uploads (the bot API's ``multipart/form-data`` way: Atende's media
are private, so there is no URL Telegram could fetch) to ``sendPhoto``, ``sendAudio``
(MP3/M4A), ``sendVoice`` (OGG voice notes), ``sendVideo`` (MP4) or ``sendDocument``
(anything else), with the text as the caption (up to 1024 characters). Upload limits:
10 MB for photos, 50 MB for the rest. An inline button press is answered with
``answerCallbackQuery`` after commit so the button stops spinning."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from attendance.models import Channel
from core.parsers import UnreadableBody, read_json

from .base import (
    FetchedMedia,
    InboundMessage,
    MalformedPayload,
    MediaRef,
    Outbound,
    Parsed,
    Provider,
    ProviderError,  # fmt: skip
    media_size_check,
)
from .http import api_call, download, json_of
from .whatsapp_cloud import location_text

# The largest photo size comes last in ``photo``; stickers are images.
MEDIA_FIELDS = (
    ("photo", "image"), ("voice", "audio"), ("audio", "audio"), ("video", "video"), ("video_note", "video"),
    ("animation", "video"), ("document", "document"), ("sticker", "image"),
)  # fmt: skip
ADDRESS_PREFIX = "tg:"
# Outbound files: (method, field) per kind when Telegram plays the type, else a document.
SEND_METHODS = {
    "image": ({"image/jpeg", "image/png", "image/webp"}, "sendPhoto", "photo"),
    "audio": ({"audio/mpeg", "audio/mp4", "audio/m4a", "audio/x-m4a"}, "sendAudio", "audio"),
    "video": ({"video/mp4"}, "sendVideo", "video"),
}
VOICE_TYPES = {"audio/ogg", "audio/opus"}
PHOTO_LIMIT = 10 * 1024 * 1024
FILE_LIMIT = 50 * 1024 * 1024
CAPTION_LIMIT = 1024


def chat_address(chat_id) -> str:
    return f"{ADDRESS_PREFIX}{chat_id}"


def _bot_url(channel: Channel, method: str) -> str:
    return f"{settings.TELEGRAM_API_BASE.rstrip('/')}/bot{channel.bot_token}/{method}"


def _description(response) -> str:
    return str(json_of(response).get("description") or response.reason or response.status_code)[:200]


def _name(user: dict) -> str:
    name = " ".join(str(user.get(part) or "") for part in ("first_name", "last_name")).strip()
    return (name or str(user.get("username") or ""))[:150]


def _chat_id(message: dict):
    chat = message.get("chat")
    if not isinstance(chat, dict) or not isinstance(chat.get("id"), int) or isinstance(chat.get("id"), bool):
        raise MalformedPayload("chat")
    return chat["id"]


class Telegram(Provider):
    key = "telegram"

    def signature_valid(self, channel: Channel, request: HttpRequest) -> bool:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        return bool(channel.secret_token) and hmac.compare_digest(given.encode(), channel.secret_token.encode())

    def parse(self, channel: Channel, request: HttpRequest) -> Parsed:
        try:
            update = read_json(request.body)  # the API's hardened reader: depth, surrogates
        except UnreadableBody:
            raise MalformedPayload("json") from None
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise MalformedPayload("update_id")
        parsed = Parsed()
        if isinstance(update.get("message"), dict):
            message = self._message(update["message"])
            if message is not None:
                parsed.messages.append(message)
        elif isinstance(update.get("callback_query"), dict):
            parsed.messages.append(self._callback(update["callback_query"]))
        # edited_message, channel_post, my_chat_member…: nothing for the engine.
        return parsed

    def _message(self, item: dict) -> InboundMessage | None:
        chat_id = _chat_id(item)
        if not isinstance(item.get("message_id"), int):
            raise MalformedPayload("message_id")
        sender = item.get("from") if isinstance(item.get("from"), dict) else {}
        message = InboundMessage(
            provider_message_id=f"{chat_id}:{item['message_id']}", network="telegram",
            address=chat_address(chat_id), display_name=_name(sender),
            text=str(item.get("text") or item.get("caption") or "")[:4096],
        )  # fmt: skip
        for field, kind in MEDIA_FIELDS:
            media = item.get(field)
            if field == "photo" and isinstance(media, list) and media:
                media = media[-1]
            if isinstance(media, dict):
                if not isinstance(media.get("file_id"), str):
                    raise MalformedPayload("file_id")
                message.kind = kind
                message.media = MediaRef(ref=media["file_id"], mime=str(media.get("mime_type") or ""),
                                         filename=str(media.get("file_name") or ""))  # fmt: skip
                break
        if message.media is None and isinstance(item.get("location"), dict):
            message.text = location_text(item["location"])
        if message.media is None and not message.text.strip():
            return None  # service messages (a member joined…), contacts, polls
        return message

    def _callback(self, query: dict) -> InboundMessage:
        """An inline keyboard button: its ``data`` answers the bot's menu."""
        if not isinstance(query.get("id"), str) or not isinstance(query.get("message"), dict):
            raise MalformedPayload("callback_query")
        chat_id = _chat_id(query["message"])
        sender = query.get("from") if isinstance(query.get("from"), dict) else {}
        return InboundMessage(
            provider_message_id=f"cb:{query['id']}"[:128], network="telegram", address=chat_address(chat_id),
            display_name=_name(sender), text=str(query.get("data") or "")[:4096], callback_id=query["id"],
        )  # fmt: skip

    def _call(self, channel: Channel, method: str, **kwargs) -> dict:
        response = api_call("POST", _bot_url(channel, method), **kwargs)
        if response.status_code >= 500 or response.status_code == 429:
            response.raise_for_status()
        data = json_of(response)
        if response.status_code >= 400 or not data.get("ok"):
            raise ProviderError(_("Telegram refused: %(error)s") % {"error": _description(response)}, permanent=True)
        return data.get("result") or {}

    def send(self, channel: Channel, outbound: Outbound) -> str:
        chat_id = outbound.to.removeprefix(ADDRESS_PREFIX)
        if outbound.media is not None:
            method, field = send_method(outbound)
            content = outbound.media.read()
            media_size_check(len(content), PHOTO_LIMIT if field == "photo" else FILE_LIMIT, "Telegram")
            data = {"chat_id": chat_id, **({"caption": outbound.text} if outbound.text else {})}
            files = {field: (outbound.media.filename, content, outbound.media.mime)}
            result = self._call(channel, method, data=data, files=files)
        else:
            result = self._call(channel, "sendMessage", json={"chat_id": chat_id, "text": outbound.text})
        return f"{chat_id}:{result.get('message_id', '')}"

    def caption_limit(self, channel: Channel, outbound: Outbound) -> int:
        return CAPTION_LIMIT

    def acknowledge(self, channel: Channel, callback_id: str) -> None:
        self._call(channel, "answerCallbackQuery", json={"callback_query_id": callback_id})

    def fetch_media(self, channel: Channel, media: MediaRef) -> FetchedMedia:
        info = self._call(channel, "getFile", json={"file_id": media.ref})
        if not isinstance(info.get("file_path"), str):
            raise ProviderError(_("Telegram did not give the file's path."))
        url = f"{settings.TELEGRAM_API_BASE.rstrip('/')}/file/bot{channel.bot_token}/{info['file_path']}"
        filename = media.filename or info["file_path"].rsplit("/", 1)[-1]
        return download(url, filename=filename, mime=media.mime)

    def test_connection(self, channel: Channel) -> str:
        if not channel.bot_token:
            raise ProviderError(_("Fill in the bot token."))
        response = api_call("GET", _bot_url(channel, "getMe"))
        data = json_of(response)
        if response.status_code != 200 or not data.get("ok"):
            raise ProviderError(_("Telegram answered %(status)s: %(error)s")
                                % {"status": response.status_code, "error": _description(response)})  # fmt: skip
        return "@" + str((data.get("result") or {}).get("username") or "")


def send_method(outbound: Outbound) -> tuple[str, str]:
    """The bot API method and its file field for an outbound file."""
    mime = outbound.media.mime
    if outbound.kind == "audio" and mime in VOICE_TYPES:
        return "sendVoice", "voice"
    types, method, field = SEND_METHODS.get(outbound.kind, (set(), "", ""))
    return (method, field) if mime in types else ("sendDocument", "document")
