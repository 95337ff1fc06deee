"""API permission: the same role rules as the screens (SPEC §0, §10)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import DjangoModelPermissions

AGENTS_FORBIDDEN = _("Agents have no access to configuration resources.")
MUST_CHANGE_PASSWORD = _("You must change your password before continuing.")
NO_PROFILE_PERMISSION = _("Your profile does not grant this action.")


class RolePermission(DjangoModelPermissions):
    """Authenticated, password up to date, not an agent on configuration resources,
    and the action granted by the user's role/profile (``view`` for reads).

    A view sets ``allow_agents = True`` for agent-facing endpoints (workspace,
    presence) and ``allow_password_change = True`` for the password endpoint.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        # Reaches the view, which answers 405: nothing is ever deleted.
        "DELETE": [],
    }

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if user.must_change_password and not getattr(view, "allow_password_change", False):
            self.message = MUST_CHANGE_PASSWORD
            return False
        if not user.is_staff and not getattr(view, "allow_agents", False):
            self.message = AGENTS_FORBIDDEN
            return False
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            return True
        if getattr(view, "skip_model_permissions", False):
            return True
        self.message = NO_PROFILE_PERMISSION
        return super().has_permission(request, view)
