"""Reads of the dashboard and the service-level report (SPEC §9), scoped to the viewer's
operations (``core/scoping.py``).

"Now" figures are indexed queries over open attendances (the partial indexes of the
queue, of the agents' attendances in progress and of the timer sweep, which holds every
open attendance) and the agents' presence; "today" and the report are sums of the hourly
rollups (``reports.models``): hourly for today and the report by hour, daily for the
report by day, group or agent (``service_level``).

Days and hours are the company's: a UTC hour belongs to the local day and hour it starts
in. For a time zone whose offset is not a whole number of hours (e.g. Asia/Kolkata) a
local day would cut UTC hours in two; the rollups cannot, so such a day starts at the
first UTC hour that starts at or after its local midnight (the hour containing midnight
belongs to the day before, as ``TruncDate`` of its start says).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from attendance.event_log import time_zone_for  # noqa: F401 - the reports' pages use it too
from attendance.models import Attendance, PresenceState, ServiceGroup, Status
from calendars.hours import schedule_of
from calendars.models import Calendar
from core.dates import local_day_start, local_days
from core.scoping import operation_ids_for, scope_queryset
from organisation.models import Operation
from users.models import AGENT_ROLES, User

from .figures import add, figures, hour_figures, merge, zero
from .models import AgentDay, AgentHour, GroupDay, GroupHour
from .rollups import COLUMNS

OPEN_STATES = (Status.BOT, Status.QUEUED, Status.IN_PROGRESS, Status.PENDING)
SAC_WAITING = (Status.QUEUED, Status.PENDING)  # waiting for an answer (SPEC §14)


def visible_groups(user, *, operation_id: int | None = None, group_id: int | None = None) -> QuerySet[ServiceGroup]:
    groups = scope_queryset(ServiceGroup.objects.all(), user).select_related("operation__company")
    if operation_id is not None:
        groups = groups.filter(operation_id=operation_id)
    if group_id is not None:
        groups = groups.filter(pk=group_id)
    return groups.order_by("operation__name", "name", "pk")


def visible_agents(user) -> QuerySet[User]:
    """Active agents of the viewer's operations (those a supervisor may filter a report by)."""
    agents = User.objects.filter(role__in=AGENT_ROLES, is_active=True)
    return scope_queryset(agents, user).order_by("display_name", "pk")


def visible_operations(user) -> QuerySet[Operation]:
    return scope_queryset(Operation.objects.filter(is_active=True), user).order_by("name")


def _sums(queryset, *keys: str):
    return (
        queryset.values(*keys)
        .annotate(**{name: Sum(name) for name in COLUMNS if name != "wait_max"}, wait_max=Max("wait_max"))
        .order_by()
    )


# Dashboard ---------------------------------------------------------------------------------


def sac_overdue_q(groups, now) -> Q:
    """ "Fora do prazo SAC" (SPEC §14, Decreto 11.034/2022): queued or pending for longer than
    the company's ``answer_deadline_days`` since the attendance opened, in ``groups``."""
    overdue = Q(pk__in=[])
    by_days: dict[int, list[int]] = {}
    for group_id, days in groups.values_list("pk", "operation__company__answer_deadline_days"):
        by_days.setdefault(days, []).append(group_id)
    for days, group_ids in by_days.items():
        overdue |= Q(group_id__in=group_ids, opened_at__lt=now - timedelta(days=days))
    return Q(status__in=SAC_WAITING) & overdue


