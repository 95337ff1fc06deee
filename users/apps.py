from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = _("Users")

    def ready(self):
        # The manager creates users through the service (see UserManager.user_create).
        from .models import UserManager
        from .services import user_create

        UserManager.user_create = staticmethod(user_create)
