"""django-simple-history's ``HistoricalRecords``, with its manager class built once.

The library's descriptor builds a new manager class on every ``instance.history``
access (``HistoryManager.from_queryset``, which inspects every queryset method), and
``create_historical_record`` reads ``instance.history`` on every save: about a quarter
of a millisecond per saved customer on the inbound hot path (SPEC §12 P7), for the same
class each time. Every model declares its history with this class.
"""

from __future__ import annotations

from simple_history import models as simple_history
from simple_history.manager import HistoryDescriptor


class _CachedHistoryDescriptor(HistoryDescriptor):
    def __get__(self, instance, owner):
        manager_class = self.__dict__.get("_manager_class")
        if manager_class is None:
            manager_class = self._manager_class = self.manager_class.from_queryset(self.queryset_class)
        return manager_class(self.model, instance)


class HistoricalRecords(simple_history.HistoricalRecords):
    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        descriptor = sender.__dict__.get(self.manager_name)
        if type(descriptor) is HistoryDescriptor:  # the model's own (not an abstract parent's)
            cached = _CachedHistoryDescriptor(descriptor.model, descriptor.manager_class, descriptor.queryset_class)
            setattr(sender, self.manager_name, cached)
