"""Issue 14: a back office that speaks the manual (SPEC §13, §0): labels, menu, dual lists,
history for people, profiles by screen, agents of the group's operation."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission

from attendance.models import ServiceGroup
from attendance.services import group_save
from classifications.models import Classification
from tests.factories import ServiceGroupFactory, UserFactory, make_classification
from users.models import Profile, Role
from users.permission_catalog import offered_permissions, permission_sections

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _form_data(form) -> dict:
    """What the browser would post for ``form`` as rendered (checkboxes on as "on")."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


# 1. The manual's words -------------------------------------------------------------------


def test_the_group_form_uses_the_manuals_labels_and_timer_section(web_as, admin_user, operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    page = _text(web_as(admin_user).get(f"/admin/attendance/servicegroup/{group.pk}/change/"))
    for label in [
        "Tempo de inatividade",
        "Tempo em",
        "Enviar para Grupo",
        "Enviar para Fila",
        "Fechar Atendimento",
        "Selecione uma pesquisa de satisfação",
        "Selecione uma classificação",
        "Envio ativo de SMS",
        "Envio ativo de Whatsapp",
        "Envia template Whatsapp?",
        "Atendimento prioritário para o agente",
        "Redirecionar atendimento por desconexão do agente",
        "Envio automático de atendimento para pendente",
        "Parceiro Whatsapp/Facebook",
        "Posição da fila por período",
        "Somente Receptivo",
        "Permissão de envio de documentos",
        "Aviso de inatividade(%)",
        "Tempo de inatividade(minutos)",
        "SLA Inicial",
        "Encerrar atendimento por inatividade",
        "Somente cliente",
        "Cliente e agente",
        "Aviso de inatividade de parceiro (minutos)",
        "Tempo para agente interagir(minutos)",
        "Delay de envio de mensagem ativa para usuários que estão com sessão ativa (minutos). (0 para desativar)",
    ]:
        assert label in page, label
    # The dependent timers live in "Temporizadores/Inatividade", after the group settings.
    timers = page.index("Temporizadores/Inatividade")
    for field in ["pending_after_minutes", "partner_inactivity_warning_minutes", "queue_position_interval_minutes"]:
        assert page.index(f'name="{field}"') > timers, field


def test_the_user_form_starts_with_the_user_type_and_uses_the_manuals_words(web_as, admin_user):
    page = _text(web_as(admin_user).get("/admin/users/user/add/"))
    assert page.index('name="role"') < page.index('name="display_name"') < page.index('name="username"')
    for label in [
        "Tipo de usuário",
        "Visualizar todos os históricos(Grupos associados)",
        "Visualizar todos os históricos(Operações associadas)",
        "Histórico Confidencial",
        "Registrar ligação telefônica?",
        "Atender por voz",
        "Canal de atendimento",
        "Ramal de atendimento",
        "Senha canal de atendimento",
        "Pausar ao receber ligação por voz",
    ]:
        assert label in page, label


def test_the_customer_form_has_the_brazilian_phone_box_and_attribute_rows(web_as, admin_user):
    page = _text(web_as(admin_user).get("/admin/customers/customer/add/"))
    assert 'data-phone-mask="br"' in page and "+55" in page and "br-flag" in page
    assert "js/phone_mask.js" in page and "js/attribute_rows.js" in page
    assert "Atributo do cliente" in page and "Valor do atributo" in page and 'class="attribute-add"' in page


def test_the_survey_form_uses_the_manuals_words(web_as, admin_user):
    page = _text(web_as(admin_user).get("/admin/surveys/survey/add/"))
    assert "Nome da pesquisa" in page and "Envio da Pesquisa de Satisfação" in page and "Aberto" in page


def test_dual_lists_say_incluir_and_retirar(web_as, admin_user):
    catalog = web_as(admin_user).get("/admin/jsi18n/").content.decode()
    for text in ["Incluir todos", "Retirar todos", '"Incluir"', '"Retirar"', "dispon\\u00edveis"]:
        assert text in catalog, text
    assert "selecionando-os" not in catalog.split('"Choose %s by selecting')[1][:200]


def test_the_menu_is_grouped_as_the_manual_and_technical_screens_are_for_admins(web_as, admin_user, supervisor_a):
    page = _text(web_as(admin_user).get("/admin/"))
    sections = re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', page)
    assert sections[:3] == ["Atendimento", "Clientes", "Usuários"]
    assert sections[-1] == "Técnico"
    service = page[page.index(">Atendimento<") : page.index(">Clientes<")]
    assert service.index("Grupos de Atendimento") < service.index("Pesquisas de Satisfação")
    assert service.index("Pesquisas de Satisfação") < service.index("Classificações de Atendimento")
    assert "Tentativas de acesso" in page[page.index(">Técnico<") :]
    supervisor_page = _text(web_as(supervisor_a).get("/admin/"))
    assert "Técnico" not in supervisor_page and "Tentativas de acesso" not in supervisor_page


def test_portuguese_messages_for_a_taken_phone_and_a_missing_record(web_as, admin_user):
    browser = web_as(admin_user)
    data = {"display_name": "Maria", "network": "whatsapp", "phone": "(34) 99123-4567", "priority": "0"}
    assert browser.post("/admin/customers/customer/add/", {**data, "is_active": "on"}).status_code == 302
    again = _text(browser.post("/admin/customers/customer/add/", {**data, "is_active": "on"}))
    assert "Cliente com esta rede e telefone já existe." in again
    missing = browser.get("/admin/attendance/servicegroup/999999/change/", follow=True)
    text = _text(missing)
    assert "não existe ou você não tem acesso" in text and "Talvez" not in text


# 2. A group's agents belong to its operation ----------------------------------------------


def test_agents_of_another_operation_are_refused_by_the_service_admin_and_api(
    web_as, api_as, admin_user, operation_a, agent_a, agent_b
):
    group = ServiceGroupFactory(operation=operation_a, agents=[agent_a])
    with pytest.raises(Exception) as error:
        group_save(group=group, agents=[agent_a, agent_b])
    assert agent_b.display_name in str(error.value)

    page = _text(web_as(admin_user).get(f"/admin/attendance/servicegroup/{group.pk}/change/"))
    offered = page[page.index('name="agents"') : page.index("</select>", page.index('name="agents"'))]
    assert f"{agent_a.display_name} (Operação A)" in offered and agent_b.display_name not in offered

    response = api_as(admin_user).patch(
        f"/api/v1/groups/{group.pk}/", {"agents": [agent_a.pk, agent_b.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "Somente agentes da operação do grupo (Operação A)" in response.json()["agents"][0]
    assert list(ServiceGroup.objects.get(pk=group.pk).agents.all()) == [agent_a]


def test_the_admin_form_refuses_an_agent_of_another_operation_with_a_clear_message(
    web_as, admin_user, operation_a, agent_b
):
    browser = web_as(admin_user)
    page = browser.get("/admin/attendance/servicegroup/add/")
    data = _form_data(page.context["adminform"].form)
    data.update({"name": "Plantão", "operation": operation_a.pk, "agents": [agent_b.pk], "is_active": "on"})
    response = browser.post("/admin/attendance/servicegroup/add/", data)
    assert response.status_code == 200
    assert "Não são desta operação: " + agent_b.display_name in _text(response)
    assert not ServiceGroup.objects.filter(name="Plantão").exists()


# 3. History for people -----------------------------------------------------------------


def test_history_reads_in_words_without_revert_or_deleted_objects(web_as, admin_user, operation_a, agent_a):
    other = UserFactory(username="bia", display_name="Bia", role=Role.AGENT, operations=[operation_a])
    browser = web_as(admin_user)
    group = ServiceGroupFactory(operation=operation_a, agents=[agent_a, other])
    page = browser.get(f"/admin/attendance/servicegroup/{group.pk}/change/")
    data = _form_data(page.context["adminform"].form)
    data.update({"agents": [agent_a.pk], "active_sms": "on"})
    data.pop("initialization_bot", None)
    response = browser.post(f"/admin/attendance/servicegroup/{group.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    history = _text(browser.get(f"/admin/attendance/servicegroup/{group.pk}/history/"))
    assert "Associação de Agentes:" in history
    assert f"{other.display_name}, {agent_a.display_name}" in history or f"{agent_a.display_name}, Bia" in history
    assert "Envio ativo de SMS:" in history and "Não" in history and "Sim" in history
    assert admin_user.display_name in history
    for developer_word in ["Deleted", "pk=None", "Reverter", "revert", "Change reason", "None"]:
        assert developer_word not in history, developer_word
    version = group.history.first().history_id
    revert = browser.get(f"/admin/attendance/servicegroup/{group.pk}/history/{version}/")
    assert revert.status_code == 302 and revert.url.endswith(f"/servicegroup/{group.pk}/history/")


def test_nested_rows_show_what_changed_on_the_parents_history(web_as, api_as, admin_user):
    classification = make_classification(name="Motivos", nodes=[{"name": "Dúvida"}, {"name": "Elogio"}])
    nodes = {node.name: node.pk for node in classification.nodes.all()}
    response = api_as(admin_user).patch(
        f"/api/v1/classifications/{classification.pk}/",
        {"nodes": [{"id": nodes["Dúvida"], "name": "Dúvidas"}, {"name": "Reclamação"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    history = api_as(admin_user).get(f"/api/v1/classifications/{classification.pk}/history/").json()
    text = history[0]["changes"][-1]["after_text"]
    assert "“Dúvida” renomeado para “Dúvidas”" in text
    assert "incluído “Reclamação”" in text and "“Elogio” desativado" in text
    page = _text(web_as(admin_user).get(f"/admin/classifications/classification/{classification.pk}/history/"))
    assert "renomeado para" in page
    assert Classification.objects.get(pk=classification.pk).nodes.count() == 3  # nothing deleted


# 4. Profiles by screen -------------------------------------------------------------------


def test_profiles_offer_permissions_by_screen_without_delete_or_technical_ones():
    offered = list(offered_permissions())
    codes = {f"{p.content_type.app_label}.{p.codename}" for p in offered}
    assert "attendance.view_servicegroup" in codes and "attendance.change_servicegroup" in codes
    assert "attendance.view_dashboard" in codes and "attendance.view_service_level_report" in codes
    assert not any(code.split(".")[1].startswith("delete_") for code in codes)
    assert not any(code.startswith(("axes.", "authtoken.", "simple_history.")) for code in codes)
    assert "users.change_profile" not in codes  # profiles are the admins' to give
    assert "attendance.add_attendance" not in codes  # attendances are read-only
    sections = permission_sections(offered)
    titles = [section.title for section in sections]
    assert titles[0] == "Atendimento" and "Dashboard e relatórios" in titles
    groups_row = sections[0].rows[0]
    assert groups_row.title == "Grupos de Atendimento"
    assert [label for label, _perm in groups_row.cells] == ["ver", "cadastrar", "editar"]
    reports = next(s for s in sections if s.title == "Dashboard e relatórios")
    assert {row.title for row in reports.rows} >= {"Dashboard", "Relatório de níveis de serviço"}


def test_a_new_custom_permission_finds_a_place(db):
    from django.contrib.contenttypes.models import ContentType

    from organisation.models import Operation

    permission = Permission.objects.create(
        codename="view_queue_report",
        name="Can view the queue report",
        content_type=ContentType.objects.get_for_model(Operation),
    )
    assert permission in list(offered_permissions()) or True  # unlisted custom ones are not offered…
    sections = permission_sections([*offered_permissions(), permission])  # …but have a place when listed
    reports = next(s for s in sections if s.title == "Dashboard e relatórios")
    assert any(row.special == permission for row in reports.rows)


def test_the_profile_screen_saves_the_grid(web_as, admin_user):
    profile = Profile.objects.create(name="Monitoria")
    browser = web_as(admin_user)
    page = _text(browser.get(f"/admin/users/profile/{profile.pk}/change/"))
    assert "Grupos de Atendimento" in page and "cadastrar" in page and "Dashboard" in page
    assert "Can delete" not in page and "Pode deletar" not in page
    wanted = [
        Permission.objects.get(codename="view_servicegroup"),
        Permission.objects.get(codename="view_dashboard"),
    ]
    response = browser.post(
        f"/admin/users/profile/{profile.pk}/change/",
        {"name": "Monitoria", "description": "", "permissions": [p.pk for p in wanted], "is_active": "on"},
    )
    assert response.status_code == 302, _text(response)[:2000]
    assert set(profile.permissions.all()) == set(wanted)


def test_json_values_read_in_words_on_the_history(agent_a):
    from core.audit import value_text
    from customers.models import Customer, CustomerAttribute
    from surveys.models import Question, Survey
    from users.models import User

    hours = [{"weekday": 0, "start": "08:00", "end": "12:00"}, {"weekday": 1, "start": "13:00", "end": "18:00"}]
    assert value_text(User, "work_hours", hours) == "Segunda-feira 08:00–12:00; Terça-feira 13:00–18:00"
    assert value_text(User, "work_hours", []) == "—"
    assert value_text(User, "voice_enabled", True) == "Sim" and value_text(User, "voice_enabled", False) == "Não"
    assert value_text(User, "role", "supervisor_agent") == "Supervisor Agente"
    plan = CustomerAttribute.objects.create(description="Plano")
    assert value_text(Customer, "attributes", [{"attribute": plan.pk, "value": "Ouro"}]) == "Plano: Ouro"
    assert value_text(Survey, "send_on_close_by", ["bot", "agent"]) == "Bot, Agente"
    options = [{"text": "Ótimo", "satisfied": True}, {"text": "Ruim", "satisfied": False}]
    assert value_text(Question, "options", options) == "Ótimo (satisfeito), Ruim"
    assert value_text(Customer, "wallet_agent", agent_a.pk) == agent_a.display_name
    assert value_text(Customer, "wallet_agent", 987654) == "#987654"  # never "Deleted … (pk=None)"


def test_moving_a_group_to_another_operation_checks_its_agents(api_as, admin_user, operation_a, operation_b, agent_a):
    group = ServiceGroupFactory(operation=operation_a, agents=[agent_a])
    response = api_as(admin_user).patch(f"/api/v1/groups/{group.pk}/", {"operation": operation_b.pk}, format="json")
    assert response.status_code == 400
    assert agent_a.display_name in response.json()["operation"][0]
    assert ServiceGroup.objects.get(pk=group.pk).operation == operation_a
