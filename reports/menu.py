"""The back office menu's "Supervision" section: the reports' pages a user may open."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from .api import PERM_DASHBOARD, PERM_MONITOR, PERM_SERVICE_LEVEL, PERM_SURVEYS

PAGES = [
    (PERM_DASHBOARD, "dashboard", "Dashboard"),
    (PERM_SERVICE_LEVEL, "service-level", "Service-level report"),
    (PERM_SURVEYS, "survey-results", "Survey results"),
    (PERM_MONITOR, "monitor", "Attendances"),
]


def menu_app(request) -> dict | None:
    """An entry shaped like the admin's app list (sidebar and home page), or ``None``."""
    user = request.user
    if not (user.is_authenticated and user.is_staff):
        return None
    pages = [
        {"name": _(label), "object_name": url_name, "admin_url": reverse(url_name), "add_url": None,
         "view_only": True, "perms": {"view": True}}
        for permission, url_name, label in PAGES
        if user.has_perm(permission)
    ]  # fmt: skip
    if not pages:
        return None
    return {"name": _("Supervision"), "app_label": "reports", "app_url": pages[0]["admin_url"],
            "has_module_perms": True, "models": pages}  # fmt: skip
