"""What each role should get (SPEC §0, §7, §9, §10, §8.2.1): one function per surface.

- anonymous: admin and back-office pages → 302, ending at ``/accounts/login/?next=<url>``;
  API → 401.
- admin: every admin page 200 (add → 403 where the admin class forbids adding; delete →
  403 for ``ActiveModel`` entities, nothing is ever deleted); API GETs 200; DELETE 405.
- supervisors: changelist 200 with the view/change permission, else 403; add 200 with the
  add permission, else 403; change/history of an object of their own operation 200 (scoped
  models) — of another operation, or of an admin-only model, 302 to the admin index
  (Django's "doesn't exist"; a 404 is accepted), never 200; without the permission 403.
  API list 200 without the other operation's ids, detail/history of another operation
  404, model not granted 403, DELETE 405. Supervisors' screens come from their profile
  (``tests.conftest.SUPERVISOR_PERMS``: dashboard and service-level report, users,
  companies, operations); the expectations read the permissions stored on that profile.
- agent: every admin page redirects to the workspace (SPEC §0); API 403 except what the
  workspace reads (``AGENT_READABLE``) and their own attendances.

Import jobs belong to their uploader: admins see every job, others need the add permission
of the imported entity (403) and see their own jobs only (404 for another's).

Attendances: admins everything; agents their own; supervisors and supervisor-agents need
``attendance.view_attendance`` (a plain supervisor without it: 403) and then see their
operations'; supervisor-agents always see their own. Outside the viewer's queryset: 404.
Acting (transfer, close) needs being the assigned agent, an admin, or a supervisor with
``change_attendance`` (403 otherwise); ``messages`` the assigned agent, or as supervisor an
admin or a supervisor with ``change_attendance`` or the monitor (SPEC §9.1).

The site's other URLs (``SITE_EXPECTATIONS``, one rule per URL name): supervisor pages and
report APIs by profile permission, the workspace's views for agents (their own attendances
and files only), health and login for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin

from core.admin import AtendeAdmin
from core.models import ActiveModel

from .targets import AdminExtraURL, AdminURL, ApiURL, AttendanceURL, ImportApiURL, SiteURL
from .world import (
    ADMIN_INDEX,
    ATTENDANCES,
    CHANGE_ATTENDANCE,
    IMPORTS,
    LOGIN_PATH,
    SAMPLES,
    SUPERVISOR_SIDE,
    VIEW_ATTENDANCE,
    WORKSPACE,
    World,
    admin_models,
    owns,
)

# The agents of the cast: eva and gil (operation A), fabio (operation B).
AGENT_CAST = ("agent_a", "agent_a2", "agent_b")


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


def perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def can_view(world: World, model) -> bool:
    return bool({perm(model, "view"), perm(model, "change")} & world.profile_perms)


def expected_admin(role: str, world: World, target: AdminURL) -> Expect:
    if role == "anonymous":
        return TO_LOGIN
    if role in AGENT_CAST:
        return AGENT_FORBIDDEN
    if target.kind == "index":
        return OK
    if target.kind == "app_index":
        if role == "admin":
            return OK
        # Django's app index lists the models the user may view/change/add; none → 404.
        granted = any(
            perm(m, action) in world.profile_perms
            for m in admin_models()
            if m._meta.app_label == target.app_label
            for action in ("view", "change", "add")
        )
        return OK if granted else Expect((404,))
    model = target.model
    sample = SAMPLES[model._meta.label]
    if target.kind == "add":
        if not sample.admin_can_add:
            return FORBIDDEN
        return OK if role == "admin" or perm(model, "add") in world.profile_perms else FORBIDDEN
    if target.kind == "delete":
        # Nothing is ever deleted (SPEC §0): no delete page for configuration entities.
        if issubclass(model, ActiveModel) or not sample.admin_can_delete:
            return FORBIDDEN
        return OK if role == "admin" else FORBIDDEN
    if role == "admin":
        return OK
    visible = sample.scoped and target.side == SUPERVISOR_SIDE[role]
    if not can_view(world, model):
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


# Resources the workspace reads (SPEC §7): agents and supervisor-agents list them and read
# one (the active ones; canned responses of their groups or of every group); writing and
# the audit history stay with the back office's rules.
AGENT_READABLE = {"attendance.PauseReason", "workspace.WhatsAppTemplate", "workspace.CannedResponse"}


def agent_reads(role: str, world: World, target: ApiURL) -> bool | None:
    """Whether an agent role reads ``target`` as an agent; ``None`` where the rule does not apply."""
    label = target.model._meta.label
    if role not in ("agent_a", "supervisor_agent_a") or label not in AGENT_READABLE or target.method != "get":
        return None
    if target.kind not in ("list", "detail"):
        return None
    return True if target.side is None else agent_reads_side(role, world, label, target.side)


def agent_reads_side(role: str, world: World, label: str, side: str) -> bool:
    if label == "workspace.CannedResponse":  # those of the agent's groups (and of every group)
        group = world.samples["attendance.ServiceGroup"][side]
        return group.agents.filter(pk=world.cast[role].pk).exists()
    return True  # active pause reasons and templates


def expected_api(role: str, world: World, target: ApiURL) -> Expect:
    if role == "anonymous":
        return Expect((401,))
    reads = agent_reads(role, world, target)
    if role in AGENT_CAST:
        if reads is None:
            return FORBIDDEN
        return OK if reads else Expect((404,))
    if target.method == "delete":
        # Records are deactivated, never deleted: every staff DELETE reaches the view's 405.
        return Expect((405,))
    if role == "admin":
        return OK
    if reads is not None:  # a supervisor-agent reading as an agent, or as a supervisor if granted
        staff = perm(target.model, "view") in world.profile_perms and (
            target.side is None or (SAMPLES[target.model._meta.label].scoped and target.side == SUPERVISOR_SIDE[role])
        )
        return OK if reads or staff else Expect((404,))
    if perm(target.model, "view") not in world.profile_perms:
        return FORBIDDEN
    if target.side is None:
        return OK
    visible = SAMPLES[target.model._meta.label].scoped and target.side == SUPERVISOR_SIDE[role]
    return OK if visible else Expect((404,))


def may_import(role: str, world: World, kind: str) -> bool:
    if role == "anonymous" or role in AGENT_CAST:
        return False
    return role == "admin" or IMPORTS[kind][1] in world.profile_perms


def expected_import_api(role: str, world: World, target: ImportApiURL) -> Expect:
    if role == "anonymous":
        return Expect((401,))
    if role in AGENT_CAST:
        return FORBIDDEN
    if target.method == "delete":
        # No destroy on import jobs or rows: 405 (or 403/404 before the method is judged).
        return Expect((403, 404, 405))
    if not may_import(role, world, target.import_kind):
        return FORBIDDEN
    if target.side is None:
        return OK
    return OK if owns(role, world, target.import_kind, target.side) else Expect((404,))


def expected_admin_extra(role: str, world: World, target: AdminExtraURL) -> Expect:
    if role == "anonymous":
        return TO_LOGIN
    if role in AGENT_CAST:
        return AGENT_FORBIDDEN
    if target.kind == "export":
        from customers.models import Customer

        return OK if role == "admin" or can_view(world, Customer) else FORBIDDEN
    if target.kind == "preview":
        from attendance.models import Bot

        may_edit = role == "admin" or {perm(Bot, "add"), perm(Bot, "change")} & set(world.profile_perms)
        return Expect((405,)) if may_edit else FORBIDDEN
    if target.kind == "version":
        # Like the change page: a past version of an object outside the viewer's queryset
        # is never shown (Django's "doesn't exist" redirect, 403 or 404; never 200). A
        # visible one leads to the object's history: there is no revert form (issue 14).
        to_history = Expect((302,), location=target.url.rstrip("/").rsplit("/", 1)[0] + "/")
        if role == "admin":
            return to_history
        if not can_view(world, target.model):
            return FORBIDDEN
        visible = SAMPLES[target.model._meta.label].scoped and target.side == SUPERVISOR_SIDE[role]
        return to_history if visible else Expect((302, 403, 404), location=ADMIN_INDEX)
    if target.kind == "channel_post":
        # "Trocar segredo" / "Reenviar": POST-only buttons of the channel's page. A GET is
        # refused with 405 once the viewer may change the channel (admins only: channels
        # have no scope, so a supervisor granted channels finds none).
        from attendance.models import Channel

        if role == "admin":
            return Expect((405,))
        return Expect((404,)) if perm(Channel, "change") in world.profile_perms else FORBIDDEN
    if target.kind == "password":
        from users.models import User

        if role == "admin":
            return OK
        if perm(User, "change") not in world.profile_perms:
            return FORBIDDEN
        return OK if target.side == SUPERVISOR_SIDE[role] else Expect((404,))
    if not may_import(role, world, target.import_kind):
        return FORBIDDEN
    if target.kind == "import_resend":
        # A GET only redirects to the job page (which answers 404 to a non-owner).
        return Expect((302, 404), location=target.redirect_to)
    if target.side is None:
        return OK
    return OK if owns(role, world, target.import_kind, target.side) else Expect((404,))


def att_permitted(role: str, world: World) -> bool:
    """Passes AttendancePermission: admins, agents, supervisor-agents; supervisors with view."""
    if role == "anonymous":
        return False
    return role in ("admin", "supervisor_agent_a", *AGENT_CAST) or _sees_operations(world)


def _sees_operations(world: World) -> bool:
    """A supervisor's grant to their operations' attendances: view, or the monitor."""
    return VIEW_ATTENDANCE in world.profile_perms or PERM_MONITOR in world.profile_perms


def att_visible(role: str, world: World, key: str) -> bool:
    if not att_permitted(role, world):
        return False
    spec = ATTENDANCES[key]
    if role == "admin" or spec.owner == role:
        return True
    return role in SUPERVISOR_SIDE and _sees_operations(world) and spec.side == SUPERVISOR_SIDE[role]


def att_can_act(role: str, world: World, key: str) -> bool:
    """transfer / close: the assigned agent, an admin, a supervisor with change_attendance."""
    if not att_visible(role, world, key):
        return False
    return (
        role == "admin"
        or ATTENDANCES[key].owner == role
        or (role in SUPERVISOR_SIDE and CHANGE_ATTENDANCE in world.profile_perms)
    )


def att_supervises(role: str, world: World) -> bool:
    """Acts as a supervisor on what they see (``AttendanceViewSet.may_supervise``): admins,
    supervisors whose profile grants change_attendance or the monitor (SPEC §9.1)."""
    perms = {CHANGE_ATTENDANCE, PERM_MONITOR} & world.profile_perms
    return role == "admin" or (role in SUPERVISOR_SIDE and bool(perms))


def expected_attendance_api(role: str, world: World, target: AttendanceURL) -> Expect:
    if role == "anonymous":
        return Expect((401,))
    if not att_permitted(role, world):
        return FORBIDDEN
    if target.kind == "list":
        return OK
    if target.kind == "filtered":
        return Expect((200, 400))
    if target.kind == "delete":
        return Expect((405,))
    if not att_visible(role, world, target.key):
        return Expect((404,))
    if target.kind in ("detail", "messages_list"):
        return OK
    if target.kind == "messages":
        # The assigned agent answers; a supervisor who may act writes as supervisor (SPEC §9.1).
        return Expect((201,)) if ATTENDANCES[target.key].owner == role or att_supervises(role, world) else FORBIDDEN
    if target.kind == "notes":
        return Expect((201,))  # an internal note: whoever may see the attendance (SPEC §7.2)
    return Expect((400,)) if att_can_act(role, world, target.key) else FORBIDDEN


# The site's other URLs ----------------------------------------------------------------

PERM_DASHBOARD, PERM_SERVICE_LEVEL = "attendance.view_dashboard", "attendance.view_service_level_report"
PERM_SURVEYS, PERM_MONITOR = "reports.view_survey_results", "reports.monitor_attendances"
# URL name -> the permission of the supervisor page or report API (reports/api.py).
REPORT_PERMISSIONS = {
    "dashboard": PERM_DASHBOARD,
    "service-level": PERM_SERVICE_LEVEL,
    "survey-results": PERM_SURVEYS,
    "monitor": PERM_MONITOR,
    "monitor-detail": PERM_MONITOR,
    "monitor-media": PERM_MONITOR,
    "api-dashboard": PERM_DASHBOARD,
    "api-service-level": PERM_SERVICE_LEVEL,
    "api-survey-results": PERM_SURVEYS,
}
WORKSPACE_ROLES = ("supervisor_agent_a", *AGENT_CAST)  # the workspace's users (SPEC §7)
HOME_FOR = {"admin": ADMIN_INDEX}  # supervisors: the dashboard; supervisor-agents: the workspace (SPEC §7.2)


def _report_granted(role: str, world: World, name: str) -> bool:
    return role == "admin" or REPORT_PERMISSIONS[name] in world.profile_perms


def _report_page(role: str, world: World, target: SiteURL) -> Expect:
    if role in AGENT_CAST:
        return AGENT_FORBIDDEN  # SPEC §0: agents are sent to their workspace
    if not _report_granted(role, world, target.name):
        return Expect((403,), text="Seu perfil não dá acesso a esta página")
    if target.key is None or role == "admin":
        return OK
    # monitor-detail: an attendance of the supervisor's operations, else "not found".
    return OK if ATTENDANCES[target.key].side == SUPERVISOR_SIDE[role] else Expect((404,))


def _report_api(role: str, world: World, target: SiteURL) -> Expect:
    if role in AGENT_CAST:
        return FORBIDDEN
    return OK if _report_granted(role, world, target.name) else FORBIDDEN


def _workspace_view(role: str, world: World, target: SiteURL) -> Expect:
    """The workspace's JSON views: agents and supervisor-agents; their own attendances."""
    if role not in WORKSPACE_ROLES:
        return FORBIDDEN
    if target.key is None:
        return OK
    return OK if att_visible(role, world, target.key) else Expect((404,))


