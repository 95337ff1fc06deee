"""The only writer of an attendance's status and its consequences (SPEC §8).

Every change of status — queue, assign, pending and back, transfer to an agent, close
with the finalization bot and the survey rule — is a function here that changes the
attendance *in memory* and records its consequences in a ``Changes``: the outbound
messages, the event log, the reporting facts, the agents whose capacity came back, the
groups to distribute and the live notices. ``Changes.flush`` then writes everything as
sets, in the caller's transaction:

- one INSERT of the messages (delivered after commit) and one of the events;
- one UPDATE of only the rows and columns that changed, with each row's next timer;
- the facts for the reporting rollups (``facts.facts_recorded``, which ``reports`` writes);
- after commit (``core.followups``): one distribution request per group whose queue grew
  or whose agents got capacity back, queue positions, deliveries, live notices.

A request applies one change at once (``at_once``); the timer sweep and the distribution
collect a whole batch in one ``Changes``. Both go through the same functions, so every
rule lives once. The caller holds the rows' locks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from operator import attrgetter

from django.core.exceptions import ValidationError
from django.utils import timezone

from calendars.hours import schedule_of
from core import followups
from core.bulk import insert_rows, new_row, write_rows
from core.hooks import Hook
from customers.models import Customer
from surveys.models import Closer

from . import errors, texts
from .engine_cache import engine_group, engine_main_group
from .facts import (
    Fact,
    fact_assigned,
    fact_closed,
    fact_queued,
    facts_direct_transfer,
    facts_recorded,
    facts_taken_over,
)
from .messaging import messages_deliver_due, outbound_message
from .models import (
    Attendance,
    BotKind,
    Channel,
    CloseReason,
    Event,
    EventType,
    Kind,
    Message,
    OutOfHoursAction,
    Sender,
    ServiceGroup,
    Status,
)  # fmt: skip
from .opening import group_calendar, group_open_seconds
from .selectors import groups_of_agents
from .surveyflow import first_question_text
from .timer_rules import next_due_at

# The columns a change may touch; ``flush`` writes those that changed.
WRITTEN_FIELDS = [
    "protocol", "status", "group", "agent", "queued_at", "assigned_at", "priority", "closed_at", "close_reason",
    "classification_node", "survey", "survey_step", "timer_due_at", "inactivity_warned_ref", "partner_warned_ref",
    "bot_path", "last_customer_message_at", "last_agent_message_at",
]  # fmt: skip
WRITTEN_ATTNAMES = [Attendance._meta.get_field(name).attname for name in WRITTEN_FIELDS]

# Receivers take the list of ``Event`` rows just written (their ``attendance`` in memory,
# with the change applied), inside the change's transaction: the providers queue the
# outbound webhook's attendance events there (SPEC §8.2.2) without the engine knowing.
events_recorded = Hook("attendance.events_recorded")

# Who closes, for the survey's ``send_on_close_by`` (SPEC §8.5); a timer closes as the bot.
BOT = Closer.BOT


class Changes:
    """What one unit of work changes, written by ``flush``."""

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or timezone.now()  # when the effects happen (messages, events, facts)
        self._rows: dict[int, tuple[Attendance, tuple]] = {}
        self.messages: list[Message] = []
        self.events: list[Event] = []
        self.facts: list[Fact] = []
        self.freed_agents: set[int] = set()  # capacity back: their groups are distributed
        self.queued_groups: set[int] = set()  # queue grew: distribute and tell positions
        self.position_groups: set[int] = set()  # queue moved: tell positions
        self.live: list[tuple[tuple[int, ...], str, dict]] = []
        self._first_questions: dict[int, str | None] = {}

    # Recording ------------------------------------------------------------------------------

    def track(self, attendance: Attendance) -> Attendance:
        """Remember the row's columns before it changes (``flush`` writes the difference)."""
        if attendance.pk not in self._rows:
            self._rows[attendance.pk] = (attendance, _snapshot(attendance))
        return attendance

    def event(self, attendance: Attendance, type_: str, **data) -> None:
        self.events.append(new_row(Event, attendance=attendance, type=type_, at=self.at, data=data))

    def say(self, attendance: Attendance, body: str, *, sender: str = Sender.BOT, agent=None, kind: str = Kind.TEXT,
            deliver_at: datetime | None = None) -> Message:  # fmt: skip
        """A message to the customer."""
        message = outbound_message(attendance=attendance, body=body, at=self.at, sender=sender, agent=agent,
                                   kind=kind, deliver_at=deliver_at)  # fmt: skip
        self.messages.append(message)
        return message

    def note(self, attendance: Attendance, body: str) -> None:
        """A system note only the agent sees."""
        self.messages.append(
            outbound_message(attendance=attendance, body=body, at=self.at, sender=Sender.SYSTEM, to_customer=False)
        )

    def internal(self, attendance: Attendance, body: str, *, sender: str, author) -> Message:
        """An internal note (kind ``note``) signed by ``author``: never delivered."""
        message = outbound_message(attendance=attendance, body=body, at=self.at, sender=sender, agent=author,
                                   kind=Kind.NOTE, to_customer=False)  # fmt: skip
        message.sender_name = author.display_name
        self.messages.append(message)
        return message

    def notify(self, user_ids, event: str, attendance: Attendance, **data) -> None:
        users = tuple(u for u in user_ids if u)
        if users:
            self.live.append((users, event, {"attendance": attendance.pk, **data}))

    def first_question(self, survey) -> str | None:
        if survey.pk not in self._first_questions:
            self._first_questions[survey.pk] = first_question_text(survey)
        return self._first_questions[survey.pk]

    # Writing ---------------------------------------------------------------------------------

    def flush(self) -> None:
        changed_rows, changed_columns = [], set()
        for attendance, before in self._rows.values():
            attendance.timer_due_at = next_due_at(attendance)
            after = _snapshot(attendance)
            if after != before:
                changed_rows.append(attendance)
                changed_columns.update(i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b)
        # Messages, events and attendances in one statement (``write_rows``).
        write_rows([(self.messages, True), (self.events, False)],
                   (changed_rows, [WRITTEN_FIELDS[i] for i in sorted(changed_columns)]))  # fmt: skip
        messages_deliver_due(self.messages, now=self.at)
        if self.facts:
            facts_recorded(self.facts)
        if self.events:
            events_recorded(self.events)
        followups.distribute(self.queued_groups | groups_of_agents(self.freed_agents))
        followups.queue_positions(self.queued_groups | self.position_groups)
        followups.live_many(self.live)


