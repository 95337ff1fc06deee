"""Access rules on every page: sessions end outside work hours, and a user who must
change the password sees nothing else until they do."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from . import errors
from .selectors import user_is_within_work_hours

# Paths a user who must change the password can still reach.
PASSWORD_CHANGE_EXEMPT = ("/accounts/", "/static/", "/api/v1/auth/", "/i18n/", "/health/")
# Streams that apply the same rules themselves, in a bounded number of threads
# (``workspace.stream``): the middleware would read the session in one thread per stream.
SELF_CHECKED = ("/workspace/events/",)


class AccessRulesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(SELF_CHECKED):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not user_is_within_work_hours(user=user):
                logout(request)
                messages.warning(request, errors.SESSION_ENDED_OUTSIDE_HOURS)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse('login')}?next={request.path}")
            # The API answers 403 itself (core.permissions); screens go to the change page.
            if user.must_change_password and not request.path.startswith((*PASSWORD_CHANGE_EXEMPT, "/api/")):
                return redirect("password_change")
        return self.get_response(request)
