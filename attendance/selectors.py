"""Engine reads: who is online, who is eligible, capacity."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from users.models import AGENT_ROLES, User
from users.work_hours import is_within

from .models import Attendance, PresenceState, ServiceGroup, Status


def presence_fresh_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)


def group_agents(*, group: ServiceGroup, states=(PresenceState.ONLINE,), now=None) -> QuerySet[User]:
    """Active agents of the group whose presence is one of ``states`` and fresh, annotated
    with ``in_progress`` (their attendances in progress across all groups)."""
    return (
        group.agents.filter(
            is_active=True,
            role__in=AGENT_ROLES,
            presence__state__in=states,
            presence__heartbeat_at__gte=presence_fresh_since(now),
        )
        .annotate(in_progress=Count("attendances", filter=Q(attendances__status=Status.IN_PROGRESS)))
        .select_related("company")
        .order_by("pk")
    )


def within_hours(agent: User, now: datetime, time_zone: str) -> bool:
    return is_within(agent.work_hours, now, time_zone)


def eligible_agents(*, group: ServiceGroup, now=None, with_capacity: bool = True) -> list[User]:
    """SPEC §8.3: associated, active, online (never paused/offline), inside work hours and,
    with ``with_capacity``, below ``max_simultaneous`` (``pending`` does not count)."""
    now = now or timezone.now()
    time_zone = group.operation.company.time_zone
    agents = [agent for agent in group_agents(group=group, now=now) if within_hours(agent, now, time_zone)]
    if with_capacity:
        agents = [agent for agent in agents if agent.max_simultaneous > agent.in_progress]
    return agents


def group_has_online_agent(*, group: ServiceGroup) -> bool:
    return bool(eligible_agents(group=group, with_capacity=False))


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
