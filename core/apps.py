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
        _integers_are_ascii_digits()
        keep_long_parsed_queries()


def _integers_are_ascii_digits() -> None:
    """Every model integer a ``ModelSerializer`` reads takes ASCII digits only (SPEC §0):
    DRF's documented mapping from model fields to serializer fields, set once for all."""
    # Called by ready(): core.api imports the models, which cannot load before the apps.
    from rest_framework import serializers

    from .api import INTEGER_MODEL_FIELDS, AsciiIntegerField

    for model_field in INTEGER_MODEL_FIELDS:
        serializers.ModelSerializer.serializer_field_mapping[model_field] = AsciiIntegerField