def dashboard(user, *, operation_id: int | None = None, group_id: int | None = None, now=None) -> dict:
    """The ``GET /api/v1/dashboard/`` body.

    One pass over today's rollup rows (at most 24 per group) adds each row to its group's
    hour, each group's hours are added to its operation's and the totals' hours, and each
    set's day is the sum of its ≤ 24 hours."""
    now = now or timezone.now()
    tz = time_zone_for(user)
    groups = list(visible_groups(user, operation_id=operation_id, group_id=group_id).filter(is_active=True))
    ids = [g.pk for g in groups]
    today_start = local_day_start(timezone.localtime(now, tz).date(), tz)
    current = _now_by_group(ids, now, sac_overdue_q(ServiceGroup.objects.filter(pk__in=ids), now), business_clocks(ids))
    presence, agents = _agents(ids, user)
    rows = _sums(GroupHour.objects.filter(group_id__in=ids, hour__gte=today_start, hour__lte=now), "group_id", "hour")
    by_id = {g.pk: g for g in groups}
    hours_of: dict[object, dict[int, dict]] = {}  # group pk, ("operation", pk) or "total" → local hour → sums
    for row in rows:
        group = by_id[row["group_id"]]
        hour = timezone.localtime(row["hour"], tz).hour
        add(hours_of.setdefault(group.pk, {}).setdefault(hour, zero()), row, sla=bool(group.initial_sla_minutes))
    for group in groups:
        for hour, sums in hours_of.get(group.pk, {}).items():
            for key in (("operation", group.operation_id), "total"):
                merge(hours_of.setdefault(key, {}).setdefault(hour, zero()), sums)
    body_groups = [
        {"id": g.pk, "name": g.name, "operation": g.operation_id,
         **_combined([g.pk], current, hours_of.get(g.pk, {}), presence)}
        for g in groups
    ]  # fmt: skip
    operations = []
    for operation_pk in dict.fromkeys(g.operation_id for g in groups):
        members = [g for g in groups if g.operation_id == operation_pk]
        operations.append({"id": operation_pk, "name": members[0].operation.name,
                           **_combined([g.pk for g in members], current, hours_of.get(("operation", operation_pk), {}),
                                       presence)})  # fmt: skip
    return {
        "generated_at": now,
        "totals": _combined(ids, current, hours_of.get("total", {}), presence),
        "operations": operations,
        "groups": body_groups,
        "agents": agents,
    }


def _combined(ids: list[int], current: dict, hours: dict[int, dict], presence: dict) -> dict:
    """A set of groups' figures (``hours``: its sums per local hour): counts and sums
    added, each agent counted once."""
    total = zero()
    for sums in hours.values():
        merge(total, sums)
    if len(ids) == 1:
        states = dict(presence["by_group"].get(ids[0], _presence_zero()))
    else:
        members, states = set(ids), _presence_zero()
        for state, groups in presence["agents"].values():
            if members.intersection(groups):
                states[state] += 1
    waits = [current[pk]["longest_wait_seconds"] for pk in ids if current[pk]["longest_wait_seconds"] is not None]
    return {
        "queued": sum(current[pk]["queued"] for pk in ids),
        "longest_wait_seconds": max(waits) if waits else None,
        "bot": sum(current[pk]["bot"] for pk in ids),
        "in_progress": sum(current[pk]["in_progress"] for pk in ids),
        "pending": sum(current[pk]["pending"] for pk in ids),
        "sac_overdue": sum(current[pk]["sac_overdue"] for pk in ids),
        "agents": states,
        "today": figures(total),
        "by_hour": [{"hour": h, **hour_figures(hours.get(h, _ZERO))} for h in range(24)],
    }


_ZERO = zero()


def _presence_zero() -> dict:
    return {"online": 0, "paused": 0, "offline": 0}


def business_clocks(ids: list[int]) -> dict:
    """``{group id: open_seconds}`` of these groups that have an active service calendar:
    their waits count open time only (SPEC §14)."""
    groups = ServiceGroup.objects.filter(pk__in=ids, calendar__is_active=True).select_related("calendar__company")
    return {group.pk: schedule_of(group.calendar).open_seconds for group in groups}


def _now_by_group(ids: list[int], now, sac_overdue: Q, clocks: dict) -> dict[int, dict]:
    """Open attendances per group and status, the earliest entry into each queue (its wait
    in business time for a group with a calendar, ``clocks``), and those past the SAC
    answer deadline (``sac_overdue``)."""
    current = {pk: {"queued": 0, "longest_wait_seconds": None, "bot": 0, "in_progress": 0, "pending": 0,
                    "sac_overdue": 0} for pk in ids}  # fmt: skip
    rows = (
        Attendance.objects.filter(group_id__in=ids, status__in=OPEN_STATES)
        .values("group_id", "status")
        .annotate(
            n=Count("pk"),
            oldest=Min("queued_at", filter=Q(status=Status.QUEUED)),
            overdue=Count("pk", filter=sac_overdue),
        )  # fmt: skip
        .order_by()
    )
    for row in rows:
        figures_ = current[row["group_id"]]
        figures_[row["status"]] = row["n"]
        figures_["sac_overdue"] += row["overdue"]
        if row["status"] == Status.QUEUED and row["oldest"] is not None:
            clock = clocks.get(row["group_id"])
            waited = clock(row["oldest"], now) if clock else (now - row["oldest"]).total_seconds()
            figures_["longest_wait_seconds"] = max(0, round(waited))
    return current


