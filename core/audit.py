"""Audit trail rendering: who changed what, when, with before and after values.

Every audited model has ``history = HistoricalRecords(...)`` (django-simple-history);
this module turns those records into the structure served by ``.../<id>/history/`` and
shown on the admin's "Histórico" page, for people rather than developers:

- values in words: "Sim"/"Não", choice labels, names instead of ids (related records are
  looked up including inactive ones), lists as "Ana, Bia", dates in the local time zone;
- many-to-many changes as the names before and after ("Agentes: Ana, Bia → Ana");
- rows edited inside their parent's screen (a classification's reasons, a survey's
  questions: ``NESTED_HISTORY``) reported on the parent's entry: added, renamed,
  deactivated, reactivated, moved;
- JSON fields a model knows how to describe through ``history_value_text(field, value)``
  (a classmethod returning a string, or ``None`` for the generic rendering).

Nothing is deleted in Atende, so there is no "removed" rendering of related records: a
related id that no longer resolves is shown as "#<id>".

Read by a supervisor (``viewer``), an entry never names a related record outside the
viewer's operations (``core.scoping``): an agent, group or operation of another operation
is shown as "(outra operação)" and its id is left out of the stored values, whether it
was always elsewhere or moved there since (a user moved from A to B, a group's former
agent now in another operation). The same holds for the author of a change. Records of
models without ``scope_path`` (bots, profiles, surveys…) are global: named as they are.
Admins (and ``viewer=None``, the system) see every name.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .scoping import operation_ids_for, scope_queryset

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "removed"}
HISTORY_LABELS = {"+": _("Created"), "~": _("Changed"), "-": _("Removed")}
EMPTY = "—"

# Fields never worth a line in the history (bookkeeping, or secrets).
HIDDEN_FIELDS = {"last_login", "password", "voice_channel_password", "token_hash", "updated_at"}

# Parent model label → (child model label, foreign key to the parent, field naming a child,
# the section's title). Child records written in the same save as the parent's record
# (same user, within ``NESTED_WINDOW``) are reported on the parent's entry.
NESTED_HISTORY = {
    "classifications.classification": ("classifications.node", "classification_id", "name", _("Reasons")),
    "surveys.survey": ("surveys.question", "survey_id", "text", _("Questions")),
}
NESTED_WINDOW = timedelta(seconds=5)
# What a supervisor reads instead of the name of a record outside their operations.
HIDDEN_RECORD = _("(another operation)")


class _Viewer:
    """Which related records the reader of a history may name (``core.scoping``)."""

    def __init__(self, user):
        self.user = user
        self.sees_all = user is None or operation_ids_for(user) is None

    def hidden(self, model, ids) -> set:
        """The ids among ``ids`` of records the viewer may not name."""
        ids = {pk for pk in ids if pk is not None}
        if self.sees_all or not ids or not hasattr(model, "scope_path"):
            return set()
        visible = scope_queryset(model._default_manager.filter(pk__in=ids), self.user).values_list("pk", flat=True)
        return ids - set(visible)


_EVERYONE = _Viewer(None)


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# Values in words ------------------------------------------------------------------------


def _related_names(model, ids, viewer: _Viewer = _EVERYONE) -> dict:
    ids = [pk for pk in ids if pk is not None]
    if not ids:
        return {}
    hidden = viewer.hidden(model, ids)
    names = {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=set(ids) - hidden)}
    return names | dict.fromkeys(hidden, str(HIDDEN_RECORD))


def _m2m_ids(field, rows) -> list:
    """The target ids of simple-history's many-to-many rows (``[{"group": 1, "user": 3}]``)."""
    from simple_history.utils import get_m2m_reverse_field_name

    key = get_m2m_reverse_field_name(field)
    return [row.get(key) if isinstance(row, dict) else row for row in (rows or [])]


def value_text(model, field_name: str, value: Any, viewer: _Viewer = _EVERYONE) -> str:
    """One field's value as a person reads it (related records the viewer may not see unnamed)."""
    try:
        field = model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 - a field removed since the record was written
        field = None
    describe = getattr(model, "history_value_text", None)
    if describe is not None:
        text = describe(field_name, value)
        if text is not None:
            return text or EMPTY
    if field is not None and field.many_to_many:
        ids = _m2m_ids(field, value)
        names = _related_names(field.related_model, ids, viewer)
        return ", ".join(sorted((names.get(pk, f"#{pk}") for pk in ids), key=str.casefold)) or EMPTY
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(field, models.BooleanField) or isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if field is not None and field.is_relation and field.many_to_one:
        pk = getattr(value, "pk", value)
        return _related_names(field.related_model, [pk], viewer).get(pk, f"#{pk}")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    if isinstance(value, date):
        return formats.localize(value)
    if isinstance(value, list):
        return ", ".join(_item_text(item) for item in value) or EMPTY
    if isinstance(value, dict):
        return _item_text(value)
    return str(value)


def _item_text(item: Any) -> str:
    if isinstance(item, dict):
        return "; ".join(f"{key}: {val}" for key, val in item.items())
    if isinstance(item, bool):
        return gettext("Yes") if item else gettext("No")
    return str(item) if not isinstance(item, (list, tuple)) else json.dumps(item, ensure_ascii=False)


