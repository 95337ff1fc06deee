"""Classification writes (SPEC §5.2): the tree is written whole, nested.

``nodes`` is ``[{"id"?, "name", "is_active"?, "children": [...]}]``. A node with the
``id`` of one of this classification's nodes updates it (and may move it to another
parent); a node without ``id`` is created; nodes left out are deactivated, never
deleted, so attendances keep their reason.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.text import has_bad_characters

from . import errors
from .models import Classification, Node

MAX_DEPTH = 5
NAME_MAX_LENGTH = Node._meta.get_field("name").max_length


@transaction.atomic
def classification_save(*, classification: Classification, nodes: list | None = None) -> Classification:
    classification.full_clean()
    existing = {node.pk: node for node in classification.nodes.all()} if classification.pk else {}
    plan = classification_validate_nodes(nodes, existing) if nodes is not None else None
    classification.save()
    if plan is not None:
        kept: set[int] = set()
        _write(classification, plan, None, existing, kept)
        for pk, node in existing.items():
            if pk not in kept and node.is_active:
                node.is_active = False
                node.save(update_fields=["is_active"])
    return classification


def classification_validate_nodes(nodes, existing: dict[int, Node]) -> list[dict]:
    problems: list[str] = []
    seen: set[int] = set()

    def walk(items, path: str, depth: int) -> list[dict]:
        if not isinstance(items, list):
            problems.append(str(errors.NODES_NOT_A_LIST))
            return []
        if depth > MAX_DEPTH:
            problems.append(errors.TREE_TOO_DEEP % {"depth": MAX_DEPTH})
            return []
        names: set[str] = set()
        clean = []
        for index, item in enumerate(items, start=1):
            item = item if isinstance(item, dict) else {}
            name = str(item.get("name") or "").strip()
            bad_name = has_bad_characters(name)
            here = f"{path} › {name[:60] if name and not bad_name else index}"
            node_id = item.get("id")
            if not name:
                problems.append(errors.NODE_NO_NAME % {"path": here})
            elif bad_name:
                problems.append(errors.NODE_NAME_BAD_CHARACTERS % {"path": here})
            elif len(name) > NAME_MAX_LENGTH:
                problems.append(errors.NODE_NAME_TOO_LONG % {"path": here, "limit": NAME_MAX_LENGTH})
            if node_id is not None and (isinstance(node_id, bool) or not isinstance(node_id, int)):
                problems.append(errors.NODE_BAD_ID % {"path": here})
                node_id = None
            active = item.get("is_active", True) is not False
            if name and active:
                if name.casefold() in names:
                    problems.append(errors.NODE_DUPLICATE_NAME % {"path": path, "name": name})
                names.add(name.casefold())
            if node_id is not None:
                if node_id not in existing:
                    problems.append(errors.NODE_UNKNOWN % {"path": here, "id": node_id})
                elif node_id in seen:
                    problems.append(errors.NODE_REPEATED % {"path": here, "id": node_id})
                seen.add(node_id)
            clean.append(
                {
                    "id": node_id,
                    "name": name,
                    "is_active": active,
                    "children": walk(item.get("children") or [], here, depth + 1),
                }
            )
        return clean

    plan = walk(nodes, _("Reasons"), 1)
    if problems:
        raise ValidationError({"nodes": problems})
    return plan


def _write(classification, items, parent, existing, kept) -> None:
    for position, item in enumerate(items):
        node = existing.get(item["id"]) if item["id"] is not None else None
        if node is None:
            node = Node(classification=classification)
        wanted = (item["name"], parent.pk if parent else None, position, item["is_active"])
        if node.pk is None or (node.name, node.parent_id, node.position, node.is_active) != wanted:
            node.name, node.parent, node.position, node.is_active = item["name"], parent, position, item["is_active"]
            node.save()
        kept.add(node.pk)
        _write(classification, item["children"], node, existing, kept)
