"""Test settings: the base settings with fast hashing and eager Celery.

Tests that need real services (PostgreSQL, Redis, worker processes) say so with the
``postgres``/``redis`` markers and start what they need themselves.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
AXES_FAILURE_LIMIT = 5

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared-cache in-memory database: the browser tests' live server
    # answers from other threads, and shared-cache SQLite refuses a concurrent write at once
    # ("database table is locked") where a file's connections wait for the lock (timeout).
    import tempfile  # noqa: E402

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"atende-test-{os.getpid()}.sqlite3")
    }