_snapshot = attrgetter(*WRITTEN_ATTNAMES)  # the row's written columns, as a tuple


@contextmanager
def at_once(at: datetime | None = None) -> Iterator[Changes]:
    """One change applied now (a request): ``with at_once() as changes: close(changes, …)``."""
    changes = Changes(at)
    yield changes
    changes.flush()


def _set_status(changes: Changes, attendance: Attendance, status: str) -> str:
    if not attendance.can_transition_to(status):
        raise ValidationError(
            errors.ILLEGAL_TRANSITION, params={"current": attendance.status, "target": status}, code="transition"
        )
    changes.track(attendance)
    previous = attendance.status
    attendance.status = status
    return previous


# Transitions ------------------------------------------------------------------------------------


def open_attendance(changes: Changes, *, customer: Customer, channel: Channel | None,
                    group: ServiceGroup | None = None) -> Attendance:  # fmt: skip
    """A new attendance with the bot, in ``group``, the customer's group or the default
    main group. The row is inserted at once (its id makes the protocol, the local date
    and the id: ``2026112400000123``); the protocol and the "opened" event are written
    with the rest of ``changes``."""
    attendance = new_attendance(changes, customer=customer, channel=channel, group=group)
    insert_rows([attendance], returning_ids=True)
    return attendance_opened(changes, attendance)


def new_attendance(changes: Changes, *, customer: Customer, channel: Channel | None,
                   group: ServiceGroup | None = None) -> Attendance:  # fmt: skip
    """``open_attendance``'s row, not yet written: its caller inserts it — with a new
    customer in one statement (``inbound``) — then calls ``attendance_opened``."""
    if group is None:
        group = engine_group(customer.group_id) if customer.group_id else None
        group = group if group is not None and group.is_active else engine_main_group()
    if group is None:
        raise ValidationError(errors.NO_MAIN_GROUP)
    at = changes.at
    return Attendance(
        protocol=f"tmp-{uuid.uuid4().hex[:16]}", customer=customer, group=group, channel=channel,
        status=Status.BOT, opened_at=at, priority=customer.priority,
    )  # fmt: skip


def attendance_opened(changes: Changes, attendance: Attendance) -> Attendance:
    """The inserted row's protocol and "opened" event (``open_attendance``)."""
    changes.track(attendance)
    attendance.protocol = f"{timezone.localtime(attendance.opened_at):%Y%m%d}{attendance.pk:08d}"
    changes.event(attendance, EventType.OPENED, group=attendance.group_id)
    return attendance


