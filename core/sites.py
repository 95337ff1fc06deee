"""The back office: Django's admin, with one login page for everyone; agents who reach a
configuration screen are sent to their workspace with a clear message (SPEC §0)."""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .admin_menu import TECHNICAL_SECTION, grouped_app_list
from .hooks import Hook

AGENTS_FORBIDDEN_SCREENS = _(
    "Agents do not have access to the configuration screens. Your work happens in the agent workspace."
)

# Sections that apps above core add to the menu (the reports' "Supervisão"): each receiver
# takes the request and returns an entry shaped like the admin's app list, or None.
menu_extensions = Hook("core.sites.menu_extensions")


class AtendeAdminSite(admin.AdminSite):
    site_header = _("Atende")
    site_title = _("Atende")
    index_title = _("Settings")

    def login(self, request, extra_context=None):
        return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME, self.index_path()))

    def get_app_list(self, request, app_label=None):
        """The index and the sidebar: the screens grouped as the manual does
        (``core.admin_menu``), then the supervisor pages ("Supervisão") for whoever may see
        them, then the technical section (admins); an app's own page (``/admin/<app>/``)
        stays Django's."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        app_dict = self._build_app_dict(request)
        apps = grouped_app_list(
            app_dict, show_technical=getattr(request.user, "is_admin", False), index_url=self.index_path()
        )
        extras = [entry for extension in menu_extensions.receivers for entry in [extension(request)] if entry]
        if not extras:
            return apps
        technical = [app for app in apps if app["app_label"] == f"menu-{TECHNICAL_SECTION[0]}"]
        return [app for app in apps if app not in technical] + extras + technical

    def index_path(self) -> str:
        return reverse("admin:index", current_app=self.name)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapper(request, *args, **kwargs):
            user = request.user
            if user.is_active and user.is_authenticated and not user.is_staff:
                messages.warning(request, AGENTS_FORBIDDEN_SCREENS)
                return redirect("workspace")
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, inner)
