"""Media of messages (SPEC §7 "Media"): stored through Django's storage API, limited in
size per kind, with the type sniffed from the content.

``media_store`` is the one way in, for agents' uploads and for media a provider channel
downloads. It never trusts a file name or a declared type: the bytes decide what the file
is (``filetype``: pure Python, no libmagic to install), and an unknown type is accepted
only as a plain-text document. The stored name is random (``messages/YYYY/MM/<hex>.<ext>``),
so a URL cannot be guessed and the uploader's name never reaches the file system; the
original name is kept in ``Message.media_name`` for downloads.

Storage is ``STORAGES["default"]``: the local ``MEDIA_ROOT`` unless S3-compatible storage is
configured (README, "Media"). Files are served by ``workspace.views.media`` only to users
who may see the attendance; ``MEDIA_URL`` is never routed.

A file written here and then not used (the message failed to save) stays in storage:
storage is not transactional, and nothing is ever deleted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from .models import Kind, Message

SNIFF_BYTES = 8192

MEDIA_EMPTY = _("The file is empty.")
MEDIA_TOO_LARGE = _("The file is too large for %(kind)s: at most %(limit)s.")
MEDIA_UNKNOWN_TYPE = _("This file type is not accepted (%(mime)s).")
MEDIA_WRONG_KIND = _("The file is not %(kind)s: its content is %(mime)s.")
MEDIA_BAD_KIND = _("Unknown media kind: %(kind)s.")

# What each kind accepts, by the type sniffed from the content. Images exclude SVG (it
# can carry scripts); documents are what customers and agents exchange in practice.
ACCEPTED: dict[str, set[str]] = {
    Kind.IMAGE: {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/heic", "image/avif"},
    Kind.AUDIO: {
        "audio/mpeg", "audio/ogg", "audio/x-wav", "audio/wav", "audio/aac", "audio/mp4", "audio/m4a", "audio/x-m4a",
        "audio/amr", "audio/opus", "audio/x-flac", "audio/webm",
    },
    Kind.VIDEO: {"video/mp4", "video/webm", "video/quicktime", "video/3gpp", "video/x-matroska", "video/mpeg"},
    Kind.DOCUMENT: {
        "application/pdf", "application/zip", "application/rtf", "application/msword", "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint", "application/x-ole-storage",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation", "text/plain",
    },
}  # fmt: skip
KIND_LABELS = {Kind.IMAGE: _("an image"), Kind.AUDIO: _("an audio"), Kind.VIDEO: _("a video"),
               Kind.DOCUMENT: _("a document")}  # fmt: skip
EXTENSIONS = {"text/plain": "txt", "application/x-ole-storage": "doc"}


class MediaRejected(ValidationError):
    """A file refused by ``media_store``; the message is Portuguese, under the ``file`` field."""

    def __init__(self, message, params=None):
        super().__init__({"file": [ValidationError(message, params=params)]})


@dataclass(frozen=True)
class StoredMedia:
    name: str  # the storage name (``Message.media``)
    kind: str  # image | audio | video | document
    mime: str  # sniffed from the content
    size: int
    original_name: str

    def as_message_fields(self) -> dict:
        return {"media": self.name, "media_mime": self.mime, "media_name": self.original_name,
                "media_size": self.size}  # fmt: skip


def sniff(head: bytes) -> str | None:
    """The content's MIME type, ``text/plain`` for UTF-8 text without NUL, else ``None``."""
    found = filetype.guess_mime(head)
    if found:
        return found
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # The sniffing window may cut a multi-byte character in two.
            if error.start < len(head) - 4:
                return None
        return "text/plain"
    return None


