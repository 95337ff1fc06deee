"""What agents and supervisors do to an attendance (SPEC §7, §8.5): answer, transfer,
close, and start an active conversation. Each action checks who may do it, locks the
row and applies its transition at once (``transitions``)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from classifications.selectors import classification_is_valid_leaf
from customers.models import Customer
from surveys.models import Closer
from users.models import Role

from . import errors, transitions
from .models import Attendance, CloseReason, EventType, Kind, Message, Sender, ServiceGroup, Status
from .selectors import agent_load, eligible_agents, group_has_online_agent, open_attendance_for, transfer_states
from .transitions import at_once

MEDIA_FLAGS = {
    Kind.AUDIO: "allow_audio",
    Kind.IMAGE: "allow_image",
    Kind.VIDEO: "allow_video",
    Kind.DOCUMENT: "allow_document",
}


def group_check_answer(*, group: ServiceGroup, kind: str, field: str = "kind") -> None:
    """The group's rules for what its agents send (SPEC §4): nothing in a "Somente
    Receptivo" group, and a file kind only where the group allows it; ``field`` names the
    input the refusal concerns (the kind typed, or the file sent). One rule for the engine's
    API and the workspace's uploads."""
    if group.receive_only:
        raise ValidationError({"kind": [errors.RECEIVE_ONLY]})
    if kind in MEDIA_FLAGS and not getattr(group, MEDIA_FLAGS[kind]):
        raise ValidationError({field: [errors.MEDIA_NOT_ALLOWED % {"kind": Kind(kind).label}]})


# Who closes, for the survey's ``send_on_close_by`` (SPEC §8.5).
CLOSER_FOR_ROLE = {Role.AGENT: Closer.AGENT, Role.SUPERVISOR_AGENT: Closer.SUPERVISOR_AGENT,
                   Role.SUPERVISOR: Closer.SUPERVISOR, Role.ADMIN: Closer.SUPERVISOR}  # fmt: skip


def _locked(attendance: Attendance) -> Attendance:
    return (
        Attendance.objects.select_for_update(of=("self",))
        .select_related("group__operation__company", "group__survey", "group__finalization_bot", "customer")
        .get(pk=attendance.pk)
    )


@transaction.atomic
def agent_message_send(*, attendance: Attendance, agent, kind: str, text: str) -> Message:
    """The assigned agent answers, honouring ``receive_only`` and the media flags; an
    answer to a pending attendance brings it back in progress."""
    attendance = _locked(attendance)
    group = attendance.group
    if attendance.agent_id != agent.pk:
        raise errors.NotYourAttendanceError()
    if attendance.status == Status.CLOSED:
        raise ValidationError(errors.ALREADY_CLOSED)
    group_check_answer(group=group, kind=kind)
    if kind == Kind.TEXT and not (text or "").strip():
        raise ValidationError({"text": [errors.EMPTY_MESSAGE]})
    if kind == Kind.NOTE:
        raise ValidationError({"kind": [errors.NOTE_NOT_A_MESSAGE]})  # notes go through ``note_add``
    with at_once() as changes:
        changes.track(attendance)
        attendance.last_agent_message_at = changes.at  # the agent answered: silence and response timers move
        if attendance.status == Status.PENDING:
            transitions.reopen(changes, attendance, by="agent")
        message = changes.say(attendance, text, sender=Sender.AGENT, agent=agent, kind=kind)
    return message


NOTE_MAX_LENGTH = 4096


