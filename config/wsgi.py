"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

from core.runtime import freeze_startup_objects  # noqa: E402 - once Django has loaded

freeze_startup_objects(load_urls=True)
