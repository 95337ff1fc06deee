"""SPEC §2: the password policy, on every path, with one message per failed rule."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from users.models import Role, User
from users.validators import PasswordPolicyValidator

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "password, message",
    [
        ("Ab1!xyz", "A senha deve ter mais de 7 caracteres."),
        ("ABCDEF1!", "A senha deve conter uma letra minúscula."),
        ("abcdef1!", "A senha deve conter uma letra maiúscula."),
        ("Abcdefg!", "A senha deve conter um número."),
        ("Abcdefg1", "A senha deve conter um caractere especial (por exemplo ! @ # $ %)."),
    ],
)
def test_each_failed_rule_has_its_own_portuguese_message(password, message):
    with translation.override("pt-br"), pytest.raises(ValidationError) as error:
        PasswordPolicyValidator().validate(password)
    assert [str(m) for m in error.value.messages] == [message]


def test_a_password_failing_several_rules_lists_each_of_them():
    with pytest.raises(ValidationError) as error:
        PasswordPolicyValidator().validate("abc")
    assert {e.code for e in error.value.error_list} == {
        "password_too_short",
        "password_no_upper",
        "password_no_digit",
        "password_no_special",
    }


def test_a_compliant_password_passes():
    PasswordPolicyValidator().validate("Atende@2026")
    PasswordPolicyValidator().validate("Çãoábc_1")  # accents and underscore count


def test_the_api_refuses_a_weak_password_per_field(api_as, admin_user):
    response = api_as(admin_user).post(
        "/api/v1/users/",
        {"username": "fraca", "display_name": "Fraca", "role": "agent", "password": "fraca"},
        format="json",
    )
    assert response.status_code == 400
    assert "A senha deve ter mais de 7 caracteres." in response.json()["password"]
    assert not User.objects.filter(username="fraca").exists()


def test_the_admin_form_refuses_a_weak_password(web_as, admin_user):
    response = web_as(admin_user).post(
        "/admin/users/user/add/",
        {
            "display_name": "Fraca",
            "username": "fraca",
            "role": "agent",
            "password1": "semnumero!A",
            "password2": "semnumero!A",
            "max_simultaneous": 1,
            "priority": 0,
        },
    )
    assert response.status_code == 200
    assert "A senha deve conter um número." in response.content.decode()
    assert not User.objects.filter(username="fraca").exists()


def test_createsuperuser_noinput_refuses_a_weak_password(monkeypatch, company):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "fraca")
    with pytest.raises(CommandError, match="7 caracteres"), translation.override("pt-br"):
        call_command("createsuperuser", "--noinput", username="root", email="root@example.com")
    assert not User.objects.filter(username="root").exists()


def test_createsuperuser_noinput_creates_an_admin_role_user(monkeypatch, company):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root@Senha1")
    call_command("createsuperuser", "--noinput", username="root", email="root@example.com", verbosity=0)
    root = User.objects.get(username="root")
    assert root.role == Role.ADMIN
    assert root.company == company
    assert root.check_password("Root@Senha1")
    assert root.is_staff and root.is_superuser


def test_createsuperuser_on_an_empty_database_creates_the_first_company(monkeypatch, db):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root@Senha1")
    call_command("createsuperuser", "--noinput", username="root", email="root@example.com", verbosity=0)
    assert User.objects.get(username="root").company.name == "Atende"


def test_createsuperuser_interactive_asks_until_the_password_is_valid(monkeypatch, company):
    answers = iter(["fraca", "fraca", "Root@Senha1", "Root@Senha1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    call_command(
        "createsuperuser", interactive=True, username="root", email="root@example.com", stdin=None, verbosity=0
    )
    assert User.objects.get(username="root").check_password("Root@Senha1")


COMMON = "Esta senha é muito comum."


def test_a_common_password_that_follows_every_rule_is_refused_by_the_api(api_as, admin_user):
    """Issue 32 item 8: "P@ssw0rd" has every kind of character, and is on every list of
    the passwords tried first: Django's common-password list is part of the policy."""
    body = {"username": "comum", "display_name": "Comum", "role": "agent", "password": "P@ssw0rd"}
    response = api_as(admin_user).post("/api/v1/users/", body, format="json")
    assert response.status_code == 400
    assert response.json()["password"] == [COMMON]
    assert not User.objects.filter(username="comum").exists()


def test_a_common_password_is_refused_by_the_admin_form_and_the_import(web_as, admin_user):
    from imports.models import ImportRow
    from tests.imports.helpers import csv_bytes, run_import

    data = {"display_name": "Comum", "username": "comum", "role": "agent", "password1": "P@ssw0rd",
            "password2": "P@ssw0rd", "max_simultaneous": 1, "priority": 0}  # fmt: skip
    response = web_as(admin_user).post("/admin/users/user/add/", data)
    assert response.status_code == 200 and COMMON in response.content.decode()
    header = ["USERNAME", "DISPLAY NAME", "ROLE", "PASSWORD"]
    job = run_import(admin_user, "u.csv", csv_bytes(header, [["comum", "Comum", "agent", "P@ssw0rd"]]), kind="users")
    assert (job.imported, job.errors) == (0, 1)
    assert ImportRow.objects.get(job=job).errors["PASSWORD"] == COMMON
    assert not User.objects.filter(username="comum").exists()


def test_createsuperuser_refuses_a_common_password(monkeypatch, company):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "P@ssw0rd")
    with pytest.raises(CommandError, match="muito comum"), translation.override("pt-br"):
        call_command("createsuperuser", "--noinput", username="root", email="root@example.com")
