"""One scoping mechanism for admin querysets, API querysets and reports.

Admins see everything. Supervisors and supervisor-agents see only rows related to the
operations they are associated with. Agents see no configuration data at all.

A model declares how it reaches an operation with ``scope_path`` (a lookup ending at an
``Operation``: ``"operation"``, ``"group__operation"``, ``"operations"``, or ``"pk"`` for
``Operation`` itself). Models without one are visible to admins only.
"""

from __future__ import annotations

from django.db import models


def member_operation_ids(user) -> list[int]:
    """The active operations ``user`` belongs to, whatever the role: a deactivated
    operation gives nobody access any more (supervision, history, active messages)."""
    cached = getattr(user, "_member_operation_ids", None)
    if cached is None:
        cached = list(user.operations.filter(is_active=True).values_list("pk", flat=True)) if user.pk else []
        user._member_operation_ids = cached
    return cached


def operation_ids_for(user) -> list[int] | None:
    """Operation ids the user may see; ``None`` means every operation (admins)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_admin:
        return None
    if not user.is_supervisor:
        return []
    return member_operation_ids(user)


def scope_queryset(queryset: models.QuerySet, user) -> models.QuerySet:
    """Restrict ``queryset`` to what ``user`` may see."""
    ids = operation_ids_for(user)
    if ids is None:
        return queryset
    path = getattr(queryset.model, "scope_path", None)
    if path is None or not ids:
        return queryset.none()
    lookup = {f"{path}__in": ids}
    if "__" in path or path not in {"pk", "id"} and _is_multi_valued(queryset.model, path):
        # Multi-valued paths would duplicate rows; a subquery keeps the queryset distinct
        # without DISTINCT (cheap on large tables, and safe for admin changelists).
        base = queryset.model._default_manager.filter(**lookup).values("pk")
        return queryset.filter(pk__in=base)
    return queryset.filter(**lookup)


def _is_multi_valued(model, path: str) -> bool:
    field = model._meta.get_field(path)
    return bool(field.many_to_many or field.one_to_many)


def can_see_operation(user, operation_id: int | None) -> bool:
    ids = operation_ids_for(user)
    return ids is None or operation_id in ids


def keep_hidden(*, actor, current: models.QuerySet, chosen) -> list:
    """The ``chosen`` related objects plus the ``current`` ones ``actor`` cannot see.

    A many-to-many edited by a scoped user must not lose the relations outside their scope
    (e.g. a supervisor of A editing a group whose agents include one of operation B)."""
    chosen = list(chosen)
    if actor is None or operation_ids_for(actor) is None:
        return chosen
    visible = set(scope_queryset(current, actor).values_list("pk", flat=True))
    chosen_ids = {obj.pk for obj in chosen}
    return chosen + [obj for obj in current if obj.pk not in visible and obj.pk not in chosen_ids]
