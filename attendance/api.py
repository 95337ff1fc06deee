"""API: companies and operations (SPEC §1, §10)."""

from __future__ import annotations

from core.api import AtendeViewSet
from organisation.models import Company, Operation

from .filters import BotFilter, CompanyFilter, OperationFilter, ServiceGroupFilter
from .models import Bot, ServiceGroup
from .serializers import BotSerializer, CompanySerializer, OperationSerializer, ServiceGroupSerializer


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


class BotViewSet(AtendeViewSet):
    queryset = Bot.objects.all()
    serializer_class = BotSerializer
    filterset_class = BotFilter
    search_fields = ["name"]
    ordering_fields = ["name", "id"]


class ServiceGroupViewSet(AtendeViewSet):
    queryset = ServiceGroup.objects.select_related("operation", "parent").prefetch_related("agents", "transfer_targets")
    serializer_class = ServiceGroupSerializer
    filterset_class = ServiceGroupFilter
    search_fields = ["name", "operation__name"]
    ordering_fields = ["name", "id"]
