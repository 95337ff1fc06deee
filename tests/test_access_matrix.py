"""Role × URL access matrix (SPEC §0, §10): every admin URL and every API URL, per role.

The URLs are enumerated, not listed: admin URLs come from ``admin.site._registry``
(changelist, add, change, history, delete, plus the index and each app index) and API
URLs from ``config.api_router.router.registry`` (list, detail, every GET extra action such
as ``history``, and ``DELETE`` on the detail). A model or resource added later without an
entry in ``SAMPLES`` below makes this module FAIL with "add a sample-object builder for
app.Model", so new screens cannot slip past the matrix.

To extend it, add one ``Sample`` per model: a builder that returns an object belonging to
operation A (``side="A"``) or operation B (``side="B"``), and whether the model is scoped
to operations (supervisors see their own side only) or admin-only (supervisors see none).

Roles checked: anonymous, admin ("ana"), supervisor of A ("bia"), supervisor of B
("caio"), supervisor-agent of A ("davi"), agent of A ("eva"). Supervisors' screens come
from their profile (``tests.conftest.SUPERVISOR_PERMS``); the expectations are derived from
the permissions actually stored on that profile.

Expected outcomes:

- anonymous: admin pages → 302, ending at ``/accounts/login/?next=<url>``; API → 401.
- admin: every admin page 200 (add → 403 where the admin class forbids adding; delete →
  403 for ``ActiveModel`` entities, nothing is ever deleted); API GETs 200; DELETE 405.
- supervisors: changelist 200 with the view/change permission, else 403; add 200 with the
  add permission, else 403; change/history of an object of their own operation 200 (scoped
  models) — of another operation, or of an admin-only model, 302 to the admin index
  (Django's "doesn't exist"; a 404 is accepted), never 200; without the permission 403.
  Pages never contain the other operation's objects' names. API list 200 without the
  other operation's ids, detail/history of another operation 404, model not granted 403,
  DELETE 405.
- agent: every admin page redirects to the workspace (SPEC §0); API 403.

The fixtures' profile grants neither service groups nor bots, surveys or classifications,
so two more tests grant them on the profile and run the matrix again:
``test_supervisor_with_group_permissions`` (view + change on groups: own operation's group
editable, the other's invisible, no other operation in the changelist's operation filter,
no PATCH pointing a group at another operation's rows) and
``test_supervisor_granted_admin_only_models`` (models without ``scope_path`` stay empty
for supervisors even when granted).

Import jobs (``customer-imports``, ``user-imports``) are not model resources: they have
explicit expectations (``IMPORTS``, ``_expected_import_api``) and every extra action of
their viewset must be listed in ``IMPORT_API_ACTIONS``. A job belongs to its uploader:
admins see every job, others need the add permission of the imported entity (403) and see
their own jobs only (404 for another's, rows included; never listed, never changed).
Admin URLs beyond the standard five (import / export pages, the password form, the
history-version pages of django-simple-history) must appear in ``_admin_extra_urls``
(``test_every_extra_admin_url_has_expectations``) and are checked per role by
``test_admin_extra_urls_matrix`` and ``test_admin_history_versions_matrix``.

Attendances (``attendances``: list, detail, the POST actions ``messages``, ``transfer``,
``close``) have a permission of their own and agents use them: explicit expectations
(``ATTENDANCES``, ``_expected_attendance_api``; every extra action must be listed in
``ATTENDANCE_API_ACTIONS``), run with the fixtures' profile, with ``view_attendance`` and
with ``view`` + ``change_attendance`` granted. Their admin screens are ordinary samples.
Every response a role may read is checked for the marks (protocol, customer, message,
event) of the attendances it may not see, and for channel tokens. The plain URLs under
``/api/v1/`` (``inbound``, ``agents/me/presence``…) must appear in ``PLAIN_API_URLS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from attendance.models import Operation
from config.api_router import router
from core.admin import AtendeAdmin
from core.models import ActiveModel
from tests.factories import CompanyFactory, ProfileFactory, UserFactory
from users.models import Role

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "admin", "supervisor_a", "supervisor_b", "supervisor_agent_a", "agent_a"]
# The operation each supervisor role belongs to.
SUPERVISOR_SIDE = {"supervisor_a": "A", "supervisor_b": "B", "supervisor_agent_a": "A"}
OTHER = {"A": "B", "B": "A"}
LOGIN_PATH = "/accounts/login/"
ADMIN_INDEX = "/admin/"
WORKSPACE = "/workspace/"


# --------------------------------------------------------------------------------------
# The world: operations A and B in separate companies, and one sample object per side
# --------------------------------------------------------------------------------------


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
    from rest_framework.authtoken.models import Token, TokenProxy

    agent = world.cast["agent_a" if side == "A" else "agent_b"]
    token, _ = Token.objects.get_or_create(user=agent)
    return TokenProxy.objects.get(pk=token.pk)


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
    world.secrets |= {token, channel.token_hash}
    world.channel_tokens[side] = token
    return channel


def _customer_attribute(world: World, side: str):
    from customers.models import CustomerAttribute

    return CustomerAttribute.objects.create(description={"A": "Atributo Alfa", "B": "Atributo Beta"}[side])


def _pause_reason(world: World, side: str):
    from workspace.models import PauseReason

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
    "attendance.Company": Sample(lambda w, side: w.operations[side].company, scoped=True),
    "attendance.Operation": Sample(lambda w, side: w.operations[side], scoped=True),
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
    "workspace.PauseReason": Sample(_pause_reason, scoped=False),
    "workspace.WhatsAppTemplate": Sample(_whatsapp_template, scoped=False),
    "workspace.CannedResponse": Sample(_canned_response, scoped=True, late=True),
    # Attendances belong to their group's operation (scope_path = "group__operation"); the
    # admin shows them read-only (no add, no delete). The side's attendance assigned to
    # the side's agent (see ATTENDANCES below; davi's third one is not an admin sample).
    "attendance.Attendance": Sample(
        lambda w, side: _attendances(w)[side], scoped=True, admin_can_add=False, admin_can_delete=False, late=True
    ),
    "authtoken.TokenProxy": Sample(_token, scoped=False, admin_id=lambda obj: obj.user_id),
    "axes.AccessAttempt": Sample(
        _axes("AccessAttempt", get_data="", post_data="", failures_since_start=1),
        scoped=False,
        admin_can_add=False,
    ),
    "axes.AccessLog": Sample(_axes("AccessLog"), scoped=False, admin_can_add=False),
    "axes.AccessFailureLog": Sample(_axes("AccessFailureLog"), scoped=False, admin_can_add=False),
}


def _missing_builder(model) -> str:
    return f"add a sample-object builder for {model._meta.label} to SAMPLES in tests/test_access_matrix.py"


def _admin_models():
    return sorted(admin.site._registry, key=lambda m: m._meta.label)


def _api_resources():
    """(prefix, viewset, basename, model or None) for every router registration."""
    resources = []
    for prefix, viewset, basename in router.registry:
        queryset = getattr(viewset, "queryset", None)
        resources.append((prefix, viewset, basename, queryset.model if queryset is not None else None))
    return resources


@pytest.fixture
def world(cast, operation_a, operation_b, supervisor_profile):
    # The fixtures put both operations in one company; give B its own so that company
    # visibility can be checked too ("Atende Teste" is A's company, "Empresa Beta" B's).
    # (A queryset update: B's audit trail should not mention A's company.)
    Operation.objects.filter(pk=operation_b.pk).update(company=CompanyFactory(name="Empresa Beta"))
    operation_b.refresh_from_db()
    perms = {
        f"{app}.{code}"
        for app, code in supervisor_profile.permissions.values_list("content_type__app_label", "codename")
    }
    built = World(cast=cast, operations={"A": operation_a, "B": operation_b}, profile_perms=perms)
    labels = {m._meta.label for m in _admin_models()}
    labels |= {m._meta.label for *_, m in _api_resources() if m is not None}
    for label in sorted(labels, key=lambda label: (label in SAMPLES and SAMPLES[label].late, label)):
        sample = SAMPLES.get(label)
        if sample is not None:
            built.samples[label] = {side: sample.build(built, side) for side in ("A", "B")}
    _attendances(built)
    for kind in IMPORTS:
        for side in ("A", "B"):
            built.jobs.setdefault(kind, {})[side], built.rows.setdefault(kind, {})[side] = _import_job(
                built, kind, side
            )
    return built


# --------------------------------------------------------------------------------------
# Coverage: nothing registered without a matrix entry
# --------------------------------------------------------------------------------------


def test_every_admin_model_has_a_sample_builder():
    missing = [_missing_builder(m) for m in _admin_models() if m._meta.label not in SAMPLES]
    assert not missing, "\n".join(missing)


def test_every_api_resource_has_a_sample_builder():
    problems = []
    for prefix, viewset, _, model in _api_resources():
        if prefix in EXPLICIT_ACTIONS:
            known, where = EXPLICIT_ACTIONS[prefix]
            actions = {(a.url_name, method) for a in viewset.get_extra_actions() for method in a.mapping}
            unknown = {(name, method) for name, method in actions if name not in known or method not in known[name]}
            if unknown:
                problems.append(
                    f"API resource '{prefix}': actions {sorted(unknown)} have no expectations "
                    f"({where} in tests/test_access_matrix.py)"
                )
            continue
        if model is None:
            problems.append(
                f"API resource '{prefix}' ({viewset.__name__}) has no model queryset: "
                "give it explicit expectations in tests/test_access_matrix.py"
            )
        elif model._meta.label not in SAMPLES:
            problems.append(f"{_missing_builder(model)} (API resource '{prefix}')")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------
# Expectations
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    statuses: tuple[int, ...]
    location: str | None = None  # for 302: where it must point (path, query ignored)
    template: str | None = None
    login_redirect: bool = False
    text: str | None = None  # must appear in the body

    def describe(self) -> str:
        text = "/".join(str(s) for s in self.statuses)
        if self.login_redirect:
            text += f" → {LOGIN_PATH}?next=<url>"
        elif self.location:
            text += f" → {self.location}"
        if self.template:
            text += f" rendering {self.template}"
        if self.text:
            text += f" saying {self.text!r}"
        return text


OK = Expect((200,))
FORBIDDEN = Expect((403,))
# SPEC §0: agents are redirected to the workspace (which says why, see test_access_rules).
AGENT_FORBIDDEN = Expect((302,), location=WORKSPACE)
TO_LOGIN = Expect((302,), login_redirect=True)
# Django's answer to an object outside the viewer's queryset; 404 is accepted as well.
NOT_FOUND_REDIRECT = Expect((302, 404), location=ADMIN_INDEX)
# History for a model the profile does not grant: 403 like the change page, whether or
# not the object is in the viewer's operations (no id is confirmed either way).
HISTORY_HIDDEN_WITHOUT_PERMISSION = FORBIDDEN


def _perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def _can_view(world: World, model) -> bool:
    return bool({_perm(model, "view"), _perm(model, "change")} & world.profile_perms)


@dataclass(frozen=True)
class AdminURL:
    url: str
    kind: str  # index, app_index, changelist, add, change, history, delete
    model: type | None = None
    side: str | None = None  # the operation the object belongs to (object URLs)
    app_label: str | None = None


def _admin_urls(world: World) -> tuple[list[AdminURL], list[str]]:
    urls = [AdminURL(reverse("admin:index"), "index")]
    missing = []
    for app_label in sorted({m._meta.app_label for m in _admin_models()}):
        urls.append(AdminURL(reverse("admin:app_list", args=[app_label]), "app_index", app_label=app_label))
    for model in _admin_models():
        label = model._meta.label
        if label not in world.samples:
            missing.append(_missing_builder(model))
            continue
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(AdminURL(reverse(f"{name}_changelist"), "changelist", model))
        urls.append(AdminURL(reverse(f"{name}_add"), "add", model))
        for side, obj in world.samples[label].items():
            object_id = quote(SAMPLES[label].admin_id(obj))
            for kind in ("change", "history", "delete"):
                urls.append(AdminURL(reverse(f"{name}_{kind}", args=[object_id]), kind, model, side))
    return urls, missing


def _expected_admin(role: str, world: World, target: AdminURL) -> Expect:
    if role == "anonymous":
        return TO_LOGIN
    if role == "agent_a":
        return AGENT_FORBIDDEN
    if target.kind == "index":
        return OK
    if target.kind == "app_index":
        if role == "admin":
            return OK
        # Django's app index lists the models the user may view/change/add; none → 404.
        granted = any(
            _perm(m, action) in world.profile_perms
            for m in _admin_models()
            if m._meta.app_label == target.app_label
            for action in ("view", "change", "add")
        )
        return OK if granted else Expect((404,))
    model = target.model
    sample = SAMPLES[model._meta.label]
    if target.kind == "add":
        if not sample.admin_can_add:
            return FORBIDDEN
        return OK if role == "admin" or _perm(model, "add") in world.profile_perms else FORBIDDEN
    if target.kind == "delete":
        # Nothing is ever deleted (SPEC §0): no delete page for configuration entities.
        if issubclass(model, ActiveModel) or not sample.admin_can_delete:
            return FORBIDDEN
        return OK if role == "admin" else FORBIDDEN
    if role == "admin":
        return OK
    visible = sample.scoped and target.side == SUPERVISOR_SIDE[role]
    if not _can_view(world, model):
        if target.kind == "history" and not visible:
            if not isinstance(admin.site._registry[model], AtendeAdmin):
                # Django's own history view looks the object up first: outside the
                # viewer's queryset it is "doesn't exist" (the id is not confirmed either).
                return Expect((302, 403, 404), location=ADMIN_INDEX)
            return HISTORY_HIDDEN_WITHOUT_PERMISSION
        return FORBIDDEN
    if target.kind == "changelist":
        return OK
    # change / history of one object
    return OK if visible else NOT_FOUND_REDIRECT


@dataclass(frozen=True)
class ApiURL:
    url: str
    kind: str  # list, detail, action:<name>
    model: type
    method: str = "get"
    side: str | None = None


def _api_urls(world: World) -> tuple[list[ApiURL], list[str]]:
    urls, missing = [], []
    for prefix, viewset, basename, model in _api_resources():
        if prefix in EXPLICIT_ACTIONS:
            continue  # import jobs, attendances: explicit expectations (see below)
        if model is None or model._meta.label not in world.samples:
            missing.append(
                f"API resource '{prefix}': "
                + (_missing_builder(model) if model is not None else "no model queryset; add expectations")
            )
            continue
        urls.append(ApiURL(reverse(f"{basename}-list"), "list", model))
        extra = [a for a in viewset.get_extra_actions() if "get" in a.mapping]
        for action in extra:
            if not action.detail:
                urls.append(ApiURL(reverse(f"{basename}-{action.url_name}"), f"action:{action.url_name}", model))
        for side, obj in world.samples[model._meta.label].items():
            detail = reverse(f"{basename}-detail", args=[obj.pk])
            urls.append(ApiURL(detail, "detail", model, side=side))
            urls.append(ApiURL(detail, "detail", model, method="delete", side=side))
            for action in extra:
                if action.detail:
                    try:
                        url = reverse(f"{basename}-{action.url_name}", args=[obj.pk])
                    except NoReverseMatch:  # pragma: no cover - a route needing more args
                        missing.append(f"API action {basename}-{action.url_name}: cannot build its URL")
                        continue
                    urls.append(ApiURL(url, f"action:{action.url_name}", model, side=side))
    return urls, missing


# Resources the workspace reads (SPEC §7): agents and supervisor-agents list them and read
# one (the active ones; canned responses of their groups or of every group); writing and
# the audit history stay with the back office's rules.
AGENT_READABLE = {"workspace.PauseReason", "workspace.WhatsAppTemplate", "workspace.CannedResponse"}


def _agent_reads(role: str, world: World, target: ApiURL) -> bool | None:
    """Whether an agent role reads ``target`` as an agent; ``None`` where the rule does not apply."""
    label = target.model._meta.label
    if role not in ("agent_a", "supervisor_agent_a") or label not in AGENT_READABLE or target.method != "get":
        return None
    if target.kind not in ("list", "detail"):
        return None
    return True if target.side is None else _agent_reads_side(role, world, label, target.side)


def _agent_reads_side(role: str, world: World, label: str, side: str) -> bool:
    if label == "workspace.CannedResponse":  # those of the agent's groups (and of every group)
        group = world.samples["attendance.ServiceGroup"][side]
        return group.agents.filter(pk=world.cast[role].pk).exists()
    return True  # active pause reasons and templates


def _expected_api(role: str, world: World, target: ApiURL) -> Expect:
    if role == "anonymous":
        return Expect((401,))
    reads = _agent_reads(role, world, target)
    if role == "agent_a":
        if reads is None:
            return FORBIDDEN
        return OK if reads else Expect((404,))
    if target.method == "delete":
        # Records are deactivated, never deleted: every staff DELETE reaches the view's 405.
        return Expect((405,))
    if role == "admin":
        return OK
    if reads is not None:  # a supervisor-agent reading as an agent, or as a supervisor if granted
        staff = _perm(target.model, "view") in world.profile_perms and (
            target.side is None or (SAMPLES[target.model._meta.label].scoped and target.side == SUPERVISOR_SIDE[role])
        )
        return OK if reads or staff else Expect((404,))
    if _perm(target.model, "view") not in world.profile_perms:
        return FORBIDDEN
    if target.side is None:
        return OK
    visible = SAMPLES[target.model._meta.label].scoped and target.side == SUPERVISOR_SIDE[role]
    return OK if visible else Expect((404,))


# --------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------


def _user_for(role: str, world: World):
    return None if role == "anonymous" else world.cast[role]


def _web_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _api_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _final_login_location(client: Client, response) -> tuple[str, list[str]]:
    """Follow redirects (without rendering the login page); return the last location."""
    hops = []
    for _ in range(3):
        location = response["Location"]
        hops.append(location)
        if urlsplit(location).path == LOGIN_PATH or response.status_code != 302:
            break
        response = client.get(location)
        if response.status_code != 302:
            break
    return hops[-1], hops


def _check_status(client, response, url: str, expect: Expect) -> str | None:
    if response.status_code not in expect.statuses:
        return f"got {response.status_code}"
    if response.status_code == 302 and expect.login_redirect:
        final, hops = _final_login_location(client, response)
        parts = urlsplit(final)
        if parts.path != LOGIN_PATH or parse_qs(parts.query).get("next") != [url]:
            return f"got 302 via {' → '.join(hops)}"
    elif (
        response.status_code == 302
        and expect.location is not None
        and urlsplit(response["Location"]).path != expect.location
    ):
        return f"got 302 → {response['Location']}"
    if expect.template is not None:
        names = [t.name for t in (response.templates or []) if t.name]
        if expect.template not in names:
            return f"got {response.status_code} with templates {names[:5]}"
    if expect.text is not None and expect.text not in response.content.decode():
        return f"got {response.status_code} without {expect.text!r}"
    return None


def _names(world: World, side: str) -> dict[str, str]:
    """Names of the scoped sample objects of ``side`` and the marks of its attendances
    (protocol, customer, a message, an event): what must never leak to the other side."""
    names = {label: str(objs[side]) for label, objs in world.samples.items() if SAMPLES[label].scoped}
    for key in world.attendances:
        if ATTENDANCES[key].side == side:
            names |= {f"attendance {key} {what}": mark for what, mark in _attendance_marks(world, key).items()}
    return names


@pytest.mark.parametrize("role", ROLES)
def test_admin_matrix(role, world):
    failures = _admin_matrix_failures(role, world)
    assert not failures, f"{len(failures)} admin access failure(s):\n" + "\n".join(failures)


def _admin_matrix_failures(role: str, world: World) -> list[str]:
    user = _user_for(role, world)
    client = _web_client(user)
    targets, failures = _admin_urls(world)
    side = SUPERVISOR_SIDE.get(role)
    forbidden_names = _names(world, OTHER[side]) if side else {}
    own_names = _names(world, side) if side else {}

    for target in targets:
        expect = _expected_admin(role, world, target)
        response = client.get(target.url)
        problem = _check_status(client, response, target.url, expect)
        if problem:
            failures.append(f"[{role}] GET {target.url} ({target.kind}): expected {expect.describe()}, {problem}")
            continue
        if response.status_code == 200 and side is None:
            html = response.content.decode()
            failures += [f"[{role}] GET {target.url}: shows a channel token" for mark in world.secrets if mark in html]
        if response.status_code != 200 or side is None:
            if role == "admin" and target.kind == "changelist" and SAMPLES[target.model._meta.label].scoped:
                html = response.content.decode()
                for s in ("A", "B"):
                    name = str(world.samples[target.model._meta.label][s])
                    if name not in html:
                        failures.append(f"[{role}] GET {target.url}: admin should see {name!r}, it is missing")
            continue
        # A supervisor's page: nothing of the other operation, ever.
        html = response.content.decode()
        failures += [f"[{role}] GET {target.url}: shows a channel token" for mark in world.secrets if mark in html]
        for label, name in forbidden_names.items():
            if name in html:
                failures.append(
                    f"[{role}] GET {target.url} ({target.kind}): leaks {label} {name!r} of operation {OTHER[side]}"
                )
        if target.kind == "changelist" and SAMPLES[target.model._meta.label].scoped:
            name = own_names[target.model._meta.label]
            if name not in html:
                failures.append(f"[{role}] GET {target.url}: own operation's {name!r} missing from the list")
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(role, world):
    failures = _api_matrix_failures(role, world)
    assert not failures, f"{len(failures)} API access failure(s):\n" + "\n".join(failures)


def _api_matrix_failures(role: str, world: World) -> list[str]:
    user = _user_for(role, world)
    client = _api_client(user)
    targets, failures = _api_urls(world)
    side = SUPERVISOR_SIDE.get(role)
    forbidden = _names(world, OTHER[side]) if side else {}

    for target in targets:
        expect = _expected_api(role, world, target)
        url = target.url + ("?page_size=500" if target.kind == "list" else "")
        response = getattr(client, target.method)(url)
        problem = _check_status(client, response, target.url, expect)
        if 200 <= response.status_code < 300 and target.method == "delete":
            problem = f"got {response.status_code}: DELETE must never succeed"
        if problem:
            failures.append(
                f"[{role}] {target.method.upper()} {target.url} ({target.kind}): "
                f"expected {expect.describe()}, {problem}"
            )
            continue
        if response.status_code == 200:
            # Nothing of the other operation (its objects, attendances, messages, events)
            # in a supervisor's answer; never a channel's token or token hash.
            text = _body(response)
            failures += [
                f"[{role}] GET {target.url} ({target.kind}): leaks {what} {mark!r}"
                for mark, what in [*((m, f"{w} of operation {OTHER[side]}") for w, m in forbidden.items()),
                                   *((m, "a channel token") for m in world.secrets)]
                if mark in text
            ]  # fmt: skip
        if target.kind != "list" or response.status_code != 200:
            continue
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        ids = {row.get("id") for row in rows if isinstance(row, dict)}
        label = target.model._meta.label
        sample = SAMPLES[label]
        pair = world.samples[label]
        if role == "admin":
            expected_ids, hidden_ids = {pair["A"].pk, pair["B"].pk}, set()
        elif label in AGENT_READABLE and role in ("agent_a", "supervisor_agent_a"):
            granted = side and sample.scoped and _perm(target.model, "view") in world.profile_perms
            visible = {s for s in ("A", "B") if _agent_reads_side(role, world, label, s) or (granted and s == side)}
            expected_ids = {pair[s].pk for s in visible}
            hidden_ids = {pair[s].pk for s in ("A", "B") if s not in visible}
        elif sample.scoped:
            expected_ids, hidden_ids = {pair[side].pk}, {pair[OTHER[side]].pk}
        else:
            expected_ids, hidden_ids = set(), {pair["A"].pk, pair["B"].pk}
        if hidden_ids & ids:
            failures.append(f"[{role}] GET {target.url}: leaks ids {sorted(hidden_ids & ids)} it must not see")
        if expected_ids - ids:
            failures.append(f"[{role}] GET {target.url}: ids {sorted(expected_ids - ids)} missing from the list")

    # Nothing was deleted by the DELETE requests.
    for label, pair in world.samples.items():
        for obj in pair.values():
            key = getattr(obj, obj._meta.pk.attname)
            if not type(obj)._default_manager.filter(**{obj._meta.pk.attname: key}).exists():
                failures.append(f"[{role}] {label} {key} was deleted")
    return failures


# --------------------------------------------------------------------------------------
# Import jobs and the admin's extra import / export pages (SPEC §6.3)
# --------------------------------------------------------------------------------------
#
# ``customer-imports`` and ``user-imports`` are not model viewsets of an admin model: a
# job belongs to whoever uploaded it. Admins see every job of the kind; anyone else needs
# the permission to add the imported entity (403 without it) and sees their own jobs only
# (another's job → 404, through the detail and every per-job action).
#
# One job per kind and side, each with one error row: side A's uploaded by bia
# (supervisor_a), side B's by ana (admin). The fixtures' profile grants users.add_user but
# nothing on customers, so bia meets her own customer job with a 403 (jobs survive a
# profile change: the permission is checked on every request), her own user job with 200,
# and ana's jobs with 404. davi (supervisor_agent_a) and caio own no job: 404 on both.

# kind -> (API prefix, permission, admin model label, file-name stem)
IMPORTS = {
    "customers": ("customer-imports", "customers.add_customer", "customers.Customer", "clientes"),
    "users": ("user-imports", "users.add_user", "users.User", "usuarios"),
}
EXPLICIT_API = {prefix: kind for kind, (prefix, *_rest) in IMPORTS.items()}
# Every extra action of the import viewsets, with its expectations below.
IMPORT_API_ACTIONS = ("rows", "row", "resend", "template")
JOB_OWNER = {"A": "supervisor_a", "B": "admin"}
USER_IMPORT_HEADER = ["USERNAME", "DISPLAY NAME", "ROLE", "PASSWORD"]
SIDE_NAME = {"A": "Alfa", "B": "Beta"}


def _import_job(world: World, kind: str, side: str):
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


def _job_marks(world: World, kind: str, side: str) -> list[str]:
    """Strings that only a viewer of this job may read: its file name and its row's data."""
    return [world.jobs[kind][side].file_name, f"Linha Ruim {SIDE_NAME[side]}"]


