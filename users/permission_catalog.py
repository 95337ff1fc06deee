"""The permissions a profile ("Perfil") can grant, grouped by screen, in the user's words.

Django names permissions "Can add service group"; an administrator thinks in screens:
"Grupos de Atendimento: ver / cadastrar / editar", "Dashboard". This module turns the
permission table into those rows. It is data-driven, so a new app's permissions find a
place without code:

- model permissions (``view_<model>``, ``add_<model>``, ``change_<model>``) of the screens
  in the back-office menu (``core.admin_menu.MENU_SECTIONS``) become one row per screen,
  in the menu's order, titled with the model's plural name;
- other permissions (``Meta.permissions``, e.g. ``attendance.view_dashboard``) become a
  row of their own: titled by ``SPECIAL_PERMISSIONS`` when listed there, otherwise by the
  permission's own (translated) name, placed in the section of their model's screen, or
  in "Reports" when they name a report or dashboard;
- never offered: ``delete_*`` (nothing is ever deleted), screens outside the menu
  (technical models: login attempts, tokens, engine state, historical records, nested
  rows) and ``NOT_OFFERED`` (profiles themselves: only administrators give profiles).

To place a new permission, add a line to ``SPECIAL_PERMISSIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatch

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_menu import MENU_SECTIONS

ACTIONS = [("view", _("view")), ("add", _("register")), ("change", _("edit"))]
REPORTS_SECTION = _("Dashboard and reports")

# "app_label.codename" → (title, section title or None for the model's section).
SPECIAL_PERMISSIONS = {
    "attendance.view_dashboard": (_("Dashboard"), REPORTS_SECTION),
    "attendance.view_service_level_report": (_("Service level report"), REPORTS_SECTION),
    "attendance.view_attendance_monitoring": (_("Attendance monitoring"), REPORTS_SECTION),
    "reports.view_dashboard": (_("Dashboard"), REPORTS_SECTION),
    "reports.view_service_level_report": (_("Service level report"), REPORTS_SECTION),
}
REPORT_WORDS = ("report", "dashboard", "monitor")
NOT_OFFERED = {"users.profile"}
# Screens that only show records (the admin offers no add or edit there).
VIEW_ONLY = {"attendance.attendance"}


@dataclass
class PermissionRow:
    """One screen (checkboxes per action) or one special permission (a single checkbox)."""

    title: str
    cells: list[tuple[str, Permission | None]] = field(default_factory=list)  # (action label, permission)
    special: Permission | None = None


@dataclass
class PermissionSection:
    title: str
    rows: list[PermissionRow] = field(default_factory=list)

    @property
    def has_screens(self) -> bool:
        return any(row.special is None for row in self.rows)


def _screens() -> list[tuple[str, str, int]]:
    """``(pattern, section title, position)`` for every screen pattern of the menu."""
    screens = []
    for _section_id, title, patterns in MENU_SECTIONS:
        for position, pattern in enumerate(patterns):
            if pattern not in NOT_OFFERED:
                screens.append((pattern, title, position))
    return screens


def _screen_of(key: str):
    for pattern, title, position in _screens():
        if key == pattern or ("*" in pattern and fnmatch(key, pattern)):
            return title, position
    return None


def _is_model_permission(permission: Permission) -> bool:
    model = permission.content_type.model
    return any(permission.codename == f"{action}_{model}" for action in ("add", "change", "delete", "view"))


def offered_permissions() -> QuerySet:
    """Every permission a profile may grant (see the module docstring)."""
    wanted = Q(pk__in=[])
    for pattern, _title, _position in _screens():
        app_label, _dot, model = pattern.partition(".")
        if model == "*":
            wanted |= Q(content_type__app_label=app_label)
        else:
            wanted |= Q(content_type__app_label=app_label, content_type__model=model)
    for dotted in SPECIAL_PERMISSIONS:
        app_label, _dot, codename = dotted.partition(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    queryset = Permission.objects.filter(wanted).select_related("content_type")
    for dotted in VIEW_ONLY:
        app_label, _dot, model = dotted.partition(".")
        queryset = queryset.exclude(content_type__app_label=app_label, codename__in=[f"add_{model}", f"change_{model}"])
    return queryset.exclude(codename__startswith="delete_").exclude(content_type__model__startswith="historical")


def _special_place(permission: Permission, key: str) -> tuple[str, str]:
    dotted = f"{permission.content_type.app_label}.{permission.codename}"
    if dotted in SPECIAL_PERMISSIONS:
        title, section = SPECIAL_PERMISSIONS[dotted]
        if section is not None:
            return str(title), str(section)
        screen = _screen_of(key)
        return str(title), str(screen[0] if screen else REPORTS_SECTION)
    title = capfirst(gettext(permission.name))
    if any(word in permission.codename for word in REPORT_WORDS):
        return title, str(REPORTS_SECTION)
    screen = _screen_of(key)
    return title, str(screen[0] if screen else REPORTS_SECTION)


def permission_sections(permissions) -> list[PermissionSection]:
    """``permissions`` (the offered ones) grouped into sections and rows, in menu order."""
    section_order = [str(title) for _id, title, _patterns in MENU_SECTIONS if str(title)] + [str(REPORTS_SECTION)]
    screens: dict[tuple[str, str], dict] = {}
    specials: list[tuple[str, str, Permission]] = []
    for permission in permissions:
        ct = permission.content_type
        key = f"{ct.app_label}.{ct.model}"
        if not _is_model_permission(permission):
            title, section = _special_place(permission, key)
            specials.append((section, title, permission))
            continue
        screen = _screen_of(key)
        if screen is None:
            continue
        model = ct.model_class()
        title = capfirst(str(model._meta.verbose_name_plural)) if model else ct.name
        entry = screens.setdefault((str(screen[0]), key), {"title": title, "position": screen[1], "perms": {}})
        entry["perms"][permission.codename.split("_", 1)[0]] = permission
    sections: dict[str, PermissionSection] = {}
    for (section, _key), entry in sorted(screens.items(), key=lambda item: (item[1]["position"], item[1]["title"])):
        row = PermissionRow(title=entry["title"])
        row.cells = [(str(label), entry["perms"].get(action)) for action, label in ACTIONS]
        sections.setdefault(section, PermissionSection(title=section)).rows.append(row)
    for section, title, permission in sorted(specials, key=lambda item: item[1]):
        sections.setdefault(section, PermissionSection(title=section)).rows.append(
            PermissionRow(title=title, special=permission)
        )
    ordered = [sections.pop(title) for title in section_order if title in sections]
    return ordered + list(sections.values())
