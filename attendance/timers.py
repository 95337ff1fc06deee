"""Inactivity timers (SPEC §8.4), crash-safe and at scale.

Design: every open attendance carries ``timer_due_at``, the earliest moment one of its
timers may be due (a partial index covers open attendances only). A beat-scheduled sweep
claims due rows in batches with ``SELECT ... FOR UPDATE SKIP LOCKED``, evaluates every
timer rule against the attendance's *current* state and its group's *current* settings,
applies what is due, and stores the next due time, all in the batch's transaction.

Why this holds up:
- A timer due while workers are down is simply a row with a past ``timer_due_at``: the
  first sweep after they return fires it. No Celery ETA/countdown is used (Celery's docs
  warn that long ETAs are held in worker memory and redelivered on visibility timeouts).
- None fires twice: effects are decided from state under the row lock (a warning records
  the silence it warned about; closing/pending/requeue check the status), and the
  effect, the new state and the next due time commit together. A worker killed mid-batch
  rolls back the whole batch, which the next sweep redoes. Two beats only mean two
  sweeps competing for rows with SKIP LOCKED.
- A change of group settings applies from then on: ``timers_group_changed`` marks the
  group's open attendances due now, so the sweep re-evaluates them with the new values.
- Outbound messages written by an effect are delivered on commit; the delivery sweep
  (``messages_due``) also picks up delayed active messages and any delivery lost in a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer

from .models import (
    Attendance,
    BotInactivityAction,
    CloseReason,
    Delivery,
    InactivityCloseBy,
    Message,
    Sender,
    ServiceGroup,
    Status,
    TimeUnit,
)

UNIT_SECONDS = {TimeUnit.SECONDS: 1, TimeUnit.MINUTES: 60, TimeUnit.HOURS: 3600, TimeUnit.DAYS: 86400}
WHATSAPP_SESSION = timedelta(hours=24)
INACTIVITY_WARNING = "O protocolo está próximo de atingir o tempo de inatividade!"


@dataclass
class Due:
    """One timer of one attendance: when, and what to do."""

    at: datetime
    name: str


def _silence_ref(attendance: Attendance, group: ServiceGroup) -> datetime:
    """When the current silence started (SPEC §8.4 ``inactivity_close_by``)."""
    base = attendance.assigned_at or attendance.queued_at or attendance.opened_at
    customer = attendance.last_customer_message_at or base
    if group.inactivity_close_by == InactivityCloseBy.CLIENT_AND_AGENT:
        return max(customer, attendance.last_agent_message_at or base)
    return customer


def timers_due(attendance: Attendance, group: ServiceGroup) -> list[Due]:
    """Every timer that applies now, with its due time (past or future)."""
    status = attendance.status
    found: list[Due] = []
    if status == Status.BOT and group.bot_inactivity_enabled and group.bot_inactivity_timeout:
        ref = attendance.last_customer_message_at or attendance.opened_at
        span = timedelta(seconds=group.bot_inactivity_timeout * UNIT_SECONDS[group.bot_inactivity_unit])
        found.append(Due(ref + span, "bot_inactivity"))
    if status in (Status.IN_PROGRESS, Status.PENDING):
        ref = _silence_ref(attendance, group)
        timeout = timedelta(minutes=group.inactivity_timeout_minutes)
        found.append(Due(ref + timeout, "inactivity_close"))
        if group.inactivity_warning_percent and attendance.inactivity_warned_ref != ref:
            found.append(Due(ref + timeout * group.inactivity_warning_percent / 100, "inactivity_warning"))
    if status == Status.IN_PROGRESS and group.auto_pending and group.pending_after_minutes:
        ref = attendance.last_customer_message_at or attendance.assigned_at or attendance.opened_at
        found.append(Due(max(ref, attendance.assigned_at or ref) + timedelta(minutes=group.pending_after_minutes),
                         "auto_pending"))  # fmt: skip
    if status == Status.IN_PROGRESS and group.agent_response_minutes and attendance.assigned_at:
        answered = attendance.last_agent_message_at and attendance.last_agent_message_at >= attendance.assigned_at
        if not answered:
            found.append(
                Due(attendance.assigned_at + timedelta(minutes=group.agent_response_minutes), "agent_response")
            )
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


def next_due_at(attendance: Attendance, group: ServiceGroup | None = None) -> datetime | None:
    dues = timers_due(attendance, group or attendance.group)
    return min((due.at for due in dues), default=None)


def timers_reschedule(attendance: Attendance, *, also: Sequence[str] = ()) -> None:
    """Store the attendance's next due time (after a message or a status change), with
    the fields named in ``also`` (their in-memory values) in the same UPDATE."""
    attendance.timer_due_at = None if attendance.status == Status.CLOSED else next_due_at(attendance)
    Attendance.objects.filter(pk=attendance.pk).update(
        timer_due_at=attendance.timer_due_at, **{name: getattr(attendance, name) for name in also}
    )


def timers_group_changed(*, group_id: int) -> int:
    """Settings changed: the sweep re-evaluates the group's open attendances now."""
    return (
        Attendance.objects.filter(group_id=group_id).exclude(status=Status.CLOSED).update(timer_due_at=timezone.now())
    )


