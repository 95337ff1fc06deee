"""SPEC §2 bulk import of users: the screen's rules on every row; passwords never kept."""

from __future__ import annotations

import pytest

from imports.models import ImportRow
from users.models import Role, User

from .helpers import csv_bytes, run_import

pytestmark = pytest.mark.django_db

HEADER = ["USERNAME", "DISPLAY NAME", "ROLE", "PASSWORD", "EMAIL", "OPERATIONS", "MAX SIMULTANEOUS", "WORK HOURS"]


def test_users_import_with_the_password_policy_and_role_rules(admin_user, operation_a, agent_a):
    rows = [
        [
            "joana",
            "Joana",
            "agente",
            "Joana@2026",
            "joana@example.com",
            "Operação A",
            "3",
            "Segunda 08:00-12:00, 13:00-18:00",
        ],
        ["fraca", "Fraca", "agent", "fraca", "", "", "", ""],
        ["eva", "Eva de novo", "agent", "Outra@2026", "", "", "", ""],  # already registered
        ["chefe", "Chefe", "supervisor", "Chefe@2026x", "", "", "", ""],  # supervisor without operation
        ["noite", "Noite", "agent", "Noite@2026", "", "", "", "Domingo 22:00-06:00"],
    ]
    job = run_import(admin_user, "usuarios.csv", csv_bytes(HEADER, rows), kind="users")
    assert (job.total, job.imported, job.duplicates, job.errors) == (5, 1, 1, 3)
    joana = User.objects.get(username="joana")
    assert joana.role == Role.AGENT and joana.check_password("Joana@2026")
    assert list(joana.operations.all()) == [operation_a]
    assert joana.work_hours == [
        {"weekday": 0, "start": "08:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "18:00"},
    ]
    errors = {row.data["USERNAME"]: row.errors for row in ImportRow.objects.filter(job=job)}
    assert "7 caracteres" in errors["fraca"]["PASSWORD"]
    assert "OPERATIONS" in errors["chefe"]
    assert "WORK HOURS" in errors["noite"]


def test_passwords_are_never_kept_in_error_rows(admin_user):
    job = run_import(
        admin_user, "u.csv", csv_bytes(HEADER, [["x y", "X", "agent", "Segredo@2026", "", "", "", ""]]), kind="users"
    )
    row = ImportRow.objects.get(job=job)
    assert row.data["PASSWORD"] == ""
    assert "Segredo@2026" not in str(row.data) + str(row.errors)


def test_a_supervisor_importing_users_follows_their_own_limits(supervisor_a, operation_b):
    rows = [
        ["novo", "Novo", "admin", "Novo@2026", "", "", "", ""],
        ["outro", "Outro", "agent", "Outro@2026", "", "Operação B", "", ""],
    ]
    job = run_import(supervisor_a, "u.csv", csv_bytes(HEADER, rows), kind="users")
    assert (job.imported, job.errors) == (0, 2)
    assert not User.objects.filter(username__in=["novo", "outro"]).exists()


@pytest.mark.parametrize("typed", ["²", "٣", "99999999999999999999"])
def test_a_number_that_only_looks_like_one_is_a_row_error_not_a_failed_import(admin_user, operation_a, typed):
    rows = [["numa", "Numa", "agent", "Numa@2026x", "", "Operação A", typed, ""]]
    job = run_import(admin_user, "usuarios.csv", csv_bytes(HEADER, rows), kind="users")
    assert (job.imported, job.errors) == (0, 1)
    assert "MAX SIMULTANEOUS" in ImportRow.objects.get(job=job).errors


def test_a_supervisor_naming_another_operation_gets_the_unknown_operation_message(supervisor_a, operation_b):
    """Issue 32 items 2 and 4: an operation out of the importer's scope is looked up like the
    API looks it up, so it answers exactly like a name that does not exist."""
    rows = [
        ["fora", "Fora", "agent", "Fora@2026x", "", "Operação B", "", ""],
        ["nada", "Nada", "agent", "Nada@2026x", "", "Operação Z", "", ""],
    ]
    job = run_import(supervisor_a, "u.csv", csv_bytes(HEADER, rows), kind="users")
    assert (job.imported, job.errors) == (0, 2)
    errors = {row.data["USERNAME"]: row.errors["OPERATIONS"] for row in ImportRow.objects.filter(job=job)}
    assert errors["fora"] == "Nenhuma operação ativa chamada “Operação B”."
    assert errors["nada"] == "Nenhuma operação ativa chamada “Operação Z”."
