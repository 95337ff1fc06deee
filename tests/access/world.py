"""The world of the access matrix: operations A and B and what each holds.

Operation A ("Operação A", company "Atende Teste") and operation B ("Operação B", company
"Empresa Beta"), the named users of ``tests.conftest`` (ana admin; bia supervises A; caio
supervises B; davi supervises A and answers there; eva is an agent of A; fabio of B) plus
gil, a second agent of A who owns nothing (another agent's attendance and media are never
his), and one sample object per side of every model registered in the admin or exposed by
the API (``SAMPLES``). A model added later without a sample makes the coverage tests fail.

To extend it, add one ``Sample`` per model: a builder that returns an object belonging to
operation A (``side="A"``) or operation B (``side="B"``), and whether the model is scoped
to operations (supervisors see their own side only) or admin-only (supervisors see none).

Three attendances, all in progress: "A" in A's group, assigned to eva by the distribution;
"B" in B's group, assigned to fabio the same way; "A_davi" in A's group, assigned to davi
directly. Each has a customer message and an event carrying a mark of its own, and a
customer image (``World.media``), so the leak checks cover messages, events and files.

One import job per kind and side, each with one error row: side A's uploaded by bia, side
B's by ana (``IMPORTS``, ``JOB_OWNER``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import admin
from django.db import models

from config.api_router import router
from organisation.models import Operation
from tests.factories import CompanyFactory, ProfileFactory, UserFactory
from users.models import Role

ROLES = ["anonymous", "admin", "supervisor_a", "supervisor_b", "supervisor_agent_a", "agent_a"]
# The operation each supervisor role belongs to.
SUPERVISOR_SIDE = {"supervisor_a": "A", "supervisor_b": "B", "supervisor_agent_a": "A"}
OTHER = {"A": "B", "B": "A"}
SIDE_NAME = {"A": "Alfa", "B": "Beta"}
LOGIN_PATH = "/accounts/login/"
ADMIN_INDEX = "/admin/"
WORKSPACE = "/workspace/"


@dataclass
class World:
    cast: dict
    operations: dict  # side -> Operation
    profile_perms: set[str]
    samples: dict = field(default_factory=dict)  # model label -> {"A": obj, "B": obj}
    jobs: dict = field(default_factory=dict)  # import kind -> {"A": ImportJob, "B": ImportJob}
    rows: dict = field(default_factory=dict)  # import kind -> {"A": ImportRow, "B": ImportRow}
    attendances: dict = field(default_factory=dict)  # ATTENDANCES key -> Attendance
    secrets: set[str] = field(default_factory=set)  # never in any response (channel tokens, hashes)
    channel_tokens: dict = field(default_factory=dict)  # side -> the channel's clear token
    media: dict = field(default_factory=dict)  # ATTENDANCES key -> Message with a file


@dataclass(frozen=True)
class Sample:
    """How to build one object of a model for a side, and who may see it.

    ``scoped``: True if the object belongs to the side's operation (supervisors of that
    operation see it, others don't); False if the model is admin-only (no ``scope_path``:
    supervisors see none, whatever their profile).
    ``admin_can_add``: False where the admin class itself refuses adding (axes logs).
    ``admin_can_delete``: False where the admin refuses deleting even to admins (besides
    every ``ActiveModel``, which never has a delete page).
    ``admin_id``: the id the admin URLs use (DRF's token admin addresses tokens by user id).
    ``late``: built after the other samples (it needs them).
    """

    build: Callable[[World, str], models.Model]
    scoped: bool
    admin_can_add: bool = True
    admin_can_delete: bool = True
    admin_id: Callable[[models.Model], object] = lambda obj: obj.pk
    late: bool = False


def _agent(world: World, side: str):
    name = {"A": "Alfa", "B": "Beta"}[side]
    return UserFactory(
        username=f"agente_{name.lower()}",
        display_name=f"Agente {name}",
        role=Role.AGENT,
        operations=[world.operations[side]],
    )


def _token(world: World, side: str):
    from knox.models import AuthToken

    agent = world.cast["agent_a" if side == "A" else "agent_b"]
    return AuthToken.objects.create(user=agent)[0]


def _bot(world: World, side: str):
    from attendance.models import Bot, BotKind
    from attendance.services import bot_save

    # Global, admin-only: the "side" is just a distinct bot (names cannot have spaces).
    name, kind = {"A": ("Robo_Alfa", BotKind.TRANSFER), "B": ("Robo_Beta", BotKind.FINALIZATION)}[side]
    return bot_save(bot=Bot(name=name, kind=kind, message=f"Mensagem do {name}"))


def _group(world: World, side: str):
    from attendance.models import ServiceGroup
    from attendance.services import group_save

    # Each side's group belongs to that side's operation and holds that side's agent.
    name = {"A": "Grupo Alfa", "B": "Grupo Beta"}[side]
    agent = world.cast["agent_a" if side == "A" else "agent_b"]
    return group_save(group=ServiceGroup(name=name, operation=world.operations[side]), agents=[agent])


def _survey(world: World, side: str):
    from surveys.models import Survey
    from surveys.services import survey_save

    # Also creates the survey's own bot (same name), which the bot screens list.
    name = {"A": "Pesquisa_Alfa", "B": "Pesquisa_Beta"}[side]
    return survey_save(survey=Survey(name=name), questions=[{"type": "open", "text": "Algum comentário?"}]).survey


def _calendar(world: World, side: str):
    from calendars.models import Calendar
    from calendars.services import calendar_save

    name = {"A": "Calendário Alfa", "B": "Calendário Beta"}[side]
    hours = [{"weekday": 0, "start": "08:00", "end": "18:00"}]
    return calendar_save(calendar=Calendar(name=name, company=world.operations[side].company, intervals=hours))


def _classification(world: World, side: str):
    from classifications.models import Classification
    from classifications.services import classification_save

    name = {"A": "Classificação Alfa", "B": "Classificação Beta"}[side]
    return classification_save(classification=Classification(name=name), nodes=[{"name": f"Motivo {side}"}])


def _axes(model_name: str, **extra):
    def build(world: World, side: str):
        from django.apps import apps

        model = apps.get_model("axes", model_name)
        return model.objects.create(
            username=f"intruso_{side.lower()}",
            ip_address="10.0.0.1" if side == "A" else "10.0.0.2",
            user_agent="pytest",
            http_accept="*/*",
            path_info=LOGIN_PATH,
            **extra,
        )

    return build


def _customer(world: World, side: str):
    from customers.models import Customer
    from customers.services import customer_save

    # Global, admin-only (no scope_path): customers are not tied to an operation.
    name, phone = {"A": ("Cliente Alfa", "34991234567"), "B": ("Cliente Beta", "34991234568")}[side]
    return customer_save(customer=Customer(), display_name=name, phone=phone)


def _channel(world: World, side: str):
    from tests.factories import make_channel

    # Global, admin-only (no scope_path). The clear token and its hash must never come back.
    channel, token = make_channel(name={"A": "Canal Alfa", "B": "Canal Beta"}[side], network="whatsapp")
    world.secrets |= {token, channel.token_hash, channel.webhook_secret}
    world.channel_tokens[side] = token
    return channel


def _customer_attribute(world: World, side: str):
    from customers.models import CustomerAttribute

    return CustomerAttribute.objects.create(description={"A": "Atributo Alfa", "B": "Atributo Beta"}[side])


def _pause_reason(world: World, side: str):
    from attendance.models import PauseReason

    return PauseReason.objects.create(name={"A": "Pausa Alfa", "B": "Pausa Beta"}[side])


def _whatsapp_template(world: World, side: str):
    from workspace.models import WhatsAppTemplate

    return WhatsAppTemplate.objects.create(name={"A": "modelo_alfa", "B": "modelo_beta"}[side], body="Olá {{1}}")


def _canned_response(world: World, side: str):
    from workspace.models import CannedResponse

    group = world.samples["attendance.ServiceGroup"][side]
    return CannedResponse.objects.create(group=group, shortcut=f"resposta{side}", text=f"Resposta {side}")


# One entry per model registered in the admin or exposed by the API.
SAMPLES: dict[str, Sample] = {
    # Operation A and B live in companies of their own (see the ``world`` fixture), so a
    # company belongs to the operations it holds: supervisors see their operations' companies.
    "organisation.Company": Sample(lambda w, side: w.operations[side].company, scoped=True),
    "organisation.Operation": Sample(lambda w, side: w.operations[side], scoped=True),
    # Calendars belong to a company (scope_path = "company__operations"), like companies.
    "calendars.Calendar": Sample(_calendar, scoped=True),
    "users.User": Sample(_agent, scoped=True),
    # Profiles have no scope_path: admin-only data, even with users.view_profile granted.
    "users.Profile": Sample(lambda w, side: ProfileFactory(name=f"Perfil {side}"), scoped=False),
    # Service groups belong to an operation (scope_path = "operation").
    "attendance.ServiceGroup": Sample(_group, scoped=True),
    # Bots, surveys and classifications have no scope_path: global, admin-only.
    "attendance.Bot": Sample(_bot, scoped=False),
    "surveys.Survey": Sample(_survey, scoped=False),
    "classifications.Classification": Sample(_classification, scoped=False),
    # Customers and customer attributes have no scope_path: global, admin-only.
    "customers.Customer": Sample(_customer, scoped=False),
    "customers.CustomerAttribute": Sample(_customer_attribute, scoped=False),
    # Channels have no scope_path: global, admin-only.
    "attendance.Channel": Sample(_channel, scoped=False),
    # Workspace (SPEC §7): pause reasons and WhatsApp templates have no scope_path (admin
    # data); canned responses belong to their group's operation. Agents READ them (list and
    # detail): see AGENT_READABLE.
    "attendance.PauseReason": Sample(_pause_reason, scoped=False),
    "workspace.WhatsAppTemplate": Sample(_whatsapp_template, scoped=False),
    "workspace.CannedResponse": Sample(_canned_response, scoped=True, late=True),
    # Attendances belong to their group's operation (scope_path = "group__operation"); the
    # admin shows them read-only (no add, no delete). The side's attendance assigned to
    # the side's agent (see ATTENDANCES below; davi's third one is not an admin sample).
    "attendance.Attendance": Sample(
        lambda w, side: _attendances(w)[side], scoped=True, admin_can_add=False, admin_can_delete=False, late=True
    ),
    # API tokens: admins see and revoke them; nobody adds one there (the API makes it).
    "knox.AuthToken": Sample(_token, scoped=False, admin_can_add=False, admin_can_delete=False),
    "axes.AccessAttempt": Sample(
        _axes("AccessAttempt", get_data="", post_data="", failures_since_start=1),
        scoped=False,
        admin_can_add=False,
    ),
    "axes.AccessLog": Sample(_axes("AccessLog"), scoped=False, admin_can_add=False),
    "axes.AccessFailureLog": Sample(_axes("AccessFailureLog"), scoped=False, admin_can_add=False),
}


def missing_builder(model) -> str:
    return f"add a sample-object builder for {model._meta.label} to SAMPLES in tests/access/world.py"


def admin_models():
    return sorted(admin.site._registry, key=lambda m: m._meta.label)


def api_resources():
    """(prefix, viewset, basename, model or None) for every router registration."""
    resources = []
    for prefix, viewset, basename in router.registry:
        queryset = getattr(viewset, "queryset", None)
        resources.append((prefix, viewset, basename, queryset.model if queryset is not None else None))
    return resources


def side_names(world: World, side: str) -> dict[str, str]:
    """Names of the scoped sample objects of ``side`` and the marks of its attendances
    (protocol, customer, a message, an event): what must never leak to the other side."""
    names = {label: str(objs[side]) for label, objs in world.samples.items() if SAMPLES[label].scoped}
    for key in world.attendances:
        if ATTENDANCES[key].side == side:
            names |= {f"attendance {key} {what}": mark for what, mark in attendance_marks(world, key).items()}
    return names


IMPORTS = {
    "customers": ("customer-imports", "customers.add_customer", "customers.Customer", "clientes"),
    "users": ("user-imports", "users.add_user", "users.User", "usuarios"),
}
JOB_OWNER = {"A": "supervisor_a", "B": "admin"}
USER_IMPORT_HEADER = ["USERNAME", "DISPLAY NAME", "ROLE", "PASSWORD"]


def import_job(world: World, kind: str, side: str):
    """A finished job of ``kind`` uploaded by ``JOB_OWNER[side]`` with one error row."""
    from tests.imports.helpers import CUSTOMER_HEADER, csv_bytes, customer_row, run_import

    name = SIDE_NAME[side]
    if kind == "customers":
        content = csv_bytes(CUSTOMER_HEADER, [customer_row("123", name=f"Linha Ruim {name}")])  # bad phone
    else:
        content = csv_bytes(USER_IMPORT_HEADER, [[f"ruim_{name.lower()}", f"Linha Ruim {name}", "agent", "fraca"]])
    file_name = f"{IMPORTS[kind][3]}_{name.lower()}.csv"
    job = run_import(world.cast[JOB_OWNER[side]], file_name, content, kind=kind)
    rows = list(job.rows.all())
    assert (job.errors, len(rows)) == (1, 1), f"{kind} job of side {side}: expected one error row"
    return job, rows[0]


def job_marks(world: World, kind: str, side: str) -> list[str]:
    """Strings that only a viewer of this job may read: its file name and its row's data."""
    return [world.jobs[kind][side].file_name, f"Linha Ruim {SIDE_NAME[side]}"]


def owns(role: str, world: World, kind: str, side: str) -> bool:
    return role == "admin" or world.jobs[kind][side].created_by_id == world.cast[role].pk


def hidden_marks(role: str, world: World) -> dict[str, str]:
    """mark -> description, for every job ``role`` does not own (nothing for admins)."""
    if role in ("admin", "anonymous", "agent_a"):
        return {}  # admins see everything; anonymous users and agents get no 200 here
    return {
        mark: f"{kind} job {world.jobs[kind][side].pk} of {JOB_OWNER[side]}"
        for kind in IMPORTS
        for side in ("A", "B")
        if not owns(role, world, kind, side)
        for mark in job_marks(world, kind, side)
    }


GROUP_PERMS = ("attendance.view_servicegroup", "attendance.change_servicegroup")
ADMIN_ONLY_LABELS = (
    "attendance.Bot",
    "surveys.Survey",
    "classifications.Classification",
    "customers.Customer",
    "customers.CustomerAttribute",
    "attendance.Channel",
)


def grant(world: World, profile, *perms: str) -> None:
    """Add ``perms`` to the supervisors' profile; reload the users (they cache permissions)."""
    from django.contrib.auth.models import Permission

    for dotted in perms:
        app, code = dotted.split(".")
        profile.permissions.add(Permission.objects.get(content_type__app_label=app, codename=code))
    world.profile_perms |= set(perms)
    for role in SUPERVISOR_SIDE:
        world.cast[role] = type(world.cast[role]).objects.get(pk=world.cast[role].pk)


@dataclass(frozen=True)
class AttendanceSample:
    side: str  # the operation of its group
    owner: str  # cast key of the assigned agent
    phone: str
    mark: str  # in its customer message and its event


ATTENDANCES = {
    "A": AttendanceSample("A", "agent_a", "34991230001", "Alfa"),
    "B": AttendanceSample("B", "agent_b", "34991230002", "Beta"),
    "A_davi": AttendanceSample("A", "supervisor_agent_a", "34991230003", "Davi"),
}


def _attendances(world: World) -> dict:
    """``world.attendances``, built once (needs the service groups' samples)."""
    if not world.attendances:
        world.attendances = _build_attendances(world)
    return world.attendances


def _build_attendances(world: World) -> dict:
    from django.utils import timezone

    from attendance.distribution import distribute_group
    from attendance.models import Attendance, Event, Message, Status
    from tests.factories import online, queued_attendance

    built = {}
    now = timezone.now()
    for key, spec in ATTENDANCES.items():
        group = world.samples["attendance.ServiceGroup"][spec.side]  # holds the side's agent
        owner = world.cast[spec.owner]
        attendance = queued_attendance(group, spec.phone)
        if owner in group.agents.all():
            online(owner)
            distribute_group(group_id=group.pk)
        else:
            Attendance.objects.filter(pk=attendance.pk).update(agent=owner, status=Status.IN_PROGRESS, assigned_at=now)
        attendance.refresh_from_db()
        assert (attendance.agent_id, attendance.status) == (owner.pk, Status.IN_PROGRESS), key
        Message.objects.create(
            attendance=attendance, direction="in", sender="customer", body=f"Segredo {spec.mark}", created_at=now
        )
        Event.objects.create(attendance=attendance, type="note", at=now, data={"nota": f"Evento {spec.mark}"})
        built[key] = attendance
    return built


def attendance_marks(world: World, key: str) -> dict[str, str]:
    """What only a viewer of this attendance may read (detail, messages, events)."""
    attendance, mark = world.attendances[key], ATTENDANCES[key].mark
    return {
        "protocol": attendance.protocol,
        "customer": attendance.customer.display_name,
        "message": f"Segredo {mark}",
        "event": f"Evento {mark}",
    }


VIEW_ATTENDANCE, CHANGE_ATTENDANCE = "attendance.view_attendance", "attendance.change_attendance"


def build_media(world: World) -> None:
    """One customer image in each attendance (``world.media``): served only to who may see it."""
    from django.utils import timezone

    from attendance.media import media_store
    from attendance.models import Message
    from tests.media_samples import PNG

    for key, attendance in world.attendances.items():
        stored = media_store(content=PNG, filename=f"foto_{ATTENDANCES[key].mark.lower()}.png", kind="image")
        world.media[key] = Message.objects.create(
            attendance=attendance, direction="in", sender="customer", kind="image", body="",
            created_at=timezone.now(), **stored.as_message_fields(),
        )  # fmt: skip


def cast_names(world: World, side: str) -> dict[str, str]:
    """The usernames and display names of the side's people (supervisors and agents)."""
    people = {"A": ("supervisor_a", "supervisor_agent_a", "agent_a", "agent_a2"), "B": ("supervisor_b", "agent_b")}
    names = {}
    for role in people[side]:
        user = world.cast[role]
        names[f"{role} username"] = user.username
        names[f"{role} name"] = user.display_name
    return names


def build_world(cast, operation_a, operation_b, supervisor_profile) -> World:
    """Everything the matrix reads: the samples, the attendances, the import jobs, the media."""
    # The fixtures put both operations in one company; give B its own so that company
    # visibility can be checked too ("Atende Teste" is A's company, "Empresa Beta" B's).
    # (A queryset update: B's audit trail should not mention A's company.)
    Operation.objects.filter(pk=operation_b.pk).update(company=CompanyFactory(name="Empresa Beta"))
    operation_b.refresh_from_db()
    # gil is a second agent of A in no group: eva's attendances and files are not his.
    cast["agent_a2"] = UserFactory(username="gil", display_name="Gil", role=Role.AGENT, operations=[operation_a])
    perms = {
        f"{app}.{code}"
        for app, code in supervisor_profile.permissions.values_list("content_type__app_label", "codename")
    }
    built = World(cast=cast, operations={"A": operation_a, "B": operation_b}, profile_perms=perms)
    labels = {m._meta.label for m in admin_models()}
    labels |= {m._meta.label for *_, m in api_resources() if m is not None}
    for label in sorted(labels, key=lambda label: (label in SAMPLES and SAMPLES[label].late, label)):
        sample = SAMPLES.get(label)
        if sample is not None:
            built.samples[label] = {side: sample.build(built, side) for side in ("A", "B")}
    _attendances(built)
    for kind in IMPORTS:
        for side in ("A", "B"):
            built.jobs.setdefault(kind, {})[side], built.rows.setdefault(kind, {})[side] = import_job(built, kind, side)
    build_media(built)
    return built