def queue(changes: Changes, attendance: Attendance, group: ServiceGroup, *, event: str = EventType.QUEUED,
          entering: bool | None = None, hours_checked: bool = False, keep_place: bool = False,
          **data) -> None:  # fmt: skip
    """Into ``group``'s queue, without an agent. A transfer bot greets the customer
    whenever the attendance enters its group (SPEC §3). Entering a group whose calendar
    is closed first goes through ``out_of_hours`` (SPEC §14). ``keep_place``: back into
    the queue it was served from, at its original ``queued_at`` (SPEC §7.1: the customer
    keeps their place); the event records that ``queued_at`` for the reports' replay."""
    entry_point = attendance.status == Status.BOT or group.pk != attendance.group_id
    if not hours_checked and entry_point and out_of_hours(changes, attendance, group, event=event, entering=entering,
                                                          keep_place=keep_place, **data):  # fmt: skip
        return
    changes.track(attendance)
    entering = group.pk != attendance.group_id if entering is None else entering
    previous_agent = attendance.agent_id
    _set_status(changes, attendance, Status.QUEUED)
    if previous_agent:
        changes.freed_agents.add(previous_agent)
        changes.notify([previous_agent], "transferred_away", attendance)
    attendance.group = group
    attendance.agent = None
    if keep_place and attendance.queued_at is not None:
        data["queued_at"] = attendance.queued_at.isoformat()
    else:
        attendance.queued_at = changes.at
    attendance.priority = attendance.customer.priority
    changes.event(attendance, event, group=group.pk, **data)
    changes.facts.append(fact_queued(at=changes.at, group_id=group.pk))
    changes.queued_groups.add(group.pk)
    bot = group.initialization_bot
    if entering and bot is not None and bot.is_active and bot.kind == BotKind.TRANSFER and bot.message:
        changes.say(attendance, bot.message)


def out_of_hours(changes: Changes, attendance: Attendance, group: ServiceGroup, **entry) -> bool:
    """The group's rule for the time outside its calendar (SPEC §14), when an attendance
    would enter its queue while the calendar is closed: the customer gets the group's
    out-of-hours message, an ``out_of_hours`` event is logged, and then

    - ``queue``: it waits in the queue; the distribution leaves a closed group's queue alone
      and the sweep distributes it once the calendar opens;
    - ``close``: closed with reason ``out_of_hours``;
    - ``group``: it enters ``out_of_hours_group``'s queue as it is (that group is meant to
      answer then: a 24 h group or one with a transfer bot; its own calendar is not asked
      again, so two groups never send a customer back and forth).

    Only customers coming from the bot get ``close`` or ``group``: an agent's or a
    supervisor's transfer into a closed group waits for the opening (``queue``), the
    person who transferred chose that group. Returns whether the entry was handled here
    (``False``: the group is open, or has no calendar)."""
    calendar = group_calendar(group)
    if calendar is None or schedule_of(calendar).is_open(changes.at):
        return False
    status = schedule_of(calendar).status(changes.at)
    action = group.out_of_hours_action if attendance.status == Status.BOT else OutOfHoursAction.QUEUE
    target = group.out_of_hours_group if action == OutOfHoursAction.GROUP else None
    if action == OutOfHoursAction.GROUP and (target is None or not target.is_active):
        action = OutOfHoursAction.QUEUE  # the target was deactivated since: wait rather than strand
    changes.track(attendance)
    changes.event(attendance, EventType.OUT_OF_HOURS, group=group.pk, action=action, reason=status.reason,
                  holiday=status.holiday_name, to_group=target.pk if target else None,
                  next_open_at=status.next_open_at.isoformat() if status.next_open_at else None)  # fmt: skip
    message = texts.out_of_hours(group, calendar, status)
    if action == OutOfHoursAction.CLOSE:
        attendance.group = group  # closed where it was heading: the reports count it there
        close(changes, attendance, reason=CloseReason.OUT_OF_HOURS, farewell=message)
        return True
    changes.say(attendance, message)
    if action == OutOfHoursAction.GROUP:
        entry.pop("entering", None)
        queue(changes, attendance, target, hours_checked=True, out_of_hours_from=group.pk, **entry)
    else:
        queue(changes, attendance, group, hours_checked=True, **entry)
    return True


def requeue(changes: Changes, attendance: Attendance, *, reason: str, by: int | None = None) -> None:
    """An agent's in-progress attendance back to its group's queue, its place kept (SPEC
    §7.1): the agent went offline (``agent_offline``) or vanished where the group redirects
    on disconnect (``agent_disconnected``). The customer is told another agent is coming."""
    agent_id = attendance.agent_id
    extra = {"by": by} if by else {}  # a supervisor put the agent offline (SPEC §9.1)
    queue(changes, attendance, attendance.group, event=EventType.REQUEUED, entering=False, keep_place=True,
          reason=reason, agent=agent_id, **extra)  # fmt: skip
    changes.say(attendance, texts.REQUEUED)


