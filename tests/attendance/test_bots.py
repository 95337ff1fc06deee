"""SPEC §3: bots; the service bot's menu tree and its validation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from attendance.menus import normalize_menu, referenced_group_ids
from attendance.models import Bot, BotKind
from attendance.services import bot_save
from tests.factories import ServiceGroupFactory

pytestmark = pytest.mark.django_db


def _menu(group_id):
    return {
        "text": "Olá! Escolha:",
        "options": [
            {"key": "1", "label": "Vendas", "action": "transfer_to_group", "group": group_id},
            {
                "key": "2",
                "label": "Mais opções",
                "action": "menu",
                "menu": {"text": "Qual?", "options": [{"key": "1", "label": "Sair", "action": "close"}]},
            },
        ],
    }


def test_a_service_bot_keeps_a_valid_menu(operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    bot = bot_save(bot=Bot(name="menu", kind=BotKind.SERVICE, menu=_menu(group.pk)))
    assert bot.menu == _menu(group.pk)
    assert referenced_group_ids(bot.menu) == {group.pk}


def test_bot_names_are_unique_and_have_no_spaces(db):
    bot_save(bot=Bot(name="unico", kind=BotKind.TRANSFER))
    with pytest.raises(ValidationError) as error:
        bot_save(bot=Bot(name="unico", kind=BotKind.FINALIZATION))
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        bot_save(bot=Bot(name="com espaço", kind=BotKind.TRANSFER))
    assert "name" in error.value.message_dict


def test_a_service_bot_needs_a_menu_and_other_kinds_have_none(db):
    with pytest.raises(ValidationError) as error:
        bot_save(bot=Bot(name="vazio", kind=BotKind.SERVICE))
    assert "menu" in error.value.message_dict
    with pytest.raises(ValidationError):
        bot_save(bot=Bot(name="transf", kind=BotKind.TRANSFER, menu={"text": "x", "options": []}))


def test_survey_bots_are_only_created_by_their_survey(db):
    with pytest.raises(ValidationError) as error:
        bot_save(bot=Bot(name="pesquisa", kind=BotKind.SURVEY))
    assert "kind" in error.value.message_dict


@pytest.mark.parametrize(
    "option, problem",
    [
        ({"key": "x", "label": "A", "action": "close"}, "número de 1 a 99"),
        ({"key": "1", "label": "", "action": "close"}, "rótulo"),
        ({"key": "1", "label": "A", "action": "fly"}, "menu, transfer_to_group ou close"),
        ({"key": "1", "label": "A", "action": "transfer_to_group", "group": 999999}, "grupo cadastrado e ativo"),
        ({"key": "1", "label": "A", "action": "menu"}, "submenu"),
        ({"key": "1", "label": "A", "action": "close", "group": 1}, "não pode ter"),
    ],
)
def test_every_option_must_lead_somewhere_valid(option, problem):
    from django.utils import translation

    with pytest.raises(ValidationError) as error, translation.override("pt-br"):
        normalize_menu({"text": "Menu", "options": [option]}, active_group_ids=[])
    text = " ".join(str(m) for m in error.value.messages)
    assert problem in text, text


def test_an_inactive_group_cannot_be_a_menu_target(operation_a):
    group = ServiceGroupFactory(operation=operation_a, is_active=False)
    with pytest.raises(ValidationError) as error:
        bot_save(bot=Bot(name="menu", kind=BotKind.SERVICE, menu=_menu(group.pk)))
    assert "menu" in error.value.message_dict


def test_duplicate_keys_and_too_deep_menus_are_refused():
    duplicate = {"text": "M", "options": [{"key": "1", "label": "A", "action": "close"}] * 2}
    with pytest.raises(ValidationError):
        normalize_menu(duplicate, active_group_ids=[])
    node = {"text": "fundo", "options": [{"key": "1", "label": "fim", "action": "close"}]}
    for _ in range(10):
        node = {"text": "nível", "options": [{"key": "1", "label": "desce", "action": "menu", "menu": node}]}
    with pytest.raises(ValidationError):
        normalize_menu(node, active_group_ids=[])


def test_the_errors_name_the_place_in_the_tree(operation_a):
    menu = _menu(999999)
    with pytest.raises(ValidationError) as error:
        normalize_menu(menu, active_group_ids=[])
    assert "1 Vendas" in str(error.value.messages)


def test_the_api_writes_and_reads_the_menu_nested(api_as, admin_user, operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    client = api_as(admin_user)
    response = client.post("/api/v1/bots/", {"name": "menu", "kind": "service", "menu": _menu(group.pk)}, format="json")
    assert response.status_code == 201, response.json()
    assert client.get(f"/api/v1/bots/{response.json()['id']}/").json()["menu"] == _menu(group.pk)
    bad = client.post("/api/v1/bots/", {"name": "ruim", "kind": "service", "menu": {"text": ""}}, format="json")
    assert bad.status_code == 400 and "menu" in bad.json()
    assert client.delete(f"/api/v1/bots/{response.json()['id']}/").status_code == 405
