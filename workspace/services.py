"""Workspace writes: an agent's message with media, read markers, active messages.

The engine's services (``attendance.agent_actions``) do the work; these add what the
workspace needs around them (media storage, WhatsApp's 24 h rule, templates)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from attendance.agent_actions import active_message_send, agent_message_send, group_check_answer, note_add
from attendance.errors import NotYourAttendanceError
from attendance.media import SNIFF_BYTES, kind_of, media_store, message_attach_media, sniff
from attendance.models import Attendance, Channel, Kind, Message, Provider, ServiceGroup
from core import followups
from core.phones import email_key, normalize_phone
from customers.models import Customer, Network
from customers.services import customer_save
from providers.email_channel import subject_clean
from users.models import User

from . import errors
from .models import PLACEHOLDER, Mention, ReadMarker, WhatsAppTemplate
from .selectors import attendances_visible_to, whatsapp_window_open

ACTIVE_FLAGS = {Network.WHATSAPP: "active_whatsapp", Network.SMS: "active_sms", Network.EMAIL: "active_email",
                Network.TELEGRAM: "active_telegram", Network.VOICE: "active_voice"}  # fmt: skip


def workspace_message_send(*, attendance: Attendance, agent, kind: str, text: str = "", file: File | None = None,
                           filename: str = "") -> Message:  # fmt: skip
    """The agent's answer, with an attachment when ``file`` is given (its kind sniffed
    from the content). The group's rules are checked before anything is stored."""
    group = attendance.group
    if file is None:  # the engine's JSON contract: a kind and a text (media flags checked there)
        return agent_message_send(attendance=attendance, agent=agent, kind=kind, text=text)
    declared = None if kind == Kind.TEXT else kind
    group_check_answer(group=group, kind=declared or Kind.TEXT, field="file")
    if attendance.agent_id != agent.pk:
        raise NotYourAttendanceError()
    file.seek(0)
    sniffed = kind_of(sniff(file.read(SNIFF_BYTES)) or "")
    file.seek(0)
    if sniffed is not None and declared is None:
        group_check_answer(group=group, kind=sniffed, field="file")  # refused before anything is stored
    media = media_store(content=file, filename=filename or getattr(file, "name", ""), kind=declared)
    group_check_answer(group=group, kind=media.kind, field="file")
    with transaction.atomic():
        message = agent_message_send(attendance=attendance, agent=agent, kind=media.kind, text=text)
        return message_attach_media(message=message, media=media)


def attendance_mark_read(*, user, attendance: Attendance, message_id: int | None = None) -> int:
    """Move the user's read marker forward (never back) to ``message_id`` or the last message."""
    if message_id is None:
        message_id = attendance.messages.order_by("-pk").values_list("pk", flat=True).first() or 0
    marker, _created = ReadMarker.objects.get_or_create(user=user, attendance=attendance)
    if message_id > marker.last_message_id:
        ReadMarker.objects.filter(pk=marker.pk, last_message_id__lt=message_id).update(last_message_id=message_id)
    return max(message_id, marker.last_message_id)


def template_render(*, template: WhatsAppTemplate, params: list[str]) -> str:
    count = template.parameter_count
    if len(params) != count:
        raise ValidationError({"params": [errors.TEMPLATE_PARAMS % {"count": count}]})
    return PLACEHOLDER.sub(lambda match: str(params[int(match.group(1)) - 1]), template.body)


def active_message_start(
    *, agent, group: ServiceGroup, customer: Customer | None = None, network: str = "", phone: str = "",
    text: str = "", template: WhatsAppTemplate | None = None, params: list[str] | None = None,
    email: str = "", subject: str = "",
) -> Message:  # fmt: skip
    """ "Novo atendimento ativo" (SPEC §7, §8.4): to a customer (found, or by network and
    phone, created when unknown) through a network the group enables. A WhatsApp customer
    outside the 24 h window only receives an approved template, and only from a group
    with ``whatsapp_template``. The engine delays it by ``active_message_delay_minutes``
    when the customer has an open attendance."""
    if not group.agents.filter(pk=agent.pk).exists():
        raise ValidationError({"group": [errors.NOT_IN_GROUP]})
    network = customer.network if customer is not None else network
    if customer is None and network != Network.EMAIL and not (network and phone):
        raise ValidationError({"customer": [errors.CUSTOMER_REQUIRED]})
    flag = ACTIVE_FLAGS.get(network)
    if flag is None or not getattr(group, flag):
        label = Network(network).label if network in Network.values else network
        raise ValidationError({"group": [errors.NETWORK_NOT_ENABLED % {"network": label}]})
    if network == Network.EMAIL:
        return _active_email(agent=agent, group=group, customer=customer, email=email, subject=subject, text=text)
    if network == Network.VOICE and not agent.register_phone_call:
        raise ValidationError({"group": [errors.NO_CALL_PERMISSION]})
    if template is not None and network != Network.WHATSAPP:
        raise ValidationError({"template": [errors.TEMPLATE_ONLY_WHATSAPP]})
    if template is None and not (text or "").strip():
        raise ValidationError({"text": [errors.TEXT_OR_TEMPLATE]})
    if customer is None:
        try:
            e164 = normalize_phone(phone)
        except ValidationError as error:
            raise ValidationError({"phone": error.messages}) from None
        customer = Customer.objects.filter(network=network, phone=e164).first()
    if customer is not None and not customer.is_active:
        raise ValidationError({"customer": [errors.CUSTOMER_INACTIVE]})
    if network == Network.WHATSAPP and template is None:
        outside = customer is None or not whatsapp_window_open(customer=customer)
        if outside:
            message = errors.OUTSIDE_WINDOW if group.whatsapp_template else errors.OUTSIDE_WINDOW_NO_TEMPLATES
            raise ValidationError({"text": [message]})
    if template is not None and not group.whatsapp_template:
        raise ValidationError({"template": [errors.OUTSIDE_WINDOW_NO_TEMPLATES]})
    body = template_render(template=template, params=params or []) if template is not None else text.strip()
    with transaction.atomic():
        if customer is None:
            customer = customer_save(customer=Customer(), network=network, phone=e164, display_name=e164)
        message = active_message_send(agent=agent, customer=customer, group=group, text=body)
        if template is not None:
            fields = {"name": template.name, "language": template.language, "params": list(params or [])}
            Message.objects.filter(pk=message.pk).update(template=fields)
            message.template = fields
    return message


