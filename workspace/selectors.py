"""Workspace reads, on the engine's one visibility rule (``attendance.selectors.attendances_visible_to``):
the page, the API list and detail, the customer card and the media view all use it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from attendance.models import AgentPresence, Attendance, Direction, Message, PresenceState, ServiceGroup, Status
from attendance.selectors import attendances_visible_to, eligible_agents, transfer_states
from attendance.text_search import attendances_with_text
from customers.models import Customer, CustomerAttribute
from customers.selectors import customer_search
from users.models import AGENT_ROLES

from .models import CannedResponse, Mention, ReadMarker

WHATSAPP_WINDOW = timedelta(hours=24)


def attendance_search(*, queryset: QuerySet[Attendance], term: str) -> QuerySet[Attendance]:
    """Protocol (exact), the customer's name, phone or document, or words of any of its
    messages (SPEC §7.2: accents and case ignored, ``attendance.text_search``)."""
    term = (term or "").strip()
    if not term:
        return queryset
    customers = customer_search(queryset=Customer.objects.all(), term=term).values("pk")
    return queryset.filter(
        Q(protocol=term) | Q(customer__in=customers) | attendances_with_text(term, using=queryset.db)
    )


def unread_counts(*, user, attendance_ids: list[int]) -> dict[int, int]:
    """Customer messages after the user's read marker, per attendance."""
    if not attendance_ids:
        return {}
    marker = ReadMarker.objects.filter(user=user, attendance=OuterRef("attendance_id")).values("last_message_id")
    rows = (
        Message.objects.filter(attendance_id__in=attendance_ids, direction=Direction.INBOUND)
        .annotate(seen=Coalesce(Subquery(marker[:1]), Value(0), output_field=IntegerField()))
        .filter(pk__gt=F("seen"))
        .values("attendance_id")
        .annotate(n=Count("pk"))
        .values_list("attendance_id", "n")
    )
    return dict(rows)


def inbox(*, user, now: datetime | None = None) -> list[dict]:
    """The agent's attendances in progress and pending, who waits longest first."""
    now = now or timezone.now()
    rows = list(
        Attendance.objects.filter(agent=user, status__in=[Status.IN_PROGRESS, Status.PENDING])
        .select_related("customer", "group")
        .order_by(Coalesce("last_customer_message_at", "assigned_at").asc(nulls_last=True), "pk")
    )
    unread = unread_counts(user=user, attendance_ids=[a.pk for a in rows])
    return [
        {
            "id": a.pk,
            "protocol": a.protocol,
            "status": a.status,
            "customer": a.customer.display_name,
            "group": a.group.name,
            "network": a.customer.network,
            "last_customer_message_at": a.last_customer_message_at,
            "waiting_seconds": _seconds(now, a.last_customer_message_at or a.assigned_at),
            "unread": unread.get(a.pk, 0),
        }
        for a in rows
    ]


def _seconds(now: datetime, since: datetime | None) -> int | None:
    return None if since is None else max(0, int((now - since).total_seconds()))


def queue_summary(*, user, now: datetime | None = None) -> list[dict]:
    """Per group of the agent: attendances queued now and the longest wait."""
    now = now or timezone.now()
    groups = (
        ServiceGroup.objects.filter(agents=user, is_active=True)
        .annotate(
            queued=Count("attendances", filter=Q(attendances__status=Status.QUEUED)),
            oldest=Min("attendances__queued_at", filter=Q(attendances__status=Status.QUEUED)),
        )
        .order_by("name")
    )
    return [
        {"id": g.pk, "name": g.name, "queued": g.queued, "longest_wait_seconds": _seconds(now, g.oldest)}
        for g in groups
    ]


def presence_of(user) -> dict:
    presence = AgentPresence.objects.filter(agent=user).first()
    fresh = presence is not None and presence.heartbeat_at and (
        presence.heartbeat_at >= timezone.now() - timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)
    )  # fmt: skip
    state = presence.state if presence is not None and fresh else PresenceState.OFFLINE
    return {
        "state": state,
        "reason": presence.reason if presence and state == PresenceState.PAUSED else "",
        "changed_at": presence.changed_at if presence else None,
    }


