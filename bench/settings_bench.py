"""Settings for the django-import-export baseline of ``bench/import.py``: the product's
settings plus ``import_export`` (a benchmark-only dependency, see bench/requirements.txt)."""

from config.settings.base import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "import_export"]  # noqa: F405
