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