@transaction.atomic
def note_add(*, attendance: Attendance, author, text: str) -> Message:
    """An internal note ("Nota interna", SPEC §7.2) by someone who may see the attendance
    (the caller checked): a message of kind ``note``, signed by its author, that never
    leaves the product — no delivery (no adapter, provider or webhook) and nothing the
    customer reads. Open or closed attendances alike (a supervisor may annotate the
    history). Its attendance's agent is told live, like any message."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [errors.EMPTY_MESSAGE]})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({"text": [errors.NOTE_TOO_LONG % {"max": NOTE_MAX_LENGTH}]})
    attendance = _locked(attendance)
    sender = Sender.AGENT if author.pk == attendance.agent_id or author.role == Role.AGENT else Sender.SUPERVISOR
    with at_once() as changes:
        message = changes.internal(attendance, text, sender=sender, author=author)
        changes.notify([attendance.agent_id] if attendance.agent_id != author.pk else [], "message", attendance)
    return message


@transaction.atomic
def attendance_take_over(*, attendance: Attendance, supervisor) -> Attendance:
    """ "Assumir" (SPEC §9.1): a supervisor-agent who may act on the attendance (the caller
    checked scope and permission) takes it, from the queue, the bot or another agent. Their
    capacity never refuses it; a plain supervisor, who has no workspace to answer in, is
    refused with a message (docs/decisions.md)."""
    if supervisor.role != Role.SUPERVISOR_AGENT:
        raise ValidationError(errors.TAKE_OVER_SUPERVISOR_AGENT_ONLY)
    attendance = _locked(attendance)
    if attendance.status == Status.CLOSED:
        raise ValidationError(errors.ALREADY_CLOSED)
    if attendance.agent_id == supervisor.pk and attendance.status == Status.IN_PROGRESS:
        raise ValidationError(errors.ALREADY_YOURS)
    with at_once() as changes:
        transitions.take_over(changes, attendance, supervisor=supervisor)
    return attendance


@transaction.atomic
def supervisor_message_send(*, attendance: Attendance, supervisor, text: str) -> Message:
    """A supervisor writes to the customer from the monitor (SPEC §9.1): ``sender:
    supervisor``, signed per the group's ``display_name_mode`` (the supervisor's name where
    it shows the agent's). The attendance stays with its agent, whose page shows the
    message live; it counts as an answer (the silence timers move) and brings a pending
    attendance back in progress, like the agent's own answer."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [errors.EMPTY_MESSAGE]})
    attendance = _locked(attendance)
    if attendance.status == Status.CLOSED:
        raise ValidationError(errors.ALREADY_CLOSED)
    if attendance.group.receive_only:
        raise ValidationError({"text": [errors.RECEIVE_ONLY]})
    with at_once() as changes:
        changes.track(attendance)
        attendance.last_agent_message_at = changes.at
        if attendance.status == Status.PENDING:
            transitions.reopen(changes, attendance, by="supervisor")
        message = changes.say(attendance, text, sender=Sender.SUPERVISOR, agent=supervisor)
        changes.notify([attendance.agent_id] if attendance.agent_id != supervisor.pk else [], "message", attendance)
    return message


@transaction.atomic
def attendance_transfer(*, attendance: Attendance, actor, group: ServiceGroup | None = None, agent=None) -> Attendance:
    """To a permitted group's queue, or to an agent of the current or a permitted group
    (online, or paused where that group accepts paused agents, with a free slot)."""
    attendance = _locked(attendance)
    if attendance.status == Status.CLOSED:
        raise ValidationError(errors.ALREADY_CLOSED)
    if group is None and agent is None:
        raise ValidationError(errors.TRANSFER_TARGET_REQUIRED)
    permitted = set(attendance.group.transfer_targets.filter(is_active=True).values_list("pk", flat=True))
    if group is not None and group.pk not in permitted:
        raise ValidationError({"group": [errors.TRANSFER_NOT_PERMITTED]})  # no name: it may be another operation's
    by = getattr(actor, "pk", None)
    if agent is not None:
        target = _agent_group(attendance, agent, permitted | {attendance.group_id}, group)
        _check_agent_takes(attendance, agent, target)
        with at_once() as changes:
            transitions.transfer_to_agent(changes, attendance, agent=agent, group=target, by=by)
        return attendance
    group = ServiceGroup.objects.select_related("operation__company", "initialization_bot").get(pk=group.pk)
    if group.requires_online_agent and not group_has_online_agent(group=group):
        raise ValidationError({"group": [errors.TRANSFER_NO_AGENT_ONLINE % {"group": group.name}]})
    with at_once() as changes:
        transitions.transfer_to_group(changes, attendance, group=group, by=by)
    return attendance


def _agent_group(attendance: Attendance, agent, allowed: set[int], group: ServiceGroup | None) -> ServiceGroup:
    candidates = ServiceGroup.objects.filter(pk__in=allowed, agents__pk=agent.pk, is_active=True)
    if group is not None:
        candidates = candidates.filter(pk=group.pk)
    target = candidates.select_related("operation__company").order_by("pk").first()
    if target is None:
        raise ValidationError({"agent": [errors.AGENT_NOT_IN_GROUP]})
    return target


