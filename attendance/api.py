"""API: companies and operations (SPEC §1, §10)."""

from __future__ import annotations

from core.api import AtendeViewSet

from .filters import CompanyFilter, OperationFilter
from .models import Company, Operation
from .serializers import CompanySerializer, OperationSerializer


class CompanyViewSet(AtendeViewSet):
    queryset = Company.objects.all()
    serializer_class = CompanySerializer
    filterset_class = CompanyFilter
    search_fields = ["name"]
    ordering_fields = ["name", "id"]


class OperationViewSet(AtendeViewSet):
    queryset = Operation.objects.select_related("company")
    serializer_class = OperationSerializer
    filterset_class = OperationFilter
    search_fields = ["name", "company__name"]
    ordering_fields = ["name", "id"]
