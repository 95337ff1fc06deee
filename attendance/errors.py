"""Configuration and engine messages (constants the tests assert on)."""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, Forbidden

REQUIRED_WHEN_FLAG_ON = _("Required while this option is on.")
TARGET_GROUP_REQUIRED = _("Choose the group that receives attendances when the bot times out.")
CALENDAR_OTHER_COMPANY = _("The calendar must belong to the company of the group's operation.")
OUT_OF_HOURS_GROUP_REQUIRED = _("Choose the group that receives attendances out of hours.")
NOTE_NOT_A_MESSAGE = _("An internal note is not sent to the customer: post it as a note.")
NOTE_TOO_LONG = _("A note can have at most %(max)s characters.")
TARGET_IS_SELF = _("The target group must be another group.")
DURATION_TOO_LONG = _("At most 30 days (43200 minutes).")
BOT_INACTIVITY_TOO_LONG = _("At most 30 days (43200 minutes, 720 hours or 2592000 seconds).")
GROUP_OWN_PARENT = _("A group cannot be its own parent.")
PARENT_MUST_BE_MAIN = _("The parent group must be a main group.")
PARENT_OTHER_OPERATION = _("The parent group must belong to the same operation.")
BOT_OTHER_OPERATION = _(
    "This bot's menu transfers into groups of another operation: a group only uses bots that route within its "
    "own operation."
)
TARGET_OTHER_OPERATION = _("The target group must belong to the same operation.")
BOT_USED_ACROSS_OPERATIONS = _(
    "The menu would transfer into groups of another operation than that of the groups using this bot: %(groups)s."
)
GROUP_HAS_CHILDREN = _("This group has child groups, so it must stay a main group.")
WHATSAPP_TEMPLATE_MAIN_ONLY = _("WhatsApp template is only available for main groups.")
MAIN_NEEDS_SERVICE_BOT = _("A main group's initialization agent must be a service bot.")
CHILD_NEEDS_TRANSFER_BOT = _("A child group's initialization agent must be a transfer bot (or none).")
WRONG_BOT_KIND = _("This bot is of another kind.")
SURVEY_REQUIRED_NEEDS_SURVEY = _("Choose a survey to make it required.")
CLASSIFICATION_REQUIRED_NEEDS_ONE = _("Choose a classification to make it required.")
ONLY_AGENTS = _("Only agents and supervisor agents can be associated: %(names)s.")
INACTIVE_AGENTS = _("Inactive users cannot be associated: %(names)s.")
AGENTS_OTHER_OPERATION = _(
    "Only agents of the group's operation (%(operation)s) can be associated. Not of this operation: %(names)s."
)
TRANSFER_TO_ITSELF = _("A group cannot be its own transfer target.")
# Bots
MENU_REQUIRED = _("A service bot needs a menu.")
MENU_ONLY_FOR_SERVICE = _("Only service bots have a menu.")
MENU_NOT_A_NODE = _("%(path)s: a menu must have a text and a list of options.")
MENU_NO_TEXT = _("%(path)s: the menu text is required.")
MENU_NO_OPTIONS = _("%(path)s: the menu needs at least one option.")
MENU_BAD_KEY = _("%(path)s: the option key must be a number from 1 to 99.")
MENU_BAD_CHARACTERS = _("%(path)s: the text has control or invalid characters.")
MENU_TEXT_TOO_LONG = _("%(path)s: the text has more than %(limit)s characters.")
MENU_DUPLICATE_KEY = _("%(path)s: the key %(key)s is used by more than one option.")
MENU_NO_LABEL = _("%(path)s: the option label is required.")
MENU_BAD_ACTION = _("%(path)s: the action must be menu, transfer_to_group or close.")
MENU_UNKNOWN_GROUP = _("%(path)s: choose an active registered group.")
MENU_NO_SUBMENU = _("%(path)s: a “menu” option needs its sub-menu.")
MENU_EXTRA = _("%(path)s: a “%(action)s” option cannot have %(field)s.")
MENU_TOO_DEEP = _("The menu can have at most %(depth)d levels.")
BOT_NAME_TAKEN = _("A bot named %(name)s already exists.")
SURVEY_BOT_MANAGED = _("Survey bots are created and kept in sync by their survey.")
# Engine
BAD_CHANNEL_TOKEN = _("Invalid or inactive channel token.")
NETWORK_MISMATCH = _("The network does not match the channel's network (%(network)s).")
INACTIVE_CUSTOMER = _("This customer is inactive: the message opened no attendance.")
NO_MAIN_GROUP = _("No active main group to receive new attendances.")
ILLEGAL_TRANSITION = _("An attendance cannot go from %(current)s to %(target)s.")
NOT_YOUR_ATTENDANCE = _("This attendance is not assigned to you.")
RECEIVE_ONLY = _("This group only receives messages: agents cannot send.")
MEDIA_NOT_ALLOWED = _("This group does not allow sending %(kind)s.")
EMPTY_MESSAGE = _("Write the message.")
TRANSFER_NOT_PERMITTED = _("This group may not transfer to the chosen group.")
TRANSFER_NO_AGENT_ONLINE = _("%(group)s has no agent online right now.")
AGENT_NOT_IN_GROUP = _("This agent does not work in a group you can transfer to.")
NOT_YOUR_GROUP = _("You do not work in this group.")
AGENT_UNAVAILABLE = _("This agent is not available (offline, or paused and the group does not accept paused agents).")
AGENT_FULL = _("This agent has reached their simultaneous attendances.")
TRANSFER_TARGET_REQUIRED = _("Choose a group or an agent.")
CLASSIFICATION_REQUIRED = _("Choose the classification reason (a reason without sub-reasons).")
ALREADY_CLOSED = _("This attendance is already closed.")
TAKE_OVER_SUPERVISOR_AGENT_ONLY = _(
    "Only a supervisor-agent can take over an attendance (a supervisor can message the customer from the monitor)."
)
SUPERVISORS_ONLY = _("Only supervisors who monitor attendances can do this.")
ALREADY_YOURS = _("This attendance is already with you.")
PAUSE_REASON_REQUIRED = _("Tell the reason for the pause.")
PAUSE_REASON_UNKNOWN = _("Choose one of the active pause reasons (“Motivos de pausa”).")
NOT_AN_AGENT = _("Only agents and supervisor agents have a presence.")
BAD_PRESENCE_STATE = _("Choose online, paused or offline.")
CAPACITY_FULL_ACTIVE = _("You have reached your simultaneous attendances: finish one before starting another.")
CUSTOMER_BUSY_ELSEWHERE = _("This customer cannot receive an active message right now: try again later.")


# Domain errors (core.errors.DomainError: mapped to API responses and admin messages in one place)


class InactiveCustomerError(Forbidden):
    message = INACTIVE_CUSTOMER
    code = "inactive_customer"


class NotYourAttendanceError(Forbidden):
    message = NOT_YOUR_ATTENDANCE
    code = "not_your_attendance"


class NotYourGroupError(Forbidden):
    """The acting agent does not work in the group (an active message from it): a 403,
    unlike a transfer's target agent outside the allowed groups, which is a field error
    (``AGENT_NOT_IN_GROUP``, 400) on ``agent``."""

    message = NOT_YOUR_GROUP
    code = "not_your_group"


class AgentFullError(DomainError):
    message = AGENT_FULL
    code = "agent_full"


# Provider channels
PROVIDER_NETWORK = _("The provider %(provider)s serves only: %(networks)s.")
CREDENTIAL_REQUIRED = _("Required for this provider.")
WEBHOOK_EVENTS = _("Choose among: %(events)s.")
