from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import schema  # noqa: F401 - registers the OpenAPI extensions
        from .pg_loaders import keep_long_parsed_queries, use_c_timestamp_loader

        connection_created.connect(use_c_timestamp_loader, dispatch_uid="core.pg_loaders")
        keep_long_parsed_queries()
