"""ASGI entry point: serves the workspace's live stream (``/workspace/events/``) to many
open pages without a thread each (``uvicorn config.asgi:application``; README, "Live
updates"). The rest of the site may be served from it too, but the WSGI workers
(``gunicorn config.wsgi``) remain the main entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_asgi_application()

from core.runtime import freeze_startup_objects  # noqa: E402 - once Django has loaded

freeze_startup_objects(load_urls=True)