def transfer_options(*, attendance: Attendance, user) -> dict:
    """Groups in ``transfer_targets``, and agents of the current and target groups with
    their state and free capacity; ``available`` is the engine's own answer
    (``attendance.selectors.eligible_agents``: online, or paused where the group accepts
    paused agents, fresh, inside their work hours, with a free slot), so the screen never
    offers an agent the transfer then refuses."""
    group = attendance.group
    targets = list(group.transfer_targets.filter(is_active=True).order_by("name"))
    groups = [group, *targets]
    fresh = timezone.now() - timedelta(seconds=settings.PRESENCE_TIMEOUT_SECONDS)
    agents = []
    for target in groups:
        eligible = {load.id: load for load in eligible_agents(group=target, states=transfer_states(target))}
        members = (
            target.agents.filter(is_active=True, role__in=AGENT_ROLES)
            .exclude(pk=attendance.agent_id)
            .select_related("presence")
            .annotate(busy=Count("attendances", filter=Q(attendances__status=Status.IN_PROGRESS)))
            .order_by("display_name")
        )
        for agent in members:
            presence = getattr(agent, "presence", None)
            live = presence is not None and presence.heartbeat_at is not None and presence.heartbeat_at >= fresh
            state = presence.state if live else PresenceState.OFFLINE
            free = max(0, agent.max_simultaneous - agent.busy)
            agents.append({
                "id": agent.pk, "name": agent.display_name, "group": target.pk, "group_name": target.name,
                "state": state, "reason": presence.reason if live and state == PresenceState.PAUSED else "",
                "free": free, "available": agent.pk in eligible and eligible[agent.pk].free > 0,
            })  # fmt: skip
    return {"groups": [{"id": g.pk, "name": g.name} for g in targets], "agents": agents}


def canned_responses_for(*, user) -> QuerySet[CannedResponse]:
    """Active responses for every group and for the agent's groups."""
    groups = ServiceGroup.objects.filter(agents=user).values("pk")
    return CannedResponse.objects.filter(Q(group__isnull=True) | Q(group__in=groups), is_active=True).order_by(
        "shortcut", "group_id"
    )


def whatsapp_window_open(*, customer: Customer, now: datetime | None = None) -> bool:
    """Whether the customer wrote in the last 24 h (WhatsApp's customer-service window)."""
    now = now or timezone.now()
    last = (
        Attendance.objects.filter(customer=customer, last_customer_message_at__isnull=False)
        .order_by("-last_customer_message_at")
        .values_list("last_customer_message_at", flat=True)
        .first()
    )
    return last is not None and now - last < WHATSAPP_WINDOW


def mask_document_private(document_type: str, digits: str) -> str:
    """The document with its first and last digits hidden (the card is on screen all day)."""
    if document_type == "cpf" and len(digits) == 11:
        return f"***.{digits[3:6]}.{digits[6:9]}-**"
    if document_type == "cnpj" and len(digits) == 14:
        return f"**.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-**"
    return "*" * max(0, len(digits) - 4) + digits[-4:] if digits else ""


def customer_card(*, attendance: Attendance, user) -> dict:
    customer = attendance.customer
    names = dict(CustomerAttribute.objects.values_list("pk", "description"))
    previous = (
        attendances_visible_to(user)
        .filter(customer=customer)
        .exclude(pk=attendance.pk)
        .select_related("group", "agent")
        .order_by("-opened_at")[:10]
    )
    return {
        "id": customer.pk,
        "name": customer.display_name,
        "network": customer.network,
        "phone": customer.phone_display,
        "document": mask_document_private(customer.document_type, customer.document),
        "document_type": customer.document_type,
        "email": customer.email,
        "priority": customer.priority,
        "wallet_agent": customer.wallet_agent.display_name if customer.wallet_agent_id else "",
        "attributes": [
            {"name": names.get(item.get("attribute"), str(item.get("attribute"))), "value": item.get("value", "")}
            for item in customer.attributes or []
        ],
        "previous": [
            {
                "id": a.pk,
                "protocol": a.protocol,
                "opened_at": a.opened_at,
                "status": a.status,
                "group": a.group.name,
                "agent": a.agent.display_name if a.agent_id else "",
            }
            for a in previous
        ],  # fmt: skip
    }


def mentions_of(*, user) -> QuerySet[Mention]:
    """The user's mentions, newest first (``mention_by_user``), only of attendances they
    still may see."""
    return (
        Mention.objects.filter(user=user, attendance__in=attendances_visible_to(user).values("pk"))
        .select_related("by", "attendance__customer", "message")
        .order_by("-at", "-pk")
    )
