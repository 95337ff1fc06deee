"""What the reports read in the attendance's event log (``attendance.Event``).

The data the figures rely on, written by the engine:

- ``opened``: ``group``.
- a queue entry: any other event whose data has ``group`` (``queued``, ``transferred`` to a
  group, ``requeued``, ``agent_timeout``); its ``at`` is the new ``queued_at``, unless its data has ``queued_at``
  (a requeue that kept the customer's place, SPEC §7.1).
- ``assigned``: ``chosen`` (the agent); its ``at`` is ``assigned_at``.
- ``transferred`` straight to an agent, and ``taken_over`` (a supervisor-agent took it, SPEC
  §9.1): ``to_agent``, ``to_group``; ``at`` = ``assigned_at``.
- ``active_message`` with ``opened``: an attendance opened in progress with ``agent``.
- ``closed``: its ``at`` is ``closed_at``; ``abandoned`` (it was queued), ``agent``,
  ``group`` and ``previous`` (the status it left).
- ``out_of_hours`` (SPEC §14): the group's calendar was closed; not a queue entry itself
  (the ``queued`` or ``closed`` event that follows it is).
"""

from __future__ import annotations

from attendance.models import EventType

NOT_QUEUE_ENTRIES = {EventType.OPENED, EventType.CLOSED, EventType.OUT_OF_HOURS}  # they carry ``group`` too


def is_queue_entry(type_: str, data: dict) -> bool:
    return type_ not in NOT_QUEUE_ENTRIES and "group" in data and "to_agent" not in data