# Entries ----------------------------------------------------------------------------------


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001
        return name


def _stored_value(model, field_name: str, value: Any, viewer: _Viewer) -> Any:
    """The stored value, without the ids of related records the viewer may not see."""
    try:
        field = model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 - a field removed since the record was written
        return _plain(value)
    if viewer.sees_all or not field.is_relation or field.related_model is None:
        return _plain(value)
    if field.many_to_many:
        from simple_history.utils import get_m2m_reverse_field_name

        key = get_m2m_reverse_field_name(field)
        hidden = viewer.hidden(field.related_model, _m2m_ids(field, value))
        rows = [row for row in (value or []) if not (isinstance(row, dict) and row.get(key) in hidden)]
        return _plain(rows)
    pk = getattr(value, "pk", value)
    return None if pk in viewer.hidden(field.related_model, [pk]) else _plain(value)


def _changes(model, record, previous, viewer: _Viewer = _EVERYONE) -> list[dict]:
    changes = []
    for change in record.diff_against(previous).changes:
        if change.field in HIDDEN_FIELDS:
            continue
        changes.append(
            {
                "field": change.field,
                "label": _field_label(model, change.field),
                "before": _stored_value(model, change.field, change.old, viewer),
                "after": _stored_value(model, change.field, change.new, viewer),
                "before_text": value_text(model, change.field, change.old, viewer),
                "after_text": value_text(model, change.field, change.new, viewer),
            }
        )
    return changes


def _nested_changes(obj, record, newer) -> list[dict]:
    """What happened to the rows edited inside ``obj``'s screen during this save."""
    spec = NESTED_HISTORY.get(obj._meta.label_lower)
    if spec is None:
        return []
    from django.apps import apps

    child_label, parent_key, name_field, title = spec
    child_model = apps.get_model(child_label)
    start = record.history_date - timedelta(milliseconds=10)
    end = min(record.history_date + NESTED_WINDOW, newer.history_date) if newer else record.history_date + NESTED_WINDOW
    rows = child_model.history.filter(
        **{parent_key: obj.pk}, history_date__gte=start, history_date__lt=end, history_user_id=record.history_user_id
    ).order_by("history_date", "history_id")
    lines = []
    for row in rows:
        name = getattr(row, name_field)
        if row.history_type == "+":
            lines.append(gettext("added “%(name)s”") % {"name": name})
            continue
        previous = row.prev_record
        if previous is None:
            continue
        delta = {change.field: change for change in row.diff_against(previous).changes}
        if name_field in delta:
            lines.append(
                gettext("“%(before)s” renamed to “%(after)s”")
                % {"before": delta[name_field].old, "after": delta[name_field].new}
            )
        if "is_active" in delta:
            template = gettext("“%(name)s” reactivated") if row.is_active else gettext("“%(name)s” deactivated")
            lines.append(template % {"name": name})
        other = [
            _field_label(child_model, field)
            for field in delta
            if field not in {name_field, "is_active", "position", "parent"}
        ]
        if other:
            lines.append(gettext("“%(name)s”: %(fields)s changed") % {"name": name, "fields": ", ".join(other)})
        elif "parent" in delta:
            lines.append(gettext("“%(name)s” moved") % {"name": name})
    if not lines:
        return []
    return [
        {
            "field": child_model._meta.model_name,
            "label": str(title),
            "before": None,
            "after": lines,
            "before_text": "",
            "after_text": "; ".join(lines),
        }
    ]


def _user(record, viewer: _Viewer = _EVERYONE) -> dict | None:
    user = record.history_user
    if user is None:
        return None
    # Administrators belong to no operation: their name is no other operation's data.
    administrator = getattr(user, "role", None) == "admin"
    if not administrator and user.pk != getattr(viewer.user, "pk", None) and viewer.hidden(type(user), [user.pk]):
        return {"id": None, "username": "", "name": str(HIDDEN_RECORD)}
    return {"id": user.pk, "username": user.get_username(), "name": str(getattr(user, "display_name", "") or user)}


def history_entries(obj, viewer=None) -> list[dict[str, Any]]:
    """The object's audit trail, newest first: ``[{id, at, type, type_label, user, changes}]``.

    Each change has ``field``, ``label``, ``before``/``after`` (stored values) and
    ``before_text``/``after_text`` (the same values in words). ``viewer``: the user who
    reads it; records outside their operations are not named (``None``: everything)."""
    model = type(obj)
    reader = _Viewer(viewer)
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id"))
    entries = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        newer = records[index - 1] if index > 0 else None
        changes = _changes(model, record, previous, reader) if previous is not None else []
        changes += _nested_changes(obj, record, newer)
        entries.append(
            {
                "id": record.history_id,
                "at": record.history_date.isoformat(),
                "at_local": timezone.localtime(record.history_date),
                "type": HISTORY_TYPES.get(record.history_type, record.history_type),
                "type_label": str(HISTORY_LABELS.get(record.history_type, record.history_type)),
                "user": _user(record, reader),
                "changes": changes,
            }
        )
    return entries
