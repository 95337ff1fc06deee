"""The attendance's life (SPEC §8.1–8.2, §8.5): inbound messages, the bot hand-off,
queueing, agents' messages, transfers and closing. Status changes go through
``attendance_set_status``, which enforces the legal transitions and writes the event log.
Follow-up work (distribution, delivery) is queued on commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from classifications.selectors import classification_is_valid_leaf
from core.queries import one_or_none
from customers.models import Customer
from customers.services import customer_save
from users.models import Role

from . import errors
from .engine_cache import engine_group, engine_main_group
from .messaging import message_out
from .models import (
    Attendance,
    BotKind,
    Channel,
    CloseReason,
    Direction,
    Event,
    Kind,
    Message,
    Sender,
    ServiceGroup,
    Status,
)
from .selectors import group_has_online_agent, open_attendance_for
from .timers import timers_reschedule


def log_event(attendance: Attendance, type_: str, at=None, **data) -> Event:
    return Event.objects.create(attendance=attendance, type=type_, at=at or timezone.now(), data=data)


def request_distribution(*group_ids: int) -> None:
    """Distribute these groups right after the current transaction commits (SPEC §8.3:
    event-driven; the periodic sweep is only a safety net)."""
    from .tasks import distribute_group_task

    for group_id in {g for g in group_ids if g}:
        transaction.on_commit(lambda gid=group_id: distribute_group_task.delay(gid))


def attendance_set_status(*, attendance: Attendance, status: str, event: str | None = None, **data) -> Attendance:
    if not attendance.can_transition_to(status):
        raise ValidationError(
            errors.ILLEGAL_TRANSITION, params={"current": attendance.status, "target": status}, code="transition"
        )
    attendance.status = status
    attendance.save()
    if event:
        log_event(attendance, event, **data)
    timers_reschedule(attendance)
    return attendance


# Inbound -------------------------------------------------------------------------------


@dataclass
class InboundResult:
    attendance: Attendance
    created: bool


def inbound_receive(
    *, channel: Channel, network: str, phone: str, country_code: str = "", display_name: str = "",
    kind: str = Kind.TEXT, text: str = "",
) -> InboundResult:  # fmt: skip
    """A customer's message arrives: find or create the customer, append to the open
    attendance or start a new one with the group's initialization bot.

    The hot path (a customer with an open attendance) is one query that finds and locks
    the attendance with its customer (its group, company and bot come from
    ``engine_cache``), one INSERT of the message, the bot's answer, and one UPDATE of the
    silence and the next timer."""
    from customers.phones import normalize_phone

    if network != channel.network:
        raise ValidationError({"network": [errors.NETWORK_MISMATCH % {"network": channel.network}]})
    try:
        e164 = normalize_phone(phone, country_code)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return _receive(channel=channel, network=network, phone=e164, display_name=display_name, kind=kind,
                                text=text)  # fmt: skip
        except IntegrityError:
            continue  # another request created the customer or opened the attendance at the same time
    raise RuntimeError("could not open or find the customer's attendance")


def _locked_open_attendance(*, network: str, phone: str) -> Attendance | None:
    """At most one (``one_open_attendance_per_customer``), with its customer, and its
    group (with operation, company and bot) from the engine's configuration cache."""
    attendance = one_or_none(
        Attendance.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(customer__network=network, customer__phone=phone)
        .exclude(status=Status.CLOSED)
    )
    if attendance is not None:
        attendance.group = engine_group(attendance.group_id)
    return attendance


def _customer_for(*, network, phone, display_name) -> tuple[Customer, bool]:
    """The customer (created on a first message); ``True`` when just created."""
    customer = one_or_none(Customer.objects.filter(network=network, phone=phone))
    if customer is not None:
        return customer, False
    # The database's unique constraint settles two first messages at once: the loser's
    # IntegrityError makes ``inbound_receive`` start over and find the customer.
    customer = customer_save(customer=Customer(), network=network, phone=phone, display_name=display_name or phone,
                             check_unique=False)  # fmt: skip
    return customer, True