def _may_import(role: str, world: World, kind: str) -> bool:
    if role in ("anonymous", "agent_a"):
        return False
    return role == "admin" or IMPORTS[kind][1] in world.profile_perms


def _owns(role: str, world: World, kind: str, side: str) -> bool:
    return role == "admin" or world.jobs[kind][side].created_by_id == world.cast[role].pk


def _hidden_marks(role: str, world: World) -> dict[str, str]:
    """mark -> description, for every job ``role`` does not own (nothing for admins)."""
    if role in ("admin", "anonymous", "agent_a"):
        return {}  # admins see everything; anonymous users and agents get no 200 here
    return {
        mark: f"{kind} job {world.jobs[kind][side].pk} of {JOB_OWNER[side]}"
        for kind in IMPORTS
        for side in ("A", "B")
        if not _owns(role, world, kind, side)
        for mark in _job_marks(world, kind, side)
    }


def _body(response) -> str:
    """The text of a response, streamed (exports, templates) or not."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig", errors="replace")


def _import_counts():
    from imports.models import ImportJob, ImportRow

    return ImportJob.objects.count(), ImportRow.objects.count()


# API ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportApiURL:
    url: str
    kind: str  # list, template, detail, rows, row, resend, patch_row, delete
    import_kind: str
    method: str = "get"
    side: str | None = None
    data: dict | None = None


def _import_api_urls(world: World) -> list[ImportApiURL]:
    urls = []
    for kind, (prefix, *_rest) in IMPORTS.items():
        base = f"/api/v1/{prefix}/"
        urls.append(ImportApiURL(base + "?page_size=500", "list", kind))
        for file_format in ("csv", "xlsx"):
            urls.append(ImportApiURL(f"{base}template/?file_format={file_format}", "template", kind))
        for side in ("A", "B"):
            job, row = world.jobs[kind][side], world.rows[kind][side]
            detail = f"{base}{job.pk}/"
            urls += [
                ImportApiURL(detail, "detail", kind, side=side),
                ImportApiURL(detail, "delete", kind, method="delete", side=side),
                ImportApiURL(f"{detail}rows/?status=error", "rows", kind, side=side),
                ImportApiURL(f"{detail}rows/{row.pk}/", "row", kind, side=side),
                ImportApiURL(f"{detail}rows/{row.pk}/", "delete", kind, method="delete", side=side),
                # A correction that keeps the row in error: allowed viewers 200, others 404.
                ImportApiURL(
                    f"{detail}rows/{row.pk}/",
                    "patch_row",
                    kind,
                    method="patch",
                    side=side,
                    data={"data": dict(row.data)},  # the same bad values
                ),
                ImportApiURL(f"{detail}resend/", "resend", kind, method="post", side=side),
            ]
    return urls


def _expected_import_api(role: str, world: World, target: ImportApiURL) -> Expect:
    if role == "anonymous":
        return Expect((401,))
    if role == "agent_a":
        return FORBIDDEN
    if target.method == "delete":
        # No destroy on import jobs or rows: 405 (or 403/404 before the method is judged).
        return Expect((403, 404, 405))
    if not _may_import(role, world, target.import_kind):
        return FORBIDDEN
    if target.side is None:
        return OK
    return OK if _owns(role, world, target.import_kind, target.side) else Expect((404,))


@pytest.mark.parametrize("role", ROLES)
def test_import_api_matrix(role, world):
    failures = _import_api_failures(role, world)
    assert not failures, f"{len(failures)} import API failure(s):\n" + "\n".join(failures)


def _import_api_failures(role: str, world: World) -> list[str]:
    from imports.models import ImportRow

    client = _api_client(_user_for(role, world))
    hidden = _hidden_marks(role, world)
    counts = _import_counts()
    before = {row.pk: (row.data, row.errors, row.corrected, row.status) for row in ImportRow.objects.all()}
    failures = []
    for target in _import_api_urls(world):
        expect = _expected_import_api(role, world, target)
        kwargs = {"format": "json"} if target.data is not None else {}
        response = getattr(client, target.method)(target.url, *([target.data] if target.data else []), **kwargs)
        where = f"[{role}] {target.method.upper()} {target.url} ({target.kind})"
        problem = _check_status(client, response, target.url, expect)
        if target.method == "delete" and 200 <= response.status_code < 300:
            problem = f"got {response.status_code}: DELETE must never succeed"
        if problem:
            failures.append(f"{where}: expected {expect.describe()}, {problem}")
            continue
        if response.status_code != 200:
            continue
        body = _body(response)
        failures += [f"{where}: leaks {what} ({mark!r})" for mark, what in hidden.items() if mark in body]
        if target.kind == "list":
            ids = {row["id"] for row in response.json()["results"]}
            mine = {
                world.jobs[target.import_kind][s].pk for s in ("A", "B") if _owns(role, world, target.import_kind, s)
            }
            others = {world.jobs[target.import_kind][s].pk for s in ("A", "B")} - mine
            if ids & others:
                failures.append(f"{where}: leaks job ids {sorted(ids & others)} of other users")
            if mine - ids:
                failures.append(f"{where}: own job ids {sorted(mine - ids)} missing from the list")
        elif target.kind == "rows":
            job = world.jobs[target.import_kind][target.side]
            ids = {row["id"] for row in response.json()["results"]}
            foreign = ids - set(job.rows.values_list("pk", flat=True))
            if foreign or not ids:
                failures.append(f"{where}: rows {sorted(ids)} are not exactly job {job.pk}'s error rows")
        elif target.kind == "template" and not body:
            failures.append(f"{where}: empty template")
    # Nothing deleted; the rows of jobs the role may not touch unchanged.
    if _import_counts() != counts:
        failures.append(f"[{role}] import jobs/rows went from {counts} to {_import_counts()}")
    for kind in IMPORTS:
        for side in ("A", "B"):
            row = world.rows[kind][side]
            if not (_may_import(role, world, kind) and _owns(role, world, kind, side)):
                now = ImportRow.objects.get(pk=row.pk)
                if (now.data, now.errors, now.corrected, now.status) != before[row.pk]:
                    failures.append(f"[{role}] {kind} row {row.pk} of {JOB_OWNER[side]} was changed")
    return failures


# Admin pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminExtraURL:
    url: str
    name: str  # the URL pattern's name
    kind: str  # export, import, import_template, import_job, import_resend, import_row, password, version
    import_kind: str | None = None
    side: str | None = None
    redirect_to: str | None = None  # for GET resend: the job page
    model: type | None = None  # for version


# Admin URL names beyond changelist/add/change/history/delete that have expectations here.
def _admin_extra_urls(world: World) -> list[AdminExtraURL]:
    urls = [
        AdminExtraURL(
            reverse("admin:customers_customer_export") + "?file_format=csv", "customers_customer_export", "export"
        )
    ]
    for kind, (_prefix, _perm_name, label, _stem) in IMPORTS.items():
        app, model = label.lower().split(".")
        name = f"{app}_{model}"
        urls.append(AdminExtraURL(reverse(f"admin:{name}_import"), f"{name}_import", "import", kind))
        for file_format in ("csv", "xlsx"):
            urls.append(
                AdminExtraURL(
                    reverse(f"admin:{name}_import_template", args=[file_format]),
                    f"{name}_import_template",
                    "import_template",
                    kind,
                )  # fmt: skip
            )
        for side in ("A", "B"):
            job, row = world.jobs[kind][side], world.rows[kind][side]
            job_url = reverse(f"admin:{name}_import_job", args=[job.pk])
            urls += [
                AdminExtraURL(job_url, f"{name}_import_job", "import_job", kind, side),
                AdminExtraURL(
                    reverse(f"admin:{name}_import_resend", args=[job.pk]),
                    f"{name}_import_resend",
                    "import_resend",
                    kind,
                    side,
                    redirect_to=job_url,
                ),  # fmt: skip
                AdminExtraURL(
                    reverse(f"admin:{name}_import_row", args=[job.pk, row.pk]),
                    f"{name}_import_row",
                    "import_row",
                    kind,
                    side,
                ),
            ]
    # Django's user admin: "change password" of a user (scoped like the change page).
    for side, user in world.samples["users.User"].items():
        urls.append(
            AdminExtraURL(
                reverse("admin:auth_user_password_change", args=[user.pk]),
                "auth_user_password_change",
                "password",
                side=side,
            )
        )
    # django-simple-history: one past version of an object ("<id>/history/<history_id>/").
    for model in _admin_models():
        name = f"{model._meta.app_label}_{model._meta.model_name}_simple_history"
        if not hasattr(model, "history") or model._meta.label not in world.samples:
            continue
        for side, obj in world.samples[model._meta.label].items():
            version = obj.history.latest().history_id
            url = reverse(f"admin:{name}", args=[quote(obj.pk), version])
            urls.append(AdminExtraURL(url, name, "version", side=side, model=model))
    return urls


def _expected_admin_extra(role: str, world: World, target: AdminExtraURL) -> Expect:
    if role == "anonymous":
        return TO_LOGIN
    if role == "agent_a":
        return AGENT_FORBIDDEN
    if target.kind == "export":
        from customers.models import Customer

        return OK if role == "admin" or _can_view(world, Customer) else FORBIDDEN
    if target.kind == "version":
        # Like the change page: a past version of an object outside the viewer's queryset
        # is never shown (Django's "doesn't exist" redirect, 403 or 404; never 200). A
        # visible one leads to the object's history: there is no revert form (issue 14).
        to_history = Expect((302,), location=target.url.rstrip("/").rsplit("/", 1)[0] + "/")
        if role == "admin":
            return to_history
        if not _can_view(world, target.model):
            return FORBIDDEN
        visible = SAMPLES[target.model._meta.label].scoped and target.side == SUPERVISOR_SIDE[role]
        return to_history if visible else Expect((302, 403, 404), location=ADMIN_INDEX)
    if target.kind == "password":
        from users.models import User

        if role == "admin":
            return OK
        if _perm(User, "change") not in world.profile_perms:
            return FORBIDDEN
        return OK if target.side == SUPERVISOR_SIDE[role] else Expect((404,))
    if not _may_import(role, world, target.import_kind):
        return FORBIDDEN
    if target.kind == "import_resend":
        # A GET only redirects to the job page (which answers 404 to a non-owner).
        return Expect((302, 404), location=target.redirect_to)
    if target.side is None:
        return OK
    return OK if _owns(role, world, target.import_kind, target.side) else Expect((404,))


def test_every_extra_admin_url_has_expectations(world):
    standard = {"changelist", "add", "history", "delete", "change"}
    registered = set()
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None)
            if name and not (name.startswith(prefix) and name[len(prefix) :] in standard):
                registered.add(name)
    covered = {target.name for target in _admin_extra_urls(world)}
    missing = sorted(registered - covered)
    assert not missing, (
        "admin URLs without expectations (add them to _admin_extra_urls in tests/test_access_matrix.py): "
        + ", ".join(missing)
    )


@pytest.mark.parametrize("role", ROLES)
def test_admin_extra_urls_matrix(role, world):
    failures = _admin_extra_failures(role, world)
    assert not failures, f"{len(failures)} admin import/export failure(s):\n" + "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_admin_history_versions_matrix(role, world):
    """django-simple-history's "<id>/history/<history_id>/" (a past version, with a revert
    form) must be scoped like the change page: never 200 outside the viewer's queryset."""
    failures = _admin_extra_failures(role, world, versions=True)
    assert not failures, f"{len(failures)} history-version failure(s):\n" + "\n".join(failures)


