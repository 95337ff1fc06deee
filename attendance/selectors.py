"""Engine reads: who is eligible and with what load, the default group, open attendances.

``eligible_agents`` is the one eligible-agents query (SPEC §8.3): the distribution, the
``requires_online_agent`` check and transfers to an agent all use it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.scoping import member_operation_ids, operation_ids_for
from users.models import AGENT_ROLES, User
from users.work_hours import is_within

from .models import AgentPresence, Attendance, PresenceState, ServiceGroup, Status


def presence_fresh_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)


@dataclass
class AgentLoad:
    """An agent as the engine sees them: presence and attendances in progress."""

    id: int
    name: str
    priority: int
    max_simultaneous: int
    state: str
    in_progress: int = 0

    @property
    def free(self) -> int:
        return max(0, self.max_simultaneous - self.in_progress)


def eligible_agents(
    *, group: ServiceGroup, now: datetime | None = None, states: Sequence[str] = (PresenceState.ONLINE,),
    agent_ids: Iterable[int] | None = None, lock: bool = False,
) -> list[AgentLoad]:  # fmt: skip
    """Agents eligible for ``group`` (SPEC §8.3): associated with it, active, an agent
    role, ``max_simultaneous`` > 0, presence in ``states`` (automatic distribution: online
    only) and fresh, inside their work hours in the company's time zone — with their
    attendances in progress across all groups (``pending`` does not count).

    With ``lock`` the agents' presence rows are locked (always in agent-id order, so two
    workers never deadlock) *before* their load is counted: every assignment to an agent
    holds that row, so the count stays exact until the caller commits."""
    now = now or timezone.now()
    rows = User.objects.filter(
        service_groups=group,
        is_active=True,
        role__in=AGENT_ROLES,
        max_simultaneous__gt=0,
        presence__state__in=list(states),
        presence__heartbeat_at__gte=presence_fresh_since(now),
    )
    if agent_ids is not None:
        rows = rows.filter(pk__in=list(agent_ids))
    rows = rows.order_by("pk").values_list(
        "pk", "display_name", "priority", "max_simultaneous", "work_hours", "presence__state"
    )
    time_zone = group.operation.company.time_zone
    agents = [
        AgentLoad(id=pk, name=name, priority=priority, max_simultaneous=capacity, state=state)
        for pk, name, priority, capacity, hours, state in rows
        if is_within(hours, now, time_zone)
    ]
    return agent_loads(agents, lock=lock)


def transfer_states(group: ServiceGroup) -> tuple[str, ...]:
    """The presence states a transfer to an agent of ``group`` accepts (SPEC §4: "Transferir
    para agentes em pausa")."""
    return (PresenceState.ONLINE, PresenceState.PAUSED) if group.transfer_to_paused_agents else (PresenceState.ONLINE,)


def agent_loads(agents: list[AgentLoad], *, lock: bool = False) -> list[AgentLoad]:
    """Fill ``in_progress`` (after locking the presence rows when ``lock``)."""
    if not agents:
        return agents
    ids = [a.id for a in agents]
    if lock:
        list(AgentPresence.objects.select_for_update(of=("self",)).filter(agent_id__in=ids).order_by("agent_id")
             .values_list("pk", flat=True))  # fmt: skip
    busy = dict(
        Attendance.objects.filter(agent_id__in=ids, status=Status.IN_PROGRESS)
        .values("agent_id").annotate(n=Count("pk")).values_list("agent_id", "n")
    )  # fmt: skip
    for agent in agents:
        agent.in_progress = busy.get(agent.id, 0)
    return agents


def agent_load(*, agent: User, lock: bool = False) -> AgentLoad:
    """One agent's load whatever their presence (an agent's own active message)."""
    AgentPresence.objects.get_or_create(agent=agent)
    state = AgentPresence.objects.filter(agent=agent).values_list("state", flat=True).first()
    load = AgentLoad(id=agent.pk, name=agent.display_name, priority=agent.priority,
                     max_simultaneous=agent.max_simultaneous, state=state)  # fmt: skip
    return agent_loads([load], lock=lock)[0]


def group_has_online_agent(*, group: ServiceGroup) -> bool:
    """``requires_online_agent`` (SPEC §4.2): an eligible agent is online (a free slot is
    not required: the attendance waits in the queue for it)."""
    return bool(eligible_agents(group=group))


def groups_of_agents(agent_ids: Iterable[int]) -> set[int]:
    ids = {a for a in agent_ids if a}
    if not ids:
        return set()
    return set(ServiceGroup.agents.through.objects.filter(user_id__in=ids).values_list("servicegroup_id", flat=True))


def open_attendance_for(*, customer_id: int) -> Attendance | None:
    return Attendance.objects.filter(customer_id=customer_id).exclude(status=Status.CLOSED).first()


def default_main_group() -> ServiceGroup | None:
    """Where a customer without a group starts: the oldest active main group."""
    return (
        ServiceGroup.objects.filter(is_active=True, parent__isnull=True)
        .select_related("operation__company", "initialization_bot")
        .order_by("pk")
        .first()
    )


def groups_with_queue() -> list[int]:
    return list(
        Attendance.objects.filter(status=Status.QUEUED).values_list("group_id", flat=True).distinct().order_by()
    )


# The supervision profile's grant (the reports app's permission; a name, not an import).
MONITOR = "reports.monitor_attendances"


def attendances_visible_to(user) -> QuerySet[Attendance]:
    """Attendances ``user`` may see: THE visibility rule (SPEC §7 "History", §9.1), used by the
    workspace's page and API, the supervisor's monitor and the engine's API alike.

    - admins: all;
    - supervisors (and supervisor-agents) whose profile grants ``view_attendance`` or the
      monitor (the engine API's rule): those of their operations, confidential ones included;
    - agents: their own (open or closed); closed ones of their groups with
      ``view_history_groups``, of their operations with ``view_history_operations`` —
      except those handled by another agent with ``confidential_history``.
    """
    queryset = Attendance.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    if user.is_admin:
        return queryset
    condition = Q(pk__in=[])
    if user.is_supervisor and (user.has_perm("attendance.view_attendance") or user.has_perm(MONITOR)):
        condition |= Q(group__operation__in=operation_ids_for(user) or [])
    if user.role in AGENT_ROLES:
        condition |= Q(agent=user)
        history = Q(pk__in=[])
        if user.view_history_groups:
            history |= Q(group__in=ServiceGroup.objects.filter(agents=user).values("pk"))
        if user.view_history_operations:
            history |= Q(group__operation__in=member_operation_ids(user))
        confidential = User.objects.filter(pk=OuterRef("agent_id"), confidential_history=True)
        condition |= Q(status=Status.CLOSED) & history & ~Q(Exists(confidential))
    return queryset.filter(condition)