def _agents(ids: list[int], user) -> tuple[dict, list[dict]]:
    """The active agents associated with these groups, one row each, and ``{agent: (state,
    groups)}`` for counting them per group, operation and in total.

    An agent's ``in_progress`` counts the attendances of the viewer's operations only: an
    agent who also answers in another operation shows a supervisor none of its figures."""
    membership = ServiceGroup.agents.through.objects.filter(
        servicegroup_id__in=ids, user__is_active=True, user__role__in=AGENT_ROLES
    )
    # One row per (agent, group) with the agent and its presence: one query, not three.
    columns = ("user_id", "servicegroup_id", "user__display_name", "user__username", "user__max_simultaneous",
               "user__presence__state", "user__presence__reason", "user__presence__changed_at")  # fmt: skip
    groups_of: dict[int, list[int]] = {}
    people: dict[int, tuple] = {}
    for agent_id, group_id, *person in membership.values_list(*columns):
        groups_of.setdefault(agent_id, []).append(group_id)
        people[agent_id] = tuple(person)
    # The agents as a subquery, not a list of hundreds of parameters (the partial index of
    # the attendances in progress, by agent); only the viewer's operations count.
    in_progress = Attendance.objects.filter(agent_id__in=membership.values("user_id"), status=Status.IN_PROGRESS)
    scope = operation_ids_for(user)
    if scope is not None:
        in_progress = in_progress.filter(group__operation__in=scope)
    # The customer is waiting when they wrote after the agent's last answer (or never had one).
    waiting = Q(last_customer_message_at__isnull=False) & (
        Q(last_agent_message_at__isnull=True) | Q(last_customer_message_at__gt=F("last_agent_message_at"))
    )
    busy = {
        agent_id: (n, last_answer, waiting_since)
        for agent_id, n, last_answer, waiting_since in in_progress.values("agent_id")
        .annotate(
            n=Count("pk"), last=Max("last_agent_message_at"), wait=Min("last_customer_message_at", filter=waiting)
        )  # fmt: skip
        .values_list("agent_id", "n", "last", "wait")
        .order_by()
    }
    rows, states, by_group = [], {}, {}
    for pk, (display_name, username, capacity, state, reason, since) in sorted(
        people.items(), key=lambda p: ((p[1][0] or p[1][1]).casefold(), p[0])
    ):
        state = state or PresenceState.OFFLINE  # no presence row yet: offline
        groups = sorted(groups_of[pk])
        rows.append({
            "id": pk, "display_name": display_name or username, "state": state,
            "reason": reason if state == PresenceState.PAUSED else "", "since": since,
            "in_progress": busy.get(pk, (0,))[0], "capacity": capacity, "groups": groups,
            # SPEC §9.1: the agent's last answer and the customer waiting longest for one.
            "last_message_at": busy.get(pk, (0, None))[1], "waiting_since": busy.get(pk, (0, None, None))[2],
        })  # fmt: skip
        states[pk] = (state, groups)
        for group_id in groups:
            by_group.setdefault(group_id, _presence_zero())[state] += 1
    return {"agents": states, "by_group": by_group}, rows


# Service-level report ----------------------------------------------------------------------

BY_CHOICES = ("day", "hour", "group", "agent")


