"""Platform-wide domain errors; their Portuguese messages are constants tests assert on."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DELETION_FORBIDDEN = _("Nothing is ever deleted in Atende: deactivate the record (Status) instead.")
INACTIVE_CHOICE = _("This record is inactive and cannot be selected.")
OUT_OF_SCOPE_CHOICE = _("You can only choose records of the operations you supervise.")


class DeletionForbidden(Exception):
    """Raised by every ``delete()`` of a configuration entity (SPEC §0)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(str(message or DELETION_FORBIDDEN))


class DomainError(Exception):
    """A broken business rule. Its message is a Portuguese constant (``message``, or the one
    given) that tests assert on; ``field`` names the input it concerns. Mapped in one
    place to API responses (``core.api.exception_handler``) and admin messages
    (``core.errors.admin_error_message``)."""

    status_code = 400
    message = ""
    # A stable name for API clients (``{"detail": …, "code": …}``); the message may change.
    code = "invalid"

    def __init__(self, message=None, *, field: str | None = None, params: dict | None = None) -> None:
        self.message = message if message is not None else self.message
        self.field = field
        self.params = params or {}
        super().__init__(str(self))

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text

    def as_dict(self) -> dict:
        if self.field:
            return {self.field: [str(self)]}
        return {"detail": str(self), "code": self.code}


class Forbidden(DomainError):
    """The rule says this user may not do this (HTTP 403)."""

    status_code = 403
    code = "forbidden"


def admin_error_message(error: Exception) -> str:
    """What the admin shows for a domain error or a validation error."""
    messages = getattr(error, "messages", None)
    return " ".join(str(m) for m in messages) if messages else str(error)
