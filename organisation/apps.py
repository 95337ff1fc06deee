from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    """Companies and operations (SPEC §1): the foundation every other app stands on."""

    name = "organisation"
    verbose_name = _("Organisation")
