from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassificationsConfig(AppConfig):
    name = "classifications"
    verbose_name = _("Service classifications")
