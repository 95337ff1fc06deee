from __future__ import annotations

import django_filters

from .models import Company, Operation


class CompanyFilter(django_filters.FilterSet):
    class Meta:
        model = Company
        fields = {"is_active": ["exact"], "name": ["exact", "icontains"]}


class OperationFilter(django_filters.FilterSet):
    class Meta:
        model = Operation
        fields = {"is_active": ["exact"], "company": ["exact"], "name": ["exact", "icontains"]}
