"""Service groups ("Grupos de Atendimento", SPEC §4): the queue, its bots and its rules."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from core.models import ActiveModel

from .. import errors
from ..menus import referenced_group_ids
from .bots import BotKind


class TimeUnit(models.TextChoices):
    SECONDS = "seconds", _("Seconds")
    MINUTES = "minutes", _("Minutes")
    HOURS = "hours", _("Hours")
    DAYS = "days", _("Days")


class BotInactivityAction(models.TextChoices):
    SEND_TO_GROUP = "send_to_group", _("Send to Group")
    SEND_TO_QUEUE = "send_to_queue", _("Send to Queue")
    CLOSE = "close", _("Close Attendance")


class DisplayNameMode(models.TextChoices):
    COMPANY = "company", _("Company")
    AGENT = "agent", _("Agent")
    NONE = "none", _("None")


class DistributionStrategy(models.TextChoices):
    CIRCULAR = "circular", _("Circular")
    RANDOM = "random", _("Random")
    AGENT_PRIORITY = "agent_priority", _("Agent priority")
    LEAST_HANDLING_TIME = "least_handling_time", _("Least handling time")
    LEAST_ATTENDANCES = "least_attendances", _("Fewest attendances")


class OutOfHoursAction(models.TextChoices):
    QUEUE = "queue", _("Wait in the queue (distributed when it opens)")
    CLOSE = "close", _("Close the attendance")
    GROUP = "group", _("Send to another group")


class InactivityCloseBy(models.TextChoices):
    CLIENT = "client", _("Customer only")
    CLIENT_AND_AGENT = "client_and_agent", _("Customer and agent")


def _flag(label, help_text=""):
    return models.BooleanField(label, default=False, help_text=help_text)


# Every duration a group sets is at most 30 days (SPEC §4.2): what the timers schedule.
MAX_DURATION_MINUTES = 30 * 24 * 60
UNIT_SECONDS = {TimeUnit.SECONDS: 1, TimeUnit.MINUTES: 60, TimeUnit.HOURS: 3600, TimeUnit.DAYS: 86400}
at_most_30_days = MaxValueValidator(MAX_DURATION_MINUTES, message=errors.DURATION_TOO_LONG)


def _minutes(label, help_text="", **kwargs):
    return models.PositiveIntegerField(
        label, null=True, blank=True, validators=[MinValueValidator(1), at_most_30_days], help_text=help_text,
        **kwargs,
    )  # fmt: skip


# Flags whose dependent field must be filled while the flag is on (and is shown only then).
DEPENDENT_FIELDS = {
    "auto_pending": "pending_after_minutes",
    "whatsapp_partner": "partner_inactivity_warning_minutes",
    "queue_position_by_period": "queue_position_interval_minutes",
}
# Fields in minutes, each at most 30 days.
DURATION_FIELDS = [
    "pending_after_minutes", "partner_inactivity_warning_minutes", "queue_position_interval_minutes",
    "inactivity_timeout_minutes", "initial_sla_minutes", "agent_response_minutes", "active_message_delay_minutes",
]  # fmt: skip
BOT_INACTIVITY_FIELDS = ["bot_inactivity_timeout", "bot_inactivity_unit", "bot_inactivity_action"]


class ServiceGroup(ActiveModel):
    """A service group: a queue with its bots, distribution strategy, timers, channels and
    agents. ``parent`` null makes it a main group (the entry point with a service bot)."""

    # 4.1 Identity
    name = models.CharField(
        _("Name"),
        max_length=120,
        unique=True,
        error_messages={"unique": _("A group with this name already exists.")},
    )
    operation = models.ForeignKey(
        "organisation.Operation", verbose_name=_("Operation"), on_delete=models.PROTECT, related_name="groups"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Parent group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("Empty for a main group."),
    )

    # 4.2 Bots
    initialization_bot = models.ForeignKey(
        "attendance.Bot",
        verbose_name=_("Initialization agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A service bot for a main group; a transfer bot or none for a child group."),
    )
    requires_online_agent = _flag(
        _("Requires an online agent"), _("Refuses transfers into the group while no eligible agent is online.")
    )
    bot_inactivity_enabled = _flag(_("Configure inactivity"))
    bot_inactivity_timeout = models.PositiveIntegerField(
        _("Inactivity time"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    bot_inactivity_unit = models.CharField(_("Time in"), max_length=10, choices=TimeUnit.choices, blank=True)
    bot_inactivity_action = models.CharField(
        _("Action"), max_length=20, choices=BotInactivityAction.choices, blank=True
    )
    bot_inactivity_target_group = models.ForeignKey(
        "self",
        verbose_name=_("Target group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    inactivity_bot = models.ForeignKey(
        "attendance.Bot",
        verbose_name=_("Inactivity agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": BotKind.INACTIVITY},
    )
    finalization_bot = models.ForeignKey(
        "attendance.Bot",
        verbose_name=_("Finalization agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": BotKind.FINALIZATION},
    )

    # 4.3 Survey and classification
    survey = models.ForeignKey(
        "surveys.Survey",
        verbose_name=_("Satisfaction survey"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups",
    )
    survey_required = _flag(_("Survey required"), _("Sends the survey on every close."))
    classification = models.ForeignKey(
        "classifications.Classification",
        verbose_name=_("Classification"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups",
    )
    classification_required = _flag(_("Classification required"), _("Agents must pick a reason before closing."))

    # 4.4 / 4.5
    display_name_mode = models.CharField(
        _("Name shown in the message"),
        max_length=10,
        choices=DisplayNameMode.choices,
        default=DisplayNameMode.AGENT,
    )
    distribution_strategy = models.CharField(
        _("Queue management"),
        max_length=30,
        choices=DistributionStrategy.choices,
        default=DistributionStrategy.CIRCULAR,
    )

    # 4.6 Group settings
    active_sms = _flag(_("Active sending of SMS"))
    active_voice = _flag(_("Active sending of Voice"))
    active_whatsapp = _flag(_("Active sending of Whatsapp"))
    whatsapp_template = _flag(_("Sends Whatsapp template?"), _("Main groups only."))
    active_email = _flag(_("Active sending of Email"))
    email_signature = models.TextField(
        _("E-mail signature"), blank=True, max_length=2000,
        help_text=_("Added below every e-mail agents of this group send (SPEC §16)."),
    )  # fmt: skip
    active_telegram = _flag(_("Active sending of Telegram"))
    priority_to_agent = _flag(
        _("Priority attendance for the agent"), _("The queue is ordered by customer priority first, then by arrival.")
    )
    redirect_on_agent_disconnect = _flag(
        _("Redirect attendance on agent disconnection"),
        _("When an agent disconnects, their attendances return to the queue instead of closing."),
    )
    auto_pending = _flag(_("Automatic sending of attendance to pending"))
    pending_after_minutes = _minutes(
        _("Time to pending (minutes)"), _("Minutes without customer interaction before the attendance goes to pending.")
    )
    whatsapp_partner = _flag(_("Whatsapp/Facebook partner"))
    partner_inactivity_warning_minutes = _minutes(
        _("Partner inactivity warning (minutes)"), _("Minutes before the WhatsApp 24-hour session ends.")
    )
    transfer_to_paused_agents = _flag(_("Transfer to paused agents"))
    queue_position_by_period = _flag(_("Queue position by period"))
    queue_position_interval_minutes = _minutes(
        _("Queue position interval (minutes)"), _("How often customers in the queue are told their position.")
    )
    receive_only = _flag(_("Receptive only"), _("Agents cannot send messages in this group."))
    allow_audio = _flag(_("Permission to send audio"))
    allow_image = _flag(_("Permission to send images"))
    allow_video = _flag(_("Permission to send video"))
    allow_document = _flag(_("Permission to send documents"))

    # 4.7 Timers
    inactivity_warning_percent = models.PositiveSmallIntegerField(
        _("Inactivity warning(%)"),
        default=0,
        validators=[MaxValueValidator(99)],
        # xgettext:no-python-format
        help_text=_("From 0 to 99% of the inactivity time; 0 = no warning."),
    )
    inactivity_timeout_minutes = models.PositiveIntegerField(
        _("Inactivity time(minutes)"), default=1440, validators=[MinValueValidator(1), at_most_30_days]
    )
    initial_sla_minutes = _minutes(_("Initial SLA"), _("In minutes; used by the reports only."))
    inactivity_close_by = models.CharField(
        _("Close attendance by inactivity"),
        max_length=20,
        choices=InactivityCloseBy.choices,
        default=InactivityCloseBy.CLIENT,
    )
    agent_response_minutes = _minutes(
        _("Time for the agent to interact(minutes)"), _("Empty = off. Unanswered attendances return to the queue.")
    )
    active_message_delay_minutes = models.PositiveIntegerField(
        _("Active message delay for users with an active session (minutes). (0 to disable)"),
        default=0,
        help_text=_("0 = sent at once."),
        validators=[at_most_30_days],
    )

    # SPEC §14 Service hours and the SAC decree
    calendar = models.ForeignKey(
        "calendars.Calendar",
        verbose_name=_("Service calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="groups",
        help_text=_("Empty = always open. Outside its hours, the action below applies when an attendance would "
                    "enter this group's queue; the bot still runs."),
    )  # fmt: skip
    out_of_hours_action = models.CharField(
        _("Out of hours action"),
        max_length=10,
        choices=OutOfHoursAction.choices,
        default=OutOfHoursAction.QUEUE,
        help_text=_("What happens to an attendance that would enter the queue while the calendar is closed."),
    )
    out_of_hours_group = models.ForeignKey(
        "self",
        verbose_name=_("Out of hours group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("E.g. a 24 h group or one with a bot; required when the action sends to another group."),
    )
    out_of_hours_message = models.TextField(
        _("Out of hours message"),
        blank=True,
        max_length=1000,
        help_text=_("Sent when an attendance would enter the queue outside the calendar's hours. Empty = "
                    "“Nosso horário de atendimento é …” with the calendar's hours and the next opening."),
    )  # fmt: skip
    send_protocol = models.BooleanField(
        _("Send the protocol at the start"),
        default=True,
        help_text=_("SAC (Decreto 11.034/2022): the customer receives the protocol in the first message after the "
                    "attendance opens, and again whenever they type “protocolo”."),
    )  # fmt: skip

    # 4.8 Agents and transfer permissions
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Agent association"),
        blank=True,
        related_name="service_groups",
        limit_choices_to={"role__in": ["agent", "supervisor_agent"]},
    )
    transfer_targets = models.ManyToManyField(
        "self",
        verbose_name=_("Transfer permission between groups"),
        blank=True,
        symmetrical=False,
        related_name="transfer_sources",
        help_text=_("Groups this group's agents may transfer to (not symmetric)."),
    )

    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[agents, transfer_targets])

    scope_path = "operation"

    class Meta:
        verbose_name = _("service group")
        verbose_name_plural = _("service groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def queue_order(self) -> list[str]:
        """The order of the group's queue (SPEC §8.3), the one rule for who is served
        next and which place a customer is told: with "Prioridade para o agente", the
        customer's priority first; then the time they entered the queue."""
        return ["-priority", "queued_at", "pk"] if self.priority_to_agent else ["queued_at", "pk"]

    @property
    def is_main(self) -> bool:
        return self.parent_id is None

    def clean(self) -> None:
        """The row's own rules; relations (agents, targets) are checked by the service."""
        problems: dict[str, list] = {}

        def add(field, message):
            problems.setdefault(field, []).append(message)

        if self.parent_id is not None:
            if self.pk is not None and self.parent_id == self.pk:
                add("parent", errors.GROUP_OWN_PARENT)
            elif self.parent.parent_id is not None:
                add("parent", errors.PARENT_MUST_BE_MAIN)
            elif self.operation_id and self.parent.operation_id != self.operation_id:
                add("parent", errors.PARENT_OTHER_OPERATION)
            if self.whatsapp_template:
                add("whatsapp_template", errors.WHATSAPP_TEMPLATE_MAIN_ONLY)
            if self.pk is not None and self.children.exists():
                add("parent", errors.GROUP_HAS_CHILDREN)
        bot = self.initialization_bot
        if bot is not None:
            expected = BotKind.SERVICE if self.parent_id is None else BotKind.TRANSFER
            if bot.kind != expected:
                add(
                    "initialization_bot",
                    errors.MAIN_NEEDS_SERVICE_BOT if expected == BotKind.SERVICE else errors.CHILD_NEEDS_TRANSFER_BOT,
                )
            elif self.operation_id and bot_routes_outside(bot=bot, operation_id=self.operation_id):
                add("initialization_bot", errors.BOT_OTHER_OPERATION)
        if self.inactivity_bot is not None and self.inactivity_bot.kind != BotKind.INACTIVITY:
            add("inactivity_bot", errors.WRONG_BOT_KIND)
        if self.finalization_bot is not None and self.finalization_bot.kind != BotKind.FINALIZATION:
            add("finalization_bot", errors.WRONG_BOT_KIND)
        if self.bot_inactivity_enabled:
            for name in BOT_INACTIVITY_FIELDS:
                if getattr(self, name) in (None, ""):
                    add(name, errors.REQUIRED_WHEN_FLAG_ON)
            seconds = (self.bot_inactivity_timeout or 0) * UNIT_SECONDS.get(self.bot_inactivity_unit, 0)
            if seconds > MAX_DURATION_MINUTES * 60:
                add("bot_inactivity_timeout", errors.BOT_INACTIVITY_TOO_LONG)
            if self.bot_inactivity_action == BotInactivityAction.SEND_TO_GROUP:
                if self.bot_inactivity_target_group_id is None:
                    add("bot_inactivity_target_group", errors.TARGET_GROUP_REQUIRED)
                elif self.pk is not None and self.bot_inactivity_target_group_id == self.pk:
                    add("bot_inactivity_target_group", errors.TARGET_IS_SELF)
                elif self.operation_id and self.bot_inactivity_target_group.operation_id != self.operation_id:
                    add("bot_inactivity_target_group", errors.TARGET_OTHER_OPERATION)
        if (
            self.calendar_id is not None
            and self.operation_id
            and (self.calendar.company_id != self.operation.company_id)
        ):
            add("calendar", errors.CALENDAR_OTHER_COMPANY)
        if self.calendar_id is not None and self.out_of_hours_action == OutOfHoursAction.GROUP:
            if self.out_of_hours_group_id is None:
                add("out_of_hours_group", errors.OUT_OF_HOURS_GROUP_REQUIRED)
            elif self.pk is not None and self.out_of_hours_group_id == self.pk:
                add("out_of_hours_group", errors.TARGET_IS_SELF)
            elif self.operation_id and self.out_of_hours_group.operation_id != self.operation_id:
                add("out_of_hours_group", errors.TARGET_OTHER_OPERATION)
        if self.survey_required and self.survey_id is None:
            add("survey_required", errors.SURVEY_REQUIRED_NEEDS_SURVEY)
        if self.classification_required and self.classification_id is None:
            add("classification_required", errors.CLASSIFICATION_REQUIRED_NEEDS_ONE)
        for flag, dependent in DEPENDENT_FIELDS.items():
            if getattr(self, flag) and getattr(self, dependent) is None:
                add(dependent, errors.REQUIRED_WHEN_FLAG_ON)
        if problems:
            raise ValidationError(problems)

    def normalise_dependents(self) -> None:
        """Clear values whose flag is off, so the row never carries a hidden setting."""
        for flag, dependent in DEPENDENT_FIELDS.items():
            if not getattr(self, flag):
                setattr(self, dependent, None)
        if not self.bot_inactivity_enabled:
            self.bot_inactivity_timeout = None
            self.bot_inactivity_unit = ""
            self.bot_inactivity_action = ""
        if self.bot_inactivity_action != BotInactivityAction.SEND_TO_GROUP:
            self.bot_inactivity_target_group = None
        if self.calendar_id is None or self.out_of_hours_action != OutOfHoursAction.GROUP:
            self.out_of_hours_group = None  # shown and used only with a calendar and this action


# Routing never crosses operations (SPEC §4.2); ``attendance.bot_scope`` builds on these.


def menu_operation_ids(menu) -> set[int]:
    """The operations of the groups a menu transfers into."""
    ids = referenced_group_ids(menu) if isinstance(menu, dict) else set()
    if not ids:
        return set()
    return set(ServiceGroup.objects.filter(pk__in=ids).values_list("operation_id", flat=True))


def bot_routes_outside(*, bot, operation_id: int | None) -> bool:
    """Whether ``bot``'s menu transfers into a group of an operation other than ``operation_id``."""
    if bot is None or bot.kind != BotKind.SERVICE or operation_id is None:
        return False
    return bool(menu_operation_ids(bot.menu) - {operation_id})