def test_admin_history_versions_with_grants(world, supervisor_profile):
    """The same with view + change granted on groups and on the admin-only models."""
    perms = [
        _perm(type(world.samples[label]["A"]), action) for label in ADMIN_ONLY_LABELS for action in ("view", "change")
    ]
    _grant(world, supervisor_profile, *GROUP_PERMS, *perms)
    failures = []
    for role in SUPERVISOR_SIDE:
        failures += _admin_extra_failures(role, world, versions=True)
    assert not failures, f"{len(failures)} history-version failure(s) with the grants:\n" + "\n".join(failures)


def _admin_extra_failures(role: str, world: World, versions: bool = False) -> list[str]:
    """The import/export/password pages (``versions=False``) or the history versions."""
    client = _web_client(_user_for(role, world))
    side = SUPERVISOR_SIDE.get(role)
    hidden = _hidden_marks(role, world)
    if side:
        hidden |= {name: f"{label} of operation {OTHER[side]}" for label, name in _names(world, OTHER[side]).items()}
    counts = _import_counts()
    failures = []
    for target in _admin_extra_urls(world):
        if (target.kind == "version") != versions:
            continue
        expect = _expected_admin_extra(role, world, target)
        response = client.get(target.url)
        where = f"[{role}] GET {target.url} ({target.kind})"
        problem = _check_status(client, response, target.url, expect)
        if problem:
            failures.append(f"{where}: expected {expect.describe()}, {problem}")
            continue
        if response.status_code != 200:
            continue
        body = _body(response)
        # (The user template's example row names an "Operação A" of its own: static text.)
        marks = _hidden_marks(role, world) if target.kind == "import_template" else hidden
        failures += [f"{where}: leaks {what} ({mark!r})" for mark, what in marks.items() if mark in body]
        if target.kind == "export":
            customers = [c.display_name for c in world.samples["customers.Customer"].values()]
            if role == "admin":
                failures += [f"{where}: admin export lacks {name!r}" for name in customers if name not in body]
            else:
                failures += [f"{where}: export leaks customer {name!r}" for name in customers if name in body]
        elif target.kind in ("import_job", "import_row"):
            # The job page names the file; the row page shows the row's data.
            mark = _job_marks(world, target.import_kind, target.side)[target.kind == "import_row"]
            if mark not in body:
                failures.append(f"{where}: the page does not show {mark!r}")
    # POST "REENVIAR" to each job: the owner/admin are sent back to the job page; anyone else
    # gets nothing done (403 without the permission, 404 for another's job).
    for target in _admin_extra_urls(world):
        if target.kind != "import_resend":
            continue
        expect = _expected_admin_extra(role, world, target)
        if expect.statuses == (302, 404) and not _owns(role, world, target.import_kind, target.side):
            expect = Expect((404,))
        elif expect.statuses == (302, 404):
            expect = Expect((302,), location=target.redirect_to)
        response = client.post(target.url)
        problem = _check_status(client, response, target.url, expect)
        if problem:
            failures.append(f"[{role}] POST {target.url} (import_resend): expected {expect.describe()}, {problem}")
    if _import_counts() != counts:
        failures.append(f"[{role}] import jobs/rows went from {counts} to {_import_counts()}")
    return failures


