"""A customer's message arrives (SPEC §8.2): it answers a survey, talks to the bot,
reopens a pending attendance, or opens a new attendance with the group's
initialization bot.

A message is one transaction. The hot path (a customer with an open attendance) is one
query that finds the customer and locks their open attendance (its group, company and
bot come from ``engine_cache``), then one statement that inserts the messages and
updates the silence and the next timer (``transitions.Changes.flush``). A first message
creates the customer, its history record and its attendance in one statement; the
database's constraints (one customer per network and phone, one open attendance per
customer) settle two first messages at once — the loser starts over and appends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.phones import normalize_address
from core.queries import row_with_locked_child
from customers.models import Customer
from customers.services import customer_create_for_message

from . import errors, texts, transitions
from .botflow import bot_handle, bot_start
from .engine_cache import engine_group
from .messaging import inbound_message
from .models import Attendance, Channel, Kind, Status
from .surveyflow import survey_answer
from .transitions import Changes, at_once

SURVEY_WINDOW = timedelta(hours=24)
# Written out, not a parameter: PostgreSQL then reads the partial unique index
# ``one_open_attendance_per_customer`` (a parameter cannot prove its condition in a
# prepared statement's generic plan; ``tests/core/test_query_plans.py``).
OPEN_SQL = f"c.status <> '{Status.CLOSED.value}'"


@dataclass
class InboundResult:
    attendance: Attendance
    created: bool


def inbound_receive(
    *, channel: Channel, network: str, phone: str, country_code: str = "", display_name: str = "",
    kind: str = Kind.TEXT, text: str = "",
    provider_message_id: str = "", media: dict | None = None,  # HOOK(channels): provider webhooks
    bot_answers: bool = True, stored_before: Callable[[], bool] | None = None,
) -> InboundResult | None:  # fmt: skip
    """Find or create the customer, then append to the open attendance or start a new one.
    A new attendance starts in the customer's group, else the oldest active main group.
    ``bot_answers=False``: the rest of one provider message already answered (Twilio's
    second media item…) is appended without the bot reading it again.

    A provider message is written once: its id is unique per channel (the database's
    ``message_provider_id_unique``), so a second delivery's transaction fails on it — a
    delivery at the same time waits for the first one's commit — and rolls back whole.
    After such an ``IntegrityError``, ``stored_before`` (``providers.services``) says
    whether the message is in: then nothing was written and the result is ``None``. The
    check costs nothing on the usual path (SPEC §12 P9), only on a replay."""
    if network != channel.network:
        raise ValidationError({"network": [errors.NETWORK_MISMATCH % {"network": channel.network}]})
    # HOOK(channels): the provider's message id, its channel and downloaded media go on the message row.
    extra = (
        {"channel": channel, "provider_message_id": provider_message_id, **(media or {})} if provider_message_id else {}
    )
    try:
        e164 = normalize_address(phone, country_code, network=network)  # HOOK(channels): Telegram chat ids
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return _receive(channel=channel, network=network, phone=e164, display_name=display_name, kind=kind,
                                text=text, extra=extra, bot_answers=bot_answers)  # fmt: skip
        except IntegrityError:
            if stored_before is not None and stored_before():
                return None  # a replay of a stored provider message
            continue  # another request created the customer or opened the attendance at the same time
    raise RuntimeError("could not open or find the customer's attendance")


def _receive(*, channel, network, phone, display_name, kind, text, extra, bot_answers=True) -> InboundResult:
    now = timezone.now()
    customer, attendance = _customer_and_open_attendance(network=network, phone=phone)
    if customer is not None and not customer.is_active:
        raise errors.InactiveCustomerError()
    created = attendance is None
    if created and customer is not None:
        survey_attendance = _survey_in_progress(customer)
        if survey_attendance is not None:
            return _survey_reply(survey_attendance, kind=kind, text=text, now=now, extra=extra)
    with at_once(now) as changes:
        if customer is None:
            attendance = _first_contact(changes, channel=channel, network=network, phone=phone,
                                        display_name=display_name or phone)  # fmt: skip
        elif created:
            attendance = transitions.open_attendance(changes, customer=customer, channel=channel)
        _append(changes, attendance, kind=kind, text=text, extra=extra)
        asked = texts.asks_protocol(text)
        if asked or (created and attendance.group.send_protocol):
            changes.say(attendance, texts.protocol_text(attendance))  # SAC: first, and on request
        if created:
            bot_start(changes, attendance)
        elif attendance.status == Status.BOT and bot_answers and not asked:
            bot_handle(changes, attendance, text)  # "protocolo" is no menu choice
        elif attendance.status == Status.PENDING:
            transitions.reopen(changes, attendance, by="customer")
    return InboundResult(attendance, created)


def _first_contact(changes: Changes, *, channel, network: str, phone: str, display_name: str) -> Attendance:
    """A first message: the customer, its history record and its attendance in one
    statement (``customer_create_for_message``). The database's unique constraint settles
    two first messages at once: the loser's ``IntegrityError`` makes ``inbound_receive``
    start over and find the customer."""
    opened: list[Attendance] = []

    def with_attendance(customer: Customer) -> list:
        opened.append(transitions.new_attendance(changes, customer=customer, channel=channel))
        return [(opened[0], "customer_id")]

    customer = customer_create_for_message(network=network, phone=phone, display_name=display_name,
                                           with_rows=with_attendance)  # fmt: skip
    attendance = opened[0]
    attendance.customer = customer  # cached again (setting its id forgot it): read without a query
    return transitions.attendance_opened(changes, attendance)


def _append(changes: Changes, attendance: Attendance, *, kind: str, text: str, extra: dict) -> None:
    """The customer's message; it resets the silences (the next timer moves)."""
    changes.track(attendance)
    attendance.last_customer_message_at = changes.at
    changes.messages.append(inbound_message(attendance=attendance, kind=kind, text=text, at=changes.at, **extra))
    if attendance.agent_id and attendance.status in (Status.IN_PROGRESS, Status.PENDING):
        changes.notify([attendance.agent_id], "message", attendance)


def _survey_reply(attendance: Attendance, *, kind: str, text: str, now: datetime, extra: dict) -> InboundResult:
    with at_once(now) as changes:
        changes.track(attendance)
        attendance.last_customer_message_at = now
        changes.messages.append(inbound_message(attendance=attendance, kind=kind, text=text, at=now, **extra))
    survey_answer(attendance=attendance, text=text)
    return InboundResult(attendance, False)


def _customer_and_open_attendance(*, network: str, phone: str) -> tuple[Customer | None, Attendance | None]:
    """The customer, and their open attendance (at most one:
    ``one_open_attendance_per_customer``) locked, with its group (with operation, company
    and bot) from the engine's configuration cache. One query on every message
    (``row_with_locked_child``)."""
    customer, attendance = row_with_locked_child(
        Customer, "m.network = %s AND m.phone = %s", [network, phone],
        child=Attendance, link="customer", child_where=OPEN_SQL, child_params=[],
    )  # fmt: skip
    if attendance is not None:
        attendance.group = engine_group(attendance.group_id)
    return customer, attendance


def _survey_in_progress(customer):
    """The closed attendance whose survey awaits this customer's answer (24 h at most)."""
    return (
        Attendance.objects.select_for_update()
        .filter(customer=customer, status=Status.CLOSED, survey_step__isnull=False,
                closed_at__gte=timezone.now() - SURVEY_WINDOW)
        .order_by("-closed_at")
        .first()
    )  # fmt: skip