def _receive(*, channel, network, phone, display_name, kind, text) -> InboundResult:
    now = timezone.now()
    attendance = _locked_open_attendance(network=network, phone=phone)
    created = attendance is None
    if created:
        customer, new_customer = _customer_for(network=network, phone=phone, display_name=display_name)
        if not customer.is_active:
            raise PermissionError(str(errors.INACTIVE_CUSTOMER))
        survey_attendance = None if new_customer else _survey_in_progress(customer)
        if survey_attendance is not None:
            _record_message(survey_attendance, kind, text, now)
            survey_attendance.save(update_fields=["last_customer_message_at"])
            from .surveyflow import survey_answer

            survey_answer(attendance=survey_attendance, text=text)
            return InboundResult(survey_attendance, False)
        attendance = _open(customer=customer, channel=channel, now=now)
    elif not attendance.customer.is_active:
        raise PermissionError(str(errors.INACTIVE_CUSTOMER))
    _record_message(attendance, kind, text, now)
    if created:
        _start(attendance)
    elif attendance.status == Status.BOT:
        from .botflow import bot_handle

        attendance = bot_handle(attendance=attendance, text=text)  # closing returns a fresh instance
    elif attendance.status == Status.PENDING:
        attendance_set_status(attendance=attendance, status=Status.IN_PROGRESS, event="reopened")
    attendance.last_customer_message_at = now
    timers_reschedule(attendance, also=["last_customer_message_at"])  # a customer message resets the silences
    return InboundResult(attendance, created)


SURVEY_WINDOW = timedelta(hours=24)


def _survey_in_progress(customer):
    """The closed attendance whose survey awaits this customer's answer (24 h at most)."""
    return (
        Attendance.objects.select_for_update()
        .filter(customer=customer, status=Status.CLOSED, survey_step__isnull=False,
                closed_at__gte=timezone.now() - SURVEY_WINDOW)
        .order_by("-closed_at")
        .first()
    )  # fmt: skip


def _record_message(attendance: Attendance, kind: str, text: str, now) -> Message:
    """The customer's message; ``last_customer_message_at`` is set here and written by the
    caller (with the next timer)."""
    attendance.last_customer_message_at = now
    return Message.objects.create(
        attendance=attendance, direction=Direction.INBOUND, sender=Sender.CUSTOMER, kind=kind, body=text,
        created_at=now, sender_name=attendance.customer.display_name,
    )  # fmt: skip


def _open(*, customer: Customer, channel: Channel | None, now, group: ServiceGroup | None = None) -> Attendance:
    if group is None:
        group = engine_group(customer.group_id) if customer.group_id else None
        group = group if group is not None and group.is_active else engine_main_group()
    if group is None:
        raise ValidationError(errors.NO_MAIN_GROUP)
    attendance = Attendance.objects.create(
        protocol=f"tmp-{now.timestamp()}-{customer.pk}"[:20], customer=customer, group=group, channel=channel,
        status=Status.BOT, opened_at=now, priority=customer.priority,
    )  # fmt: skip
    local = timezone.localtime(now)
    attendance.protocol = f"{local:%Y%m%d}{attendance.pk:08d}"
    attendance.save(update_fields=["protocol"])
    log_event(attendance, "opened", at=now, group=group.pk)
    return attendance


def _start(attendance: Attendance) -> None:
    """The group's initialization bot takes over; without a service bot, straight to the queue."""
    from .botflow import bot_start

    bot = attendance.group.initialization_bot
    if bot is not None and bot.is_active and bot.kind == BotKind.SERVICE:
        bot_start(attendance=attendance, bot=bot)
        return
    if bot is not None and bot.is_active and bot.message:
        message_out(attendance=attendance, body=bot.message)
    attendance_queue(attendance=attendance, group=attendance.group)


# Queue and transfers ---------------------------------------------------------------------


