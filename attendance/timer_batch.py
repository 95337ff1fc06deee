"""A timer sweep batch's effects, written as sets (SPEC §8.4, §12 P3).

The sweep (``attendance/timers.py``) holds the batch's rows locked. Effects change the
attendances in memory through a ``TimerBatch`` and collect what to insert; ``flush``
then writes the whole batch in a handful of statements, in the batch's transaction:

- one ``INSERT`` of the outbound messages (ids returned), delivered by one task after
  commit;
- one ``INSERT`` of the events;
- one ``UPDATE … FROM (VALUES …)`` of the attendances' timer-owned columns that changed
  (status, queue and close fields, survey, next due time, silences warned about);
- one distribution request per group whose queue grew or whose agents got capacity
  back, and one queue-position pass per group that got a queued attendance.

The effects are those of ``attendance.lifecycle`` (same transitions, same events and
data, same messages) minus the per-row queries: the status rules come from
``Attendance.can_transition_to`` and the survey rule from ``lifecycle.attendance_close``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.bulk import insert_rows, update_rows

from . import errors
from .messaging import sender_name
from .models import Attendance, Delivery, Direction, Event, Kind, Message, Sender, ServiceGroup, Status

# The columns an effect may change; ``flush`` writes them for every row of the batch.
WRITTEN_FIELDS = [
    "status", "group", "agent", "queued_at", "priority", "closed_at", "close_reason", "classification_node",
    "survey", "survey_step", "timer_due_at", "inactivity_warned_ref", "partner_warned_ref",
]  # fmt: skip

WRITTEN_ATTNAMES = [Attendance._meta.get_field(name).attname for name in WRITTEN_FIELDS]

TIMER_CLOSER = "bot"  # a timer closes as the bot does (SPEC §8.5 ``send_on_close_by``)


class TimerBatch:
    def __init__(self) -> None:
        self.at = timezone.now()  # when the effects happen (messages, events, closes, queues)
        self.messages: list[Message] = []
        self.events: list[Event] = []
        self.freed_agents: set[int] = set()  # capacity back: their groups are distributed
        self.queued_groups: set[int] = set()
        self._first_questions: dict[int, str | None] = {}

    # What effects call ----------------------------------------------------------------------

    def event(self, attendance: Attendance, type_: str, **data) -> None:
        self.events.append(Event(attendance=attendance, type=type_, at=self.at, data=data))

    def message(self, attendance: Attendance, body: str, *, sender: str = Sender.BOT, delivered: bool = True) -> None:
        """An outbound message (``delivered``) or a note only the agent sees."""
        self.messages.append(
            Message(
                attendance=attendance, direction=Direction.OUTBOUND, sender=sender, kind=Kind.TEXT, body=body,
                sender_name=sender_name(attendance=attendance, sender=sender) if delivered else "",
                created_at=self.at, delivery=Delivery.PENDING if delivered else Delivery.NONE,
            )
        )  # fmt: skip

    def set_status(self, attendance: Attendance, status: str, event: str, **data) -> None:
        if not attendance.can_transition_to(status):
            raise ValidationError(
                errors.ILLEGAL_TRANSITION, params={"current": attendance.status, "target": status}, code="transition"
            )
        attendance.status = status
        self.event(attendance, event, **data)

    def queue(self, attendance: Attendance, group: ServiceGroup, event: str, **data) -> None:
        """``lifecycle.attendance_queue``: into ``group``'s queue, without an agent."""
        if attendance.agent_id:
            self.freed_agents.add(attendance.agent_id)
        attendance.group = group
        attendance.agent = None
        attendance.queued_at = self.at
        attendance.priority = attendance.customer.priority
        self.set_status(attendance, Status.QUEUED, event, group=group.pk, **data)
        self.queued_groups.add(group.pk)

    def close(self, attendance: Attendance, reason: str) -> None:
        """``lifecycle.attendance_close`` by a timer: the survey goes out when the bot is
        among its closers and the group requires it."""
        group = attendance.group
        had_agent = attendance.agent_id
        was_queued = attendance.status == Status.QUEUED
        attendance.closed_at = self.at
        attendance.close_reason = reason
        attendance.classification_node = None
        self.set_status(attendance, Status.CLOSED, "closed", reason=reason, by=TIMER_CLOSER, abandoned=was_queued,
                        agent=had_agent)  # fmt: skip
        survey = group.survey
        sends = survey is not None and survey.is_active and TIMER_CLOSER in survey.send_on_close_by
        if sends and group.survey_required:
            question = self._first_question(survey)
            if question is not None:
                attendance.survey, attendance.survey_step = survey, 0
                self.message(attendance, question)
        if had_agent:
            self.freed_agents.add(had_agent)

    def _first_question(self, survey) -> str | None:
        from .surveyflow import first_question_text

        if survey.pk not in self._first_questions:
            self._first_questions[survey.pk] = first_question_text(survey)
        return self._first_questions[survey.pk]

    # Writing ------------------------------------------------------------------------------------

    @staticmethod
    def snapshot(attendance: Attendance) -> tuple:
        """The timer-owned columns' values, to find what ``flush`` must write."""
        return tuple(getattr(attendance, name) for name in WRITTEN_ATTNAMES)

    def flush(self, rows: Sequence[Attendance], before: Sequence[tuple]) -> None:
        """Write the batch; ``before`` holds each row's ``snapshot`` from before the effects.
        Only the rows and columns that changed are written."""
        from .lifecycle import request_distribution
        from .tasks import deliver_messages_task, queue_positions_task

        Message.objects.bulk_create(self.messages)
        insert_rows(self.events)
        changed_rows, changed_columns = [], set()
        for attendance, old in zip(rows, before, strict=True):
            new = self.snapshot(attendance)
            if new != old:
                changed_rows.append(attendance)
                changed_columns.update(i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b)
        update_rows(changed_rows, [WRITTEN_FIELDS[i] for i in sorted(changed_columns)])
        groups = set(self.queued_groups)
        if self.freed_agents:
            groups |= set(
                ServiceGroup.agents.through.objects.filter(user_id__in=self.freed_agents)
                .values_list("servicegroup_id", flat=True)
            )  # fmt: skip
        request_distribution(*groups)
        for group_id in self.queued_groups:
            transaction.on_commit(lambda gid=group_id: queue_positions_task.delay(gid))
        ids = [message.pk for message in self.messages if message.delivery == Delivery.PENDING]
        if ids:
            transaction.on_commit(lambda: deliver_messages_task.delay(ids))
