from __future__ import annotations

import django_filters

from core.filters import FilterSet

from .models import Customer, CustomerAttribute
from .selectors import customer_search


class CustomerFilter(FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="name, phone (any format), CPF/CNPJ or e-mail")

    class Meta:
        model = Customer
        fields = {
            "is_active": ["exact"],
            "network": ["exact"],
            "group": ["exact"],
            "wallet_agent": ["exact"],
            "document_type": ["exact"],
        }

    def filter_search(self, queryset, name, value):
        return customer_search(queryset=queryset, term=value)


class CustomerAttributeFilter(FilterSet):
    class Meta:
        model = CustomerAttribute
        fields = {"is_active": ["exact"], "description": ["exact", "icontains"]}