def attendance_queue(*, attendance: Attendance, group: ServiceGroup, event: str = "queued", **data) -> Attendance:
    """Put the attendance in ``group``'s queue (no agent) and ask for distribution."""
    now = timezone.now()
    previous_agent = attendance.agent_id
    attendance.group = group
    attendance.agent = None
    attendance.queued_at = now
    attendance.priority = attendance.customer.priority
    attendance_set_status(attendance=attendance, status=Status.QUEUED, event=event, group=group.pk, **data)
    groups = [group.pk]
    if previous_agent:
        groups += list(ServiceGroup.objects.filter(agents=previous_agent).values_list("pk", flat=True))
    request_distribution(*groups)
    from .tasks import queue_positions_task

    # After the distribution pass: a customer still waiting hears where they are.
    transaction.on_commit(lambda: queue_positions_task.delay(group.pk))
    return attendance


@transaction.atomic
def attendance_transfer(*, attendance: Attendance, actor, group: ServiceGroup | None = None, agent=None) -> Attendance:
    """Transfer to a permitted group's queue, or to an agent of a permitted group."""
    from .distribution import assign_directly

    attendance = Attendance.objects.select_for_update().select_related("group").get(pk=attendance.pk)
    if attendance.status == Status.CLOSED:
        raise ValidationError(errors.ALREADY_CLOSED)
    permitted = set(attendance.group.transfer_targets.filter(is_active=True).values_list("pk", flat=True))
    if group is None and agent is None:
        raise ValidationError(errors.TRANSFER_TARGET_REQUIRED)
    if group is not None and group.pk not in permitted:
        raise ValidationError({"group": [errors.TRANSFER_NOT_PERMITTED]})  # no name: it may be another operation's
    if agent is not None:
        candidates = ServiceGroup.objects.filter(pk__in=permitted | {attendance.group_id}, agents=agent, is_active=True)
        if group is not None:
            candidates = candidates.filter(pk=group.pk)
        target = candidates.order_by("pk").first()
        if target is None:
            raise ValidationError({"agent": [errors.AGENT_NOT_IN_GROUP]})
        return assign_directly(attendance=attendance, agent=agent, group=target, actor=actor)
    if group.requires_online_agent and not group_has_online_agent(group=group):
        raise ValidationError({"group": [errors.TRANSFER_NO_AGENT_ONLINE % {"group": group.name}]})
    from_group = attendance.group_id
    return attendance_queue(
        attendance=attendance, group=group, event="transferred", from_group=from_group, by=getattr(actor, "pk", None)
    )


# Agents' messages ---------------------------------------------------------------------------

MEDIA_FLAGS = {
    Kind.AUDIO: "allow_audio",
    Kind.IMAGE: "allow_image",
    Kind.VIDEO: "allow_video",
    Kind.DOCUMENT: "allow_document",
}


@transaction.atomic
def agent_message_send(*, attendance: Attendance, agent, kind: str, text: str) -> Message:
    """An agent answers: only the assigned agent, honouring ``receive_only`` and media flags."""
    attendance = Attendance.objects.select_for_update().select_related("group").get(pk=attendance.pk)
    group = attendance.group
    if attendance.agent_id != agent.pk:
        raise PermissionError(str(errors.NOT_YOUR_ATTENDANCE))
    if attendance.status == Status.CLOSED:
        raise ValidationError(errors.ALREADY_CLOSED)
    if group.receive_only:
        raise ValidationError({"kind": [errors.RECEIVE_ONLY]})
    if kind in MEDIA_FLAGS and not getattr(group, MEDIA_FLAGS[kind]):
        raise ValidationError({"kind": [errors.MEDIA_NOT_ALLOWED % {"kind": Kind(kind).label}]})
    if kind == Kind.TEXT and not (text or "").strip():
        raise ValidationError({"text": [errors.EMPTY_MESSAGE]})
    now = timezone.now()
    attendance.last_agent_message_at = now
    if attendance.status == Status.PENDING:
        attendance_set_status(attendance=attendance, status=Status.IN_PROGRESS, event="reopened", by="agent")
    else:
        attendance.save(update_fields=["last_agent_message_at"])
        timers_reschedule(attendance)  # the agent answered: agent response / silence timers move
    return message_out(attendance=attendance, body=text, sender=Sender.AGENT, agent=agent, kind=kind)


