"""Demo data for `make run` (idempotent). Later issues add their own seeders here.

Every demo user's password satisfies the policy and is printed by ``seed_demo``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db import transaction

from attendance.models import Bot, BotKind, Channel, Provider, ServiceGroup
from attendance.services import bot_save, channel_save, group_save
from classifications.models import Classification
from classifications.services import classification_save
from customers.models import Customer, CustomerAttribute
from customers.services import customer_save
from organisation.models import Company, Operation
from surveys.models import Survey
from surveys.services import survey_save
from users.models import Profile, Role, User
from users.services import user_create
from workspace.models import CannedResponse, WhatsAppTemplate

DEMO_PASSWORD = {
    Role.ADMIN: "Admin@2026",
    Role.SUPERVISOR: "Supervisor@2026",
    Role.SUPERVISOR_AGENT: "SupAgente@2026",
    Role.AGENT: "Agente@2026",
}
SUPERVISOR_PERMISSIONS = [
    ("attendance", "view_dashboard"),
    ("attendance", "view_service_level_report"),
    ("organisation", "view_operation"),
    ("organisation", "view_company"),
    ("users", "view_user"),
    ("users", "add_user"),
    ("users", "change_user"),
    ("attendance", "view_servicegroup"),
    ("attendance", "change_servicegroup"),
    ("reports", "view_survey_results"),
    ("reports", "monitor_attendances"),
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
        defaults={"description": "Painel, relatórios, pesquisas, atendimentos e cadastro de agentes."},
    )
    if created:
        profile.permissions.set(
            Permission.objects.get(content_type__app_label=app, codename=code) for app, code in SUPERVISOR_PERMISSIONS
        )
    elif not profile.permissions.filter(content_type__app_label="reports").exists():
        # Demo data loaded before the reports existed: grant the supervision pages once.
        profile.permissions.add(*Permission.objects.filter(content_type__app_label="reports"))
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
    _seed_configuration(operations["a"])
    _seed_customers()
    _seed_workspace(operations["a"])
    _seed_webchat()
    return logins


DEMO_CHANNEL = "WhatsApp Demo (genérico)"
DEMO_GROUPS = ["Atendimento", "Comercial", "Financeiro", "Suporte"]
DEMO_CANNED = [
    ("bomdia", "Bom dia, {cliente}! Sou {agente}. Como posso ajudar?"),
    ("protocolo", "O protocolo do seu atendimento é {protocolo}."),
    ("aguarde", "Um instante, {cliente}, estou verificando para você."),
    ("obrigado", "Obrigado pelo contato, {cliente_nome}! Conte sempre conosco."),
]


def _seed_workspace(operation: Operation) -> None:
    """What the agent's day needs (SPEC §7.1, §7.2): the demo groups redirect on
    disconnection, as the manual says they must "para que não ocorra o encerramento do
    atendimento" (also for demo data loaded before); canned responses; a WhatsApp
    template; a generic channel, whose token ``demo_channel_token`` prints."""
    for group in ServiceGroup.objects.filter(operation=operation, name__in=DEMO_GROUPS,
                                             redirect_on_agent_disconnect=False):  # fmt: skip
        group.redirect_on_agent_disconnect = True
        group_save(group=group)
    for shortcut, text in DEMO_CANNED:
        if not CannedResponse.objects.filter(group=None, shortcut=shortcut).exists():
            CannedResponse.objects.create(shortcut=shortcut, text=text)
    WhatsAppTemplate.objects.get_or_create(
        name="retomar_contato", language="pt_BR",
        defaults={"body": "Olá, {{1}}! Aqui é da {{2}}. Podemos continuar seu atendimento?"},
    )  # fmt: skip
    if not Channel.objects.filter(name=DEMO_CHANNEL).exists():
        channel_save(channel=Channel(name=DEMO_CHANNEL, network="whatsapp", provider=Provider.GENERIC))


@transaction.atomic
def demo_channel_token() -> str:
    """A new token for the demo's generic channel, to print with the demo logins (the
    token is stored hashed, so each load issues a new one; the previous stops working)."""
    channel = Channel.objects.select_for_update().get(name=DEMO_CHANNEL)
    token = channel.issue_token()
    channel.save(update_fields=["token_hash", "token_hint"])
    return token


def _seed_webchat() -> None:
    """The demo web chat (SPEC §15), embedded by ``/webchat/demo/`` on ``make run``'s own
    addresses, so a newcomer sees the widget and the workspace side by side."""
    if Channel.objects.filter(provider="webchat").exists():
        return
    port = os.environ.get("ATENDE_PORT", "8000")
    channel_save(channel=Channel(
        name="Chat no site (demo)", network="webchat", provider="webchat",
        allowed_origins=f"http://127.0.0.1:{port}\nhttp://localhost:{port}", title="Fale com a Atende Demo",
        greeting="Olá! Conte como podemos ajudar.",
        prechat_fields={"email": "optional", "phone": "optional", "document": "off"},
        consent_text="Concordo que a Atende Demo use meus dados para me atender (LGPD).",
    ))  # fmt: skip


def _seed_customers() -> None:
    """A few customers with attributes, to try search, filters and export."""
    plan, _ = CustomerAttribute.objects.get_or_create(description="Plano")
    CustomerAttribute.objects.get_or_create(description="Cidade")
    samples = [
        ("Maria Silva", "whatsapp", "(34) 99123-4567", "529.982.247-25", "Ouro"),
        ("João Pereira", "telegram", "(11) 98765-4321", "", "Prata"),
        ("Padaria Pão Quente", "whatsapp", "(31) 3212-3456", "11.222.333/0001-81", "Empresarial"),
    ]
    for name, network, phone, document, plan_value in samples:
        if Customer.objects.filter(display_name=name).exists():
            continue
        customer_save(
            customer=Customer(),
            display_name=name,
            network=network,
            phone=phone,
            document=document,
            attributes=[{"attribute": plan.pk, "value": plan_value}],
        )


def _seed_configuration(operation: Operation) -> None:
    """Main group "Atendimento" with a service bot menu (1 Comercial, 2 Financeiro,
    3 Suporte), child groups with agents, a survey and a classification tree."""
    if ServiceGroup.objects.filter(name="Atendimento").exists():
        return
    agents = list(User.objects.filter(username__in=["agent_a", "supervisor_agent_a"]))
    survey = survey_save(
        survey=Survey(name="Pesquisa Padrão", send_on_close_by=["agent", "bot", "supervisor_agent"]),
        questions=[
            {
                "type": "csat",
                "text": "Como você avalia o atendimento?",
                "options": [
                    {"text": "Ótimo", "satisfied": True},
                    {"text": "Bom", "satisfied": True},
                    {"text": "Regular", "satisfied": False},
                    {"text": "Ruim", "satisfied": False},
                ],
            },
            {"type": "nps", "text": "De 0 a 10, quanto você recomendaria nossa empresa a um amigo?"},
            {"type": "open", "text": "Quer deixar algum comentário?"},
        ],
    ).survey
    classification = classification_save(
        classification=Classification(name="Motivos de contato"),
        nodes=[
            {"name": "Dúvida", "children": [{"name": "Produto"}, {"name": "Preço"}, {"name": "Prazo de entrega"}]},
            {"name": "Reclamação", "children": [{"name": "Atraso"}, {"name": "Cobrança indevida"}]},
            {"name": "Suporte técnico", "children": [{"name": "Sem conexão"}, {"name": "Lentidão"}]},
            {"name": "Elogio"},
        ],
    )
    transfer_bot = bot_save(
        bot=Bot(name="Transferencia", kind=BotKind.TRANSFER, message="Um momento, vou transferir você.")
    )
    bot_save(bot=Bot(name="Inatividade", kind=BotKind.INACTIVITY, message="Você ainda está aí?"))
    bot_save(bot=Bot(name="Finalizacao", kind=BotKind.FINALIZATION, message="Obrigado pelo contato!"))
    main = group_save(
        group=ServiceGroup(
            name="Atendimento",
            operation=operation,
            bot_inactivity_enabled=True,
            bot_inactivity_timeout=10,
            bot_inactivity_unit="minutes",
            bot_inactivity_action="close",
            redirect_on_agent_disconnect=True,
        )
    )
    children = {}
    for name, strategy in (
        ("Comercial", "circular"),
        ("Financeiro", "agent_priority"),
        ("Suporte", "least_attendances"),
    ):
        children[name] = group_save(
            group=ServiceGroup(
                name=name,
                operation=operation,
                parent=main,
                initialization_bot=transfer_bot,
                distribution_strategy=strategy,
                survey=survey,
                classification=classification,
                classification_required=name == "Suporte",
                active_whatsapp=True,
                allow_image=True,
                allow_document=True,
                inactivity_warning_percent=80,
                redirect_on_agent_disconnect=True,
            ),
            agents=agents,
        )
    for name, group in children.items():
        group_save(group=group, transfer_targets=[g for other, g in children.items() if other != name])
    menu_bot = bot_save(
        bot=Bot(
            name="Menu_Principal",
            kind=BotKind.SERVICE,
            menu={
                "text": "Olá! Bem-vindo ao Atende Demo. Escolha uma opção:",
                "options": [
                    {
                        "key": "1",
                        "label": "Comercial",
                        "action": "transfer_to_group",
                        "group": children["Comercial"].pk,
                    },
                    {
                        "key": "2",
                        "label": "Financeiro",
                        "action": "transfer_to_group",
                        "group": children["Financeiro"].pk,
                    },
                    {"key": "3", "label": "Suporte", "action": "transfer_to_group", "group": children["Suporte"].pk},
                    {"key": "9", "label": "Encerrar", "action": "close"},
                ],
            },
        )
    )
    main.initialization_bot = menu_bot
    group_save(group=main)


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
