from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data of ``make run`` (``python manage.py seed_demo``): it writes through
    every app's services, so it sits on top of them all (SPEC §18)."""

    name = "demo"
    verbose_name = _("Demo data")
