"""Agent presence (SPEC §7, §8.3): online, paused (with a reason), offline; a heartbeat
keeps it alive, and an agent who vanishes becomes offline after
``PRESENCE_TIMEOUT_SECONDS``. Nobody is lost at the edges (SPEC §7.1): an agent who
goes offline hands their attendances back to the queue, their customers keeping their
place; one who vanishes follows the group's ``redirect_on_agent_disconnect``; a pause
keeps them (no new ones arrive)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import followups
from users.models import AGENT_ROLES
from users.services import user_sessions_end

from . import errors, transitions
from .models import AgentPresence, Attendance, CloseReason, PauseReason, PresenceState, Status
from .selectors import groups_of_agents, presence_fresh_since
from .transitions import at_once

REQUEUE_OFFLINE = "agent_offline"  # the ``requeued`` event's reason when the agent chose offline


@transaction.atomic
def presence_set(*, agent, state: str, reason: str = "", forced: bool = False,
                 disconnected: bool = False, by: int | None = None) -> AgentPresence:  # fmt: skip
    """Set the agent's presence; posting the same state again is the heartbeat. ``forced``:
    the system changed it, and the agent's open page is told. ``disconnected``: the
    heartbeat expired (``presence_expire``) — the only way to offline that may close an
    attendance; every other (the agent, a supervisor, the API) requeues. A pause needs an
    active pause reason (``_check_pause_reason``), whoever sets it. ``by``: the supervisor
    who changed it (SPEC §9.1), recorded in the requeued attendances' log."""
    if agent.role not in AGENT_ROLES:
        raise ValidationError({"state": [errors.NOT_AN_AGENT]})
    if state not in PresenceState.values:
        raise ValidationError({"state": [errors.BAD_PRESENCE_STATE]})
    reason = (reason or "").strip() if state == PresenceState.PAUSED else ""
    if state == PresenceState.PAUSED and not reason:
        raise ValidationError({"reason": [errors.PAUSE_REASON_REQUIRED]})
    presence, _ = AgentPresence.objects.get_or_create(agent=agent)
    presence = AgentPresence.objects.select_for_update().get(pk=presence.pk)
    if state == PresenceState.PAUSED:
        _check_pause_reason(presence, reason)
    now = timezone.now()
    previous = presence.state
    presence.state = state
    presence.reason = reason
    presence.heartbeat_at = now
    if previous != state:
        presence.changed_at = now
    presence.save()
    if state == PresenceState.ONLINE:
        followups.distribute(groups_of_agents([agent.pk]))
    elif state == PresenceState.OFFLINE and previous != PresenceState.OFFLINE:
        agent_release(agent=agent, disconnected=disconnected, by=by)
    if forced and previous != state:
        data = {"state": state, "forced": True, **({"reason": reason} if reason else {})}
        followups.live(user_ids=[agent.pk], event="presence", data=data)
    return presence


def _check_pause_reason(presence: AgentPresence, reason: str) -> None:
    """A pause names an active "Motivo de pausa" (SPEC §7). The reason of the pause the
    agent is already in stays valid if it was deactivated since (SPEC §0: only a new
    choice refuses an inactive record): the page's heartbeat posts it again."""
    if presence.state == PresenceState.PAUSED and presence.reason == reason:
        return
    if not PauseReason.objects.filter(name=reason, is_active=True).exists():
        raise ValidationError({"reason": [errors.PAUSE_REASON_UNKNOWN]})


def agent_release(*, agent, disconnected: bool = False, by: int | None = None) -> int:
    """The agent's in-progress attendances leave them (SPEC §7.1): back to their group's
    queue at their original place (``requeued``, reason ``agent_offline``) when the agent
    went offline, whatever the group's setting; when they vanished (``disconnected``),
    requeued (reason ``agent_disconnected``) where the group redirects on disconnect, else
    closed with ``agent_disconnected``. Either way the customer is told. Pending ones stay."""
    attendances = list(
        Attendance.objects.select_for_update(of=("self",))
        .select_related("group__operation__company", "group__survey", "group__finalization_bot",
                        "group__initialization_bot", "customer")
        .filter(agent=agent, status=Status.IN_PROGRESS)
        .order_by("pk")
    )  # fmt: skip
    with at_once() as changes:
        for attendance in attendances:
            if not disconnected:
                transitions.requeue(changes, attendance, reason=REQUEUE_OFFLINE, by=by)
            elif attendance.group.redirect_on_agent_disconnect:
                transitions.requeue(changes, attendance, reason=CloseReason.AGENT_DISCONNECTED)
            else:
                transitions.close_disconnected(changes, attendance)
    return len(attendances)


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
            presence_set(agent=presence.agent, state=PresenceState.OFFLINE, forced=True, disconnected=True)
            count += 1
    return count


@transaction.atomic
def agent_logout(*, agent, by) -> int:
    """ "Encerrar sessão" (SPEC §9.1): a supervisor ends the agent's logins — browser
    sessions and API tokens, until they log in again. The agent goes offline first (SPEC
    §7.1: their attendances are requeued, never closed), and their open workspace is told
    why and returns to the login page. Returns how many logins ended."""
    if agent.role in AGENT_ROLES:
        # Not ``forced``: the page is told once, by ``session_ended`` (a presence notice would
        # make it reload its lists with a session that no longer exists).
        presence_set(agent=agent, state=PresenceState.OFFLINE, by=by.pk)
    ended = user_sessions_end(user=agent)
    followups.live(user_ids=[agent.pk], event="session_ended", data={"by": by.display_name})
    return ended
