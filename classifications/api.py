"""API: classification trees written and read nested (SPEC §5.2)."""

from __future__ import annotations

from core.api import AtendeViewSet
from core.filters import FilterSet

from .models import Classification
from .serializers import ClassificationSerializer


class ClassificationFilter(FilterSet):
    class Meta:
        model = Classification
        fields = {"is_active": ["exact"], "name": ["exact", "icontains"]}


class ClassificationViewSet(AtendeViewSet):
    queryset = Classification.objects.prefetch_related("nodes")
    serializer_class = ClassificationSerializer
    filterset_class = ClassificationFilter
    search_fields = ["name"]
