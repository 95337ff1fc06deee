"""``/api/`` answers JSON under every setting (SPEC §10).

Django's handlers (``core.views``) answer the API's 400/403/404/500 in JSON, but only
with ``DEBUG`` off: with ``DEBUG`` on (``make run``'s default), a path the URL
resolver does not match (``/api/v1/customers/abc/``) or an unhandled exception gets
Django's HTML debug page. This middleware, the outermost, turns any error response of an
``/api/`` path that is not JSON into the JSON ``{"detail": …}`` the handlers give.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _

DETAILS = {
    400: lambda: _("Bad request."),
    403: lambda: _("You do not have permission to perform this action."),
    404: lambda: _("Not found."),
    405: lambda: _("Method not allowed."),
    500: lambda: _("Server error: the team was notified. Try again in a moment."),
}


class ApiErrorsAsJsonMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
            and not response.streaming
        ):
            detail = DETAILS.get(response.status_code) or DETAILS[500 if response.status_code >= 500 else 400]
            json = JsonResponse({"detail": str(detail())}, status=response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    json[header] = response[header]
            return json
        return response
