"""API: customers (with export) and customer attributes (SPEC §6)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import AtendeViewSet
from core.schema import SPREADSHEET_RESPONSES
from imports.exporting import spreadsheet_response

from .exports import customer_export_rows
from .filters import CustomerAttributeFilter, CustomerFilter
from .models import Customer, CustomerAttribute
from .serializers import CustomerAttributeSerializer, CustomerSerializer


class CustomerViewSet(AtendeViewSet):
    queryset = Customer.objects.select_related("group", "wallet_agent")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["display_name", "id", "created_at"]
    search_fields: list[str] = []  # ?search= is the customer search (name, phone, document, e-mail)

    @extend_schema(
        parameters=[
            OpenApiParameter("file_format", enum=["csv", "xlsx"]),
            OpenApiParameter("dialect", enum=["csv", "excel_br"], description="excel_br: ';' and a UTF-8 BOM"),
        ],
        responses=SPREADSHEET_RESPONSES,
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered list as CSV or XLSX, in the import template's columns, with
        spreadsheet formulas neutralised."""
        file_format = request.query_params.get("file_format", "csv")
        if file_format not in {"csv", "xlsx"}:
            return Response({"file_format": ["Use csv ou xlsx."]}, status=400)
        header, rows = customer_export_rows(self.filter_queryset(self.get_queryset()))
        return spreadsheet_response(file_format, header, rows, "clientes", request.query_params.get("dialect", "csv"))


class CustomerAttributeViewSet(AtendeViewSet):
    queryset = CustomerAttribute.objects.all()
    serializer_class = CustomerAttributeSerializer
    filterset_class = CustomerAttributeFilter
    search_fields = ["description"]
