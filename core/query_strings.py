"""Screens' query strings without characters that cannot be searched for (SPEC §0, R5).

PostgreSQL refuses NUL in text, so a filter or a search typed with one (``?protocol=%00``
on the monitoring list, ``?close_reason=%00`` on any admin list, whose unknown
parameters Django applies as lookups) was a server error. On a screen (anything but the
API, whose filters answer 400 with a field message, and the providers' webhooks, which
sign their bodies), a GET whose query string holds such characters (``core.text``) is
redirected to the same address without them, saying so; any other method gets the
cleaned parameters. A NUL or a control character in a search is never meaningful, so
nothing a person typed on purpose is lost.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect, QueryDict
from django.utils.translation import gettext as _

from .text import has_bad_characters, without_bad_characters

UNTOUCHED = ("/api/", "/webhooks/")


class CleanQueryStringMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(UNTOUCHED) or not _has_bad(request.GET):
            return self.get_response(request)
        cleaned = QueryDict(mutable=True)
        for key, values in request.GET.lists():
            cleaned.setlist(without_bad_characters(key), [without_bad_characters(value) for value in values])
        if request.method in ("GET", "HEAD"):
            messages.warning(request, _("Characters that cannot be searched for were removed from the address."))
            query = cleaned.urlencode()
            return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)
        cleaned._mutable = False
        request.GET = cleaned
        return self.get_response(request)


def _has_bad(params: QueryDict) -> bool:
    return any(has_bad_characters(key) or any(has_bad_characters(v) for v in values) for key, values in params.lists())
