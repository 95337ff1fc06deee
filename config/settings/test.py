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
