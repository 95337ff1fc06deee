"""The back office's menu, grouped as the manual does ("Configurações > Atendimento > …").

Django's admin groups screens by app; Atende groups them by the work they serve. The
table below is the only thing to edit when a screen is added: entries are
``"app_label.model_name"`` or ``"app_label.*"`` (every screen of an app not listed
elsewhere). A screen not in the table keeps its app's own section, after these; screens
of the "Technical" section (login attempts, API tokens, engine state) are for
administrators only and come last.
"""

from __future__ import annotations

from fnmatch import fnmatch

from django.utils.translation import gettext_lazy as _

MENU_SECTIONS = [
    (
        "service",
        _("Attendance"),
        [
            "attendance.servicegroup",
            "calendars.calendar",
            "surveys.survey",
            "classifications.classification",
            "attendance.bot",
            "attendance.channel",
            "workspace.cannedresponse",
            "attendance.pausereason",
            "workspace.whatsapptemplate",
        ],
    ),
    ("customers", _("Customers"), ["customers.customer", "customers.customerattribute"]),
    ("people", _("Users"), ["users.user", "users.profile"]),
    ("organisation", _("Company and operations"), ["organisation.company", "organisation.operation"]),
    ("monitoring", _("Monitoring"), ["attendance.attendance", "reports.*"]),
]

TECHNICAL_SECTION = ("technical", _("Technical"))
# Models that support the product but are not part of anyone's daily work.
TECHNICAL_MODELS = [
    "axes.*",
    "authtoken.*",
    "knox.*",  # API tokens: admins revoke them (users/admin.py); never a profile's grant
    "django_celery_beat.*",
    "django_celery_results.*",
    "simple_history.*",
    "attendance.presence",
    "attendance.agentpresence",
    "attendance.distributionstate",
    "attendance.groupdistributionstate",
    "attendance.timer*",
]


def _key(model: dict, app_label: str) -> str:
    return f"{app_label}.{model['object_name'].lower()}"


def _section(key: str) -> tuple[str, int] | None:
    """``(section id, position)`` of a model, or ``None`` when the table does not place it."""
    for section_id, _title, patterns in MENU_SECTIONS:
        for position, pattern in enumerate(patterns):
            if key == pattern:
                return section_id, position
    for section_id, _title, patterns in MENU_SECTIONS:
        for position, pattern in enumerate(patterns):
            if "*" in pattern and fnmatch(key, pattern):
                return section_id, position
    if any(fnmatch(key, pattern) for pattern in TECHNICAL_MODELS):
        return TECHNICAL_SECTION[0], 0
    return None


def grouped_app_list(app_dict: dict, *, show_technical: bool, index_url: str) -> list[dict]:
    """Django's ``app_dict`` (``AdminSite._build_app_dict``) regrouped into the menu's sections."""
    titles = {section_id: title for section_id, title, _patterns in MENU_SECTIONS}
    titles[TECHNICAL_SECTION[0]] = TECHNICAL_SECTION[1]
    placed: dict[str, list[tuple[int, str, dict]]] = {}
    leftovers: list[dict] = []
    for app_label, app in app_dict.items():
        rest = []
        for model in app["models"]:
            where = _section(_key(model, app_label))
            if where is None:
                rest.append(model)
            else:
                placed.setdefault(where[0], []).append((where[1], str(model["name"]), model))
        if rest:
            leftovers.append({**app, "models": sorted(rest, key=lambda m: str(m["name"]))})
    order = [section_id for section_id, _title, _patterns in MENU_SECTIONS]
    sections = []
    for section_id in order:
        if section_id in placed:
            sections.append(_build(section_id, titles[section_id], placed[section_id], index_url))
    sections += sorted(leftovers, key=lambda app: str(app["name"]))
    if show_technical and TECHNICAL_SECTION[0] in placed:
        sections.append(_build(TECHNICAL_SECTION[0], titles[TECHNICAL_SECTION[0]], placed["technical"], index_url))
    return sections


def _build(section_id: str, title, entries: list, index_url: str) -> dict:
    models = [model for _position, _name, model in sorted(entries, key=lambda e: (e[0], e[1]))]
    first_url = next((m.get("admin_url") or m.get("add_url") for m in models if m.get("admin_url")), None)
    return {
        "name": title,
        "app_label": f"menu-{section_id}",
        "app_url": first_url or index_url,
        "has_module_perms": True,
        "models": models,
    }
