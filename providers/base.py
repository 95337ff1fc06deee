"""The interface every channel provider implements (SPEC §8.2.1), and what flows through it.

A provider is a small stateless class (one instance per key in ``registry.PROVIDERS``):
it checks a webhook's signature, parses the webhook into normalised inbound messages and
delivery statuses, sends an outbound message through the provider's HTTP API, fetches
an inbound message's media and tests its credentials. It knows nothing of attendances:
``providers/services.py`` feeds what it parses to the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from attendance.models import Channel, Message


class ProviderError(Exception):
    """A provider's API refused or failed; ``str()`` is a Portuguese message for people."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent  # retrying cannot help (bad recipient, bad credentials…)


class MalformedPayload(Exception):
    """The webhook is not what the provider documents: answered 400, nothing written."""


@dataclass
class MediaRef:
    """Where an inbound message's media is: the provider's id or URL, and what it says of it."""

    ref: str
    mime: str = ""
    filename: str = ""


@dataclass
class FetchedMedia:
    content: bytes
    mime: str
    filename: str


@dataclass
class InboundMessage:
    """One customer message, normalised. ``address`` is the phone (E.164 or digits with
    the country code) or, on Telegram, ``tg:<chat id>``."""

    provider_message_id: str
    network: str
    address: str
    display_name: str = ""
    kind: str = "text"
    text: str = ""
    media: MediaRef | None = None
    account: str = ""  # the provider account it was sent to (WhatsApp: phone_number_id)
    # Telegram: the inline button press answered with ``answerCallbackQuery`` after commit.
    callback_id: str = ""
    # Twilio's second, third… media item of one message: stored as its own message, but
    # the bot answers only the first (``inbound_receive(bot_answers=False)``).
    continuation: bool = False

    def clean(self) -> None:
        """PostgreSQL text cannot hold NUL characters; a provider's text may (R7)."""
        for name in ("provider_message_id", "address", "display_name", "text", "account"):
            setattr(self, name, str(getattr(self, name)).replace("\x00", ""))


@dataclass
class StatusUpdate:
    """A delivery status callback for an outbound message: ``sent|delivered|read|failed``."""

    provider_message_id: str
    status: str
    error: str = ""
    account: str = ""

    def clean(self) -> None:
        for name in ("provider_message_id", "error", "account"):
            setattr(self, name, str(getattr(self, name)).replace("\x00", ""))


@dataclass
class Parsed:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)


@dataclass
class OutboundMedia:
    """An outbound message's file, in Atende's storage (``attendance.media``)."""

    message_id: int  # for Twilio's signed public URL (attendance/public_media.py)
    name: str  # the storage name
    mime: str  # sniffed from the content when stored
    filename: str  # as the agent uploaded it
    size: int

    def read(self) -> bytes:
        try:
            with default_storage.open(self.name, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            raise ProviderError(_("The message's file is missing from storage."), permanent=True) from None


@dataclass
class Outbound:
    """What a provider needs to send one message. With ``media``, ``text`` is the caption
    (``Provider.caption_limit`` says whether it fits; ``services`` sends a longer text
    as a second, text message)."""

    to: str  # the customer's phone (E.164) or ``tg:<chat id>``
    text: str
    kind: str = "text"
    media: OutboundMedia | None = None


class Provider:
    key = ""
    # Portuguese setup steps shown in the channel's admin page (texts.py has them).
    webhook_content_type = "application/json"

    def handshake(self, channel: Channel, request: HttpRequest) -> HttpResponse | None:
        """A ``GET`` to the webhook URL (WhatsApp's verification); ``None``: 405."""
        return None

    def signature_valid(self, channel: Channel, request: HttpRequest) -> bool:
        raise NotImplementedError

    def parse(self, channel: Channel, request: HttpRequest) -> Parsed:
        """Raise ``MalformedPayload`` for anything the provider would never send."""
        raise NotImplementedError

    def ack(self) -> HttpResponse:
        """The answer once everything is committed."""
        return HttpResponse(b"", status=200)

    def send(self, channel: Channel, outbound: Outbound) -> str:
        """Send (a media message when ``outbound.media``); return the provider's message
        id. Raise ``ProviderError`` (``permanent`` when retrying cannot help) or a
        ``requests`` exception (retried)."""
        raise NotImplementedError

    def caption_limit(self, channel: Channel, outbound: Outbound) -> int:
        """How many characters of text may go with this media (0: no caption)."""
        return 0

    def acknowledge(self, channel: Channel, callback_id: str) -> None:
        """Tell the provider an interactive press was received (Telegram's
        ``answerCallbackQuery``); called after commit, errors are only logged."""

    def fetch_media(self, channel: Channel, media: MediaRef) -> FetchedMedia:
        raise NotImplementedError

    def test_connection(self, channel: Channel) -> str:
        """Call the provider's API with the channel's credentials; return what it said
        (e.g. the bot's name) or raise ``ProviderError`` saying what failed."""
        raise NotImplementedError


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def media_size_check(size: int, limit: int, provider: str) -> None:
    """A file larger than the provider accepts for its kind fails for good (no retry)."""
    if size > limit:
        raise ProviderError(_("The file is too large for %(provider)s: at most %(limit)s.")
                            % {"provider": provider, "limit": _human(limit)}, permanent=True)  # fmt: skip


def outbound_for(message: Message) -> Outbound:
    """The customer sees who answers: an agent's message starts with the name shown
    (``display_name_mode``; bold on WhatsApp). A file without text carries the name
    alone as its caption."""
    customer = message.attendance.customer
    text = message.body
    if message.sender == "agent" and message.sender_name and (text or message.media):
        name = f"*{message.sender_name}*" if customer.network == "whatsapp" else message.sender_name
        text = f"{name}: {text}" if text else name
    media = None
    if message.media:
        media = OutboundMedia(message_id=message.pk, name=message.media.name, mime=message.media_mime,
                              filename=message.media_name or message.media.name.rsplit("/", 1)[-1],
                              size=message.media_size or 0)  # fmt: skip
    return Outbound(to=customer.phone, text=text, kind=message.kind if media else "text", media=media)
