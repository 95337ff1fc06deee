"""SPEC §6.3: customer import: formats, outcomes per row, invariants, fix and resend."""

from __future__ import annotations

import pytest
from django.test import override_settings

from customers.models import Customer, CustomerAttribute
from customers.services import customer_save
from imports.models import ImportRow, JobStatus
from imports.readers import FileRejected
from imports.runner import import_resend, import_row_correct, import_run, import_start
from tests.factories import ServiceGroupFactory

from .helpers import CUSTOMER_HEADER, csv_bytes, customer_row, run_import, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def _accounted(job) -> bool:
    return job.imported + job.duplicates + job.errors == job.total


def test_valid_rows_import_even_when_others_fail_and_every_row_is_accounted_for(admin_user):
    customer_save(customer=Customer(), display_name="Já existe", phone="11988887777")
    rows = [
        customer_row("(34) 99123-4567", "Maria"),
        customer_row("34 99123-4567", "Maria de novo"),  # same phone twice in the file
        customer_row("(11) 98888-7777", "Existente"),  # already registered
        customer_row("+1 202 555 0100", "Estrangeira"),
        customer_row("(21) 3212-3456", "", document="123"),
        customer_row("(31) 99876-5432", "Empresa", document="11.222.333/0001-81", email="contato@empresa.com.br"),
    ]
    job = run_import(admin_user, "clientes.csv", csv_bytes(CUSTOMER_HEADER, rows))
    assert job.status == JobStatus.DONE
    assert (job.total, job.imported, job.duplicates, job.errors) == (6, 2, 2, 2)
    assert _accounted(job)
    errors = {row.line: row.errors for row in ImportRow.objects.filter(job=job)}
    assert set(errors) == {5, 6}
    assert "estrangeiro" in errors[5]["PHONE NUMBER"].lower()
    assert set(errors[6]) == {"DISPLAY NAME", "CPF/CNPJ"}
    existing = Customer.objects.get(phone="+5511988887777")
    assert existing.display_name == "Já existe"  # duplicates are not changed
    empresa = Customer.objects.get(phone="+5531998765432")
    assert (empresa.document_type, empresa.document, empresa.email) == (
        "cnpj",
        "11222333000181",
        "contato@empresa.com.br",
    )
    assert empresa.history.first().history_user == admin_user


@pytest.mark.parametrize(
    "encoding, delimiter, bom",
    [("utf-8", ",", False), ("utf-8", ";", True), ("cp1252", ";", False), ("latin-1", "\t", False)],
)
def test_csv_saved_by_brazilian_excel_or_as_utf8_with_any_delimiter(admin_user, encoding, delimiter, bom):
    rows = [customer_row("(34) 99123-4567", "João Conceição Ávila"), customer_row("(11) 3212-3456", "Padaria Pão")]
    job = run_import(admin_user, "c.csv", csv_bytes(CUSTOMER_HEADER, rows, delimiter, encoding, bom))
    assert (job.status, job.imported) == (JobStatus.DONE, 2), job.message
    assert Customer.objects.filter(display_name="João Conceição Ávila").exists()


def test_portuguese_headers_in_any_case_are_understood(admin_user):
    header = ["rede", "DDI", "Telefone", "Nome", "cpf/cnpj", "E-mail"]
    job = run_import(admin_user, "c.csv", csv_bytes(header, [["telegram", "55", "34991234567", "Ana", "", ""]]))
    assert job.imported == 1
    assert Customer.objects.get().network == "telegram"


def test_an_xlsx_with_numbers_typed_as_numbers_imports(admin_user):
    rows = [["whatsapp", 55, 34991234567, "Ana", 2664378007, "ana@example.com", None, None]]
    job = run_import(admin_user, "c.xlsx", xlsx_bytes(CUSTOMER_HEADER, rows))
    assert job.imported == 1, ImportRow.objects.filter(job=job).values_list("errors", flat=True)
    customer = Customer.objects.get()
    assert (customer.phone, customer.document) == ("+5534991234567", "02664378007")


def test_only_the_first_sheet_is_imported_and_the_job_says_so(admin_user):
    job = run_import(admin_user, "c.xlsx", xlsx_bytes(CUSTOMER_HEADER, [customer_row("34991234567")], sheets=3))
    assert job.imported == 1
    assert "3" in job.message


def test_groups_agents_and_repeated_attributes_resolve_by_name(admin_user, operation_a, agent_a):
    group = ServiceGroupFactory(name="Vendas", operation=operation_a)
    plan = CustomerAttribute.objects.create(description="Plano")
    city = CustomerAttribute.objects.create(description="Cidade")
    header = [*CUSTOMER_HEADER, "ATTRIBUTE", "ATTRIBUTE'S VALUE", "ATRIBUTO", "VALOR DO ATRIBUTO"]
    rows = [
        [*customer_row("34991234567", group="vendas", agent="eva"), "Plano", "Ouro", "cidade", "Uberlândia"],
        [*customer_row("34991234568", group="Inexistente", agent="ninguém"), "Cor", "Azul", "", ""],
    ]
    job = run_import(admin_user, "c.csv", csv_bytes(header, rows))
    assert (job.imported, job.errors) == (1, 1)
    customer = Customer.objects.get()
    assert (customer.group, customer.wallet_agent) == (group, agent_a)
    assert customer.attributes == [
        {"attribute": plan.pk, "value": "Ouro"},
        {"attribute": city.pk, "value": "Uberlândia"},
    ]
    row = ImportRow.objects.get(job=job)
    assert set(row.errors) == {"GROUP", "AGENT", "ATTRIBUTE"}


