"""Audit trail rendering: who changed what, when, with before and after values.

Every audited model has ``history = HistoricalRecords(...)`` (django-simple-history);
this module turns those records into the structure served by ``.../<id>/history/``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "removed"}
HISTORY_LABELS = {"+": _("Created"), "~": _("Changed"), "-": _("Removed")}


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def history_entries(obj) -> list[dict[str, Any]]:
    """The object's audit trail, newest first: ``[{id, at, type, user, changes}]``."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id"))
    entries = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = obj._meta.get_field(change.field)
                changes.append(
                    {
                        "field": change.field,
                        "label": str(getattr(field, "verbose_name", change.field)),
                        "before": _plain(change.old),
                        "after": _plain(change.new),
                    }
                )
        user = record.history_user
        entries.append(
            {
                "id": record.history_id,
                "at": record.history_date.isoformat(),
                "type": HISTORY_TYPES.get(record.history_type, record.history_type),
                "user": {"id": user.pk, "username": user.get_username()} if user else None,
                "changes": changes,
            }
        )
    return entries
