"""Every model's success messages agree with its noun (issue 31, item 1).

Django's catalogue writes every model in the masculine ("O pesquisa de satisfação … foi
adicionado"); the back office writes them in the gender of each noun (``core.grammar``).
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.utils import translation

from core.grammar import declares_gender, saved_message, status_message
from surveys.models import Survey
from tests.factories import make_survey
from workspace.models import CannedResponse

pytestmark = pytest.mark.django_db

# Every registered model's Portuguese noun and the messages a user reads about it: written
# out by hand, so a noun whose catalogue gender is wrong fails here.
EXPECTED = {
    "knox.AuthToken": ("O token de acesso", "adicionado", "outro"),
    "axes.AccessAttempt": ("A tentativa de acesso", "adicionada", "outra"),
    "axes.AccessLog": ("O registro de acesso", "adicionado", "outro"),
    "axes.AccessFailureLog": ("A falha de acesso", "adicionada", "outra"),
    "users.User": ("O usuário", "adicionado", "outro"),
    "users.Profile": ("O perfil", "adicionado", "outro"),
    "attendance.Channel": ("O canal", "adicionado", "outro"),
    "attendance.Attendance": ("O atendimento", "adicionado", "outro"),
    "organisation.Company": ("A empresa", "adicionada", "outra"),
    "organisation.Operation": ("A operação", "adicionada", "outra"),
    "calendars.Calendar": ("O calendário de atendimento", "adicionado", "outro"),
    "attendance.Bot": ("O bot", "adicionado", "outro"),
    "attendance.ServiceGroup": ("O grupo de atendimento", "adicionado", "outro"),
    "customers.CustomerAttribute": ("O atributo de clientes", "adicionado", "outro"),
    "customers.Customer": ("O cliente", "adicionado", "outro"),
    "surveys.Survey": ("A pesquisa de satisfação", "adicionada", "outra"),
    "classifications.Classification": ("A classificação de atendimento", "adicionada", "outra"),
    "attendance.PauseReason": ("O motivo de pausa", "adicionado", "outro"),
    "workspace.CannedResponse": ("A resposta rápida", "adicionada", "outra"),
    "workspace.WhatsAppTemplate": ("O Template do WhatsApp", "adicionado", "outro"),
}


def _label(model) -> str:
    # A model moved between apps keeps its noun: match on the class name too.
    return next((key for key in EXPECTED if key.split(".")[1] == model.__name__), model._meta.label)


def test_every_registered_model_has_its_messages_written_out_here():
    assert sorted(_label(model) for model in admin.site._registry) == sorted(EXPECTED)


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda model: model._meta.label)
def test_every_registered_model_reads_its_messages_in_the_gender_of_its_noun(model):
    article_noun, added, another = EXPECTED[_label(model)]
    changed = added.replace("adicionad", "alterad")
    pronoun = "la" if added.endswith("a") else "lo"
    name = article_noun.split(" ", 1)[1]
    with translation.override("pt-br"):
        assert declares_gender(model)
        assert saved_message(model, added=True, then="edit").format(name=name, obj="X") == (
            f"{article_noun} “X” foi {added} com sucesso. Você pode editá-{pronoun} novamente abaixo."
        )
        assert saved_message(model, added=False, then="add").format(name=name, obj="X") == (
            f"{article_noun} “X” foi {changed} com sucesso. Você pode adicionar {another} {name} abaixo."
        )
        ending = added.removeprefix("adicionad")  # "o" or "a"
        assert status_message(model, count=1, active=False).endswith(f"desativad{ending}.")
        assert status_message(model, count=2, active=True).endswith(f"ativad{ending}s.")
        assert status_message(model, count=2, active=True).startswith(f"2 {model._meta.verbose_name_plural}")


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_adding_a_canned_response_says_it_was_added_in_the_feminine(web_as, admin_user):
    response = web_as(admin_user).post(
        "/admin/workspace/cannedresponse/add/",
        {"shortcut": "ola", "text": "Olá! Como posso ajudar?", "is_active": "on", "_continue": "1"},
        follow=True,
    )
    page = response.content.decode()
    assert CannedResponse.objects.filter(shortcut="ola").exists(), page[:3000]
    assert "A resposta rápida “" in page
    assert "foi adicionada com sucesso. Você pode editá-la novamente abaixo." in page
    assert "O resposta" not in page


def test_deactivating_two_surveys_says_they_were_deactivated_in_the_feminine(web_as, admin_user):
    surveys = [make_survey(name="Pos_venda"), make_survey(name="Pre_venda")]
    response = web_as(admin_user).post(
        "/admin/surveys/survey/",
        {"action": "deactivate_selected", "_selected_action": [survey.pk for survey in surveys]},
        follow=True,
    )
    assert "2 Pesquisas de Satisfação desativadas." in response.content.decode()
    assert not Survey.objects.filter(is_active=True).exists()