# ``@username`` not preceded by a word character or another @ (an e-mail address is not a
# mention); a trailing dot or comma ends the sentence, not the name.
MENTION = re.compile(r"(?<![\w@])@([\w.@+-]+)")


def mentioned_usernames(text: str) -> list[str]:
    """The usernames ``@``-mentioned in ``text``, in order, once each."""
    names = (match.rstrip(".,;:!?") for match in MENTION.findall(text or ""))
    return list(dict.fromkeys(name for name in names if name))


@transaction.atomic
def note_post(*, attendance: Attendance, author, text: str) -> Message:
    """An internal note (SPEC §7.2) with its mentions. Only users who may see the
    attendance can be mentioned: the others (or unknown names) are a ``text`` field error
    naming them, and nothing is written. Each mentioned user (the author aside) gets a
    ``Mention`` and, after commit, a live ``mention`` event on their open pages."""
    names = mentioned_usernames(text)
    users = {u.username.casefold(): u for u in User.objects.filter(username__in=names, is_active=True)} if names else {}
    refused = []
    for name in names:
        user = users.get(name.casefold())
        if user is None or not attendances_visible_to(user).filter(pk=attendance.pk).exists():
            refused.append(f"@{name}")
    if refused:
        raise ValidationError({"text": [errors.MENTION_NOT_ALLOWED % {"names": ", ".join(refused)}]})
    message = note_add(attendance=attendance, author=author, text=text)
    mentioned = [u for u in dict.fromkeys(users[n.casefold()] for n in names) if u.pk != author.pk]
    Mention.objects.bulk_create(
        Mention(user=user, attendance=attendance, message=message, by=author, at=message.created_at)
        for user in mentioned
    )
    followups.live_many(
        ([mention.user_id], "mention", {"mention": mention.pk, "attendance": attendance.pk})
        for mention in Mention.objects.filter(message=message)
    )
    return message


def mention_mark_read(*, mention: Mention) -> Mention:
    """Read once: the first reading's time stays."""
    if mention.read_at is None:
        Mention.objects.filter(pk=mention.pk, read_at=None).update(read_at=timezone.now())
        mention.refresh_from_db(fields=["read_at"])
    return mention


def _active_email(*, agent, group: ServiceGroup, customer: Customer | None, email: str, subject: str,
                  text: str) -> Message:  # fmt: skip
    """ "Novo atendimento ativo" by e-mail (SPEC §16): to the customer of that address
    (created when unknown) through the active e-mail channel, with the subject the agent
    typed — one line: a line break (a header injection) is refused."""
    subject = subject_clean(subject or "")
    if not subject:
        raise ValidationError({"subject": [errors.SUBJECT_REQUIRED]})
    if not (text or "").strip():
        raise ValidationError({"text": [errors.TEXT_OR_TEMPLATE]})
    channel = Channel.objects.filter(provider=Provider.EMAIL, is_active=True).order_by("pk").first()
    if channel is None:
        raise ValidationError({"group": [errors.NO_EMAIL_CHANNEL]})
    address = (email or "").strip().lower()
    if customer is None:
        if not address:
            raise ValidationError({"email": [errors.EMAIL_REQUIRED]})
        customer = Customer.objects.filter(network=Network.EMAIL, phone=email_key(address)).first()
    elif not customer.email:
        raise ValidationError({"customer": [errors.CUSTOMER_WITHOUT_EMAIL]})
    if customer is not None and not customer.is_active:
        raise ValidationError({"customer": [errors.CUSTOMER_INACTIVE]})
    with transaction.atomic():
        if customer is None:
            customer = customer_save(customer=Customer(), network=Network.EMAIL, phone=email_key(address),
                                     display_name=address, email=address)  # fmt: skip
        message = active_message_send(agent=agent, customer=customer, group=group, text=text.strip(), channel=channel)
        Attendance.objects.filter(pk=message.attendance_id, subject="").update(subject=subject)
        message.attendance.subject = message.attendance.subject or subject
    return message
