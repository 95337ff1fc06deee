"""Routing never crosses operations (SPEC §4.2): which operations a service bot's menu
transfers into, and which bots a supervisor may choose.

Bots belong to no operation; what ties one to an operation is where its menu sends
customers. A group may use a service bot only if every group of the menu is in the
group's own operation, and a supervisor is offered only bots that route within the
operations they supervise (a bot routing elsewhere answers like a missing id).
"""

from __future__ import annotations

from django.db.models import QuerySet

from .menus import referenced_group_ids
from .models import Bot, BotKind, ServiceGroup
from .models.groups import bot_routes_outside, menu_operation_ids

__all__ = ["bot_routes_outside", "bots_routing_within", "groups_using_bot_across_operations", "menu_operation_ids"]


def groups_using_bot_across_operations(*, bot: Bot) -> list[ServiceGroup]:
    """Groups whose initialization bot is ``bot`` and whose operation its menu leaves."""
    if bot.pk is None or bot.kind != BotKind.SERVICE:
        return []
    operations = menu_operation_ids(bot.menu)
    users = ServiceGroup.objects.filter(initialization_bot_id=bot.pk).only("pk", "name", "operation_id")
    return [group for group in users if operations - {group.operation_id}]


def bots_routing_within(queryset: QuerySet[Bot], *, operation_ids: list[int] | None) -> QuerySet[Bot]:
    """``queryset`` without the service bots whose menu reaches another operation
    (``operation_ids`` None = every operation: nothing is removed)."""
    if operation_ids is None:
        return queryset
    allowed = set(operation_ids)
    group_operation = dict(ServiceGroup.objects.values_list("pk", "operation_id"))
    outside = [
        pk
        for pk, menu in Bot.objects.filter(kind=BotKind.SERVICE).values_list("pk", "menu")
        if isinstance(menu, dict) and any(group_operation.get(g) not in allowed for g in referenced_group_ids(menu))
    ]
    return queryset.exclude(pk__in=outside)