# No leak: exports and job lists for supervisors ------------------------------------------


def test_supervisors_never_see_other_users_import_jobs_or_customers(world):
    """bia's user-imports list holds her own job only; caio and davi (no job) see an empty
    list; the customer export gives supervisors 403 or no rows, in the API and the admin."""
    for role in SUPERVISOR_SIDE:
        api = _api_client(world.cast[role])
        response = api.get("/api/v1/user-imports/?page_size=500")
        assert response.status_code == 200, (role, response.status_code)
        ids = {row["id"] for row in response.json()["results"]}
        own = {job.pk for job in world.jobs["users"].values() if job.created_by_id == world.cast[role].pk}
        assert ids == own, f"{role}'s user-imports list: {sorted(ids)}, expected {sorted(own)}"
        # Filters and search do not widen it.
        for query in ("?status=done", f"?search={world.jobs['users']['B'].file_name}"):
            response = api.get(f"/api/v1/user-imports/{query}")
            assert response.status_code in (200, 400), (role, query, response.status_code)
            if response.status_code == 200:
                assert not {row["id"] for row in response.json()["results"]} - own, (role, query)
        for path in (api, _web_client(world.cast[role])):
            url = (
                "/api/v1/customers/export/?file_format=csv"
                if path is api
                else "/admin/customers/customer/export/?file_format=csv"
            )
            response = path.get(url)
            _assert_export_does_not_leak(world, role, url, response)


