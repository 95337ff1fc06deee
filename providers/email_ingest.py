"""E-mail in (SPEC §16): the beat polls each e-mail channel's IMAP folder.

Exactly once: each mail is handled in its own transaction, which writes the customer's
message (unique ``Message-ID`` per channel: ``Message.provider_message_id``), the mail's
receipt (unique by the folder's UIDVALIDITY/UID) and the mailbox's new last UID together.
Only after that commit is the mail flagged ``\\Seen`` on the server. A poller killed
before the commit leaves the mail to the next poll; after it, the last UID (and, if the
folder was rebuilt, the ``Message-ID``) keeps it from being handled again.

A new mail opens (or joins) the attendance of its sender; a reply — ``In-Reply-To`` or
``References`` naming a message of an open attendance, or ``[#<protocol>]`` in the
subject — goes to that attendance, whoever sends it. Auto-replies and bounces never open
an attendance: on an open one they are a note for the agent, otherwise only recorded.
Attachments are stored as media, each its own message after the text. Whatever a mail
holds, it never stops the poller: what could not be read is a note on the message.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.inbound import inbound_receive
from attendance.media import MediaRejected, media_store
from attendance.models import Attendance, Channel, Message, Provider, Status
from attendance.transitions import at_once
from core.errors import DomainError
from core.phones import email_key
from customers.models import Customer

from .base import ProviderError
from .email_channel import _close, imap_connect, imap_folder_name
from .email_parse import ParsedMail, message_key, parse_mail
from .models import EmailMailbox, EmailPart, EmailReceipt

logger = logging.getLogger("atende.email")

BATCH = 50
FETCH_ITEM = re.compile(rb"UID (\d+)")


@dataclass
class PollResult:
    handled: int = 0
    stored: int = 0
    skipped: int = 0  # duplicates, auto-replies, bounces, refused
    error: str = ""


# Polling ---------------------------------------------------------------------------------


def email_channels_due(*, now=None) -> list[int]:
    """The beat: active e-mail channels whose ``poll_seconds`` passed since their last poll."""
    now = now or timezone.now()
    due = []
    for channel_id, seconds in Channel.objects.filter(provider=Provider.EMAIL, is_active=True).values_list(
        "pk", "poll_seconds"
    ):
        box = EmailMailbox.objects.filter(channel_id=channel_id).values_list("polled_at", "claimed_until").first()
        polled_at, claimed_until = box if box is not None else (None, None)
        if (polled_at is None or polled_at + timedelta(seconds=seconds) <= now) and (
            claimed_until is None or claimed_until <= now
        ):
            due.append(channel_id)
    return due


def _claim(channel: Channel) -> EmailMailbox | None:
    now = timezone.now()
    EmailMailbox.objects.get_or_create(channel=channel)
    lease = now + timedelta(seconds=settings.EMAIL_POLL_LEASE_SECONDS)
    claimed = (
        EmailMailbox.objects.filter(channel=channel)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=lease)
    )
    return EmailMailbox.objects.get(channel=channel) if claimed else None


def _renew(mailbox: EmailMailbox) -> None:
    lease = timezone.now() + timedelta(seconds=settings.EMAIL_POLL_LEASE_SECONDS)
    EmailMailbox.objects.filter(pk=mailbox.pk).update(claimed_until=lease)


def email_poll(*, channel_id: int, limit: int | None = None) -> PollResult:
    """Read the channel's new mails (at most ``limit``); never raises for a mail or a
    server: the error is kept on the mailbox and the next poll tries again."""
    result = PollResult()
    channel = Channel.objects.filter(pk=channel_id, provider=Provider.EMAIL, is_active=True).first()
    if channel is None:
        return result
    mailbox = _claim(channel)
    if mailbox is None:
        return result  # another poller holds it
    conn = None
    try:
        conn = imap_connect(channel)
        status, _data = conn.select(imap_folder_name(channel))
        if status != "OK":
            raise ProviderError(_("The IMAP folder “%(folder)s” does not exist.") % {"folder": channel.imap_folder})
        uidvalidity = int(conn.untagged_responses.get("UIDVALIDITY", [b"0"])[-1])
        if uidvalidity != mailbox.uidvalidity:
            # A new folder (or a rebuilt one): from the start; Message-IDs keep each mail once.
            EmailMailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
        if mailbox.last_uid:
            _flag_handled(conn, mailbox.last_uid)
        status, data = conn.uid("SEARCH", None, f"UID {mailbox.last_uid + 1}:*")
        uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > mailbox.last_uid)
        if limit is not None:
            uids = uids[:limit]
        for start in range(0, len(uids), BATCH):
            _renew(mailbox)
            batch = uids[start : start + BATCH]
            committed = []
            for uid, raw in _fetch(conn, batch):
                outcome = email_store(channel=channel, raw=raw, uidvalidity=uidvalidity, uid=uid)
                committed.append(str(uid))
                result.handled += 1
                if outcome == EmailReceipt.STORED:
                    result.stored += 1
                else:
                    result.skipped += 1
            if committed:  # flagged only now that each is committed (a crash here: the next poll flags them)
                conn.uid("STORE", ",".join(committed), "+FLAGS", "(\\Seen)")
        error = ""
    except ProviderError as problem:
        error = str(problem)
    except (OSError, EOFError) as problem:
        error = _("The IMAP server dropped the connection (%(error)s).") % {"error": type(problem).__name__}
    except Exception as problem:  # noqa: BLE001 - imaplib's own errors and anything unforeseen: next poll
        logger.exception("polling e-mail channel %s failed", channel_id)
        error = _("Reading the mailbox failed (%(error)s).") % {"error": str(problem)[:200] or type(problem).__name__}
    finally:
        if conn is not None:
            _close(conn)
    EmailMailbox.objects.filter(pk=mailbox.pk).update(claimed_until=None, polled_at=timezone.now(),
                                                      last_error=error[:500])  # fmt: skip
    result.error = error
    return result


def _flag_handled(conn, last_uid: int) -> None:
    """Mails committed by a poller that died before flagging them: flagged now."""
    status, data = conn.uid("SEARCH", None, f"UNSEEN UID 1:{last_uid}")
    uids = (data[0] or b"").split() if status == "OK" else []
    for start in range(0, len(uids), 500):
        conn.uid("STORE", b",".join(uids[start : start + 500]).decode(), "+FLAGS", "(\\Seen)")


def _fetch(conn, uids: list[int]):
    """(uid, raw bytes) of each mail, in UID order, without flagging them read."""
    status, data = conn.uid("FETCH", ",".join(str(u) for u in uids), "(UID BODY.PEEK[])")
    if status != "OK":
        raise ProviderError(_("The IMAP server refused to send the e-mails."))
    found = {}
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            match = FETCH_ITEM.search(item[0])
            if match:
                found[int(match.group(1))] = item[1]
    for uid in uids:
        if uid in found:
            yield uid, found[uid]


# Storing one mail -------------------------------------------------------------------------


def email_store(*, channel: Channel, raw: bytes, uidvalidity: int, uid: int) -> str:
    """Handle one mail in one transaction; its receipt's outcome. A mail whose storing
    fails unexpectedly is stored again as its raw text with a note (never lost)."""
    mail = parse_mail(raw)
    try:
        return _store(channel, mail, uidvalidity, uid)
    except Exception as error:  # noqa: BLE001 - the mail must still go in
        logger.exception("e-mail %s (uid %s) could not be stored; stored as raw text", mail.message_id, uid)
        plain = ParsedMail(message_id=mail.message_id, from_address=mail.from_address, from_name=mail.from_name,
                           subject=mail.subject, text=raw.decode("utf-8", errors="replace")[:20000])  # fmt: skip
        plain.notes.append(_("this e-mail could not be read (%(error)s); shown as received")
                           % {"error": type(error).__name__})  # fmt: skip
        return _store(channel, plain, uidvalidity, uid)


def _store(channel: Channel, mail: ParsedMail, uidvalidity: int, uid: int) -> str:
    key = message_key(mail.message_id)
    media = _attachments(mail)  # files go to storage before the transaction (not transactional)
    with transaction.atomic():
        mailbox = EmailMailbox.objects.select_for_update().get(channel=channel)
        if EmailReceipt.objects.filter(channel=channel, uidvalidity=uidvalidity, uid=uid).exists():
            return EmailReceipt.DUPLICATE  # handled by another poller meanwhile
        outcome, attendance, note = _handle(channel, mail, key, media)
        EmailReceipt.objects.create(channel=channel, uidvalidity=uidvalidity, uid=uid, message_id=key, outcome=outcome,
                                    attendance=attendance, note=note[:300])  # fmt: skip
        if uidvalidity == mailbox.uidvalidity and uid > mailbox.last_uid:
            EmailMailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid)
    return outcome


def _attachments(mail: ParsedMail) -> list[tuple[str, dict]]:
    """(kind, the message's media fields) of each attachment stored."""
    stored = []
    for attachment in mail.attachments:
        reason = ""
        for kind in (None, "document"):  # an image too large as an image may still go as a document
            try:
                media = media_store(content=attachment.content, filename=attachment.filename, kind=kind)
                stored.append((media.kind, media.as_message_fields()))
                reason = ""
                break
            except MediaRejected as error:
                reason = " ".join(error.messages)
        if reason:
            mail.notes.append(_("attachment “%(name)s” not received: %(reason)s")
                              % {"name": attachment.filename, "reason": reason})  # fmt: skip
    return stored


def _thread(channel: Channel, mail: ParsedMail) -> Attendance | None:
    """The open attendance this mail answers, by its ids or its ``[#protocol]``."""
    ids = mail.thread_ids
    if ids:
        keys = [message_key(i) for i in ids]
        row = (
            Message.objects.filter(channel=channel, provider_message_id__in=keys)
            .exclude(attendance__status=Status.CLOSED).order_by("-created_at")
            .values_list("attendance_id", flat=True).first()
        )  # fmt: skip
        if row:
            return Attendance.objects.select_related("customer").get(pk=row)
    if mail.protocol:
        return (
            Attendance.objects.select_related("customer").filter(protocol=mail.protocol, channel=channel)
            .exclude(status=Status.CLOSED).first()
        )  # fmt: skip
    return None


Outcome = tuple[str, Attendance | None, str]  # the receipt's outcome, attendance and note


def _handle(channel: Channel, mail: ParsedMail, key: str, media: list[tuple[str, dict]]) -> Outcome:
    seen = Message.objects.filter(channel=channel, provider_message_id=key).exists()
    if seen or EmailReceipt.objects.filter(channel=channel, message_id=key).exists():
        return EmailReceipt.DUPLICATE, None, ""
    attendance = _thread(channel, mail)
    if mail.automatic:
        return _automatic(mail, attendance)
    if not mail.from_address or "@" not in mail.from_address:
        return EmailReceipt.REFUSED, None, _("no sender address")
    if attendance is not None:
        address, customer = attendance.customer.phone, attendance.customer
    else:
        address, customer = email_key(mail.from_address), None
    text = mail.text
    if customer is not None and customer.email and customer.email != mail.from_address:
        text = _("From: %(address)s") % {"address": mail.from_address} + "\n" + text
    if mail.notes:
        text = f"{text}\n\n[{'; '.join(mail.notes)}]" if text else f"[{'; '.join(mail.notes)}]"
    if not text.strip() and not media:
        text = _("(e-mail without text)")
    try:
        result = inbound_receive(
            channel=channel, network="email", phone=address, display_name=mail.from_name or mail.from_address,
            text=text, provider_message_id=key,
            stored_before=lambda: Message.objects.filter(channel=channel, provider_message_id=key).exists(),
        )  # fmt: skip
        if result is None:
            return EmailReceipt.DUPLICATE, None, ""
        opened = result.attendance
        for index, (kind, fields) in enumerate(media, start=1):
            inbound_receive(channel=channel, network="email", phone=address, kind=kind, text="",
                            provider_message_id=message_key(f"{mail.message_id}#{index}"), media=fields,
                            bot_answers=False)  # fmt: skip
    except (ValidationError, DomainError) as error:
        return EmailReceipt.REFUSED, attendance, " ".join(getattr(error, "messages", [str(error)]))
    message = Message.objects.get(channel=channel, provider_message_id=key)
    EmailPart.objects.create(message=message, header_id=mail.message_id[:998], subject=mail.subject,
                             from_address=mail.from_address, references=mail.thread_ids[:50], html=mail.html,
                             quoted=mail.quoted, remote_images=mail.remote_images)  # fmt: skip
    if not opened.subject and mail.subject:
        Attendance.objects.filter(pk=opened.pk, subject="").update(subject=mail.subject)
    Customer.objects.filter(pk=opened.customer_id, email="").update(email=mail.from_address[:254])
    return EmailReceipt.STORED, opened, ""


def _automatic(mail: ParsedMail, attendance: Attendance | None) -> Outcome:
    outcome = EmailReceipt.BOUNCE if mail.automatic == "bounce" else EmailReceipt.AUTO_REPLY
    if attendance is None:
        return outcome, None, mail.subject
    if mail.automatic == "bounce":
        note = _("An e-mail to the customer was not delivered: %(subject)s") % {"subject": mail.subject}
    else:
        note = _("Automatic reply from %(address)s: %(subject)s") % {"address": mail.from_address,
                                                                     "subject": mail.subject}  # fmt: skip
    locked = Attendance.objects.select_for_update().get(pk=attendance.pk)
    with at_once() as changes:
        changes.note(locked, note)
    return outcome, attendance, ""
