from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy (LGPD)")

    def ready(self):
        # The admin's menu and the customer page sit below the privacy app: they announce
        # through hook lists (core.hooks), registered here once the models can be imported.
        from core.sites import menu_extensions
        from customers.admin import customer_page_links

        from .menu import anonymize_link, export_link, menu_app

        menu_extensions.register(menu_app)
        customer_page_links.register(export_link)
        customer_page_links.register(anonymize_link)