@transaction.atomic
def active_message_send(*, agent, customer: Customer, group: ServiceGroup, text: str, kind: str = Kind.TEXT) -> Message:
    """An agent's active (outbound-initiated) message. To a customer with an open
    attendance it is delivered after the group's ``active_message_delay_minutes``
    (0 = at once); otherwise it opens an attendance in progress with the agent."""
    if not (text or "").strip():
        raise ValidationError({"text": [errors.EMPTY_MESSAGE]})
    if not group.agents.filter(pk=agent.pk).exists():
        raise PermissionError(str(errors.AGENT_NOT_IN_GROUP))
    now = timezone.now()
    attendance = open_attendance_for(customer_id=customer.pk)
    if attendance is not None:
        delay = timedelta(minutes=group.active_message_delay_minutes)
        deliver_at = now + delay if delay else None
        log_event(attendance, "active_message", at=now, agent=agent.pk, deliver_at=(deliver_at or now).isoformat())
        return message_out(attendance=attendance, body=text, sender=Sender.AGENT, agent=agent, kind=kind,
                           deliver_at=deliver_at)  # fmt: skip
    attendance = _open(customer=customer, channel=None, now=now, group=group)
    Attendance.objects.filter(pk=attendance.pk).update(
        status=Status.IN_PROGRESS, agent=agent, assigned_at=now, queued_at=now, last_agent_message_at=now
    )
    attendance.refresh_from_db()
    log_event(attendance, "active_message", at=now, agent=agent.pk, opened=True)
    timers_reschedule(attendance)
    return message_out(attendance=attendance, body=text, sender=Sender.AGENT, agent=agent, kind=kind)


# Closing ---------------------------------------------------------------------------------------

CLOSER_FOR_ROLE = {Role.AGENT: "agent", Role.SUPERVISOR_AGENT: "supervisor_agent", Role.SUPERVISOR: "supervisor",
                   Role.ADMIN: "supervisor"}  # fmt: skip


@transaction.atomic
def attendance_close(
    *, attendance: Attendance, reason: str, actor=None, classification_node=None, send_survey: bool = False
) -> Attendance:
    """Close (SPEC §8.5). Agents must pick a classification leaf when the group requires
    one. The survey goes out when the closer (a timer counts as ``bot``) is in the
    survey's ``send_on_close_by``: always if ``survey_required``, else if asked."""
    from .surveyflow import survey_start

    attendance = (
        Attendance.objects.select_for_update(of=("self",)).select_related("group__survey").get(pk=attendance.pk)
    )
    if attendance.status == Status.CLOSED:
        raise ValidationError(errors.ALREADY_CLOSED)
    group = attendance.group
    closer = CLOSER_FOR_ROLE.get(actor.role, "supervisor") if actor is not None else "bot"
    node_id = getattr(classification_node, "pk", classification_node)
    if node_id is not None and not classification_is_valid_leaf(group=group, node_id=node_id):
        raise ValidationError({"classification_node": [errors.CLASSIFICATION_REQUIRED]})
    if group.classification_required and node_id is None and actor is not None:
        raise ValidationError({"classification_node": [errors.CLASSIFICATION_REQUIRED]})
    had_agent = attendance.agent_id
    was_queued = attendance.status == Status.QUEUED
    attendance.closed_at = timezone.now()
    attendance.close_reason = reason
    attendance.classification_node_id = node_id
    attendance_set_status(
        attendance=attendance, status=Status.CLOSED, event="closed", reason=reason, by=closer,
        abandoned=was_queued, agent=had_agent,
    )  # fmt: skip
    survey = group.survey
    sends = survey is not None and survey.is_active and closer in survey.send_on_close_by
    if sends and (group.survey_required or send_survey):
        survey_start(attendance=attendance, survey=survey)
    if had_agent:
        request_distribution(*ServiceGroup.objects.filter(agents=had_agent).values_list("pk", flat=True))
    return attendance


__all__ = [
    "CloseReason",
    "InboundResult",
    "agent_message_send",
    "attendance_close",
    "attendance_queue",
    "attendance_set_status",
    "attendance_transfer",
    "inbound_receive",
    "log_event",
    "request_distribution",
]
