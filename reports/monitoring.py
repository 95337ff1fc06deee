"""Attendance monitoring for supervisors (SPEC §9): the filtered list of their operations'
attendances and the readable event log (names, not ids; local times; "por que este
agente?")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance.models import Attendance, CloseReason, DistributionStrategy, Event, EventType, ServiceGroup, Status
from attendance.selectors import attendances_visible_to
from core.dates import INVALID_DATE, day_in_range, local_day_start, out_of_range_message
from core.text import whole_number
from surveys.models import Closer
from users.models import User

from .selectors import sac_overdue_q, time_zone_for, visible_groups

DATE_FIELDS = {"opened": "opened_at", "queued": "queued_at", "assigned": "assigned_at", "closed": "closed_at"}


@dataclass
class Filters:
    status: str = ""
    operation: int | None = None
    group: int | None = None
    agent: int | None = None
    date_field: str = "opened"
    date_from: date | None = None
    date_to: date | None = None
    abandoned: bool = False
    sla_missed: bool = False
    sac_overdue: bool = False
    protocol: str = ""
    errors: list[str] = field(default_factory=list)


def _int(value: str) -> int | None:
    return whole_number(value, max_digits=9)


def _date(value: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(str(INVALID_DATE))
        return None
    if not day_in_range(day):
        errors.append(out_of_range_message())
        return None
    return day


def parse_filters(params) -> Filters:
    errors: list[str] = []
    status = params.get("status", "")
    return Filters(
        status=status if status in Status.values else "",
        operation=_int(params.get("operation", "")),
        group=_int(params.get("group", "")),
        agent=_int(params.get("agent", "")),
        date_field=params.get("date_field") if params.get("date_field") in DATE_FIELDS else "opened",
        date_from=_date(params.get("date_from", ""), errors),
        date_to=_date(params.get("date_to", ""), errors),
        abandoned=params.get("abandoned") == "1",
        sla_missed=params.get("sla_missed") == "1",
        sac_overdue=params.get("sac_overdue") == "1",
        protocol=params.get("protocol", "").strip()[:20],
        errors=errors,
    )


def monitored_attendances(user, filters: Filters, now: datetime | None = None) -> QuerySet[Attendance]:
    """The viewer's operations' attendances matching ``filters``, newest first."""
    now = now or timezone.now()
    rows = attendances_visible_to(user).select_related("customer", "group", "agent")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.operation is not None:
        rows = rows.filter(group__operation_id=filters.operation)
    if filters.group is not None:
        rows = rows.filter(group_id=filters.group)
    if filters.agent is not None:
        rows = rows.filter(agent_id=filters.agent)
    if filters.protocol:
        rows = rows.filter(protocol=filters.protocol)
    column = DATE_FIELDS[filters.date_field]
    tz = time_zone_for(user)
    if filters.date_from:
        rows = rows.filter(**{f"{column}__gte": local_day_start(filters.date_from, tz)})
    if filters.date_to:
        rows = rows.filter(**{f"{column}__lt": local_day_start(filters.date_to + timedelta(days=1), tz)})
    if filters.abandoned:
        closed_queued = Event.objects.filter(attendance=OuterRef("pk"), type=EventType.CLOSED, data__abandoned=True)
        rows = rows.filter(status=Status.CLOSED).filter(Exists(closed_queued))
    if filters.sla_missed:
        rows = rows.filter(_sla_missed(user, now))
    if filters.sac_overdue:
        rows = rows.filter(sac_overdue_q(visible_groups(user), now))
    return rows.order_by("-opened_at", "-pk")


def _sla_missed(user, now) -> Q:
    """Assigned later than the group's SLA after entering the queue, or still waiting past it."""
    missed = Q(pk__in=[])
    for group_id, minutes in (
        visible_groups(user).filter(initial_sla_minutes__gt=0).values_list("pk", "initial_sla_minutes")
    ):
        limit = timedelta(minutes=minutes)
        missed |= Q(group_id=group_id, assigned_at__gt=F("queued_at") + limit, assigned_at__isnull=False)
        missed |= Q(group_id=group_id, status=Status.QUEUED, queued_at__lt=now - limit)
    return missed


# The readable event log ------------------------------------------------------------------------

FIGURE_LABELS = {
    DistributionStrategy.AGENT_PRIORITY: gettext_lazy("Priority"),
    DistributionStrategy.LEAST_HANDLING_TIME: gettext_lazy("Handling time today (s)"),
    DistributionStrategy.LEAST_ATTENDANCES: gettext_lazy("Attendances today"),
}


@dataclass
class LogLine:
    at: datetime
    text: str
    why: dict | None = None


def _names(events: list[Event]) -> tuple[dict, dict]:
    group_ids, user_ids = set(), set()
    for event in events:
        data = event.data or {}
        for key in ("group", "from_group", "to_group"):
            if isinstance(data.get(key), int):
                group_ids.add(data[key])
        for key in ("chosen", "to_agent", "from_agent", "agent", "by"):
            if isinstance(data.get(key), int):
                user_ids.add(data[key])
        for candidate in data.get("candidates", []) or []:
            user_ids.add(candidate.get("agent"))
    groups = dict(ServiceGroup.objects.filter(pk__in=group_ids).values_list("pk", "name"))
    users = {u.pk: u.display_name or u.username for u in User.objects.filter(pk__in=user_ids)}
    return groups, users