# The sweep -----------------------------------------------------------------------------


def timers_sweep(*, now: datetime | None = None, batch: int | None = None, budget_seconds: float = 20.0) -> int:
    """Fire every due timer, batch after batch, for at most ``budget_seconds``."""
    started = timezone.now()
    fired_total = 0
    while True:
        fired, claimed = _sweep_batch(now or timezone.now(), batch or settings.TIMER_BATCH)
        fired_total += fired
        if claimed == 0 or (timezone.now() - started).total_seconds() > budget_seconds:
            return fired_total


@transaction.atomic
def _sweep_batch(now: datetime, batch: int) -> tuple[int, int]:
    """Claim up to ``batch`` due rows, apply their effects in memory, write them as sets."""
    from .timer_batch import TimerBatch

    rows = list(
        Attendance.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(timer_due_at__lte=now)
        .exclude(status=Status.CLOSED)
        .order_by("timer_due_at")[:batch]
    )
    if not rows:
        return 0, 0
    groups = ServiceGroup.objects.select_related(
        "operation__company", "inactivity_bot", "survey", "bot_inactivity_target_group__operation__company"
    ).in_bulk({row.group_id for row in rows})
    for attendance in rows:
        attendance.group = groups[attendance.group_id]
    _load_customers(rows)
    effects = TimerBatch()
    before = [effects.snapshot(attendance) for attendance in rows]
    fired = 0
    for attendance in rows:
        fired += fire_due(effects, attendance, now)
    effects.flush(rows, before)
    return fired, len(rows)


def _needs_customer(attendance: Attendance, group: ServiceGroup) -> bool:
    """Whether a timer of this attendance may read its customer: the WhatsApp partner
    warning (the network) or a move to a queue (the priority)."""
    if group.whatsapp_partner:
        return True
    if attendance.status == Status.BOT:
        return group.bot_inactivity_action != BotInactivityAction.CLOSE
    return attendance.status == Status.IN_PROGRESS and bool(group.agent_response_minutes)


def _load_customers(rows: list[Attendance]) -> None:
    """The customers the batch's timers may read, in one query (most timers — warnings,
    closes, pending — never do: not joining them spares the claim a random read of the
    customers table per row)."""
    wanted = {row.customer_id for row in rows if _needs_customer(row, row.group)}
    if not wanted:
        return
    customers = Customer.objects.only("network", "priority").in_bulk(wanted)
    for row in rows:
        if row.customer_id in customers:
            row.customer = customers[row.customer_id]


def fire_due(effects, attendance: Attendance, now: datetime) -> int:
    """Apply the attendance's due timers, earliest first, in memory (the caller holds its
    row lock and writes it), and compute its next due time."""
    group = attendance.group
    fired = 0
    for due in sorted(timers_due(attendance, group), key=lambda d: d.at):
        if due.at <= now and attendance.status != Status.CLOSED and EFFECTS[due.name](effects, attendance, group):
            fired += 1
    attendance.timer_due_at = None if attendance.status == Status.CLOSED else next_due_at(attendance)
    return fired


