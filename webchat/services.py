"""The web chat's visitor side (SPEC §15): sessions with a signed opaque token, the
visitor's messages into the engine (the same path as every channel's), what the visitor
may read, identity checked by HMAC with a timestamp, and rate limits.

Decisions (docs/decisions.md, "Web chat"): an anonymous visitor is a customer of network
``webchat`` whose address is ``wc:<15 random digits>``; an identified visitor's address is
derived from the site's user id (the same customer on every device). The phone typed in
the pre-chat form is a contact number, kept on the session and shown to the agent as the
first message's header, never the customer's key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from attendance.agent_actions import attendance_close
from attendance.engine_cache import engine_main_group
from attendance.inbound import SURVEY_WINDOW, inbound_receive
from attendance.media import MediaRejected, media_store
from attendance.models import Attendance, Channel, CloseReason, Delivery, Direction, Kind, Message, Status
from attendance.opening import group_closed
from core.live import live_publish_on_commit
from core.phones import normalize_phone
from customers.models import ConsentChannel, Customer
from customers.services import consent_record, customer_clean_fields, customer_save
from surveys.models import QuestionType

from .models import WebchatSession

TOKEN_SALT = "atende.webchat.visitor"  # noqa: S105 - a signing namespace, not a secret
IDENTITY_WINDOW_SECONDS = 300
TEXT_MAX = 4096
MESSAGES_PER_MINUTE = 20
SESSIONS_PER_MINUTE = 5
ADDRESS_MESSAGES_PER_MINUTE = 60  # an office behind one address has several visitors
NAME_MAX = 150

RATE_LIMITED = gettext_lazy("Too many attempts in a short time. Wait a minute and try again.")
IDENTITY_REFUSED = gettext_lazy("The site's identification of this visitor is invalid or expired.")
CONSENT_REQUIRED = gettext_lazy("Accept the terms to start the conversation.")
FIELD_REQUIRED = gettext_lazy("This field is required.")
TEXT_TOO_LONG = gettext_lazy("The message is too long: at most %(limit)s characters.")
EMPTY_MESSAGE = gettext_lazy("Write a message or attach a file.")
FILE_NOT_ALLOWED = gettext_lazy("This service does not accept %(kind)s.")
KIND_PLURAL = {Kind.IMAGE: gettext_lazy("images"), Kind.AUDIO: gettext_lazy("audios"),
               Kind.VIDEO: gettext_lazy("videos"), Kind.DOCUMENT: gettext_lazy("documents")}  # fmt: skip


class IdentityRefused(Exception):
    """A wrong or expired identity hash: 403, nothing linked."""


class RateLimited(Exception):
    """Too many requests in the minute: 429."""


@dataclass
class Started:
    session: WebchatSession
    token: str


def rate_limit(scope: str, who: str, limit: int) -> None:
    """At most ``limit`` calls a minute per ``scope`` and ``who`` (a fixed window in the cache
    shared by the web processes); raises ``RateLimited``."""
    key = f"atende:webchat:rate:{scope}:{hashlib.sha256(who.encode()).hexdigest()[:32]}:{int(time.time() // 60)}"
    if cache.add(key, 1, timeout=120):
        return
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=120)
        return
    if count > limit:
        raise RateLimited(str(RATE_LIMITED))


def visitor_token(session: WebchatSession) -> str:
    return signing.dumps(session.key, salt=TOKEN_SALT, compress=False)


def session_for_token(channel: Channel, token: str) -> WebchatSession | None:
    """The session a visitor token names on this channel (``None``: forged, or another channel's)."""
    try:
        key = signing.loads(token or "", salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(key, str):
        return None
    return WebchatSession.objects.select_related("customer").filter(key=key, channel=channel).first()


def identity_verify(channel: Channel, identity: dict, *, now: float | None = None) -> str:
    """The site's user id when ``hash`` is hex HMAC-SHA256 of ``"<id>.<timestamp>"`` with the
    channel's identity secret and ``timestamp`` (Unix seconds) is within 5 minutes of now;
    else ``IdentityRefused``. The timestamp makes a captured hash useless 5 minutes later."""
    user_id, stamp, given = str(identity.get("id") or ""), identity.get("timestamp"), str(identity.get("hash") or "")
    if not channel.identity_secret or not user_id or len(user_id) > 120:
        raise IdentityRefused()
    try:
        stamp = int(stamp)
    except (TypeError, ValueError):
        raise IdentityRefused() from None
    now = time.time() if now is None else now
    if abs(now - stamp) > IDENTITY_WINDOW_SECONDS:
        raise IdentityRefused()
    expected = hmac.new(channel.identity_secret.encode(), f"{user_id}.{stamp}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.lower()):
        raise IdentityRefused()
    return user_id


def _address(channel: Channel, user_id: str) -> str:
    """``wc:<15 digits>``: random for a visitor, derived from the site's user id otherwise."""
    if not user_id:
        return "wc:" + "".join(secrets.choice("0123456789") for _ in range(15))
    digest = hashlib.sha256(f"{channel.public_id}.{user_id}".encode()).hexdigest()
    return f"wc:{int(digest, 16) % 10**15:015d}"


def _prechat(channel: Channel, data: dict) -> dict:
    """The pre-chat form's fields as the channel asks them (SPEC §15), validated as
    customers' are; raises ``ValidationError`` with a Portuguese message per field."""
    problems: dict[str, list] = {}
    name = " ".join(str(data.get("name") or "").split())[:NAME_MAX]
    if not name:
        problems["name"] = [str(FIELD_REQUIRED)]
    fields: dict = {"display_name": name}
    modes = channel.prechat_fields or {}
    for field in ("email", "phone", "document"):
        mode, value = modes.get(field, "off"), str(data.get(field) or "").strip()
        if mode == "off":
            continue
        if not value:
            if mode == "required":
                problems[field] = [str(FIELD_REQUIRED)]
            continue
        fields[field] = value
    contact_phone = ""
    if "phone" in fields:
        try:
            contact_phone = normalize_phone(fields.pop("phone"))
        except ValidationError as error:
            problems["phone"] = error.messages
    try:
        clean = customer_clean_fields({k: v for k, v in fields.items() if k != "display_name"})
    except ValidationError as error:
        problems.update(error.message_dict)
        clean = {}
    if channel.consent_text and data.get("consent") is not True:
        problems["consent"] = [str(CONSENT_REQUIRED)]
    if problems:
        raise ValidationError(problems)
    return {"display_name": name, **clean, "contact_phone": contact_phone}


def _record_consent(*, session: WebchatSession, text: str, version: str, channel: Channel) -> None:
    """Store the consent SPEC §17 names — its text, version, channel and time — as the
    customer's consent record (``customers.services.consent_record``, the one way consents
    are written, shown on the customer and in the data subject's export); the session keeps
    what it accepted too."""
    record = consent_record(customer=session.customer, text=text, version=version, channel=ConsentChannel.WEBCHAT)
    session.consent_text = record.text
    session.consent_version = record.version
    session.consent_at = record.at
    session.save(update_fields=["consent_text", "consent_version", "consent_at"])


def session_start(*, channel: Channel, data: dict, address: str | None) -> Started:
    """``POST /webchat/<public id>/sessions/``: validate the form (and the identity, which is
    checked first: a forged one links nothing), find or create the customer, record the
    consent, and return the session with its visitor token."""
    user_id = ""
    if data.get("identity"):
        if not isinstance(data["identity"], dict):
            raise IdentityRefused()
        user_id = identity_verify(channel, data["identity"])
        identity = data["identity"]
        data = {**data, "name": data.get("name") or identity.get("name"),
                "email": data.get("email") or identity.get("email")}  # fmt: skip
    fields = _prechat(channel, data)
    contact_phone = fields.pop("contact_phone")
    phone = _address(channel, user_id)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(network="webchat", phone=phone).first()
        if customer is None:
            customer = customer_save(customer=Customer(), network="webchat", phone=phone, **fields)
        elif user_id:
            customer_save(customer=customer, **fields)  # the site knows them: its name and e-mail are current
        session = WebchatSession.objects.create(channel=channel, customer=customer, identity_id=user_id,
                                                address=address, contact_phone=contact_phone)  # fmt: skip
        if channel.consent_text:
            _record_consent(session=session, text=channel.consent_text, version=channel.consent_version,
                            channel=channel)  # fmt: skip
    return Started(session=session, token=visitor_token(session))


def _group_allows(session: WebchatSession, kind: str) -> bool:
    attendance = _open_attendance(session)
    group = attendance.group if attendance is not None else engine_main_group()
    return group is None or bool(getattr(group, f"allow_{kind}", False))


def _open_attendance(session: WebchatSession) -> Attendance | None:
    return (Attendance.objects.select_related("group").filter(customer=session.customer)
            .exclude(status=Status.CLOSED).first())  # fmt: skip


def visitor_send(*, session: WebchatSession, text: str = "", upload=None) -> Message:
    """The visitor's message (text ≤ 4,096 characters, or a file the group accepts, its type
    sniffed from the content) into the engine, as every channel's message goes."""
    text = (text or "").replace("\x00", "").strip()
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": [str(TEXT_TOO_LONG % {"limit": TEXT_MAX})]})
    media: dict = {}
    kind = Kind.TEXT
    if upload is not None:
        stored = media_store(content=upload, filename=upload.name)
        if not _group_allows(session, stored.kind):
            raise MediaRejected(FILE_NOT_ALLOWED, params={"kind": KIND_PLURAL[stored.kind]})
        media, kind = stored.as_message_fields(), stored.kind
    elif not text:
        raise ValidationError({"text": [str(EMPTY_MESSAGE)]})
    provider_id = f"wc-{secrets.token_hex(12)}"
    result = inbound_receive(channel=session.channel, network="webchat", phone=session.customer.phone,
                             display_name=session.customer.display_name, kind=kind, text=text,
                             provider_message_id=provider_id, media=media)  # fmt: skip
    return Message.objects.get(attendance=result.attendance, channel=session.channel, provider_message_id=provider_id)


def visible_messages(session: WebchatSession, *, after: int = 0, limit: int = 200) -> list[Message]:
    """What the visitor may read: their customer's messages on this channel's attendances —
    theirs, and those sent to them (never a note: notes are not for the customer), due now."""
    now = timezone.now()
    return list(
        Message.objects.filter(attendance__customer=session.customer, attendance__channel=session.channel, pk__gt=after)
        .filter(Q(direction=Direction.INBOUND) | Q(direction=Direction.OUTBOUND, delivery__in=[
            Delivery.PENDING, Delivery.SENT, Delivery.DELIVERED, Delivery.READ]))
        .filter(Q(deliver_at__isnull=True) | Q(deliver_at__lte=now))
        .order_by("pk")[:limit]
    )  # fmt: skip


def message_json(message: Message) -> dict:
    return {
        "id": message.pk,
        "mine": message.direction == Direction.INBOUND,
        "sender": message.sender,
        "name": message.sender_name if message.direction == Direction.OUTBOUND else "",
        "kind": message.kind,
        "text": message.body,
        "file": message.media_name if message.media else "",
        "at": message.created_at.isoformat(),
        "status": message.delivery,
    }


def conversation_state_of_channel(channel: Channel, attendance: Attendance | None = None) -> dict:
    """Whether the group answers now (SPEC §14: without a calendar, always open): the
    attendance's group, or the main group a new conversation would start in."""
    group = attendance.group if attendance is not None else engine_main_group()
    closed = group_closed(group, timezone.now()) if group is not None else None
    return {
        "open_hours": closed is None,
        "next_open_at": closed.next_open_at.isoformat() if closed is not None and closed.next_open_at else None,
    }


def conversation_state(session: WebchatSession) -> dict:
    """The last attendance's status, the survey question awaiting an answer, the hours."""
    attendance = (Attendance.objects.select_related("group", "survey").filter(customer=session.customer,
                  channel=session.channel).order_by("-pk").first())  # fmt: skip
    current = attendance if attendance is not None and attendance.status != Status.CLOSED else None
    return {
        "status": attendance.status if attendance is not None else "",
        "question": _survey_question(attendance),
        **conversation_state_of_channel(session.channel, current),
    }


def _survey_question(attendance: Attendance | None) -> dict | None:
    """The survey question awaiting the visitor, as the widget's buttons: CSAT options
    (answered by their number, as the survey bot reads them) or NPS 0–10."""
    if attendance is None or attendance.status != Status.CLOSED or attendance.survey_step is None:
        return None
    if attendance.closed_at and timezone.now() - attendance.closed_at > SURVEY_WINDOW:
        return None
    questions = list(attendance.survey.questions.filter(is_active=True).order_by("position", "pk"))
    if attendance.survey_step >= len(questions):
        return None
    question = questions[attendance.survey_step]
    if question.type == QuestionType.CSAT:
        choices = [{"label": o["text"], "value": str(i)} for i, o in enumerate(question.options, start=1)]
    elif question.type == QuestionType.NPS:
        choices = [{"label": str(n), "value": str(n)} for n in range(11)]
    else:
        choices = []
    return {"text": question.text, "type": question.type, "choices": choices}


def visitor_close(*, session: WebchatSession) -> bool:
    """ "Encerrar conversa": the visitor leaves. Closed as ``abandoned`` (the customer left,
    whatever the agent was doing), with the group's survey when it goes to bot closings."""
    attendance = _open_attendance(session)
    if attendance is None or attendance.channel_id != session.channel_id:
        return False
    attendance_close(attendance=attendance, reason=CloseReason.ABANDONED, send_survey=True)
    return True


def visitor_typing(*, session: WebchatSession) -> bool:
    """The visitor is typing: kept on the session, and the attendance's agent is told by a
    live ``typing`` event {attendance} (the widget sends it at most every 3 seconds)."""
    WebchatSession.objects.filter(pk=session.pk).update(visitor_typing_at=timezone.now())
    attendance = _open_attendance(session)
    if attendance is None or not attendance.agent_id or attendance.channel_id != session.channel_id:
        return False
    live_publish_on_commit(user_ids=[attendance.agent_id], event="typing", data={"attendance": attendance.pk})
    return True