def _assert_export_does_not_leak(world: World, role: str, url: str, response) -> None:
    assert response.status_code in (200, 403), (role, url, response.status_code)
    if response.status_code == 200:
        lines = [line for line in _body(response).splitlines() if line.strip()]
        assert len(lines) == 1, f"{role}: {url} exports {len(lines) - 1} customer row(s)"
        for customer in world.samples["customers.Customer"].values():
            assert customer.display_name not in lines[0] and customer.phone[3:] not in lines[0]


def test_supervisor_granted_customer_import(world, supervisor_profile):
    """A profile granting customers.add_customer (and view): bia's own customer job opens,
    ana's stays 404, the customer export stays empty (customers are admin-only data)."""
    _grant(world, supervisor_profile, "customers.add_customer", "customers.view_customer")
    failures = []
    for role in SUPERVISOR_SIDE:
        failures += _import_api_failures(role, world)
        failures += _admin_extra_failures(role, world)
    assert not failures, f"{len(failures)} failure(s) with the customer import grant:\n" + "\n".join(failures)
    for role in SUPERVISOR_SIDE:
        for client, url in (
            (_api_client(world.cast[role]), "/api/v1/customers/export/?file_format=csv"),
            (_web_client(world.cast[role]), "/admin/customers/customer/export/?file_format=csv"),
        ):
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            _assert_export_does_not_leak(world, role, url, response)


# --------------------------------------------------------------------------------------
# Profiles granting more than the fixtures' supervisor profile
# --------------------------------------------------------------------------------------

GROUP_PERMS = ("attendance.view_servicegroup", "attendance.change_servicegroup")
ADMIN_ONLY_LABELS = (
    "attendance.Bot",
    "surveys.Survey",
    "classifications.Classification",
    "customers.Customer",
    "customers.CustomerAttribute",
    "attendance.Channel",  # API only: no admin screen
)


def _grant(world: World, profile, *perms: str) -> None:
    """Add ``perms`` to the supervisors' profile; reload the users (they cache permissions)."""
    from django.contrib.auth.models import Permission

    for dotted in perms:
        app, code = dotted.split(".")
        profile.permissions.add(Permission.objects.get(content_type__app_label=app, codename=code))
    world.profile_perms |= set(perms)
    for role in SUPERVISOR_SIDE:
        world.cast[role] = type(world.cast[role]).objects.get(pk=world.cast[role].pk)


