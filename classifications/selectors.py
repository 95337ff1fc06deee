"""Classification reads: the nested tree and the leaves an agent may pick."""

from __future__ import annotations

from .models import Classification, Node


def classification_tree(*, classification: Classification, active_only: bool = False) -> list[dict]:
    """The nested tree ``[{id, name, is_active, children}]`` in one query."""
    nodes = list(classification.nodes.all())
    children: dict[int | None, list[Node]] = {}
    for node in nodes:
        if active_only and not node.is_active:
            continue
        children.setdefault(node.parent_id, []).append(node)

    def build(parent_id):
        return [
            {"id": node.pk, "name": node.name, "is_active": node.is_active, "children": build(node.pk)}
            for node in sorted(children.get(parent_id, []), key=lambda n: (n.position, n.pk))
        ]

    return build(None)


def classification_active_leaves(*, group) -> list[Node]:
    """Active reasons without active sub-reasons, under active ancestors, of the group's
    active classification (what the agent picks when closing)."""
    classification = group.classification
    if classification is None or not classification.is_active:
        return []
    leaves: list[Node] = []

    def walk(items):
        for item in items:
            if item["children"]:
                walk(item["children"])
            else:
                leaves.append(item["id"])

    walk(classification_tree(classification=classification, active_only=True))
    by_id = Node.objects.in_bulk(leaves)
    return [by_id[pk] for pk in leaves]


def classification_is_valid_leaf(*, group, node_id: int) -> bool:
    return any(node.pk == node_id for node in classification_active_leaves(group=group))
