"""User reads."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .models import User
from .work_hours import describe, is_within


def user_is_within_work_hours(*, user: User, at: datetime | None = None) -> bool:
    """Whether the user may be logged in (and receive distribution) at ``at``."""
    return is_within(user.work_hours, at or timezone.now(), user.time_zone_name)


def user_work_hours_summary(*, user: User) -> str:
    return describe(user.work_hours)
