from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    def ready(self):
        from django.apps import apps

        from config.celery import app as celery_app

        from . import schema  # noqa: F401 - registers the OpenAPI extensions

        # HOOK(hardening): web processes register the Celery tasks too. ``core.followups``
        # looks tasks up by name in Celery's registry; only a worker imports the apps'
        # ``tasks`` modules by itself (autodiscovery runs on the worker's import_modules
        # signal), so in a web process the lookup failed after commit (a 500 found by
        # schemathesis on POST /agents/me/presence/). The lead may move this to followups.
        celery_app.loader.autodiscover_tasks([config.name for config in apps.get_app_configs()])
