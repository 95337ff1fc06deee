"""Inactivity timers (SPEC §8.4), crash-safe and at scale.

Design: every open attendance carries ``timer_due_at``, the earliest moment one of its
timers may be due (``timer_rules``; a partial index covers open attendances only). A
beat-scheduled sweep claims due rows in batches with ``SELECT ... FOR UPDATE SKIP
LOCKED``, evaluates every timer rule against the attendance's *current* state and its
group's *current* settings, applies what is due through ``transitions`` into one
``Changes`` per batch, and writes the batch as sets, all in the batch's transaction.

Why this holds up:
- A timer due while workers are down is simply a row with a past ``timer_due_at``: the
  first sweep after they return fires it. No Celery ETA/countdown is used (Celery's docs
  warn that long ETAs are held in worker memory and redelivered on visibility timeouts).
- None fires twice: effects are decided from state under the row lock (a warning records
  the silence it warned about; closing/pending/requeue check the status), and the
  effect, the new state and the next due time commit together. A worker killed mid-batch
  rolls back the whole batch, which the next sweep redoes. Two beats only mean two
  sweeps competing for rows with SKIP LOCKED.
- A change of group settings applies from then on: ``services.timers_group_changed`` marks the
  group's open attendances due now, so the sweep re-evaluates them with the new values.
- Outbound messages written by an effect are delivered on commit; the delivery sweep
  (``messages_due``) also picks up delayed active messages and any delivery lost in a crash.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from customers.models import Customer

from . import texts, transitions
from .models import (
    Attendance,
    BotInactivityAction,
    CloseReason,
    Delivery,
    EventType,
    Message,
    Sender,
    ServiceGroup,
    Status,
)
from .timer_rules import WHATSAPP_SESSION, agent_answered, next_due_at, silence_ref, timers_due
from .transitions import Changes

INACTIVITY_WARNING = texts.INACTIVITY_WARNING


def timers_reschedule(attendance: Attendance) -> None:
    """Store the attendance's next due time now (tests and tools that changed a row by hand)."""
    attendance.timer_due_at = next_due_at(attendance)
    Attendance.objects.filter(pk=attendance.pk).update(timer_due_at=attendance.timer_due_at)


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
    rows = list(
        Attendance.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(timer_due_at__lte=now)
        .exclude(status=Status.CLOSED)
        .order_by("timer_due_at")[:batch]
    )
    if not rows:
        return 0, 0
    groups = ServiceGroup.objects.select_related(
        "operation__company", "inactivity_bot", "finalization_bot", "survey",
        "bot_inactivity_target_group__operation__company", "bot_inactivity_target_group__initialization_bot",
    ).in_bulk({row.group_id for row in rows})  # fmt: skip
    for attendance in rows:
        attendance.group = groups[attendance.group_id]
    _load_customers(rows)
    changes = Changes()
    fired = 0
    for attendance in rows:
        changes.track(attendance)
        fired += fire_due(changes, attendance, now)
    changes.flush()
    return fired, len(rows)


def _needs_customer(attendance: Attendance, group: ServiceGroup) -> bool:
    """Whether a timer of this attendance may read its customer: the WhatsApp partner
    warning (the network) or a move to a queue (the priority)."""
    if group.whatsapp_partner:
        return True
    if attendance.status == Status.BOT:
        return group.bot_inactivity_enabled and group.bot_inactivity_action != BotInactivityAction.CLOSE
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


def fire_due(changes: Changes, attendance: Attendance, now: datetime) -> int:
    """Apply the attendance's due timers, earliest first (the caller holds its row lock
    and flushes ``changes``, which stores the next due time)."""
    group = attendance.group
    fired = 0
    for due in sorted(timers_due(attendance, group), key=lambda d: d.at):
        if due.at <= now and attendance.status != Status.CLOSED and EFFECTS[due.name](changes, attendance, group):
            fired += 1
    return fired


# Effects (each checks the state it needs, then acts through ``transitions``) ----------------


def _inactivity_text(group: ServiceGroup, default: str) -> str:
    """The group's inactivity bot's text replaces the default warning and closing (SPEC §3)."""
    bot = group.inactivity_bot
    return bot.message if bot is not None and bot.is_active and bot.message else default


def _bot_inactivity(changes: Changes, attendance: Attendance, group: ServiceGroup) -> bool:
    if attendance.status != Status.BOT:
        return False
    action = group.bot_inactivity_action
    changes.event(attendance, EventType.BOT_INACTIVITY, action=action)
    if action == BotInactivityAction.SEND_TO_GROUP and group.bot_inactivity_target_group_id:
        transitions.queue(changes, attendance, group.bot_inactivity_target_group, via="bot_inactivity")
    elif action == BotInactivityAction.SEND_TO_QUEUE:
        transitions.queue(changes, attendance, group, via="bot_inactivity")
    else:
        transitions.close(changes, attendance, reason=CloseReason.INACTIVITY,
                          farewell=_inactivity_text(group, texts.INACTIVITY_CLOSED))  # fmt: skip
    return True


def _bot_timeout(changes: Changes, attendance: Attendance, group: ServiceGroup) -> bool:
    """Left with the bot and no bot inactivity configured: closed after the group's
    inactivity time (SPEC §8.4: nothing stays open forever)."""
    if attendance.status != Status.BOT:
        return False
    transitions.close(changes, attendance, reason=CloseReason.INACTIVITY,
                      farewell=_inactivity_text(group, texts.INACTIVITY_CLOSED))  # fmt: skip
    return True


def _inactivity_warning(changes: Changes, attendance: Attendance, group: ServiceGroup) -> bool:
    ref = silence_ref(attendance, group)
    if attendance.inactivity_warned_ref == ref:
        return False
    changes.say(attendance, _inactivity_text(group, texts.INACTIVITY_WARNING), sender=Sender.SYSTEM)
    attendance.inactivity_warned_ref = ref
    changes.event(attendance, EventType.WARNED, silence_since=ref.isoformat())
    return True


def _inactivity_close(changes: Changes, attendance: Attendance, group: ServiceGroup) -> bool:
    if attendance.status not in (Status.IN_PROGRESS, Status.PENDING):
        return False
    transitions.close(changes, attendance, reason=CloseReason.INACTIVITY,
                      farewell=_inactivity_text(group, texts.INACTIVITY_CLOSED))  # fmt: skip
    return True


def _auto_pending(changes: Changes, attendance: Attendance, group: ServiceGroup) -> bool:
    if attendance.status != Status.IN_PROGRESS:
        return False
    transitions.to_pending(changes, attendance, after_minutes=group.pending_after_minutes)
    return True


def _agent_response(changes: Changes, attendance: Attendance, group: ServiceGroup) -> bool:
    if attendance.status != Status.IN_PROGRESS or agent_answered(attendance):
        return False
    transitions.queue(changes, attendance, group, event=EventType.AGENT_TIMEOUT, entering=False,
                      agent=attendance.agent_id, minutes=group.agent_response_minutes)  # fmt: skip
    return True


def _partner_warning(changes: Changes, attendance: Attendance, group: ServiceGroup) -> bool:
    ref = attendance.last_customer_message_at
    if ref is None or attendance.partner_warned_ref == ref:
        return False
    ends = ref + WHATSAPP_SESSION
    changes.note(attendance, texts.partner_session_note(timezone.localtime(ends).strftime("%H:%M")))
    attendance.partner_warned_ref = ref
    changes.event(attendance, EventType.PARTNER_WARNING, session_ends=ends.isoformat())
    return True


EFFECTS = {
    "bot_inactivity": _bot_inactivity,
    "bot_timeout": _bot_timeout,
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
