"""Demo data for `make run` (idempotent). Later issues add their own seeders here.

Every demo user's password satisfies the policy and is printed by ``seed_demo``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db import transaction

from attendance.models import Company, Operation
from users.models import Profile, Role, User
from users.services import user_create

DEMO_PASSWORD = {
    Role.ADMIN: "Admin@2026",
    Role.SUPERVISOR: "Supervisor@2026",
    Role.SUPERVISOR_AGENT: "SupAgente@2026",
    Role.AGENT: "Agente@2026",
}
SUPERVISOR_PERMISSIONS = [
    ("attendance", "view_dashboard"),
    ("attendance", "view_service_level_report"),
    ("attendance", "view_operation"),
    ("attendance", "view_company"),
    ("users", "view_user"),
    ("users", "add_user"),
    ("users", "change_user"),
]


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    operation: str


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    company, _ = Company.objects.get_or_create(name="Atende Demo")
    operations = {
        key: Operation.objects.get_or_create(company=company, name=name)[0]
        for key, name in (("a", "Operação A"), ("b", "Operação B"))
    }
    profile, created = Profile.objects.get_or_create(
        name="Supervisão",
        defaults={"description": "Painel, relatório de nível de serviço e cadastro de agentes."},
    )
    if created:
        profile.permissions.set(
            Permission.objects.get(content_type__app_label=app, codename=code) for app, code in SUPERVISOR_PERMISSIONS
        )
    logins = [_ensure("admin", "Administradora Demo", Role.ADMIN, company=company)]
    for key, operation in operations.items():
        upper = key.upper()
        logins += [
            _ensure(f"supervisor_{key}", f"Supervisora {upper}", Role.SUPERVISOR, operation=operation, profile=profile),
            _ensure(
                f"supervisor_agent_{key}",
                f"Supervisor Agente {upper}",
                Role.SUPERVISOR_AGENT,
                operation=operation,
                profile=profile,
                max_simultaneous=3,
            ),
            _ensure(f"agent_{key}", f"Agente {upper}", Role.AGENT, operation=operation, max_simultaneous=5),
        ]
    return logins


def _ensure(username: str, display_name: str, role: str, operation=None, **fields) -> DemoLogin:
    password = DEMO_PASSWORD[role]
    if not User.objects.filter(username=username).exists():
        user_create(
            username=username,
            password=password,
            display_name=display_name,
            role=role,
            operations=[operation] if operation else None,
            **fields,
        )
    return DemoLogin(username, password, role, operation.name if operation else "—")