def kind_of(mime: str) -> str | None:
    """The media kind a sniffed type belongs to (a document accepts nothing more specific)."""
    for kind in (Kind.IMAGE, Kind.AUDIO, Kind.VIDEO, Kind.DOCUMENT):
        if mime in ACCEPTED[kind]:
            return kind
    return None


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{size // 1024} KB" if size >= 1024 else f"{size} bytes"


def media_store(*, content: bytes | File, filename: str, kind: str | None = None) -> StoredMedia:
    """Check and store one file; raises ``MediaRejected`` (Portuguese, field ``file``).

    ``kind`` is what the sender says it is (``None``: whatever the content is). A file whose
    content is of another kind is refused, except that anything accepted may be sent as a
    ``document``."""
    if kind is not None and kind not in ACCEPTED:
        raise MediaRejected(MEDIA_BAD_KIND, params={"kind": kind})
    if isinstance(content, bytes | bytearray):
        head, size = bytes(content[:SNIFF_BYTES]), len(content)
        file: File = ContentFile(bytes(content))
    else:
        file = content
        file.seek(0)
        head = file.read(SNIFF_BYTES)
        file.seek(0)
        size = file.size
    if not size:
        raise MediaRejected(MEDIA_EMPTY)
    mime = sniff(head)
    sniffed_kind = kind_of(mime) if mime else None
    if sniffed_kind is None:
        raise MediaRejected(MEDIA_UNKNOWN_TYPE, params={"mime": mime or _("unknown")})
    if kind is None or kind == sniffed_kind:
        kind = sniffed_kind
    elif kind != Kind.DOCUMENT:
        raise MediaRejected(MEDIA_WRONG_KIND, params={"kind": KIND_LABELS[kind], "mime": mime})
    limit = settings.MEDIA_MAX_BYTES[kind]
    if size > limit:
        raise MediaRejected(MEDIA_TOO_LARGE, params={"kind": KIND_LABELS[kind], "limit": _human(limit)})
    extension = EXTENSIONS.get(mime) or (filetype.get_type(mime=mime).extension if filetype.get_type(mime=mime)
                                         else "bin")  # fmt: skip
    stamp = timezone.now()
    name = default_storage.save(f"messages/{stamp:%Y/%m}/{secrets.token_hex(16)}.{extension}", file)
    original = _safe_name(filename) or name.rsplit("/", 1)[-1]
    return StoredMedia(name=name, kind=kind, mime=mime, size=size, original_name=original)


def _safe_name(filename: str) -> str:
    """The uploaded name without its path, reduced to safe characters ("" when nothing is left)."""
    try:
        return get_valid_filename((filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:200]
    except SuspiciousFileOperation:
        return ""


def message_attach_media(*, message: Message, media: StoredMedia) -> Message:
    """Attach stored media to a message just created (same transaction)."""
    fields = media.as_message_fields()
    Message.objects.filter(pk=message.pk).update(**fields)
    for field, value in fields.items():
        setattr(message, field, value)
    return message


__all__ = ["MediaRejected", "StoredMedia", "media_store", "message_attach_media", "sniff"]


# What a browser shows in place (SPEC §7.2): images, audio, video and PDFs (in its viewer).
INLINE_KINDS = {"image", "audio", "video"}
PDF = "application/pdf"


def media_response(message):
    """A message's file as a response, for a caller who checked that the user may see the
    attendance: inline for images, audio, video and PDFs, a download otherwise; never run
    as a page of this site (sandboxed, type not sniffed). Raises ``Http404`` when the
    file is gone. Remote storage: a signed, short-lived redirect."""
    if not isinstance(default_storage, FileSystemStorage):
        return HttpResponseRedirect(default_storage.url(message.media.name))
    try:
        handle = default_storage.open(message.media.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    mime = message.media_mime or "application/octet-stream"
    pdf = message.kind == "document" and mime == PDF
    inline = pdf or (message.kind in INLINE_KINDS and mime.split("/")[0] in INLINE_KINDS)
    response = FileResponse(handle, as_attachment=not inline, filename=message.media_name or None, content_type=mime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    # Chromium's PDF viewer does not open in a sandboxed document; a PDF runs no script of ours either way.
    response["Content-Security-Policy"] = "default-src 'none'" if pdf else "default-src 'none'; sandbox"
    return response
