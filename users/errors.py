"""User-management domain messages (constants the tests assert on)."""

from django.utils.translation import gettext_lazy as _

COMPANY_REQUIRED = _("An administrator must belong to a company.")
OPERATIONS_REQUIRED = _("A supervisor must be associated with at least one operation.")
SUPERVISOR_MANAGES_AGENTS_ONLY = _("Supervisors can only register and edit agents.")
SUPERVISOR_AGENT_NEEDS_OPERATION = _("Choose at least one of the operations you supervise.")
PROFILE_ADMIN_ONLY = _("Only administrators can assign profiles.")
PASSWORD_REQUIRED = _("Enter a password.")
OUTSIDE_WORK_HOURS = _("Access outside your work hours is not allowed. Your schedule: %(schedule)s.")
SESSION_ENDED_OUTSIDE_HOURS = _("Your work hours are over: the session was ended.")
ACCOUNT_LOCKED = _(
    "Too many failed attempts: this account is locked from this address for %(minutes)d "
    "minutes. Try again later or ask an administrator to unlock it."
)
INVALID_CREDENTIALS = _("Incorrect username or password.")