def close_disconnected(changes: Changes, attendance: Attendance) -> None:
    """The agent vanished and the group does not redirect (SPEC §7.1): closed with
    ``agent_disconnected``, and the customer is told why and how to come back."""
    close(changes, attendance, reason=CloseReason.AGENT_DISCONNECTED, farewell=texts.DISCONNECTED_CLOSED)


def transfer_to_group(changes: Changes, attendance: Attendance, *, group: ServiceGroup, by: int | None) -> None:
    """To ``group``'s queue (an agent's or a supervisor's transfer). The agent who held it
    (``from_agent``) is left out of its next assignment (``transfer_senders``), so it never
    bounces back to them; with nobody else eligible it waits in the queue (SPEC §7.1)."""
    queue(changes, attendance, group, event=EventType.TRANSFERRED, from_group=attendance.group_id,
          from_agent=attendance.agent_id, by=by)  # fmt: skip


def transfer_senders(attendance_ids: list[int]) -> dict[int, int]:
    """The agent each queued attendance must skip: the ``from_agent`` of a transfer to a
    group that no assignment has followed yet (the event log is the record)."""
    if not attendance_ids:
        return {}
    latest: dict[int, tuple[str, dict]] = {}
    rows = (
        Event.objects.filter(attendance_id__in=attendance_ids, type__in=[EventType.TRANSFERRED, EventType.ASSIGNED])
        .order_by("attendance_id", "at", "pk")
        .values_list("attendance_id", "type", "data")
    )
    for attendance_id, type_, data in rows:
        latest[attendance_id] = (type_, data or {})
    return {
        attendance_id: data["from_agent"]
        for attendance_id, (type_, data) in latest.items()
        if type_ == EventType.TRANSFERRED and "to_agent" not in data and data.get("from_agent")
    }


def assign(changes: Changes, attendance: Attendance, *, agent_id: int, agent_name: str, why: dict) -> None:
    """From the queue to an agent (the distribution); ``why`` is the "por que este agente?"
    record. The customer hears who answers (SPEC §8.2 ``display_name_mode``)."""
    _set_status(changes, attendance, Status.IN_PROGRESS)
    attendance.agent_id = agent_id
    attendance.assigned_at = changes.at
    group = attendance.group
    sla = group.initial_sla_minutes
    changes.facts.append(fact_assigned(at=changes.at, group_id=group.pk, agent_id=agent_id,
                                       queued_at=attendance.queued_at, sla_minutes=sla,
                                       open_seconds=group_open_seconds(group)))  # fmt: skip
    changes.event(attendance, EventType.ASSIGNED, **why)
    changes.say(attendance, texts.now_assisting(attendance, agent_name))
    changes.notify([agent_id], "assigned", attendance)


def transfer_to_agent(changes: Changes, attendance: Attendance, *, agent, group: ServiceGroup, by: int | None) -> None:
    """Straight to a named agent of ``group`` (the caller checked availability and capacity
    under the agent's lock)."""
    changes.track(attendance)
    previous_agent, from_group = attendance.agent_id, attendance.group_id
    previous = _set_status(changes, attendance, Status.IN_PROGRESS)
    # Reports count it as an entry into the group's queue and an assignment at once.
    changes.facts += facts_direct_transfer(
        at=changes.at, group_id=group.pk, agent_id=agent.pk, was_queued=previous == Status.QUEUED,
        queued_at=attendance.queued_at, sla_minutes=group.initial_sla_minutes,
        open_seconds=group_open_seconds(group),
    )  # fmt: skip
    if previous_agent and previous_agent != agent.pk:
        changes.freed_agents.add(previous_agent)
        changes.notify([previous_agent], "transferred_away", attendance)
    attendance.group = group
    attendance.agent = agent
    attendance.assigned_at = changes.at
    attendance.queued_at = attendance.queued_at or changes.at
    changes.event(attendance, EventType.TRANSFERRED, to_agent=agent.pk, to_group=group.pk, from_group=from_group,
                  from_agent=previous_agent, by=by)  # fmt: skip
    changes.say(attendance, texts.now_assisting(attendance, agent.display_name))
    changes.notify([agent.pk], "assigned", attendance)


