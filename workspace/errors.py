"""Workspace messages (constants the tests assert on); msgids English, shown in Portuguese."""

from django.utils.translation import gettext_lazy as _

from attendance.errors import NOT_YOUR_GROUP as NOT_IN_GROUP  # noqa: F401 - the engine's message, one wording

NETWORK_NOT_ENABLED = _("This group does not send active messages through %(network)s.")
CUSTOMER_REQUIRED = _("Choose a customer or type the network and phone.")
CUSTOMER_INACTIVE = _("This customer is inactive.")
OUTSIDE_WINDOW = _("The customer has not written in the last 24 hours: WhatsApp only accepts an approved template.")
OUTSIDE_WINDOW_NO_TEMPLATES = _(
    "The customer has not written in the last 24 hours and this group does not send WhatsApp templates."
)
TEMPLATE_ONLY_WHATSAPP = _("Templates are only sent through WhatsApp.")
TEMPLATE_PARAMS = _("This template needs %(count)d parameters.")
TEXT_OR_TEMPLATE = _("Write the message or choose a template.")
NO_CALL_PERMISSION = _("You may not register phone calls.")
INVALID_AGENT_FILTER = _("Use “me” or an agent's id.")
GROUP_REQUIRED = _("Choose the group: only administrators create responses for every group.")
ONLY_AGENTS = _("Only agents and supervisor agents send active messages.")
MENTION_NOT_ALLOWED = _("Only people who may see this attendance can be mentioned: %(names)s.")
SUBJECT_REQUIRED = _("Type the e-mail's subject.")
EMAIL_REQUIRED = _("Choose a customer or type the e-mail address.")
NO_EMAIL_CHANNEL = _("There is no active e-mail channel to send from.")
CUSTOMER_WITHOUT_EMAIL = _("This customer has no e-mail address.")
SUPERVISOR_TEXT_ONLY = _("A supervisor writes text to the customer: attachments are sent by the agent.")
