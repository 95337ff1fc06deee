"""Health check for load balancers and `make run` users."""

from __future__ import annotations

from django.http import JsonResponse

from .health import health_report


def health(request):
    """``{"status": ok|degraded, "database", "broker", "worker": ok|stale|unknown,
    "supervisor": {...} under make run}``; 503 when the database or the broker is down."""
    report, status = health_report()
    return JsonResponse(report, status=status)