def test_fix_and_resend_imports_the_corrected_row(admin_user):
    rows = [customer_row("34991234567", "Boa"), customer_row("349912", "Telefone curto")]
    job = run_import(admin_user, "c.csv", csv_bytes(CUSTOMER_HEADER, rows))
    row = ImportRow.objects.get(job=job)
    still_bad = import_row_correct(row=row, data={"PHONE NUMBER": "34 9912"})
    assert "PHONE NUMBER" in still_bad.errors
    fixed = import_row_correct(row=row, data={"PHONE NUMBER": "(34) 99123-0000"})
    assert fixed.errors == {} and fixed.corrected
    assert import_resend(job=job) == {"imported": 1, "duplicates": 0, "errors": 0}
    job.refresh_from_db()
    assert (job.imported, job.duplicates, job.errors, job.total) == (2, 0, 0, 2)
    assert Customer.objects.filter(display_name="Telefone curto", phone="+5534991230000").exists()
    assert import_resend(job=job) == {"imported": 0, "duplicates": 0, "errors": 0}  # nothing twice


@override_settings(IMPORT_CHUNK_ROWS=10)
def test_a_job_interrupted_mid_file_resumes_without_importing_twice(admin_user, monkeypatch):
    from customers.importer import CustomerImport

    rows = [customer_row(f"3499{index:07d}", f"Cliente {index}") for index in range(55)]
    job = import_start(kind="customers", upload=upload("c.csv", csv_bytes(CUSTOMER_HEADER, rows)), user=admin_user)
    original, calls = CustomerImport.write_chunk, {"n": 0}

    def dies_on_the_third_chunk(self, chunk):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker killed")  # not an Exception: like a SIGKILL, nothing is caught
        return original(self, chunk)

    monkeypatch.setattr(CustomerImport, "write_chunk", dies_on_the_third_chunk)
    with pytest.raises(SystemExit):
        import_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed, job.imported) == (JobStatus.RUNNING, 20, 20)
    monkeypatch.setattr(CustomerImport, "write_chunk", original)
    assert import_run(job_id=job.pk) is None  # still fresh: another worker may own it
    job.heartbeat_at = job.heartbeat_at.replace(year=2000)
    job.save(update_fields=["heartbeat_at"])
    import_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.total, job.imported, job.duplicates, job.errors) == (JobStatus.DONE, 55, 55, 0, 0)
    assert Customer.objects.count() == 55


def test_running_a_finished_job_again_does_nothing(admin_user):
    job = run_import(admin_user, "c.csv", csv_bytes(CUSTOMER_HEADER, [customer_row("34991234567")]))
    assert import_run(job_id=job.pk) is None
    assert Customer.objects.count() == 1


def test_a_missing_required_column_rejects_the_file_whole(admin_user):
    with pytest.raises(FileRejected) as error:
        import_start(kind="customers", upload=upload("c.csv", csv_bytes(["NETWORK", "EMAIL"], [["whatsapp", "a@b.c"]])),
                     user=admin_user)  # fmt: skip
    assert "PHONE NUMBER" in str(error.value) and "DISPLAY NAME" in str(error.value)


def test_a_supervisor_importing_customers_cannot_name_another_operations_group_or_agent(
    supervisor_b, operation_a, operation_b, agent_a, agent_b
):
    """Issue 32 items 2 and 4: a supervisor of B naming A's group and A's agent gets the
    messages of names that do not exist, and no customer gets them; B's names resolve."""
    ServiceGroupFactory(name="Vendas A", operation=operation_a)
    own = ServiceGroupFactory(name="Vendas B", operation=operation_b)
    rows = [
        customer_row("34991110001", "Cruzado", group="Vendas A", agent=agent_a.username),
        customer_row("34991110002", "Inventado", group="Vendas Z", agent="ninguem"),
        customer_row("34991110003", "Da casa", group="Vendas B", agent=agent_b.username),
    ]
    job = run_import(supervisor_b, "c.csv", csv_bytes(CUSTOMER_HEADER, rows))
    assert (job.imported, job.errors) == (1, 2)
    errors = {row.data["DISPLAY NAME"]: row.errors for row in ImportRow.objects.filter(job=job, status="error")}
    assert errors["Cruzado"] == {
        "GROUP": "Nenhum grupo ativo chamado “Vendas A”.",
        "AGENT": f"Nenhum agente ativo com o nome de usuário ou nome “{agent_a.username}”.",
    }
    assert set(errors["Inventado"]) == {"GROUP", "AGENT"}
    assert not Customer.objects.filter(display_name="Cruzado").exists()
    imported = Customer.objects.get(display_name="Da casa")
    assert (imported.group, imported.wallet_agent) == (own, agent_b)
