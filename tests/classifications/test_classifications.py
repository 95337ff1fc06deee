"""SPEC §5.2: classification trees written and read nested; leaves for closing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from classifications.models import Classification, Node
from classifications.selectors import classification_active_leaves, classification_tree
from classifications.services import classification_save
from tests.factories import ServiceGroupFactory, make_classification

pytestmark = pytest.mark.django_db


def test_the_tree_reads_back_nested_in_order():
    classification = make_classification(
        nodes=[{"name": "Dúvida", "children": [{"name": "Preço"}, {"name": "Prazo"}]}, {"name": "Elogio"}]
    )
    tree = classification_tree(classification=classification)
    assert [node["name"] for node in tree] == ["Dúvida", "Elogio"]
    assert [child["name"] for child in tree[0]["children"]] == ["Preço", "Prazo"]


def test_rewriting_keeps_ids_and_deactivates_what_was_left_out():
    classification = make_classification()
    tree = classification_tree(classification=classification)
    duvida, elogio = tree
    classification_save(
        classification=classification,
        nodes=[{"id": duvida["id"], "name": "Dúvidas", "children": []}, {"name": "Sugestão"}],
    )
    assert Node.objects.get(pk=duvida["id"]).name == "Dúvidas"
    assert Node.objects.get(pk=elogio["id"]).is_active is False
    assert Node.objects.get(pk=duvida["children"][0]["id"]).is_active is False
    assert Node.objects.count() == 4  # nothing deleted


def test_a_node_can_move_to_another_parent():
    classification = make_classification()
    duvida, elogio = classification_tree(classification=classification)
    preco = duvida["children"][0]
    classification_save(
        classification=classification,
        nodes=[{"id": duvida["id"], "name": "Dúvida"}, {"id": elogio["id"], "name": "Elogio", "children": [preco]}],
    )
    assert Node.objects.get(pk=preco["id"]).parent_id == elogio["id"]


@pytest.mark.parametrize(
    "nodes",
    [
        [{"name": ""}],
        [{"name": "A"}, {"name": "a"}],
        [{"id": 999999, "name": "Alheio"}],
        "not a list",
    ],
)
def test_invalid_trees_are_refused_whole(nodes):
    with pytest.raises(ValidationError) as error:
        classification_save(classification=Classification(name="C"), nodes=nodes)
    assert "nodes" in error.value.message_dict
    assert not Classification.objects.exists()


def test_a_node_cannot_appear_twice():
    classification = make_classification()
    duvida = classification_tree(classification=classification)[0]
    with pytest.raises(ValidationError):
        classification_save(classification=classification, nodes=[duvida, {"name": "B", "children": [duvida]}])


def test_the_leaves_offered_to_agents_are_active_and_under_active_reasons(operation_a):
    classification = make_classification(
        nodes=[
            {"name": "Dúvida", "children": [{"name": "Preço"}, {"name": "Prazo", "is_active": False}]},
            {"name": "Reclamação", "is_active": False, "children": [{"name": "Atraso"}]},
            {"name": "Elogio"},
        ]
    )
    group = ServiceGroupFactory(operation=operation_a, classification=classification)
    assert [node.name for node in classification_active_leaves(group=group)] == ["Preço", "Elogio"]


def test_the_api_writes_and_reads_nodes_nested(api_as, admin_user):
    client = api_as(admin_user)
    response = client.post(
        "/api/v1/classifications/",
        {"name": "Motivos", "nodes": [{"name": "Dúvida", "children": [{"name": "Preço"}]}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    nodes = response.json()["nodes"]
    assert nodes[0]["name"] == "Dúvida" and nodes[0]["children"][0]["name"] == "Preço"
    assert nodes[0]["children"][0]["id"] and nodes[0]["is_active"] is True
    bad = client.patch(f"/api/v1/classifications/{response.json()['id']}/", {"nodes": [{"name": ""}]}, format="json")
    assert bad.status_code == 400 and "nodes" in bad.json()