def _check_agent_takes(attendance: Attendance, agent, group: ServiceGroup) -> None:
    """The eligible-agents query, for one agent, with their presence row locked."""
    found = eligible_agents(group=group, states=transfer_states(group), agent_ids=[agent.pk], lock=True)
    if not found:
        raise ValidationError({"agent": [errors.AGENT_UNAVAILABLE]})
    load = found[0]
    already_theirs = attendance.agent_id == agent.pk and attendance.status == Status.IN_PROGRESS
    if load.in_progress - int(already_theirs) >= load.max_simultaneous:
        raise ValidationError({"agent": [errors.AGENT_FULL]})


@transaction.atomic
def attendance_close(
    *, attendance: Attendance, actor=None, reason: str | None = None, classification_node=None,
    send_survey: bool = False,
) -> Attendance:  # fmt: skip
    """Close (SPEC §8.5). The reason follows the closer: the assigned agent closes as
    ``agent``, anyone else as ``supervisor``; without an actor (the engine) ``reason``
    says why. Agents must pick a classification leaf when the group requires one."""
    attendance = _locked(attendance)
    if attendance.status == Status.CLOSED:
        raise ValidationError(errors.ALREADY_CLOSED)
    group = attendance.group
    if actor is not None:
        reason = CloseReason.AGENT if attendance.agent_id == actor.pk else CloseReason.SUPERVISOR
        closer = CLOSER_FOR_ROLE.get(actor.role, Closer.SUPERVISOR)
    else:
        closer = transitions.BOT
    node_id = getattr(classification_node, "pk", classification_node)
    if node_id is not None and not classification_is_valid_leaf(group=group, node_id=node_id):
        raise ValidationError({"classification_node": [errors.CLASSIFICATION_REQUIRED]})
    if group.classification_required and node_id is None and actor is not None:
        raise ValidationError({"classification_node": [errors.CLASSIFICATION_REQUIRED]})
    with at_once() as changes:
        transitions.close(changes, attendance, reason=reason or CloseReason.BOT, closer=closer, node_id=node_id,
                          send_survey=send_survey)  # fmt: skip
    return attendance


@transaction.atomic
def active_message_send(*, agent, customer: Customer, group: ServiceGroup, text: str, kind: str = Kind.TEXT,
                        channel=None) -> Message:  # fmt: skip
    """An agent's active (outbound-initiated) message. To a customer with an open
    attendance it is delivered after the group's ``active_message_delay_minutes``
    (0 = at once); otherwise it opens an attendance in progress with the agent, within
    the agent's ``max_simultaneous`` like every other assignment (SPEC §8.3). A customer
    whose open attendance belongs to another operation is refused, revealing nothing of it.
    ``channel``: the one a new attendance answers through (an e-mail channel, SPEC §16)."""
    if not (text or "").strip():
        raise ValidationError({"text": [errors.EMPTY_MESSAGE]})
    if not group.agents.filter(pk=agent.pk).exists():
        raise errors.NotYourGroupError()
    now = timezone.now()
    attendance = open_attendance_for(customer_id=customer.pk)
    if attendance is not None:
        attendance = _locked(attendance)
        if attendance.group.operation_id != group.operation_id:
            # Busy in another operation: refused with a message that names nothing of it
            # (no protocol, group or agent), and nothing is written (docs/decisions.md).
            raise ValidationError({"customer": [errors.CUSTOMER_BUSY_ELSEWHERE]})
        delay = timedelta(minutes=group.active_message_delay_minutes)
        deliver_at = now + delay if delay else None
        with at_once(now) as changes:
            changes.event(
                attendance, EventType.ACTIVE_MESSAGE, agent=agent.pk, deliver_at=(deliver_at or now).isoformat()
            )
            message = changes.say(attendance, text, sender=Sender.AGENT, agent=agent, kind=kind, deliver_at=deliver_at)
        return message
    if agent_load(agent=agent, lock=True).free <= 0:
        raise errors.AgentFullError(errors.CAPACITY_FULL_ACTIVE)
    with at_once(now) as changes:
        attendance = transitions.open_attendance(changes, customer=customer, channel=channel, group=group)
        transitions.start_active(changes, attendance, agent=agent)
        message = changes.say(attendance, text, sender=Sender.AGENT, agent=agent, kind=kind)
    return message
