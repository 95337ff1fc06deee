"""Messages: the building of a message row (once, for every sender), who signs it, and
outbound delivery through a channel adapter (a logging adapter by default; a webhook
adapter that POSTs to the channel's URL with retries, backoff and an idempotency key)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from core import followups
from core.bulk import insert_rows, new_row

from .models import Attendance, Delivery, Direction, DisplayNameMode, Kind, Message, Sender

logger = logging.getLogger("atende.outbound")


def sender_name(*, attendance: Attendance, sender: str, agent=None) -> str:
    """ "Nome mostrado na mensagem" (SPEC §4.4): the company, the agent, or nobody."""
    mode = attendance.group.display_name_mode
    if mode == DisplayNameMode.NONE:
        return ""
    if mode == DisplayNameMode.COMPANY or sender not in (Sender.AGENT, Sender.SUPERVISOR):
        return attendance.group.operation.company.name
    if sender == Sender.SUPERVISOR:  # a supervisor writing from the monitor signs as themselves (§9.1)
        return agent.display_name if agent else attendance.group.operation.company.name
    agent = agent or attendance.agent
    return agent.display_name if agent else ""


def outbound_message(
    *, attendance: Attendance, body: str, at: datetime, sender: str = Sender.BOT, agent=None, kind: str = Kind.TEXT,
    deliver_at: datetime | None = None, to_customer: bool = True,
) -> Message:  # fmt: skip
    """An unsaved outbound row: sent to the customer (``to_customer``: delivery pending,
    signed per ``display_name_mode``) or a note only the agent sees."""
    return new_row(
        Message, attendance=attendance, direction=Direction.OUTBOUND, sender=sender, kind=kind, body=body, agent=agent,
        sender_name=sender_name(attendance=attendance, sender=sender, agent=agent) if to_customer else "",
        created_at=at, deliver_at=deliver_at, delivery=Delivery.PENDING if to_customer else Delivery.NONE,
    )  # fmt: skip


def inbound_message(*, attendance: Attendance, kind: str, text: str, at: datetime, **extra) -> Message:
    """``extra``: a provider message's ``channel``, ``provider_message_id`` and media fields."""
    return new_row(
        Message, attendance=attendance, direction=Direction.INBOUND, sender=Sender.CUSTOMER, kind=kind, body=text,
        created_at=at, sender_name=attendance.customer.display_name, **extra,  # HOOK(channels): **extra
    )  # fmt: skip


def messages_save(messages: list[Message], *, now: datetime | None = None) -> list[Message]:
    """Insert the rows (one statement) and deliver the due ones after commit."""
    if not messages:
        return messages
    insert_rows(messages, returning_ids=True)
    messages_deliver_due(messages, now=now)
    return messages


def messages_deliver_due(messages: list[Message], *, now: datetime | None = None) -> None:
    """Deliver the saved messages that are due after commit (the rest wait for ``messages_due``)."""
    now = now or timezone.now()
    followups.deliver(
        [m.pk for m in messages if m.delivery == Delivery.PENDING and (m.deliver_at is None or m.deliver_at <= now)]
    )


def message_out(*, attendance: Attendance, body: str, sender: str = Sender.BOT, agent=None, kind: str = Kind.TEXT,
                deliver_at=None) -> Message:  # fmt: skip
    """Record one outbound message now and queue its delivery after commit."""
    now = timezone.now()
    message = outbound_message(attendance=attendance, body=body, at=now, sender=sender, agent=agent, kind=kind,
                               deliver_at=deliver_at)  # fmt: skip
    return messages_save([message], now=now)[0]


def delivery_live(*, message: Message, status: str, error: str = "") -> None:
    """The attendance's agent sees the message's delivery status change (the tick on the
    open workspace page) once it is committed: live event ``delivery`` {attendance,
    message, status[, error]}, sent to whoever receives the attendance's ``message``
    events (its assigned agent)."""
    data = {"attendance": message.attendance_id, "message": message.pk, "status": status}
    if error:
        data["error"] = error
    followups.live(user_ids=[message.attendance.agent_id], event="delivery", data=data)
