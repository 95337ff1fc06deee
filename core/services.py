"""Platform-wide writes."""

from __future__ import annotations

from django.db import models


def record_set_active(obj: models.Model, *, active: bool, actor=None) -> models.Model:
    """(De)activate a record whose status has no further consequence (SPEC §0: the only
    way out); saved row by row so the audit history records who and when."""
    obj.is_active = active
    obj.save(update_fields=["is_active"])
    return obj