# Effects (each checks the state it needs, then acts through the batch) ------------------------


def _bot_inactivity(effects, attendance: Attendance, group: ServiceGroup) -> bool:
    if attendance.status != Status.BOT:
        return False
    bot = group.inactivity_bot
    if bot is not None and bot.is_active and bot.message:
        effects.message(attendance, bot.message)
    action = group.bot_inactivity_action
    effects.event(attendance, "bot_inactivity", action=action)
    if action == BotInactivityAction.SEND_TO_GROUP and group.bot_inactivity_target_group_id:
        effects.queue(attendance, group.bot_inactivity_target_group, "queued", via="bot_inactivity")
    elif action == BotInactivityAction.SEND_TO_QUEUE:
        effects.queue(attendance, group, "queued", via="bot_inactivity")
    else:
        effects.close(attendance, CloseReason.INACTIVITY)
    return True


def _inactivity_warning(effects, attendance: Attendance, group: ServiceGroup) -> bool:
    ref = _silence_ref(attendance, group)
    if attendance.inactivity_warned_ref == ref:
        return False
    effects.message(attendance, INACTIVITY_WARNING, sender=Sender.SYSTEM)
    attendance.inactivity_warned_ref = ref
    effects.event(attendance, "warned", silence_since=ref.isoformat())
    return True


def _inactivity_close(effects, attendance: Attendance, group: ServiceGroup) -> bool:
    if attendance.status not in (Status.IN_PROGRESS, Status.PENDING):
        return False
    effects.close(attendance, CloseReason.INACTIVITY)
    return True


def _auto_pending(effects, attendance: Attendance, group: ServiceGroup) -> bool:
    if attendance.status != Status.IN_PROGRESS:
        return False
    effects.set_status(attendance, Status.PENDING, "pending", after_minutes=group.pending_after_minutes)
    effects.freed_agents.add(attendance.agent_id)  # a pending attendance does not count against capacity
    return True


def _agent_response(effects, attendance: Attendance, group: ServiceGroup) -> bool:
    answered = attendance.last_agent_message_at and attendance.last_agent_message_at >= attendance.assigned_at
    if attendance.status != Status.IN_PROGRESS or answered:
        return False
    effects.queue(attendance, group, "agent_timeout", agent=attendance.agent_id, minutes=group.agent_response_minutes)
    return True


def _partner_warning(effects, attendance: Attendance, group: ServiceGroup) -> bool:
    ref = attendance.last_customer_message_at
    if ref is None or attendance.partner_warned_ref == ref:
        return False
    ends = ref + WHATSAPP_SESSION
    # A note for the agent (not sent to the customer).
    note = _("The WhatsApp session with this customer ends at %(time)s.")
    effects.message(attendance, note % {"time": timezone.localtime(ends).strftime("%H:%M")}, sender=Sender.SYSTEM,
                    delivered=False)  # fmt: skip
    attendance.partner_warned_ref = ref
    effects.event(attendance, "partner_warning", session_ends=ends.isoformat())
    return True


EFFECTS = {
    "bot_inactivity": _bot_inactivity,
    "inactivity_warning": _inactivity_warning,
    "inactivity_close": _inactivity_close,
    "auto_pending": _auto_pending,
    "agent_response": _agent_response,
    "partner_warning": _partner_warning,
}


# Delayed and lost deliveries ---------------------------------------------------------------


def messages_due(*, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Messages to deliver now: delayed active messages whose time came, and deliveries
    not confirmed a minute after they were written (a worker died before sending)."""
    now = now or timezone.now()
    return list(
        Message.objects.filter(delivery=Delivery.PENDING)
        .filter(Q(deliver_at__lte=now) | Q(deliver_at__isnull=True, created_at__lte=now - timedelta(minutes=1)))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
