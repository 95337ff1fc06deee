"""Privacy messages (constants the tests assert on)."""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

ALREADY_ANONYMIZED = _("This customer was already anonymised.")
CONFIRM_REQUIRED = _("Confirm the anonymisation: it cannot be undone.")
REASON_REQUIRED = _("Inform the reason of the request (e.g. the protocol of the data subject's request).")
REASON_TOO_LONG = _("The reason can have at most %(max)s characters.")
IMPORT_RUNNING = _("A customer import is running: wait for it to finish, then anonymise.")
ADMINS_ONLY = _("Only administrators handle the data subjects' requests.")
ANONYMIZED_NO_EXPORT = _("This customer was anonymised: there is no personal data left to export.")


class PrivacyError(DomainError):
    """A privacy rule refused the request (HTTP 400, or the form's message)."""