def event_log(attendance: Attendance, user) -> list[LogLine]:
    events = list(attendance.events.order_by("at", "pk"))
    groups, users = _names(events)
    tz = time_zone_for(user)
    lines = []
    for event in events:
        data = event.data or {}
        lines.append(
            LogLine(at=timezone.localtime(event.at, tz), text=describe(event.type, data, groups, users),
                    why=_why(data, users) if event.type == EventType.ASSIGNED else None)
        )  # fmt: skip
    return lines


def _closer(by) -> str:
    """The closer in a sentence ("closed by the agent"), lower case."""
    words = {Closer.AGENT: _("agent"), Closer.SUPERVISOR: _("supervisor"),
             Closer.SUPERVISOR_AGENT: _("supervisor agent"), Closer.BOT: _("bot or timer")}  # fmt: skip
    return words.get(by, str(by or "—"))


def describe(type_: str, data: dict, groups: dict, users: dict) -> str:
    """One event in Portuguese, with names."""

    def group(key):
        return groups.get(data.get(key), "—")

    def person(key):
        value = data.get(key)
        return users.get(value, _("bot or timer") if value in (None, "bot") else str(value))

    if type_ == EventType.OPENED:
        return _("Opened in group %(group)s.") % {"group": group("group")}
    if type_ == EventType.TRANSFERRED and "to_agent" in data:
        return _("Transferred to %(agent)s (group %(group)s) by %(by)s.") % {
            "agent": person("to_agent"), "group": group("to_group"), "by": person("by")}  # fmt: skip
    if type_ == EventType.TRANSFERRED:
        return _("Transferred from %(from)s to the queue of %(group)s by %(by)s.") % {
            "from": group("from_group"), "group": group("group"), "by": person("by")}  # fmt: skip
    if type_ == EventType.QUEUED:
        via = _(" (bot inactivity)") if data.get("via") == "bot_inactivity" else ""
        return _("Entered the queue of %(group)s%(via)s.") % {"group": group("group"), "via": via}
    if type_ == EventType.REQUEUED and data.get("reason") == "agent_offline":
        return _("Back to the queue of %(group)s: %(agent)s went offline.") % {
            "group": group("group"), "agent": person("agent")}  # fmt: skip
    if type_ == EventType.REQUEUED:
        return _("Back to the queue of %(group)s: %(agent)s disconnected.") % {
            "group": group("group"), "agent": person("agent")}  # fmt: skip
    if type_ == EventType.AGENT_TIMEOUT:
        return _("Back to the queue of %(group)s: %(agent)s did not interact within %(minutes)s min.") % {
            "group": group("group"), "agent": person("agent"), "minutes": data.get("minutes", "?")}  # fmt: skip
    if type_ == EventType.ASSIGNED:
        strategy = data.get("strategy", "")
        strategy = DistributionStrategy(strategy).label if strategy in DistributionStrategy.values else strategy
        return _("Assigned to %(agent)s (strategy: %(strategy)s).") % {"agent": person("chosen"), "strategy": strategy}
    if type_ == EventType.CLOSED:
        reason = CloseReason(data["reason"]).label if data.get("reason") in CloseReason.values else data.get("reason")
        text = _("Closed (%(reason)s); closed by: %(by)s.") % {"reason": reason, "by": _closer(data.get("by"))}
        return text + (" " + _("Abandoned: the customer was waiting in the queue.") if data.get("abandoned") else "")
    if type_ == EventType.PENDING:
        return _("Sent to pending after %(minutes)s min without interaction.") % {"minutes": data.get("after_minutes")}
    if type_ == EventType.REOPENED:
        return _("Back in progress (reopened).")
    if type_ == EventType.WARNED:
        return _("Inactivity warning sent to the customer.")
    if type_ == EventType.PARTNER_WARNING:
        return _("WhatsApp session ending warning sent.")
    if type_ == EventType.BOT_INACTIVITY:
        return _("Inactivity with the bot: %(action)s.") % {"action": data.get("action", "")}
    if type_ == EventType.OUT_OF_HOURS:
        return _out_of_hours_line(data, group, users)
    if type_ == EventType.ACTIVE_MESSAGE:
        return _("Active message from %(agent)s.") % {"agent": person("agent")}
    return f"{type_}: " + ", ".join(f"{key}={value}" for key, value in data.items())


OUT_OF_HOURS_ACTIONS = {
    "queue": gettext_lazy("waits in the queue for the opening"),
    "close": gettext_lazy("the attendance was closed"),
    "group": gettext_lazy("sent to %(group)s"),
}


def _out_of_hours_line(data: dict, group, users) -> str:
    """ "Fora do horário de Vendas (feriado: Natal): aguarda a abertura na fila; abre 28/12 08:00." (SPEC §14)"""
    action = str(OUT_OF_HOURS_ACTIONS.get(data.get("action"), data.get("action")))
    if data.get("action") == "group":
        action = action % {"group": group("to_group")}
    text = _("Out of the hours of %(group)s: %(action)s.") % {"group": group("group"), "action": action}
    if data.get("holiday"):
        text += " " + _("Holiday: %(name)s.") % {"name": data["holiday"]}
    return text


def _why(data: dict, users: dict) -> dict:
    """The "por que este agente?" table: every eligible agent, the figure compared, the chosen."""
    strategy = data.get("strategy")
    rows = [
        {"position": c.get("position"), "name": users.get(c.get("agent"), c.get("name")),
         "figure": c.get("figure"), "free_slots": c.get("free_slots"), "chosen": c.get("agent") == data.get("chosen")}
        for c in data.get("candidates", []) or []
    ]  # fmt: skip
    return {"figure_label": FIGURE_LABELS.get(strategy), "wallet_agent": bool(data.get("wallet_agent")), "rows": rows}
