"""Storing media downloaded from a provider: through ``attendance.media.media_store``, the
one way in for message media (type sniffed from the content, per-kind size limits)."""

from __future__ import annotations

from attendance.media import media_store

from .base import FetchedMedia


def provider_media_store(*, media: FetchedMedia, kind: str) -> dict:
    """Check and store the file; returns the ``Message`` fields to write. Raises
    ``attendance.media.MediaRejected`` (a Portuguese message) for a refused file. A
    provider may call anything a document (WhatsApp stickers are images, voice notes audio)."""
    filename = media.filename or f"{kind}.bin"
    return media_store(content=media.content, filename=filename, kind=kind).as_message_fields()
