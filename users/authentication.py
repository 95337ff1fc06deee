"""API token authentication that also ends access outside work hours."""

from __future__ import annotations

from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from . import errors
from .selectors import user_is_within_work_hours, user_work_hours_summary


class WorkHoursTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>`` (django-rest-knox: only the token's digest is
    stored); refused outside the user's work hours."""

    def authenticate_credentials(self, token):
        user, auth_token = super().authenticate_credentials(token)
        if not user_is_within_work_hours(user=user):
            raise AuthenticationFailed(errors.OUTSIDE_WORK_HOURS % {"schedule": user_work_hours_summary(user=user)})
        return user, auth_token
