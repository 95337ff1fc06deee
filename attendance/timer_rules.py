"""When each timer of an attendance is due (SPEC §8.4): pure rules over one row's state
and its group's settings. The sweep (``timers.py``) fires them; ``transitions`` stores
the next due time whenever it changes a row.

Silence is counted from the moment the customer is served: time spent ``queued`` never
counts toward inactivity, its warning or pending — the clock starts again at assignment.
An attendance left with the bot closes after the group's bot inactivity when configured,
otherwise after ``inactivity_timeout_minutes``: nothing stays open forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import Attendance, InactivityCloseBy, ServiceGroup, Status, TimeUnit

UNIT_SECONDS = {TimeUnit.SECONDS: 1, TimeUnit.MINUTES: 60, TimeUnit.HOURS: 3600, TimeUnit.DAYS: 86400}
WHATSAPP_SESSION = timedelta(hours=24)


@dataclass
class Due:
    """One timer of one attendance: when, and what to do."""

    at: datetime
    name: str


def silence_ref(attendance: Attendance, group: ServiceGroup) -> datetime:
    """When the current silence started: the later of the customer's last message (and,
    with ``client_and_agent``, the agent's) and the assignment."""
    served = attendance.assigned_at or attendance.queued_at or attendance.opened_at
    ref = max(attendance.last_customer_message_at or served, served)
    if group.inactivity_close_by == InactivityCloseBy.CLIENT_AND_AGENT and attendance.last_agent_message_at:
        ref = max(ref, attendance.last_agent_message_at)
    return ref


def bot_silence_ref(attendance: Attendance) -> datetime:
    return attendance.last_customer_message_at or attendance.opened_at


def timers_due(attendance: Attendance, group: ServiceGroup) -> list[Due]:
    """Every timer that applies now, with its due time (past or future)."""
    status = attendance.status
    found: list[Due] = []
    if status == Status.BOT:
        ref = bot_silence_ref(attendance)
        if group.bot_inactivity_enabled and group.bot_inactivity_timeout:
            span = timedelta(seconds=group.bot_inactivity_timeout * UNIT_SECONDS[group.bot_inactivity_unit])
            found.append(Due(ref + span, "bot_inactivity"))
        else:
            found.append(Due(ref + timedelta(minutes=group.inactivity_timeout_minutes), "bot_timeout"))
    if status in (Status.IN_PROGRESS, Status.PENDING):
        ref = silence_ref(attendance, group)
        timeout = timedelta(minutes=group.inactivity_timeout_minutes)
        found.append(Due(ref + timeout, "inactivity_close"))
        if group.inactivity_warning_percent and attendance.inactivity_warned_ref != ref:
            found.append(Due(ref + timeout * group.inactivity_warning_percent / 100, "inactivity_warning"))
    if status == Status.IN_PROGRESS and group.auto_pending and group.pending_after_minutes:
        served = attendance.assigned_at or attendance.opened_at
        ref = max(attendance.last_customer_message_at or served, served)
        found.append(Due(ref + timedelta(minutes=group.pending_after_minutes), "auto_pending"))
    if status == Status.IN_PROGRESS and group.agent_response_minutes and not agent_answered(attendance):
        found.append(Due(attendance.assigned_at + timedelta(minutes=group.agent_response_minutes), "agent_response"))
    if (
        status != Status.CLOSED
        and group.whatsapp_partner
        and group.partner_inactivity_warning_minutes
        and attendance.last_customer_message_at
        and attendance.partner_warned_ref != attendance.last_customer_message_at
        and attendance.customer.network == "whatsapp"
    ):
        ends = attendance.last_customer_message_at + WHATSAPP_SESSION
        found.append(Due(ends - timedelta(minutes=group.partner_inactivity_warning_minutes), "partner_warning"))
    return found


def agent_answered(attendance: Attendance) -> bool:
    """Whether the agent wrote since the assignment (no assignment: nothing to answer)."""
    last = attendance.last_agent_message_at
    if attendance.assigned_at is None:
        return True
    return bool(last and last >= attendance.assigned_at)


def next_due_at(attendance: Attendance, group: ServiceGroup | None = None) -> datetime | None:
    if attendance.status == Status.CLOSED:
        return None
    dues = timers_due(attendance, group or attendance.group)
    return min((due.at for due in dues), default=None)
