"""The response to a locked-out login (django-axes' AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.http import JsonResponse
from django.shortcuts import render

from . import errors


def lockout_message(request) -> str:
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0
    return str(errors.ACCOUNT_LOCKED % {"minutes": minutes})


def lockout_response(request, original_response=None, credentials=None):
    """429 in JSON for the API, the Portuguese lockout page for screens."""
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
