from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Service")

    def ready(self):
        # Models, services and the cache can only be imported once the app registry is ready.
        from calendars.models import Calendar
        from organisation.models import Company, Operation
        from surveys.hooks import survey_changed, survey_name_check

        from .engine_cache import engine_cache_clear
        from .models import Bot, Channel, ServiceGroup
        from .services import survey_bot_sync
        from .services import survey_name_check as bot_name_check

        for model in (Channel, ServiceGroup, Bot, Operation, Company, Calendar):
            post_save.connect(engine_cache_clear, sender=model, dispatch_uid=f"engine-cache-{model.__name__}")
        # A survey is offered to groups through its bot (SPEC §5.1): the engine keeps it.
        survey_name_check.register(bot_name_check)
        survey_changed.register(survey_bot_sync)
