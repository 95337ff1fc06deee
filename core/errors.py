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
