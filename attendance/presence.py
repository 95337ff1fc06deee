"""Agent presence (SPEC §7, §8.3): online, paused (with a reason), offline; a heartbeat
keeps it alive, and an agent who vanishes becomes offline after
``PRESENCE_TIMEOUT_SECONDS``. Going offline redistributes or closes their attendances
(``redirect_on_agent_disconnect``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from users.models import AGENT_ROLES

from . import errors
from .lifecycle import attendance_close, attendance_queue, request_distribution
from .models import AgentPresence, Attendance, CloseReason, PresenceState, ServiceGroup, Status
from .selectors import presence_fresh_since


@transaction.atomic
def presence_set(*, agent, state: str, reason: str = "") -> AgentPresence:
    if agent.role not in AGENT_ROLES:
        raise ValidationError({"state": [errors.NOT_AN_AGENT]})
    if state not in PresenceState.values:
        raise ValidationError({"state": [f"{state}?"]})
    if state == PresenceState.PAUSED and not (reason or "").strip():
        raise ValidationError({"reason": [errors.PAUSE_REASON_REQUIRED]})
    presence, _ = AgentPresence.objects.get_or_create(agent=agent)
    presence = AgentPresence.objects.select_for_update().get(pk=presence.pk)
    now = timezone.now()
    previous = presence.state
    presence.state = state
    presence.reason = reason.strip() if state == PresenceState.PAUSED else ""
    presence.heartbeat_at = now
    if previous != state:
        presence.changed_at = now
    presence.save()
    if state == PresenceState.ONLINE:
        request_distribution(*ServiceGroup.objects.filter(agents=agent).values_list("pk", flat=True))
    elif state == PresenceState.OFFLINE and previous != PresenceState.OFFLINE:
        agent_disconnect(agent=agent)
    return presence


def agent_disconnect(*, agent) -> int:
    """Their in-progress attendances go back to the queue when the group redirects on
    disconnect, otherwise they are closed with reason ``agent_disconnected``."""
    count = 0
    attendances = Attendance.objects.select_for_update().select_related("group", "customer")
    for attendance in attendances.filter(agent=agent, status=Status.IN_PROGRESS).order_by("pk"):
        if attendance.group.redirect_on_agent_disconnect:
            attendance_queue(attendance=attendance, group=attendance.group, event="requeued",
                             reason=CloseReason.AGENT_DISCONNECTED, agent=agent.pk)  # fmt: skip
        else:
            attendance_close(attendance=attendance, reason=CloseReason.AGENT_DISCONNECTED)
        count += 1
    return count


def presence_expire() -> int:
    """Agents whose heartbeat stopped become offline (beat task)."""
    stale = AgentPresence.objects.filter(
        heartbeat_at__lt=presence_fresh_since(), state__in=[PresenceState.ONLINE, PresenceState.PAUSED]
    ).select_related("agent")
    count = 0
    for presence in stale:
        with transaction.atomic():
            locked = AgentPresence.objects.select_for_update().get(pk=presence.pk)
            if locked.heartbeat_at >= presence_fresh_since() or locked.state == PresenceState.OFFLINE:
                continue
            presence_set(agent=presence.agent, state=PresenceState.OFFLINE)
            count += 1
    return count
