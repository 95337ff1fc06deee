"""Attendances, their messages and event log, agent presence (SPEC §8.1–8.3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.errors import DeletionForbidden


class Status(models.TextChoices):
    BOT = "bot", _("With the bot")
    QUEUED = "queued", _("Queued")
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING = "pending", _("Pending")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = [Status.BOT, Status.QUEUED, Status.IN_PROGRESS, Status.PENDING]

# Legal transitions, in one place (``Attendance.can_transition_to``).
TRANSITIONS = {
    Status.BOT: {Status.QUEUED, Status.CLOSED, Status.IN_PROGRESS},  # in progress: an agent's active message
    Status.QUEUED: {Status.IN_PROGRESS, Status.QUEUED, Status.CLOSED},
    Status.IN_PROGRESS: {Status.QUEUED, Status.PENDING, Status.CLOSED, Status.IN_PROGRESS},
    Status.PENDING: {Status.IN_PROGRESS, Status.QUEUED, Status.CLOSED},
    Status.CLOSED: set(),
}


class CloseReason(models.TextChoices):
    AGENT = "agent", _("Closed by the agent")
    SUPERVISOR = "supervisor", _("Closed by a supervisor")
    BOT = "bot", _("Closed by the bot")
    INACTIVITY = "inactivity", _("Inactivity")
    AGENT_DISCONNECTED = "agent_disconnected", _("Agent disconnected")
    ABANDONED = "abandoned", _("Abandoned")
    OUT_OF_HOURS = "out_of_hours", _("Out of hours")


class Attendance(models.Model):
    protocol = models.CharField(_("Protocol"), max_length=20)  # unique: ``attendance_protocol_unique``
    # Foreign keys without an index of their own where a composite index below starts with
    # the column, or where nothing looks rows up by it (rows are never deleted): every
    # index costs each write, and timers and distribution rewrite open attendances often.
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("Customer"), on_delete=models.PROTECT, related_name="attendances",
        db_index=False,
    )  # fmt: skip
    group = models.ForeignKey(
        "attendance.ServiceGroup", verbose_name=_("Group"), on_delete=models.PROTECT, related_name="attendances",
        db_index=False,
    )  # fmt: skip
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
        db_index=False,
    )
    channel = models.ForeignKey(
        "attendance.Channel",
        verbose_name=_("Channel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(_("Status"), max_length=12, choices=Status.choices, default=Status.BOT)
    # E-mail (SPEC §16): the first e-mail's subject; answers go out as "Re: <subject> [#<protocol>]".
    subject = models.CharField(_("Subject"), max_length=255, blank=True, default="")
    # Customer priority copied at queue time: the queue is ordered by it (priority_to_agent).
    priority = models.PositiveSmallIntegerField(_("Priority"), default=0)
    opened_at = models.DateTimeField(_("Opened at"))
    queued_at = models.DateTimeField(_("Queued at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("Assigned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("Closed at"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(_("Last customer message"), null=True, blank=True)
    last_agent_message_at = models.DateTimeField(_("Last agent message"), null=True, blank=True)
    close_reason = models.CharField(_("Close reason"), max_length=20, choices=CloseReason.choices, blank=True)
    classification_node = models.ForeignKey(
        "classifications.Node",
        verbose_name=_("Classification"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    bot_path = models.JSONField(default=list, blank=True)  # keys chosen so far in the service bot's menu
    # The last queue position told to the customer, and when (attendance/queue_positions.py).
    queue_position_sent = models.PositiveIntegerField(null=True, blank=True)
    queue_position_sent_at = models.DateTimeField(null=True, blank=True)
    survey = models.ForeignKey(
        "surveys.Survey", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    survey_step = models.PositiveSmallIntegerField(null=True, blank=True)  # next question; None = no survey running
    # Timers (attendance/timers.py): the earliest moment a timer may be due, and the
    # silences already warned about (a warning is sent once per silence).
    timer_due_at = models.DateTimeField(null=True, blank=True)
    inactivity_warned_ref = models.DateTimeField(null=True, blank=True)
    partner_warned_ref = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["-opened_at"]
        # The supervisors' grants (kept under ``attendance.`` when companies and operations
        # moved to ``organisation``: profiles hold them by that name).
        permissions = [
            ("view_dashboard", _("Can view the supervisor dashboard")),
            ("view_service_level_report", _("Can view the service-level report")),
        ]
        constraints = [
            # A constraint rather than ``unique=True``, which on PostgreSQL adds a second
            # (``varchar_pattern_ops``) index that no search uses and every write pays for.
            models.UniqueConstraint(fields=["protocol"], name="attendance_protocol_unique"),
            # A customer has at most one attendance not closed (SPEC §8.1), enforced by the DB.
            models.UniqueConstraint(
                fields=["customer"], condition=~Q(status="closed"), name="one_open_attendance_per_customer"
            ),
        ]
        indexes = [
            # The distribution's queue scan: queued attendances of a group in order.
            models.Index(
                "group", models.F("priority").desc(), "queued_at", name="attendance_queue",
                condition=Q(status="queued"),
            ),
            # Capacity: attendances in progress per agent.
            models.Index(fields=["agent"], name="attendance_in_progress", condition=Q(status="in_progress")),
            # "Today" figures per agent (least_attendances / least_handling_time).
            models.Index(fields=["agent", "assigned_at"], name="attendance_agent_assigned"),
            # Changelists and reports by group and date.
            models.Index(fields=["group", "-opened_at"], name="attendance_group_opened"),
            # The attendances changelist's default order (newest first) at a million rows
            # (P5); opened_at is written once, so updates stay HOT.
            models.Index(fields=["-opened_at"], name="attendance_opened"),
            # A customer's open attendance (inbound) and survey in progress.
            models.Index(fields=["customer", "-opened_at"], name="attendance_customer"),
            # The timer sweep: open attendances whose next timer is due (partial: closed
            # attendances, the vast majority, are not in it).
            models.Index(fields=["timer_due_at"], name="attendance_timer_due", condition=~Q(status="closed")),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.protocol

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()

    scope_path = "group__operation"

    def can_transition_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class Sender(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    BOT = "bot", _("Bot")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")
    SUPERVISOR = "supervisor", _("Supervisor")  # notes (SPEC §7.2) and messages from the monitor (§9.1)


class Kind(models.TextChoices):
    TEXT = "text", _("Text")
    AUDIO = "audio", _("Audio")
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    DOCUMENT = "document", _("Document")
    NOTE = "note", _("Internal note")  # never delivered to the customer (SPEC §7.2)


# What a message to or from the customer may be: everything but an internal note.
MESSAGE_KINDS = [(value, label) for value, label in Kind.choices if value != Kind.NOTE]


class Delivery(models.TextChoices):
    NONE = "", _("Not applicable")
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    # Indexed by ``message_by_attendance`` (attendance, created_at).
    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="messages", db_index=False)
    direction = models.CharField(_("Direction"), max_length=3, choices=Direction.choices)
    sender = models.CharField(_("Sender"), max_length=10, choices=Sender.choices)
    kind = models.CharField(_("Kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(_("Message"), blank=True)
    sender_name = models.CharField(_("Name shown"), max_length=150, blank=True)
    # Not indexed (every index is written for each of the millions of messages): nothing
    # looks messages up by their agent or by date alone; ``message_by_attendance`` serves
    # an attendance's messages in order.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("Created at"))
    deliver_at = models.DateTimeField(null=True, blank=True)  # delayed active messages (timers issue)
    delivery = models.CharField(
        _("Delivery"), max_length=10, choices=Delivery.choices, default=Delivery.NONE, blank=True
    )
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    # Media (attendance/media.py): stored through Django's default storage, served only by
    # the workspace's authenticated media view, never from MEDIA_URL.
    media = models.FileField(_("Media"), max_length=255, blank=True)
    media_mime = models.CharField(_("Media type"), max_length=100, blank=True)  # sniffed from the content
    media_name = models.CharField(_("File name"), max_length=255, blank=True)  # as uploaded (downloads use it)
    media_size = models.PositiveBigIntegerField(_("Size (bytes)"), null=True, blank=True)
    # A WhatsApp template message (workspace active messages): {name, language, params};
    # the body holds the rendered text. Provider adapters send the template itself.
    template = models.JSONField(_("WhatsApp template"), default=dict, blank=True)
    # Provider channels (SPEC §8.2.1): the channel the message came in or went out through
    # and the provider's id of it; unique per channel, so a webhook delivered twice stores
    # one message and a status callback finds its outbound message.
    channel = models.ForeignKey(
        "attendance.Channel", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    provider_message_id = models.CharField(_("Provider message id"), max_length=128, blank=True, default="")
    delivery_error = models.CharField(_("Delivery error"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        constraints = [
            # Idempotent webhooks and status callbacks: one message per provider id and channel.
            models.UniqueConstraint(
                fields=["channel", "provider_message_id"], condition=~Q(provider_message_id=""),
                name="message_provider_id_unique",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["attendance", "created_at"], name="message_by_attendance"),
            # The delivery sweep: messages waiting to be delivered (delayed active messages).
            models.Index(fields=["deliver_at"], name="message_pending", condition=Q(delivery="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.body[:40]}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


class EventType(models.TextChoices):
    """What an attendance's log records (``Event.type``): written by the engine's
    transitions and timers, read by the recomputation of the reports and the monitor."""

    OPENED = "opened", _("Opened")
    QUEUED = "queued", _("Queued")
    REQUEUED = "requeued", _("Back in the queue")
    AGENT_TIMEOUT = "agent_timeout", _("Agent did not answer in time")
    ASSIGNED = "assigned", _("Assigned")
    TRANSFERRED = "transferred", _("Transferred")
    PENDING = "pending", _("Pending")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    ACTIVE_MESSAGE = "active_message", _("Active message")
    BOT_INACTIVITY = "bot_inactivity", _("Bot inactivity")
    WARNED = "warned", _("Inactivity warning")
    PARTNER_WARNING = "partner_warning", _("WhatsApp session warning")
    OUT_OF_HOURS = "out_of_hours", _("Out of hours")
    TAKEN_OVER = "taken_over", _("Taken over")


class Event(models.Model):
    """The attendance's log (queued, assigned, transferred, warned, pending, reopened,
    closed…); an ``assigned`` event holds ``strategy``, ``candidates`` and ``chosen``."""

    # Indexed by ``event_by_attendance`` (attendance, at).
    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="events", db_index=False)
    type = models.CharField(_("Event"), max_length=30)
    at = models.DateTimeField(_("At"))
    data = models.JSONField(_("Details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["attendance", "at"], name="event_by_attendance"),
            models.Index(fields=["type", "at"], name="event_by_type"),  # reports
        ]

    def __str__(self) -> str:
        return f"{self.type} @ {self.at:%Y-%m-%d %H:%M:%S}"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


class PresenceState(models.TextChoices):
    ONLINE = "online", _("Online")
    PAUSED = "paused", _("Paused")
    OFFLINE = "offline", _("Offline")


class AgentPresence(models.Model):
    """An agent's presence. Also the row locked to check the agent's capacity: every
    assignment to an agent holds it, so two workers never both fill the last slot."""

    agent = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="presence")
    state = models.CharField(max_length=10, choices=PresenceState.choices, default=PresenceState.OFFLINE)
    reason = models.CharField(_("Pause reason"), max_length=100, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presences")

    def __str__(self) -> str:
        return f"{self.agent}: {self.state}"


class GroupDistributionState(models.Model):
    """Per group: who received last (circular rotation survives restarts) and the row a
    distributing worker locks, so one worker at a time distributes a group."""

    group = models.OneToOneField("attendance.ServiceGroup", on_delete=models.PROTECT, related_name="distribution")
    last_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.group_id}: {self.last_agent_id}"