def take_over(changes: Changes, attendance: Attendance, *, supervisor) -> None:
    """A supervisor-agent takes the attendance for themselves ("Assumir", SPEC §9.1): in
    progress with them in its group, from the queue or from another agent, whatever their
    capacity (it counts toward it, it is never refused for it). The event ``taken_over``
    records ``from_agent`` and ``by`` (and ``to_agent``, ``to_group`` for the reports: from
    the queue an assignment, otherwise a transfer straight to an agent). The former agent's page is told who took it."""
    changes.track(attendance)
    previous_agent, group = attendance.agent_id, attendance.group
    previous = _set_status(changes, attendance, Status.IN_PROGRESS)
    changes.facts += facts_taken_over(
        at=changes.at, group_id=group.pk, agent_id=supervisor.pk, was_queued=previous == Status.QUEUED,
        queued_at=attendance.queued_at, sla_minutes=group.initial_sla_minutes,
        open_seconds=group_open_seconds(group),
    )  # fmt: skip
    if previous_agent and previous_agent != supervisor.pk:
        changes.freed_agents.add(previous_agent)
        changes.notify([previous_agent], "transferred_away", attendance, taken_by=supervisor.display_name)
    attendance.agent = supervisor
    attendance.assigned_at = changes.at
    attendance.queued_at = attendance.queued_at or changes.at
    changes.event(attendance, EventType.TAKEN_OVER, to_agent=supervisor.pk, to_group=group.pk,
                  from_agent=previous_agent, by=supervisor.pk, previous=previous)  # fmt: skip
    changes.say(attendance, texts.now_assisting(attendance, supervisor.display_name))
    changes.notify([supervisor.pk], "assigned", attendance)


def to_pending(changes: Changes, attendance: Attendance, **data) -> None:
    _set_status(changes, attendance, Status.PENDING)
    changes.freed_agents.add(attendance.agent_id)  # a pending attendance does not count against capacity
    changes.event(attendance, EventType.PENDING, **data)
    changes.notify([attendance.agent_id], "status", attendance, status=Status.PENDING)


def reopen(changes: Changes, attendance: Attendance, *, by: str) -> None:
    """Pending → in progress (a customer's or the agent's message)."""
    _set_status(changes, attendance, Status.IN_PROGRESS)
    changes.event(attendance, EventType.REOPENED, by=by)
    changes.notify([attendance.agent_id], "status", attendance, status=Status.IN_PROGRESS)


def close(changes: Changes, attendance: Attendance, *, reason: str, closer: str = BOT, node_id: int | None = None,
          send_survey: bool = False, farewell: str = "") -> None:  # fmt: skip
    """Close (SPEC §8.5): ``farewell`` (e.g. the inactivity text), then the group's
    finalization bot, then the survey when ``closer`` is in the survey's
    ``send_on_close_by`` — always if ``survey_required``, otherwise if asked."""
    group = attendance.group
    previous = _set_status(changes, attendance, Status.CLOSED)
    agent_id = attendance.agent_id
    attendance.closed_at = changes.at
    attendance.close_reason = reason
    attendance.classification_node_id = node_id
    abandoned = previous == Status.QUEUED
    changes.event(attendance, EventType.CLOSED, reason=reason, by=closer, abandoned=abandoned, agent=agent_id,
                  group=group.pk, previous=previous)  # fmt: skip
    changes.facts.append(fact_closed(at=changes.at, group_id=group.pk, agent_id=agent_id, was_queued=abandoned,
                                     assigned_at=attendance.assigned_at))  # fmt: skip
    if farewell:
        changes.say(attendance, farewell)
    bot = group.finalization_bot
    if bot is not None and bot.is_active and bot.message:
        changes.say(attendance, bot.message)
    survey = group.survey
    sends = survey is not None and survey.is_active and closer in survey.send_on_close_by
    sends = sends and reason != CloseReason.OUT_OF_HOURS  # nobody served them: nothing to rate
    if sends and (group.survey_required or send_survey):
        question = changes.first_question(survey)
        if question is not None:
            attendance.survey, attendance.survey_step = survey, 0
            changes.say(attendance, question)
    if agent_id:
        changes.freed_agents.add(agent_id)
        changes.notify([agent_id], "closed", attendance, reason=reason)


def start_active(changes: Changes, attendance: Attendance, *, agent) -> None:
    """A new attendance opened by the agent's active message: in progress with them at
    once (the caller checked their capacity under their lock); never queued."""
    _set_status(changes, attendance, Status.IN_PROGRESS)
    attendance.agent = agent
    attendance.queued_at = attendance.assigned_at = changes.at
    attendance.last_agent_message_at = changes.at
    changes.event(attendance, EventType.ACTIVE_MESSAGE, agent=agent.pk, opened=True)
