"""Celery's configuration: the ``CELERY_*`` Django settings, read once into a dict.

Celery looks a dozen keys up on every task it publishes, most of them absent; through
the Django settings object each absent key costs an ``AttributeError`` (a fifth of a
publish's CPU on the inbound hot path, SPEC §12 P7). A plain dict answers at once.
Celery copies it when it configures itself; ``config.celery`` passes the changes of
``override_settings`` (tests) to the app's conf.
"""

from __future__ import annotations

from django.conf import settings

CELERY_SETTINGS = {name: getattr(settings, name) for name in dir(settings) if name.startswith("CELERY_")}