def _media(role: str, world: World, target: SiteURL) -> Expect:
    """A message's file: whoever may see its attendance (another's: 404, like a missing one)."""
    return OK if att_visible(role, world, target.key) else Expect((404,))


def _home(role: str, world: World, target: SiteURL) -> Expect:
    if role in AGENT_CAST or role == "supervisor_agent_a":
        return Expect((302,), location=WORKSPACE)
    if role in HOME_FOR or PERM_DASHBOARD not in world.profile_perms:
        return Expect((302,), location=ADMIN_INDEX)
    return Expect((302,), location="/dashboard/")


def _api_method_only(role: str, world: World, target: SiteURL) -> Expect:
    return Expect((405,))


# URL name -> (rule for logged-in roles, answer to anonymous visitors).
SITE_EXPECTATIONS = {
    "home": (_home, TO_LOGIN),
    "health": (lambda role, world, target: OK, OK),
    "favicon.ico": (lambda role, world, target: Expect((301,)), Expect((301,))),
    # Logged in: the login page sends the user home.
    "login": (lambda role, world, target: Expect((302,), location="/"), OK),
    "logout": (lambda role, world, target: Expect((405,)), Expect((405,))),  # POST only
    "password_change": (lambda role, world, target: OK, TO_LOGIN),
    "set_language": (lambda role, world, target: Expect((302,)), Expect((302,))),  # sets on POST only
    "dashboard": (_report_page, TO_LOGIN),
    "service-level": (_report_page, TO_LOGIN),
    "survey-results": (_report_page, TO_LOGIN),
    "monitor": (_report_page, TO_LOGIN),
    "monitor-detail": (_report_page, TO_LOGIN),
    "monitor-media": (_report_page, TO_LOGIN),
    "api-dashboard": (_report_api, Expect((401,))),
    "api-service-level": (_report_api, Expect((401,))),
    "api-survey-results": (_report_api, Expect((401,))),
    # The page itself: the back office's people are sent to the admin index.
    "workspace": (
        lambda role, world, target: OK if role in WORKSPACE_ROLES else Expect((302,), location=ADMIN_INDEX),
        TO_LOGIN,
    ),
    # The live stream: one's own events; 403 (not a redirect) stops EventSource retrying.
    "workspace:events": (lambda role, world, target: OK, FORBIDDEN),
    "workspace:inbox": (_workspace_view, TO_LOGIN),
    "workspace:customers": (_workspace_view, TO_LOGIN),
    "workspace:panel": (_workspace_view, TO_LOGIN),
    "workspace:read": (_workspace_view, TO_LOGIN),
    "workspace:media": (_media, TO_LOGIN),
    # {} is refused by the serializer once the role may send (agents): 400.
    "api-active-messages": (
        lambda role, world, target: Expect((400,)) if role in WORKSPACE_ROLES else FORBIDDEN,
        Expect((401,)),
    ),
    "api-token": (_api_method_only, Expect((405,))),  # POST only (tests/users/test_api.py)
    "api-password": (_api_method_only, Expect((401,))),  # POST only
    "api-token-revoke": (_api_method_only, Expect((401,))),  # POST only (tests/users/test_api.py)
    # The OpenAPI schema and its docs are public (drf-spectacular's AllowAny): no data in them.
    "api-schema": (lambda role, world, target: OK, OK),
    "api-docs": (lambda role, world, target: OK, OK),
}
# URL names whose expectations need a test of their own (a header, a signature, a body):
# name -> the test in tests/access that holds them.
SITE_EXPLICIT = {
    # The web chat's visitor API (SPEC §15, R10): a visitor token, not a login; its own tests.
    "webchat-sessions": "../webchat/test_visitor_api.py::test_a_blocked_origin_gets_403_and_nothing_is_written",
    "webchat-messages": "../webchat/test_visitor_api.py::test_a_second_visitor_can_never_read_the_first_ones_messages",
    "webchat-events": "../webchat/test_visitor_api.py::test_a_token_of_another_web_chat_opens_nothing_there",
    "webchat-typing": "../webchat/test_visitor_api.py::test_the_agent_is_told_when_the_visitor_types",
    "webchat-close": "../webchat/test_visitor_api.py::test_encerrar_conversa_closes_it_and_offers_the_survey",
    "webchat-widget": "../webchat/test_visitor_api.py::test_an_unknown_channel_is_404",
    "webchat-demo": "../webchat/test_visitor_api.py::test_the_demo_page_embeds_the_demo_channel",
    "api-inbound": "test_plain_api.py::test_inbound_needs_a_channel_token",
    "api-presence": "test_plain_api.py::test_presence_matrix",
    "api-agent-presence": "test_supervision.py::test_agent_control_matrix",
    "api-agent-logout": "test_supervision.py::test_agent_control_matrix",
    "provider-webhook": "test_webhooks.py::test_webhooks_refuse_unsigned_forged_and_unknown_calls",
    "public-media": "test_public_media.py::test_public_media_answers_the_signature_not_the_session",
    "api-customer-anonymize": "test_privacy.py::test_privacy_routes_matrix",
    "api-customer-export": "test_privacy.py::test_privacy_routes_matrix",
    "privacy": "test_privacy.py::test_privacy_routes_matrix",
    "privacy-customer": "test_privacy.py::test_privacy_routes_matrix",
    "api-channel-deliveries": "test_plain_api.py::test_channel_webhook_urls_are_admin_only",
    "api-channel-rotate-webhook-secret": "test_plain_api.py::test_channel_webhook_urls_are_admin_only",
}


def expected_site(role: str, world: World, target: SiteURL) -> Expect:
    rule, anonymous = SITE_EXPECTATIONS[target.name]
    return anonymous if role == "anonymous" else rule(role, world, target)