def service_level(
    user,
    *,
    start: date,
    end: date,
    by: str = "day",
    group_id: int | None = None,
    agent_id: int | None = None,
    daily: bool = True,
) -> dict:
    """``{"rows": [...], "totals": {...}}`` over the local days ``start``..``end``.

    By day, group or agent the sums come from the daily rollups of the groups whose
    company's time zone is the viewer's (one row per day instead of 24: the report over
    30 days by agent reads 30 rows per agent and group); by hour, and for groups of a
    company in another time zone, from the hourly rows. Both give the same sums
    (``reports.days``); ``daily=False`` reads only the hourly rows (the tests compare them).
    """
    tz = time_zone_for(user)
    groups = {g.pk: g for g in visible_groups(user, group_id=group_id)}
    hourly_ids = list(groups)
    sums = []
    if daily and by != "hour":
        same_zone = _days_in_zone([pk for pk, g in groups.items() if g.operation.company.time_zone == tz.key],
                                  tz, start, end)  # fmt: skip
        hourly_ids = [pk for pk in hourly_ids if pk not in same_zone]
        if same_zone:
            sums += _sums(_day_rows(same_zone, start, end, by, agent_id), "bucket", "group_id")
    if hourly_ids:
        sums += _sums(_hour_rows(hourly_ids, tz, start, end, by, agent_id), "bucket", "group_id")
    buckets: dict = {}
    total = zero()
    for row in sums:
        sla = bool(groups[row["group_id"]].initial_sla_minutes)
        add(buckets.setdefault(row["bucket"], zero()), row, sla=sla)
        add(total, row, sla=sla)
    labels = _labels(by, buckets, groups)
    body_rows = [
        {"key": _key(by, bucket), "label": labels[bucket], **figures(buckets[bucket])}
        for bucket in sorted(buckets, key=lambda b: labels[b].casefold() if by in ("group", "agent") else b)
    ]
    return {"rows": body_rows, "totals": figures(total), "wait_rules": wait_rules(groups.values())}


def wait_rules(groups) -> list[dict]:
    """Which rule each group's waits and service level use (SPEC §14): ``business_hours``
    (open time of its service calendar, named) or ``clock`` (every second counts)."""
    calendars = {
        group.pk: name
        for group in groups
        for name in [_calendar_names().get(group.calendar_id)]
        if group.calendar_id is not None and name is not None
    }
    return [
        {"group": group.pk, "name": group.name, "rule": "business_hours" if group.pk in calendars else "clock",
         "calendar": calendars.get(group.pk)}
        for group in groups
    ]  # fmt: skip


def _calendar_names() -> dict[int, str]:
    return dict(Calendar.objects.filter(is_active=True).values_list("pk", "name"))


def _days_in_zone(ids: list[int], tz, start: date, end: date) -> set[int]:
    """The groups whose daily rows around the period are all in the viewer's zone: not
    those with a row of another zone (their company's time zone changed and
    ``days_rebuild`` has not run), whose days are not the viewer's. Two days either side
    cover any two zones' difference; a group's daily row of another zone exists for every
    day its agents' rows do."""
    if not ids:
        return set()
    other = GroupDay.objects.filter(
        group_id__in=ids, day__gte=start - timedelta(days=2), day__lte=end + timedelta(days=2)
    ).exclude(time_zone=tz.key)
    return set(ids) - set(other.values_list("group_id", flat=True).distinct().order_by())


def _day_rows(ids: list[int], start: date, end: date, by: str, agent_id: int | None):
    model = AgentDay if by == "agent" or agent_id is not None else GroupDay
    rows = model.objects.filter(group_id__in=ids, day__gte=start, day__lte=end)
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    return rows.annotate(bucket=F({"day": "day", "agent": "agent_id"}.get(by, "group_id")))


def _hour_rows(ids: list[int], tz, start: date, end: date, by: str, agent_id: int | None):
    begin, finish = local_days(start, end, tz)
    model = AgentHour if by == "agent" or agent_id is not None else GroupHour
    rows = model.objects.filter(group_id__in=ids, hour__gte=begin, hour__lt=finish)
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    if by == "day":
        return rows.annotate(bucket=TruncDate("hour", tzinfo=tz))
    if by == "hour":
        return rows.annotate(bucket=ExtractHour("hour", tzinfo=tz))
    return rows.annotate(bucket=F("agent_id" if by == "agent" else "group_id"))


def _key(by: str, bucket):
    return bucket.isoformat() if by == "day" else bucket


def _labels(by: str, buckets: dict, groups: dict) -> dict:
    if by == "day":
        return {b: b.strftime("%d/%m/%Y") for b in buckets}
    if by == "hour":
        return {b: f"{b:02d}h–{(b + 1) % 24:02d}h" for b in buckets}
    if by == "group":
        return {b: groups[b].name for b in buckets}
    names = dict(User.objects.filter(pk__in=list(buckets)).values_list("pk", "display_name"))
    return {b: names.get(b) or str(b) for b in buckets}
