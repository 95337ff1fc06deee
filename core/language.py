"""The language of a request: Brazilian Portuguese unless the user chose English (SPEC:
"speaks Brazilian Portuguese by default, with English available").

Django's ``LocaleMiddleware`` follows the browser's ``Accept-Language`` when no language
was chosen, so a Brazilian agent whose browser is set to English saw English screens,
with none of the manual's words (SPEC §13), until they found the selector. Here:

1. the language chosen in the selector (Django's ``set_language`` view, its cookie) wins;
2. an API client without a session (a token, an integration) gets what its
   ``Accept-Language`` asks for, as HTTP negotiation promises;
3. everything else — every screen, and the API calls a screen makes with its session —
   speaks ``LANGUAGE_CODE`` (``pt-br``), so a screen and the messages its API calls
   return are in the same language.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DefaultLanguageLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = self._chosen(request)
        if chosen is None and request.path.startswith("/api/") and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            chosen = translation.get_language_from_request(request)
        translation.activate(chosen or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()

    @staticmethod
    def _chosen(request) -> str | None:
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not cookie:
            return None
        try:
            return translation.get_supported_language_variant(cookie)
        except LookupError:
            return None
