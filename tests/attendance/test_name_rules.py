"""Survey and bot names: the rule is said before typing and applied alike (issue 31, item 2)."""

from __future__ import annotations

import pytest

from attendance.models import Bot

pytestmark = pytest.mark.django_db

RULE = "Sem espaços: cada espaço é substituído por “_” ao salvar (“Pós venda” vira “Pós_venda”)."
SAID = "O nome foi salvo como “Boas_vindas_Loja”: os espaços são substituídos por “_”."


@pytest.mark.parametrize("screen", ["/admin/attendance/bot/add/", "/admin/surveys/survey/add/"])
def test_the_name_rule_is_said_before_the_user_types(web_as, admin_user, screen):
    page = web_as(admin_user).get(screen).content.decode()
    assert RULE in page


def test_a_bot_name_with_spaces_is_saved_with_underscores_and_the_screen_says_so(web_as, admin_user):
    response = web_as(admin_user).post(
        "/admin/attendance/bot/add/",
        {"name": "  Boas vindas   Loja ", "kind": "transfer", "message": "Um momento.", "is_active": "on"},
        follow=True,
    )
    page = response.content.decode()
    assert Bot.objects.filter(name="Boas_vindas_Loja").exists(), page[:2000]
    assert SAID.replace("“", "&quot;").replace("”", "&quot;") in page or SAID in page
    assert "não pode conter espaços" not in page


def test_the_api_treats_a_bot_name_with_spaces_as_the_survey_api_does(api_as, admin_user):
    client = api_as(admin_user)
    bot = client.post("/api/v1/bots/", {"name": "Boas vindas", "kind": "transfer", "message": "Olá"}, format="json")
    assert bot.status_code == 201, bot.json()
    assert bot.json()["name"] == "Boas_vindas"
    survey = client.post(
        "/api/v1/surveys/",
        {"name": "Pós venda", "questions": [{"type": "nps", "text": "Recomendaria?"}]},
        format="json",
    )
    assert survey.status_code == 201, survey.json()
    assert survey.json()["name"] == "Pós_venda"


def test_the_menu_preview_is_the_engines_own_text(web_as, admin_user):
    import json

    from attendance.texts import menu_text

    menu = {
        "text": "Olá! Escolha:\n1) Vendas",
        "options": [
            {"key": "1", "label": "Vendas", "action": "close"},
            {"key": "2", "label": "Mais", "action": "menu", "menu": {"text": "Qual?", "options": []}},
        ],
    }
    response = web_as(admin_user).post("/admin/attendance/bot/menu-preview/", {"menu": json.dumps(menu)})
    assert response.status_code == 200
    previews = response.json()["previews"]
    assert previews[0] == {"path": "", "text": menu_text(menu), "repeats": True}
    assert previews[1] == {"path": "2", "text": "Qual?", "repeats": False}


def test_the_menu_preview_answers_bad_json_with_the_fields_message(web_as, admin_user):
    response = web_as(admin_user).post("/admin/attendance/bot/menu-preview/", {"menu": "[" * 5000})
    assert response.status_code == 400 and response.json()["menu"]


def test_the_menu_preview_is_closed_to_a_supervisor_without_the_bot_permission(web_as, supervisor_a):
    response = web_as(supervisor_a).post("/admin/attendance/bot/menu-preview/", {"menu": "{}"})
    assert response.status_code == 403
