"""Health check for load balancers and `make run` users."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from .health import health_report


def health(request):
    """``{"status": ok|degraded, "database", "broker", "worker": ok|stale|unknown,
    "supervisor": {...} under make run}``; 503 when the database or the broker is down."""
    report, status = health_report()
    return JsonResponse(report, status=status)


# API errors are JSON under every setting (SPEC §10): Django's own error pages answer
# paths under /api/ with a JSON body instead of HTML.


def _api_or(request, status: int, detail, fallback, **kwargs):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(detail)}, status=status)
    return fallback(request, **kwargs)


def bad_request(request, exception):
    return _api_or(request, 400, _("Bad request."), defaults.bad_request, exception=exception)


def permission_denied(request, exception):
    return _api_or(request, 403, _("You do not have permission to perform this action."),
                   defaults.permission_denied, exception=exception)  # fmt: skip


def page_not_found(request, exception):
    return _api_or(request, 404, _("Not found."), defaults.page_not_found, exception=exception)


def server_error(request):
    return _api_or(request, 500, _("Server error: the team was notified. Try again in a moment."),
                   defaults.server_error)  # fmt: skip