def _admin_path(model, kind: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{kind}", args=args)


def _operation_filter_choices(response) -> set[int] | None:
    """The operation ids offered by the changelist's operation filter (None: not shown)."""
    for spec in response.context["cl"].filter_specs:
        if getattr(spec, "field_path", None) == "operation":
            return {pk for pk, _label in spec.lookup_choices}
    return None


def test_supervisor_with_group_permissions(world, supervisor_profile):
    """A profile granting view + change on service groups: own operation's group only."""
    from attendance.models import ServiceGroup

    _grant(world, supervisor_profile, *GROUP_PERMS)
    # The whole matrix again with the grant (own group 200, the other's redirect/404).
    failures = []
    for role in SUPERVISOR_SIDE:
        failures += _admin_matrix_failures(role, world)
        failures += _api_matrix_failures(role, world)
    assert not failures, f"{len(failures)} failure(s) with the group grant:\n" + "\n".join(failures)

    group_a, group_b = (world.samples["attendance.ServiceGroup"][side] for side in ("A", "B"))
    op_a, op_b = world.operations["A"], world.operations["B"]
    agent_b = world.cast["agent_b"]
    # A second operation for bia: Django shows a related filter only with 2+ choices.
    op_a2 = Operation.objects.create(name="Operação A2", company=op_a.company)
    bia = world.cast["supervisor_a"]
    bia.operations.add(op_a2)
    bia = world.cast["supervisor_a"] = type(bia).objects.get(pk=bia.pk)
    web = _web_client(bia)
    leaks = [group_b.name, op_b.name, "Empresa Beta", str(agent_b)]

    # Admin: change and history of A's group 200, of B's group the "doesn't exist" redirect.
    for kind in ("change", "history"):
        response = web.get(_admin_path(ServiceGroup, kind, group_a.pk))
        assert response.status_code == 200, (kind, response.status_code)
        html = response.content.decode()
        assert group_a.name in html
        assert not [name for name in leaks if name in html], f"{kind} of A's group leaks B"
        response = web.get(_admin_path(ServiceGroup, kind, group_b.pk))
        assert response.status_code == 302, (kind, response.status_code)
        assert urlsplit(response["Location"]).path == ADMIN_INDEX
    # A POST to B's change form changes nothing.
    response = web.post(_admin_path(ServiceGroup, "change", group_b.pk), {"name": "Invadido"})
    assert response.status_code in (302, 403, 404)
    group_b.refresh_from_db()
    assert group_b.name == "Grupo Beta"

    # Changelist: A's group only, and the operation filter lists A's operations only.
    changelist = _admin_path(ServiceGroup, "changelist")
    response = web.get(changelist)
    assert response.status_code == 200
    html = response.content.decode()
    assert group_a.name in html and op_a2.name in html
    assert not [name for name in leaks if name in html], "changelist leaks B"
    assert _operation_filter_choices(response) == {op_a.pk, op_a2.pk}
    # Asking for B's operation by id shows nothing of it either.
    response = web.get(f"{changelist}?operation__id__exact={op_b.pk}")
    assert response.status_code in (200, 302)
    assert group_b.name not in response.content.decode()
    # (The admin's filter does list B: the check above is not vacuous.)
    response = _web_client(world.cast["admin"]).get(changelist)
    assert {op_a.pk, op_b.pk, op_a2.pk} <= _operation_filter_choices(response)

    # API: list shows A's group only; PATCH of A's 200, of B's 404.
    api = _api_client(bia)
    for query in ("", f"&operation={op_b.pk}", f"&agents={agent_b.pk}"):
        response = api.get(f"/api/v1/groups/?page_size=500{query}")
        assert response.status_code in ((200,) if not query else (200, 400)), (query, response.status_code)
        if response.status_code == 200:
            ids = {row["id"] for row in response.json()["results"]}
            assert group_b.pk not in ids, f"groups list{query} leaks B's group"
            if not query:
                assert ids == {group_a.pk}
    response = api.patch(f"/api/v1/groups/{group_a.pk}/", {"inactivity_timeout_minutes": 30}, format="json")
    assert response.status_code == 200, response.content
    group_a.refresh_from_db()
    assert group_a.inactivity_timeout_minutes == 30
    assert group_b.pk not in response.json()["transfer_targets"]
    response = api.patch(f"/api/v1/groups/{group_b.pk}/", {"inactivity_timeout_minutes": 30}, format="json")
    assert response.status_code == 404, response.content
    group_b.refresh_from_db()
    assert group_b.inactivity_timeout_minutes == 1440
    # Nor can A's group be pointed at B's operation, group or agents.
    for payload in (
        {"operation": op_b.pk},
        {"parent": group_b.pk},
        {"transfer_targets": [group_b.pk]},
        {"agents": [agent_b.pk]},
    ):
        response = api.patch(f"/api/v1/groups/{group_a.pk}/", payload, format="json")
        assert response.status_code == 400, (payload, response.status_code, response.content)
    group_a.refresh_from_db()
    assert group_a.operation_id == op_a.pk and group_a.parent_id is None
    assert not group_a.transfer_targets.exists()
    assert list(group_a.agents.all()) == [world.cast["agent_a"]]


def test_supervisor_granted_admin_only_models(world, supervisor_profile):
    """Bots, surveys and classifications have no ``scope_path``: even a profile granting
    view + change leaves a supervisor with empty lists (``scope_queryset`` → ``none()``)."""
    perms = [
        _perm(model, action)
        for model in (type(world.samples[label]["A"]) for label in ADMIN_ONLY_LABELS)
        for action in ("view", "change")
    ]
    _grant(world, supervisor_profile, *perms)
    failures = _admin_matrix_failures("supervisor_a", world) + _api_matrix_failures("supervisor_a", world)
    assert not failures, f"{len(failures)} failure(s) with the grant:\n" + "\n".join(failures)

    bia = world.cast["supervisor_a"]
    web, api = _web_client(bia), _api_client(bia)
    prefixes = {model: prefix for prefix, _viewset, _basename, model in _api_resources()}
    for label in ADMIN_ONLY_LABELS:
        pair = world.samples[label]
        model = type(pair["A"])
        if model in admin.site._registry:
            response = web.get(_admin_path(model, "changelist"))
            assert response.status_code == 200, (label, response.status_code)
            assert response.context["cl"].result_count == 0, label
            html = response.content.decode()
            assert not [str(obj) for obj in pair.values() if str(obj) in html], f"{label} changelist shows objects"
            for obj in pair.values():
                response = web.get(_admin_path(model, "change", obj.pk))
                assert response.status_code == 302, (label, response.status_code)
                assert urlsplit(response["Location"]).path == ADMIN_INDEX
        response = api.get(f"/api/v1/{prefixes[model]}/?page_size=500")
        assert response.status_code == 200, (label, response.status_code)
        assert response.json()["results"] == [], label
        response = api.patch(f"/api/v1/{prefixes[model]}/{pair['A'].pk}/", {"is_active": False}, format="json")
        assert response.status_code == 404, (label, response.status_code)
        pair["A"].refresh_from_db()
        assert pair["A"].is_active


# --------------------------------------------------------------------------------------
# Attendances (SPEC §0, §8, §10): explicit expectations
# --------------------------------------------------------------------------------------
#
# ``attendances`` has a permission of its own (``AttendancePermission``) and agents use it,
# so it is not derived from SAMPLES. Three attendances, all in progress: "A" in A's group,
# assigned to eva (agent_a) by the distribution; "B" in B's group, assigned to fabio
# (agent_b) the same way; "A_davi" in A's group, assigned to davi (supervisor_agent_a)
# directly. Each has a customer message and an event carrying a mark of its own, so the
# leak checks cover the detail's ``messages`` and ``events`` too.
#
# Who sees what: admins everything; agents their own attendances; supervisors and
# supervisor-agents need ``attendance.view_attendance`` on their profile (a plain
# supervisor without it: 403) and then see the attendances of their operations' groups;
# supervisor-agents always see their own (davi without the permission: his only).
# Outside the viewer's queryset: 404 through the detail and every action. Acting
# (``transfer``, ``close``) needs being the assigned agent, an admin, or a supervisor with
# ``attendance.change_attendance`` (403 otherwise); ``messages`` only the assigned agent
# (403 for anyone else who sees it). DELETE: 405 (401/403 where the permission fails
# first); nothing is ever deleted.
#
# The matrix's transfer / close payloads fail validation after the access checks (no
# target; an unknown classification node), so an allowed action answers 400 and the
# attendances stay as they are from role to role; ``messages`` really sends (201).
# ``test_attendance_actions_really_act`` closes for real.


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
# Every extra action of AttendanceViewSet and its HTTP methods, with expectations below.
ATTENDANCE_API_ACTIONS = {"messages": {"post", "get"}, "transfer": {"post"}, "close": {"post"}}
ATTENDANCE_PAYLOADS = {
    "messages": {"kind": "text", "text": "Resposta do agente"},
    "transfer": {},  # no target: 400 once allowed
    "close": {"classification_node": 999_999_999},  # unknown node: 400 once allowed
}
# API prefixes with explicit expectations: (extra action -> methods, where they are listed).
_ANY_METHOD = {"get", "post", "put", "patch", "delete"}
EXPLICIT_ACTIONS = {
    **{prefix: (dict.fromkeys(IMPORT_API_ACTIONS, _ANY_METHOD), "IMPORT_API_ACTIONS") for prefix in EXPLICIT_API},
    "attendances": (ATTENDANCE_API_ACTIONS, "ATTENDANCE_API_ACTIONS"),
}
VIEW_ATTENDANCE, CHANGE_ATTENDANCE = "attendance.view_attendance", "attendance.change_attendance"


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


def _attendance_marks(world: World, key: str) -> dict[str, str]:
    """What only a viewer of this attendance may read (detail, messages, events)."""
    attendance, mark = world.attendances[key], ATTENDANCES[key].mark
    return {
        "protocol": attendance.protocol,
        "customer": attendance.customer.display_name,
        "message": f"Segredo {mark}",
        "event": f"Evento {mark}",
    }


def _att_permitted(role: str, world: World) -> bool:
    """Passes AttendancePermission: admins, agents, supervisor-agents; supervisors with view."""
    if role == "anonymous":
        return False
    return role in ("admin", "agent_a", "supervisor_agent_a") or VIEW_ATTENDANCE in world.profile_perms


def _att_visible(role: str, world: World, key: str) -> bool:
    if not _att_permitted(role, world):
        return False
    spec = ATTENDANCES[key]
    if role == "admin" or spec.owner == role:
        return True
    return role in SUPERVISOR_SIDE and VIEW_ATTENDANCE in world.profile_perms and spec.side == SUPERVISOR_SIDE[role]


def _att_can_act(role: str, world: World, key: str) -> bool:
    """transfer / close: the assigned agent, an admin, a supervisor with change_attendance."""
    if not _att_visible(role, world, key):
        return False
    return (
        role == "admin"
        or ATTENDANCES[key].owner == role
        or (role in SUPERVISOR_SIDE and CHANGE_ATTENDANCE in world.profile_perms)
    )


@dataclass(frozen=True)
class AttendanceURL:
    url: str
    kind: str  # list, filtered, detail, delete, messages, transfer, close
    method: str = "get"
    key: str | None = None
    data: dict | None = None


def _attendance_urls(world: World) -> list[AttendanceURL]:
    base = reverse("attendance-list")
    urls = [
        AttendanceURL(f"{base}?page_size=500", "list"),
        AttendanceURL(f"{base}?page_size=500&status=in_progress", "filtered"),
    ]
    for key, attendance in world.attendances.items():
        # Filters and search naming any attendance never widen the list.
        for query in (
            f"group={attendance.group_id}",
            f"agent={attendance.agent_id}",
            f"customer={attendance.customer_id}",
            f"search={attendance.protocol}",
            f"q={attendance.protocol}",
            "agent=me",
            "status=in_progress,pending,closed",
            "opened_after=2000-01-01&opened_before=2100-12-31",
        ):
            urls.append(AttendanceURL(f"{base}?page_size=500&{query}", "filtered"))
        detail = reverse("attendance-detail", args=[attendance.pk])
        urls += [AttendanceURL(detail, "detail", key=key), AttendanceURL(detail, "delete", method="delete", key=key)]
        for action in ATTENDANCE_API_ACTIONS:
            url = reverse(f"attendance-{action}", args=[attendance.pk])
            urls.append(AttendanceURL(url, action, method="post", key=key, data=ATTENDANCE_PAYLOADS[action]))
        urls.append(AttendanceURL(reverse("attendance-messages", args=[attendance.pk]), "messages_list", key=key))
    return urls


def _expected_attendance_api(role: str, world: World, target: AttendanceURL) -> Expect:
    if role == "anonymous":
        return Expect((401,))
    if not _att_permitted(role, world):
        return FORBIDDEN
    if target.kind == "list":
        return OK
    if target.kind == "filtered":
        return Expect((200, 400))
    if target.kind == "delete":
        return Expect((405,))
    if not _att_visible(role, world, target.key):
        return Expect((404,))
    if target.kind in ("detail", "messages_list"):
        return OK
    if target.kind == "messages":
        return Expect((201,)) if ATTENDANCES[target.key].owner == role else FORBIDDEN
    return Expect((400,)) if _att_can_act(role, world, target.key) else FORBIDDEN


def _attendance_state():
    from attendance.models import Attendance, Event, Message

    rows = {
        a.pk: (a.status, a.agent_id, a.group_id, a.closed_at, a.close_reason, a.classification_node_id)
        for a in Attendance.objects.all()
    }
    return rows, Event.objects.count(), Message.objects.count()


def _attendance_api_failures(role: str, world: World) -> list[str]:
    client = _api_client(_user_for(role, world))
    visible = {key for key in ATTENDANCES if _att_visible(role, world, key)}
    visible_ids = {world.attendances[key].pk for key in visible}
    hidden = {
        mark: f"attendance {key}'s {what}"
        for key in ATTENDANCES
        if key not in visible
        for what, mark in _attendance_marks(world, key).items()
    }
    hidden |= dict.fromkeys(world.secrets, "a channel token")
    rows, events, messages = _attendance_state()
    sent, failures = 0, []
    for target in _attendance_urls(world):
        expect = _expected_attendance_api(role, world, target)
        if target.method == "post":
            response = client.post(target.url, target.data, format="json")
        else:
            response = getattr(client, target.method)(target.url)
        where = f"[{role}] {target.method.upper()} {target.url} ({target.kind})"
        problem = _check_status(client, response, target.url, expect)
        if target.method == "delete" and 200 <= response.status_code < 300:
            problem = f"got {response.status_code}: DELETE must never succeed"
        if problem:
            failures.append(f"{where}: expected {expect.describe()}, {problem}")
            continue
        sent += response.status_code == 201
        if not 200 <= response.status_code < 300:
            continue
        body = response.content.decode()
        failures += [f"{where}: leaks {what} ({mark!r})" for mark, what in hidden.items() if mark in body]
        if target.kind in ("list", "filtered"):
            ids = {row["id"] for row in response.json()["results"]}
            if ids - visible_ids:
                failures.append(f"{where}: leaks attendance ids {sorted(ids - visible_ids)}")
            if target.kind == "list" and visible_ids - ids:
                failures.append(f"{where}: attendance ids {sorted(visible_ids - ids)} missing from the list")
        elif target.kind == "detail":
            # The detail carries the attendance's own messages and events (not vacuous).
            marks = _attendance_marks(world, target.key)
            missing = [what for what, mark in marks.items() if mark not in body]
            if missing:
                failures.append(f"{where}: the detail lacks its own {', '.join(missing)}")
    # Nothing deleted or changed; the only new rows are the messages that were sent.
    rows_after, events_after, messages_after = _attendance_state()
    if rows_after != rows:
        changed = sorted(pk for pk in rows.keys() | rows_after.keys() if rows.get(pk) != rows_after.get(pk))
        failures.append(f"[{role}] attendances {changed} changed or vanished")
    if events_after != events:
        failures.append(f"[{role}] events went from {events} to {events_after}")
    if messages_after - messages != sent:
        failures.append(f"[{role}] {messages_after - messages} messages added, {sent} sent (201)")
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_attendance_api_matrix(role, world):
    """The fixtures' profile: no attendance permission (bia, caio 403; davi his own only)."""
    failures = _attendance_api_failures(role, world)
    assert not failures, f"{len(failures)} attendance API failure(s):\n" + "\n".join(failures)


def test_supervisors_granted_view_attendance(world, supervisor_profile):
    """view_attendance: their operations' attendances (davi also his own); acting 403."""
    _grant(world, supervisor_profile, VIEW_ATTENDANCE)
    failures = []
    for role in ROLES:
        failures += _attendance_api_failures(role, world)
    for role in SUPERVISOR_SIDE:  # the admin's read-only attendance screens, scoped alike
        failures += _admin_matrix_failures(role, world)
    assert not failures, f"{len(failures)} failure(s) with view_attendance:\n" + "\n".join(failures)


def test_supervisors_granted_change_attendance(world, supervisor_profile):
    """view + change: transfer / close their operations' attendances; the other's 404."""
    _grant(world, supervisor_profile, VIEW_ATTENDANCE, CHANGE_ATTENDANCE)
    failures = []
    for role in SUPERVISOR_SIDE:
        failures += _attendance_api_failures(role, world)
    assert not failures, f"{len(failures)} failure(s) with change_attendance:\n" + "\n".join(failures)


def test_transfer_never_reaches_or_names_another_operation(world, supervisor_profile):
    """Transferring one's own attendance (eva) or one's operation's (bia, granted) to B's
    group or B's agent: refused (400), nothing moves, and the answer does not name them."""
    _grant(world, supervisor_profile, VIEW_ATTENDANCE, CHANGE_ATTENDANCE)
    group_b, agent_b = world.samples["attendance.ServiceGroup"]["B"], world.cast["agent_b"]
    attendance = world.attendances["A"]
    names = _names(world, "B") | {"agent_b": str(agent_b), "agent_b name": agent_b.display_name}
    before = _attendance_state()
    failures = []
    for role in ("agent_a", "supervisor_a"):
        client = _api_client(world.cast[role])
        for payload in ({"group": group_b.pk}, {"agent": agent_b.pk}, {"group": group_b.pk, "agent": agent_b.pk}):
            response = client.post(f"/api/v1/attendances/{attendance.pk}/transfer/", payload, format="json")
            where = f"[{role}] POST /api/v1/attendances/{attendance.pk}/transfer/ {payload}"
            if response.status_code != 400:
                failures.append(f"{where}: expected 400, got {response.status_code}")
            body = response.content.decode()
            failures += [f"{where}: names {what} {mark!r}" for what, mark in names.items() if mark in body]
    if _attendance_state() != before:
        failures.append("a refused transfer changed attendances, events or messages")
    assert not failures, "\n".join(failures)


def test_attendance_actions_really_act(world, supervisor_profile):
    """The allowed actions do act: eva closes her own; bia (view + change) closes davi's
    (operation A); nobody closes B's from operation A."""
    from attendance.models import Attendance, Status

    _grant(world, supervisor_profile, VIEW_ATTENDANCE, CHANGE_ATTENDANCE)
    a, davis, b = (world.attendances[key] for key in ("A", "A_davi", "B"))
    for role in ("agent_a", "supervisor_a", "supervisor_agent_a"):
        response = _api_client(world.cast[role]).post(f"/api/v1/attendances/{b.pk}/close/", {}, format="json")
        assert response.status_code == 404, (role, response.status_code)
    response = _api_client(world.cast["agent_a"]).post(f"/api/v1/attendances/{a.pk}/close/", {}, format="json")
    assert response.status_code == 200, response.content
    response = _api_client(world.cast["supervisor_a"]).post(f"/api/v1/attendances/{davis.pk}/close/", {}, format="json")
    assert response.status_code == 200, response.content
    closed = {x.pk: (x.status, x.close_reason) for x in Attendance.objects.all()}
    assert closed[a.pk] == (Status.CLOSED, "agent")
    assert closed[davis.pk][0] == Status.CLOSED and closed[davis.pk][1] != "agent"
    assert closed[b.pk][0] == Status.IN_PROGRESS
    # Closed, still readable by who may see it; still 404 for the others.
    assert _api_client(world.cast["agent_a"]).get(f"/api/v1/attendances/{a.pk}/").status_code == 200
    assert _api_client(world.cast["supervisor_b"]).get(f"/api/v1/attendances/{a.pk}/").status_code == 404


# Channels' token, inbound and presence --------------------------------------------------


def test_channel_token_is_shown_once_and_only_to_admins(world):
    url = reverse("channel-list")
    payload = {"name": "Canal Novo", "network": "telegram"}
    for role in ROLES:
        if role == "admin":
            continue
        response = _api_client(_user_for(role, world)).post(url, payload, format="json")
        assert response.status_code == (401 if role == "anonymous" else 403), (role, response.status_code)
    admin_api = _api_client(world.cast["admin"])
    response = admin_api.post(url, payload, format="json")
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    assert token and len(token) >= 20
    for path in (f"{url}{response.json()['id']}/", f"{url}?page_size=500", f"{url}{response.json()['id']}/history/"):
        again = admin_api.get(path)
        assert again.status_code == 200 and token not in again.content.decode(), path


# Every URL under /api/v1/ outside the router, and where its expectations live.
PLAIN_API_URLS = {
    "api-inbound": "test_inbound_needs_a_channel_token",
    "api-presence": "test_presence_matrix",
    "api-token": "tests/users/test_api.py",
    "api-password": "tests/users/test_must_change_password.py",
    "api-schema": "tests/users/test_api.py",
    "api-docs": "tests/users/test_api.py",
    "api-active-messages": "tests/workspace/test_api.py",
    # Reports (SPEC §9): roles, profile permissions and scoping in tests/reports/test_api.py
    # (test_permissions_follow_role_and_profile, test_the_supervisor_of_b_never_sees_a_number_of_a).
    "api-dashboard": "tests/reports/test_api.py",
    "api-service-level": "tests/reports/test_api.py",
    "api-survey-results": "tests/reports/test_api.py",
}


def test_every_plain_api_url_has_expectations():
    from django.urls import URLPattern

    from config.urls import urlpatterns

    names = {p.name for p in urlpatterns if isinstance(p, URLPattern) and str(p.pattern).startswith("api/")}
    missing = sorted(names - set(PLAIN_API_URLS))
    assert not missing, "API URLs without expectations (PLAIN_API_URLS in tests/test_access_matrix.py): " + ", ".join(
        missing
    )


def test_inbound_needs_a_channel_token(world):
    """SPEC §8.2: only a channel's Bearer token; a user's token or session is no channel."""
    from rest_framework.authtoken.models import Token

    from attendance.models import Attendance, Channel, Message
    from customers.models import Customer
    from tests.factories import make_channel

    url = reverse("api-inbound")
    payload = {"network": "whatsapp", "phone": "34991239999", "display_name": "Cliente Intruso", "text": "oi"}
    user_token = Token.objects.get_or_create(user=world.cast["admin"])[0].key
    inactive, inactive_token = make_channel(name="Canal Inativo")
    Channel.objects.filter(pk=inactive.pk).update(is_active=False)
    token_a = world.channel_tokens["A"]
    headers = {
        "no header": None,
        "a wrong bearer token": "Bearer nao-e-um-token",
        "a bare Bearer": "Bearer",
        "a user's Token": f"Token {user_token}",
        "a user's token as Bearer": f"Bearer {user_token}",
        "an inactive channel's token": f"Bearer {inactive_token}",
        "a channel's token hash": f"Bearer {world.samples['attendance.Channel']['A'].token_hash}",
        "a channel's token with the Token keyword": f"Token {token_a}",
    }
    counts = lambda: (Attendance.objects.count(), Customer.objects.count(), Message.objects.count())  # noqa: E731
    before = counts()
    failures = []
    for what, header in headers.items():
        extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
        response = APIClient().post(url, payload, format="json", **extra)
        if response.status_code != 401:
            failures.append(f"POST {url} with {what}: expected 401, got {response.status_code}")
    # Every logged-in role's session (and the user token on top): still no channel.
    for role in ROLES[1:]:
        web = _web_client(world.cast[role])
        response = web.post(url, payload, content_type="application/json")
        if response.status_code != 401:
            failures.append(f"[{role}] POST {url} with a session: expected 401, got {response.status_code}")
    if counts() != before:
        failures.append(f"refused inbound calls created rows: {before} → {counts()}")
    # The right token is accepted (the checks above are not vacuous).
    response = APIClient().post(url, payload, format="json", HTTP_AUTHORIZATION=f"Bearer {token_a}")
    if response.status_code not in (200, 201):
        failures.append(f"POST {url} with channel A's token: expected 200/201, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_presence_matrix(world):
    """GET: any logged-in user (own presence); POST: agents and supervisor-agents only."""
    from attendance.models import AgentPresence

    url = reverse("api-presence")
    rows_before = _attendance_state()[0]
    others = {p.agent_id: (p.state, p.heartbeat_at) for p in AgentPresence.objects.filter(agent=world.cast["agent_b"])}
    failures = []
    for role in ROLES:
        client = _api_client(_user_for(role, world))
        is_agent = role in ("agent_a", "supervisor_agent_a")
        expected_get = 401 if role == "anonymous" else 200
        expected_post = 401 if role == "anonymous" else 200 if is_agent else 400
        get = client.get(url)
        post = client.post(url, {"state": "online"}, format="json")
        if get.status_code != expected_get:
            failures.append(f"[{role}] GET {url}: expected {expected_get}, got {get.status_code}")
        if post.status_code != expected_post:
            failures.append(f"[{role}] POST {url}: expected {expected_post}, got {post.status_code}")
        elif post.status_code == 400 and "state" not in post.json():
            failures.append(f"[{role}] POST {url}: 400 without a 'state' message: {post.json()}")
        if role == "agent_a" and get.status_code == 200 and get.json()["state"] != "online":
            failures.append(f"[{role}] GET {url}: eva is online, got {get.json()}")
    now = {p.agent_id: (p.state, p.heartbeat_at) for p in AgentPresence.objects.filter(agent=world.cast["agent_b"])}
    if now != others:
        failures.append("another agent's presence changed")
    if _attendance_state()[0] != rows_before:
        failures.append("posting 'online' changed attendances")
    assert not failures, "\n".join(failures)
