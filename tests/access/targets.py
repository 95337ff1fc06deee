"""Every URL the matrix requests, enumerated from what the project registers.

Admin URLs come from ``admin.site._registry`` (changelist, add, change, history, delete,
the index and each app index, and every extra URL a model admin adds); API URLs from
``config.api_router.router.registry`` (list, detail, every GET extra action such as
``history``, and ``DELETE`` on the detail); every other URL from ``config.urls``
(``site_url_names``: the supervisor pages, the workspace, the plain API views, webhooks,
health…). Something registered later without an expectation fails ``test_coverage.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.admin.utils import quote
from django.urls import NoReverseMatch, URLPattern, URLResolver, reverse
from django.utils import timezone

from .world import IMPORTS, SAMPLES, World, admin_models, api_resources, missing_builder


@dataclass(frozen=True)
class AdminURL:
    url: str
    kind: str  # index, app_index, changelist, add, change, history, delete
    model: type | None = None
    side: str | None = None  # the operation the object belongs to (object URLs)
    app_label: str | None = None


def admin_urls(world: World) -> tuple[list[AdminURL], list[str]]:
    urls = [AdminURL(reverse("admin:index"), "index")]
    missing = []
    for app_label in sorted({m._meta.app_label for m in admin_models()}):
        urls.append(AdminURL(reverse("admin:app_list", args=[app_label]), "app_index", app_label=app_label))
    for model in admin_models():
        label = model._meta.label
        if label not in world.samples:
            missing.append(missing_builder(model))
            continue
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(AdminURL(reverse(f"{name}_changelist"), "changelist", model))
        urls.append(AdminURL(reverse(f"{name}_add"), "add", model))
        for side, obj in world.samples[label].items():
            object_id = quote(SAMPLES[label].admin_id(obj))
            for kind in ("change", "history", "delete"):
                urls.append(AdminURL(reverse(f"{name}_{kind}", args=[object_id]), kind, model, side))
    return urls, missing


@dataclass(frozen=True)
class ApiURL:
    url: str
    kind: str  # list, detail, action:<name>
    model: type
    method: str = "get"
    side: str | None = None


def api_urls(world: World) -> tuple[list[ApiURL], list[str]]:
    urls, missing = [], []
    for prefix, viewset, basename, model in api_resources():
        if prefix in EXPLICIT_ACTIONS:
            continue  # import jobs, attendances: explicit expectations (see below)
        if model is None or model._meta.label not in world.samples:
            missing.append(
                f"API resource '{prefix}': "
                + (missing_builder(model) if model is not None else "no model queryset; add expectations")
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


EXPLICIT_API = {prefix: kind for kind, (prefix, *_rest) in IMPORTS.items()}
# Every extra action of the import viewsets, with its expectations below.
IMPORT_API_ACTIONS = ("rows", "row", "resend", "template")


@dataclass(frozen=True)
class ImportApiURL:
    url: str
    kind: str  # list, template, detail, rows, row, resend, patch_row, delete
    import_kind: str
    method: str = "get"
    side: str | None = None
    data: dict | None = None


def import_api_urls(world: World) -> list[ImportApiURL]:
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


@dataclass(frozen=True)
class AdminExtraURL:
    url: str
    name: str  # the URL pattern's name
    kind: str  # export, import, import_template, import_job, import_resend, import_row, password, version, preview, channel_post
    import_kind: str | None = None
    side: str | None = None
    redirect_to: str | None = None  # for GET resend: the job page
    model: type | None = None  # for version


# Admin URL names beyond changelist/add/change/history/delete that have expectations here.
def admin_extra_urls(world: World) -> list[AdminExtraURL]:
    urls = [
        AdminExtraURL(
            reverse("admin:customers_customer_export") + "?file_format=csv", "customers_customer_export", "export"
        )
    ]
    # The bot menu editor's live preview (POST only: a GET is answered 405 once permitted).
    urls.append(AdminExtraURL(reverse("admin:attendance_bot_menu_preview"), "attendance_bot_menu_preview", "preview"))
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
    # The channel's page: "Trocar segredo" and "Reenviar" (SPEC §8.2.2), POST only.
    channel = world.samples["attendance.Channel"]["A"]
    urls.append(AdminExtraURL(reverse("admin:providers_channel_rotate_secret", args=[channel.pk]),
                              "providers_channel_rotate_secret", "channel_post"))  # fmt: skip
    urls.append(AdminExtraURL(reverse("admin:providers_channel_resend", args=[channel.pk, 1]),
                              "providers_channel_resend", "channel_post"))  # fmt: skip
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
    for model in admin_models():
        name = f"{model._meta.app_label}_{model._meta.model_name}_simple_history"
        if not hasattr(model, "history") or model._meta.label not in world.samples:
            continue
        for side, obj in world.samples[model._meta.label].items():
            version = obj.history.latest().history_id
            url = reverse(f"admin:{name}", args=[quote(obj.pk), version])
            urls.append(AdminExtraURL(url, name, "version", side=side, model=model))
    return urls


# Every extra action of AttendanceViewSet and its HTTP methods, with expectations below.
ATTENDANCE_API_ACTIONS = {
    "messages": {"post", "get"}, "transfer": {"post"}, "close": {"post"}, "notes": {"post"}, "take": {"post"},
}  # fmt: skip
# Actions that change who holds the attendance whatever the payload: their own matrix
# (the generic one keeps the attendances as they are from role to role).
ATTENDANCE_EXPLICIT_ACTIONS = {"take": "test_supervision.py::test_take_over_matrix"}
ATTENDANCE_PAYLOADS = {
    "messages": {"kind": "text", "text": "Resposta do agente"},
    "notes": {"text": "Nota da equipe"},  # everyone who may see the attendance: 201
    "transfer": {},  # no target: 400 once allowed
    "close": {"classification_node": 999_999_999},  # unknown node: 400 once allowed
}
MENTION_API_ACTIONS = {"read": {"post"}}
# API prefixes with explicit expectations: (extra action -> methods, where they are listed).
_ANY_METHOD = {"get", "post", "put", "patch", "delete"}
EXPLICIT_ACTIONS = {
    **{prefix: (dict.fromkeys(IMPORT_API_ACTIONS, _ANY_METHOD), "IMPORT_API_ACTIONS") for prefix in EXPLICIT_API},
    "attendances": (ATTENDANCE_API_ACTIONS, "ATTENDANCE_API_ACTIONS"),
    # One's own mentions only (no model permission): tests/workspace/test_notes.py and
    # test_plain_api.py::test_mentions_are_each_users_own.
    "mentions": (MENTION_API_ACTIONS, "MENTION_API_ACTIONS"),
}
VIEW_ATTENDANCE, CHANGE_ATTENDANCE = "attendance.view_attendance", "attendance.change_attendance"


@dataclass(frozen=True)
class AttendanceURL:
    url: str
    kind: str  # list, filtered, detail, delete, messages, transfer, close
    method: str = "get"
    key: str | None = None
    data: dict | None = None


def attendance_urls(world: World) -> list[AttendanceURL]:
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
        for action in ATTENDANCE_API_ACTIONS.keys() - ATTENDANCE_EXPLICIT_ACTIONS.keys():
            url = reverse(f"attendance-{action}", args=[attendance.pk])
            urls.append(AttendanceURL(url, action, method="post", key=key, data=ATTENDANCE_PAYLOADS[action]))
        urls.append(AttendanceURL(reverse("attendance-messages", args=[attendance.pk]), "messages_list", key=key))
    return urls


# The site's other URLs ----------------------------------------------------------------


@dataclass(frozen=True)
class SiteURL:
    url: str
    name: str  # the URL pattern's name (namespaced), or its route when unnamed
    method: str = "get"
    key: str | None = None  # the attendance it is about (ATTENDANCES key)
    data: dict | None = None
    html: bool = False  # sent with "Accept: text/html", as a browser does


def site_url_names() -> set[str]:
    """The name of every URL outside the admin and the API router (their routes when
    unnamed), namespaces included: what ``SITE_EXPECTATIONS`` must cover."""
    from django.contrib import admin

    from config.urls import urlpatterns

    names = set()

    def walk(patterns, namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.url_patterns is admin.site.urls[0] or str(pattern.pattern) in ("admin/", "api/v1/"):
                    continue  # enumerated from the admin's registry and the router
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif isinstance(pattern, URLPattern):
                names.add(f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern))

    walk(urlpatterns)
    return names


def site_urls(world: World) -> list[SiteURL]:
    today = timezone.localdate().isoformat()
    period = f"start={today}&end={today}"
    urls = [
        SiteURL("/", "home"),
        SiteURL("/health/", "health"),
        SiteURL("/favicon.ico", "favicon.ico"),
        SiteURL(reverse("login"), "login"),
        SiteURL(reverse("logout"), "logout"),
        SiteURL(reverse("password_change"), "password_change"),
        SiteURL(reverse("set_language"), "set_language"),
        SiteURL(reverse("dashboard"), "dashboard", html=True),
        SiteURL(f"{reverse('service-level')}?{period}", "service-level", html=True),
        SiteURL(f"{reverse('survey-results')}?{period}", "survey-results", html=True),
        SiteURL(reverse("monitor"), "monitor", html=True),
        SiteURL(reverse("api-dashboard"), "api-dashboard"),
        SiteURL(reverse("api-token"), "api-token"),
        SiteURL(reverse("api-password"), "api-password"),
        SiteURL(reverse("api-token-revoke"), "api-token-revoke"),
        SiteURL(reverse("api-schema"), "api-schema"),
        SiteURL(reverse("api-docs"), "api-docs"),
        SiteURL(reverse("workspace"), "workspace", html=True),
        SiteURL(reverse("workspace:events"), "workspace:events"),
        SiteURL(reverse("workspace:inbox"), "workspace:inbox"),
        SiteURL(f"{reverse('workspace:customers')}?q=Cliente", "workspace:customers"),
        SiteURL(reverse("api-active-messages"), "api-active-messages", method="post", data={}),
    ]
    for by in ("day", "group", "agent"):
        urls.append(SiteURL(f"{reverse('api-service-level')}?{period}&by={by}", "api-service-level"))
    for file_format in ("csv", "xlsx"):
        for name in ("api-service-level", "api-survey-results"):
            urls.append(SiteURL(f"{reverse(name)}?{period}&by=group&file_format={file_format}", name))
    urls.append(SiteURL(f"{reverse('api-survey-results')}?{period}", "api-survey-results"))
    for key, attendance in world.attendances.items():
        urls += [
            SiteURL(reverse("monitor-detail", args=[attendance.pk]), "monitor-detail", key=key, html=True),
            SiteURL(reverse("monitor-media", args=[attendance.pk, world.media[key].pk]), "monitor-media", key=key),
            SiteURL(reverse("workspace:panel", args=[attendance.pk]), "workspace:panel", key=key),
            SiteURL(reverse("workspace:read", args=[attendance.pk]), "workspace:read", method="post", key=key),
            SiteURL(reverse("workspace:media", args=[world.media[key].pk]), "workspace:media", key=key),
        ]
    return urls
