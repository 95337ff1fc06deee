"""An attendance's event log in words: names instead of ids, labels instead of codes, local
times, and for each assignment the "por que este agente?" table.

One rule for every screen that shows the log: the supervisor's monitor (``reports``) and
the back office's attendance detail (``attendance.admin_engine``).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.models import Closer
from users.models import User

from .models import Attendance, CloseReason, DistributionStrategy, Event, EventType, ServiceGroup


def time_zone_for(user) -> zoneinfo.ZoneInfo:
    """The viewer's company time zone (SPEC §0: it governs the times shown to people)."""
    return zoneinfo.ZoneInfo(getattr(user, "time_zone_name", None) or settings.TIME_ZONE)


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
    event_id: int | None = None


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
    """Every event of ``attendance``, oldest first, in the viewer's company time."""
    events = list(attendance.events.order_by("at", "pk"))
    groups, users = _names(events)
    tz = time_zone_for(user)
    lines = []
    for event in events:
        data = event.data or {}
        lines.append(
            LogLine(at=timezone.localtime(event.at, tz), text=describe(event.type, data, groups, users),
                    why=_why(data, users) if event.type == EventType.ASSIGNED else None, event_id=event.pk)
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
    if type_ == EventType.TAKEN_OVER:
        former = _(" from %(agent)s") % {"agent": person("from_agent")} if data.get("from_agent") else ""
        return _("Taken over by %(by)s%(from)s.") % {"by": person("by"), "from": former}
    if type_ == EventType.TRANSFERRED:
        return _("Transferred from %(from)s to the queue of %(group)s by %(by)s.") % {
            "from": group("from_group"), "group": group("group"), "by": person("by")}  # fmt: skip
    if type_ == EventType.QUEUED:
        via = _(" (bot inactivity)") if data.get("via") == "bot_inactivity" else ""
        return _("Entered the queue of %(group)s%(via)s.") % {"group": group("group"), "via": via}
    if type_ == EventType.REQUEUED and data.get("reason") == "agent_offline" and data.get("by"):
        return _("Back to the queue of %(group)s: %(by)s put %(agent)s offline.") % {
            "group": group("group"), "agent": person("agent"), "by": person("by")}  # fmt: skip
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
