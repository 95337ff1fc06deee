"""Issue 14 item 5: imports in the user's language — the file's own column names in the
errors and the correction form, each error row's name and phone, Portuguese template
names; the user import reads Brazilian and Excel dates and every field of the screen."""

from __future__ import annotations

import re
from datetime import date

import pytest

from imports.models import ImportRow
from users.models import Role, User

from .helpers import csv_bytes, run_import, xlsx_bytes

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_errors_and_the_correction_form_use_the_files_column_names(web_as, admin_user):
    header = ["REDE", "TELEFONE", "NOME", "E-MAIL"]
    rows = [["whatsapp", "(34) 99123-4567", "Maria", ""], ["whatsapp", "123", "João Errado", "nao-e-email"]]
    job = run_import(admin_user, "clientes.csv", csv_bytes(header, rows))
    assert (job.imported, job.errors) == (1, 1)
    assert job.columns == [
        ["NETWORK", "REDE"],
        ["PHONE NUMBER", "TELEFONE"],
        ["DISPLAY NAME", "NOME"],
        ["EMAIL", "E-MAIL"],
    ]

    browser = web_as(admin_user)
    page = _text(browser.get(f"/admin/customers/customer/import/{job.pk}/"))
    errors = page[page.index('id="error-rows"') :]
    assert "<th>NOME</th>" in errors and "<th>TELEFONE</th>" in errors  # name and phone per row
    assert "João Errado" in errors and ">123<" in errors
    assert "<strong>TELEFONE</strong>" in errors and "<strong>E-MAIL</strong>" in errors
    assert "PHONE NUMBER" not in errors and "DISPLAY NAME" not in errors

    row = ImportRow.objects.get(job=job)
    form = _text(browser.get(f"/admin/customers/customer/import/{job.pk}/rows/{row.pk}/"))
    labels = re.findall(r"<label[^>]*>([^<]+)</label>", form)
    assert [label for label in labels if label.isupper()] == [
        "REDE:",
        "TELEFONE:",
        "NOME:",
        "E-MAIL:",
    ]  # the file's order


def test_templates_are_named_in_portuguese(web_as, api_as, admin_user):
    browser = web_as(admin_user)
    response = browser.get("/admin/customers/customer/import/template/xlsx/")
    assert 'filename="modelo-importacao-clientes.xlsx"' in response["Content-Disposition"]
    response = browser.get("/admin/users/user/import/template/csv/")
    assert 'filename="modelo-importacao-usuarios.csv"' in response["Content-Disposition"]
    response = api_as(admin_user).get("/api/v1/user-imports/template/?file_format=xlsx")
    assert "modelo-importacao-usuarios.xlsx" in response["Content-Disposition"]


USER_HEADER = [
    "NOME DE USUÁRIO", "NOME", "TIPO", "SENHA", "TELEFONE", "DATA DE NASCIMENTO", "OPERAÇÕES", "TOKEN SOCIAL",
    "CHAVE DE INTEGRAÇÃO", "VISUALIZAR TODOS OS HISTÓRICOS(GRUPOS ASSOCIADOS)", "HISTÓRICO CONFIDENCIAL",
    "REGISTRAR LIGAÇÃO TELEFÔNICA?", "ATENDER POR VOZ", "CANAL DE ATENDIMENTO", "RAMAL DE ATENDIMENTO",
    "SENHA CANAL DE ATENDIMENTO", "PAUSAR AO RECEBER LIGAÇÃO POR VOZ",
]  # fmt: skip


def test_user_import_covers_the_screens_fields_with_brazilian_dates_and_phones(admin_user, operation_a):
    rows = [
        ["joana", "Joana", "agente", "Joana@2026", "(34) 99123-4567", "14/05/1990", "Operação A", "tok-1",
         "chave-9", "sim", "não", "sim", "sim", "Voz Nuvem", "2001", "Ramal@1", "sim"],
        ["bia", "Bia", "agente", "Bia@2026x", "34 3212-3456", "32987", "Operação A", "", "", "", "", "", "", "", "",
         "", ""],
        ["caio", "Caio", "agente", "Caio@2026", "12345", "31/02/1990", "", "", "", "talvez", "", "", "", "Fax", "",
         "Segredo@9", ""],
    ]  # fmt: skip
    job = run_import(admin_user, "usuarios.csv", csv_bytes(USER_HEADER, rows, delimiter=";"), kind="users")
    assert (job.imported, job.errors) == (2, 1), list(ImportRow.objects.filter(job=job).values("errors"))
    joana = User.objects.get(username="joana")
    assert joana.role == Role.AGENT
    assert joana.phone == "+5534991234567" and joana.birth_date == date(1990, 5, 14)
    assert (joana.social_token, joana.integration_key) == ("tok-1", "chave-9")
    assert joana.view_history_groups and not joana.confidential_history and joana.register_phone_call
    assert joana.voice_enabled and joana.voice_channel == "cloud" and joana.voice_extension == "2001"
    assert joana.voice_channel_password == "Ramal@1" and joana.pause_on_voice_call
    bia = User.objects.get(username="bia")
    assert bia.phone == "+553432123456" and bia.birth_date == date(1990, 4, 24)  # an Excel date serial

    errors = ImportRow.objects.get(job=job).errors
    assert "dd/mm/aaaa" in errors["BIRTH DATE"]
    assert "Sim ou Não" in errors["VIEW HISTORY GROUPS"]
    assert "Voz Nuvem" in errors["VOICE CHANNEL"]
    assert "PHONE" in errors
    row = ImportRow.objects.get(job=job)
    assert "Segredo@9" not in str(row.data) and "Caio@2026" not in str(row.data)  # secrets never kept


def test_user_import_reads_excel_date_cells(admin_user):
    header = ["USERNAME", "DISPLAY NAME", "ROLE", "PASSWORD", "BIRTH DATE"]
    rows = [["davi", "Davi", "agent", "Davi@2026x", date(1985, 12, 1)]]
    job = run_import(admin_user, "usuarios.xlsx", xlsx_bytes(header, rows), kind="users")
    assert job.imported == 1, list(ImportRow.objects.filter(job=job).values("errors"))
    assert User.objects.get(username="davi").birth_date == date(1985, 12, 1)


def test_a_missing_column_is_named_in_both_languages(admin_user):
    from imports.readers import FileRejected
    from imports.runner import import_start

    from .helpers import upload

    with pytest.raises(FileRejected) as error:
        import_start(
            kind="customers", upload=upload("c.csv", csv_bytes(["REDE", "NOME"], [["whatsapp", "A"]])), user=admin_user
        )
    assert "PHONE NUMBER (TELEFONE)" in str(error.value)
