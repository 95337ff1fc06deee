"""Customer messages (constants the tests assert on)."""

from django.utils.translation import gettext_lazy as _

from core.phones import PHONE_FOREIGN, PHONE_INVALID, PHONE_REQUIRED  # noqa: F401 - the phone's messages, named here too

PHONE_TAKEN = _("A customer with this phone is already registered on this network.")
CPF_INVALID = _("Invalid CPF: check the digits.")
CNPJ_INVALID = _("Invalid CNPJ: check the digits.")
DOCUMENT_INVALID = _("Invalid document: inform a CPF (11 digits) or a CNPJ (14 digits).")
DOCUMENT_TYPE_WITHOUT_NUMBER = _("Inform the document number or leave the type empty.")
UNKNOWN_NETWORK = _("Unknown network: use whatsapp, telegram, sms, email, voice or webchat.")
UNKNOWN_GROUP = _("No active group named “%(name)s”.")
UNKNOWN_AGENT = _("No active agent with the username or name “%(name)s”.")
UNKNOWN_ATTRIBUTE = _("No active customer attribute named “%(name)s”.")
ATTRIBUTE_VALUE_WITHOUT_NAME = _("A value was given without its attribute.")
ATTRIBUTE_VALUE_BAD_CHARACTERS = _("The value of “%(name)s” has control or invalid characters.")
ATTRIBUTE_VALUE_TOO_LONG = _("The value of “%(name)s” can have at most %(max)s characters.")
WALLET_AGENT_NOT_AGENT = _("The wallet agent must be an agent or supervisor agent.")
INACTIVE_CUSTOMER = _("This customer is inactive: their messages open no attendance.")
NAME_TOO_LONG = _("The name can have at most 150 characters.")
PHONE_TAKEN_ON_NETWORK = _("A customer with this network and phone already exists.")
EXPORT_BAD_FILTERS = _("These are not the customers list's filters: go back to the list and export again.")
CONSENT_TEXT_REQUIRED = _("Inform the text the customer accepted.")
CONSENT_VERSION_REQUIRED = _("Inform the version of the consent text.")
CONSENT_TEXT_TOO_LONG = _("The consent text can have at most %(max)s characters.")
CONSENT_UNKNOWN_CHANNEL = _("Unknown consent channel: use %(channels)s.")
CONSENT_ANONYMIZED_CUSTOMER = _("This customer was anonymised: no consent can be recorded.")
CONSENT_BAD_CHARACTERS = _("The consent text has control or invalid characters.")
CONSENT_VERSION_INVALID = _("The version can have at most %(max)s characters, without control characters.")
