from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Service")

    def ready(self):
        # Models and the cache can only be imported once the app registry is ready.
        from calendars.models import Calendar

        from .engine_cache import engine_cache_clear
        from .models import Bot, Channel, Company, Operation, ServiceGroup

        for model in (Channel, ServiceGroup, Bot, Operation, Company, Calendar):
            post_save.connect(engine_cache_clear, sender=model, dispatch_uid=f"engine-cache-{model.__name__}")
