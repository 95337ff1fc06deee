from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The engine, the surveys and the admin's menu sit below the reports: they announce
        # through hook lists (core.hooks), and the reports register here, once the models
        # can be imported.
        from attendance.facts import facts_recorded
        from core.sites import menu_extensions
        from surveys.hooks import answer_recorded

        from .engine_hooks import rollup_answer
        from .menu import menu_app
        from .rollups import rollup_record

        facts_recorded.register(rollup_record)
        answer_recorded.register(rollup_answer)
        menu_extensions.register(menu_app)
