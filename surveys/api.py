"""API: surveys with nested questions (SPEC §5.1)."""

from __future__ import annotations

from core.api import AtendeViewSet
from core.filters import FilterSet

from .models import Survey
from .serializers import SurveySerializer


class SurveyFilter(FilterSet):
    class Meta:
        model = Survey
        fields = {"is_active": ["exact"], "name": ["exact", "icontains"]}


class SurveyViewSet(AtendeViewSet):
    """Deactivating a survey (``is_active: false``) detaches it from every group."""

    queryset = Survey.objects.prefetch_related("questions")
    serializer_class = SurveySerializer
    filterset_class = SurveyFilter
    search_fields = ["name"]
