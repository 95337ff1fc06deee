"""Building blocks every configuration entity uses: status instead of deletion, audit."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .errors import DeletionForbidden


class ActiveQuerySet(models.QuerySet):
    """A queryset whose ``delete()`` refuses: entities are deactivated, never deleted."""

    def delete(self):  # type: ignore[override]
        raise DeletionForbidden()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def active(self) -> ActiveQuerySet:
        return self.filter(is_active=True)


class ActiveModel(models.Model):
    """Abstract base: ``is_active`` ("Status") and a ``delete()`` that raises."""

    is_active = models.BooleanField(
        _("Status"),
        default=True,
        help_text=_("Inactive records stay listed but can no longer be selected."),
    )

    objects = ActiveQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise DeletionForbidden()


class LiveEvent(models.Model):
    """A live update waiting for a user's open pages, when there is no Redis (the embedded
    defaults of ``make run``): ``core/live.py``. Pruned after ``LIVE_DB_KEEP_SECONDS``:
    a delivery buffer, not a record."""

    user = models.ForeignKey("users.User", on_delete=models.CASCADE, related_name="+", db_index=False)
    event = models.CharField(max_length=30)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)  # pruning

    class Meta:
        # A stream's poll: this user's events after the last id it sent.
        indexes = [models.Index(fields=["user", "id"], name="live_event_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.event} #{self.pk}"
