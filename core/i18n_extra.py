"""Third-party strings shown on Atende's screens that their packages do not translate
into Portuguese. Marked here so ``makemessages`` keeps them in our catalogue."""

from django.utils.translation import gettext_noop

THIRD_PARTY_STRINGS = [
    # django-axes
    gettext_noop("Axes"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
]
