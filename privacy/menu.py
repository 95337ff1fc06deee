"""The privacy app's entries in the back office: a menu section and the customer page's
buttons (registered in ``PrivacyConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _


def menu_app(request) -> dict | None:
    """ "Privacidade (LGPD)" in the menu, for administrators."""
    if not getattr(request.user, "is_admin", False):
        return None
    url = reverse("privacy")
    page = {"name": _("Privacy (LGPD)"), "object_name": "privacy", "admin_url": url, "add_url": None,
            "view_only": True, "perms": {"view": True}}  # fmt: skip
    return {"name": _("Privacy (LGPD)"), "app_label": "privacy", "app_url": url, "has_module_perms": True,
            "models": [page]}  # fmt: skip


def _for_admins(request, customer) -> bool:
    return getattr(request.user, "is_admin", False) and customer.anonymized_at is None


def export_link(request, customer) -> tuple[str, str] | None:
    """The customer page's "Exportar dados do titular" (administrators)."""
    if not _for_admins(request, customer):
        return None
    return _("Export data subject's data"), reverse("privacy-customer", args=[customer.pk]) + "#export"


def anonymize_link(request, customer) -> tuple[str, str] | None:
    """The customer page's "Anonimizar" (administrators): the confirmation screen."""
    if not _for_admins(request, customer):
        return None
    return _("Anonymise"), reverse("privacy-customer", args=[customer.pk]) + "#anonymize"
