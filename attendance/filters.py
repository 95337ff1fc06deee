from __future__ import annotations

import django_filters

from core.filters import FilterSet
from organisation.models import Company, Operation

from .models import Bot, ServiceGroup


class CompanyFilter(FilterSet):
    class Meta:
        model = Company
        fields = {"is_active": ["exact"], "name": ["exact", "icontains"]}


class OperationFilter(FilterSet):
    class Meta:
        model = Operation
        fields = {"is_active": ["exact"], "company": ["exact"], "name": ["exact", "icontains"]}


class BotFilter(FilterSet):
    class Meta:
        model = Bot
        fields = {"is_active": ["exact"], "kind": ["exact", "in"], "name": ["exact", "icontains"]}


class ServiceGroupFilter(FilterSet):
    is_main = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull", label="main groups only")

    class Meta:
        model = ServiceGroup
        fields = {
            "is_active": ["exact"],
            "operation": ["exact"],
            "parent": ["exact"],
            "distribution_strategy": ["exact"],
            "agents": ["exact"],
            "name": ["exact", "icontains"],
        }
