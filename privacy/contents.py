"""Removing the contents of attendances (SPEC §17): what the anonymisation and the
retention share.

The attendance rows, their times, statuses, classification, events and survey scores
stay (every report's figures come from them); what people wrote and sent goes: message
bodies become a marker, media files leave storage (after the commit: ``files``), the
original file names and WhatsApp template parameters are emptied, and open survey
answers are emptied. Set-based: a few statements per batch of attendances."""

from __future__ import annotations

import hashlib

from django.db.models import Q

from attendance.models import Message, Sender
from surveys.models import Response

from .files import file_removals_add

# Stored in the rows (data, not interface text): Portuguese, as customers' messages are.
BODY_REMOVED_ON_REQUEST = "[conteúdo removido a pedido do titular]"
BODY_REMOVED_BY_RETENTION = "[conteúdo removido pela política de retenção]"
REMOVED_BODIES = (BODY_REMOVED_ON_REQUEST, BODY_REMOVED_BY_RETENTION)
HASH_PREFIX = "sha256:"


def provider_id_hash(provider_id: str) -> str:
    """A provider's message id kept only as its hash: still unique per channel (a webhook
    replayed with the same id is recognised by hashing it the same way), unreadable."""
    if not provider_id or provider_id.startswith(HASH_PREFIX):
        return provider_id
    return HASH_PREFIX + hashlib.sha256(provider_id.encode()).hexdigest()


def contents_remaining(attendance_ids) -> Q:
    """Messages of these attendances that still hold something to remove."""
    return Q(attendance_id__in=attendance_ids) & (
        ~Q(body__in=[*REMOVED_BODIES, ""]) | ~Q(media="") | ~Q(media_name="") | ~Q(template={})
    )


def contents_count(attendance_ids) -> dict[str, int]:
    """What ``contents_remove`` would touch (the dry run)."""
    messages = Message.objects.filter(contents_remaining(attendance_ids))
    return {
        "messages": messages.count(),
        "media_files": messages.exclude(media="").count(),
        "survey_answers": Response.objects.filter(attendance_id__in=attendance_ids).exclude(text="").count(),
    }


def contents_remove(*, attendance_ids: list[int], body: str, provider_ids: bool = False) -> dict[str, int]:
    """Remove the contents of these attendances (call inside a transaction; then
    ``files_remove_pending`` after the commit). ``provider_ids``: also keep the
    providers' message ids only as hashes (an anonymisation: they identify the person's
    messages at the provider). Returns the counts of what was removed."""
    if not attendance_ids:
        return {"messages": 0, "media_files": 0, "survey_answers": 0}
    media = list(
        Message.objects.filter(attendance_id__in=attendance_ids).exclude(media="").values_list("media", flat=True)
    )
    file_removals_add(media)
    messages = Message.objects.filter(contents_remaining(attendance_ids)).update(
        body=body, media="", media_name="", template={}
    )
    # What the customer's side shows as its name, and providers' errors (they quote addresses).
    Message.objects.filter(attendance_id__in=attendance_ids, sender=Sender.CUSTOMER).exclude(sender_name="").update(
        sender_name=""
    )
    Message.objects.filter(attendance_id__in=attendance_ids).exclude(delivery_error="").update(delivery_error="")
    if provider_ids:
        rows = list(
            Message.objects.filter(attendance_id__in=attendance_ids)
            .exclude(provider_message_id="")
            .exclude(provider_message_id__startswith=HASH_PREFIX)
            .only("pk", "provider_message_id")
        )
        for row in rows:
            row.provider_message_id = provider_id_hash(row.provider_message_id)
        Message.objects.bulk_update(rows, ["provider_message_id"], batch_size=500)
    answers = Response.objects.filter(attendance_id__in=attendance_ids).exclude(text="").update(text="")
    return {"messages": messages, "media_files": len(media), "survey_answers": answers}
