"""core/history.py: every model's history manager class is built once, and history is
recorded as django-simple-history records it."""

from __future__ import annotations

import pytest
from django.apps import apps

from core.history import _CachedHistoryDescriptor
from customers.models import Customer
from customers.services import customer_save


def test_every_historical_model_uses_the_cached_descriptor():
    tracked = [model for model in apps.get_models() if hasattr(model._meta, "simple_history_manager_attribute")]
    assert len(tracked) >= 10
    for model in tracked:
        descriptor = model.__dict__[model._meta.simple_history_manager_attribute]
        assert type(descriptor) is _CachedHistoryDescriptor, model


@pytest.mark.django_db
def test_the_manager_class_is_built_once_and_still_scoped_to_its_instance():
    first, second = (customer_save(customer=Customer(), network="whatsapp", phone=phone, display_name="Cliente")
                     for phone in ("+5534991230001", "+5534991230002"))  # fmt: skip
    assert type(first.history) is type(second.history) is type(Customer.history)
    first.display_name = "Outro Nome"
    first.save()
    assert [record.display_name for record in first.history.all()][0] == "Outro Nome"
    assert first.history.count() == 2 and second.history.count() == 1
    assert Customer.history.count() == 3
