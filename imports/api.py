"""``customer-imports`` and ``user-imports`` (SPEC §6.3): one viewset, two kinds."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.parsers import SafeJSONParser
from core.schema import SPREADSHEET_RESPONSES

from .exporting import spreadsheet_response
from .models import ImportJob, RowStatus
from .readers import FileRejected
from .registry import spec_for
from .runner import import_resend, import_row_correct, import_start
from .serializers import ImportJobSerializer, ImportRowSerializer


class ImportJobViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Upload (multipart ``file``) → 201 with the job; then follow it, list its error rows,
    correct them (``PATCH rows/<id>/``) and ``resend``. Admins see every job of the kind;
    others see their own. Requires the permission to add the imported entity."""

    kind: str = ""
    required_perm: str = ""
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser, SafeJSONParser]
    lookup_value_regex = "[0-9]+"  # ``x`` or ``²`` is a 404 from the router, not a query
    skip_model_permissions = True
    filterset_fields = ["status"]
    search_fields = ["file_name"]
    queryset = ImportJob.objects.all()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.user.has_perm(self.required_perm):
            raise PermissionDenied()

    def get_queryset(self):
        jobs = ImportJob.objects.filter(kind=self.kind)
        return jobs if self.request.user.is_admin else jobs.filter(created_by=self.request.user)

    def create(self, request, *args, **kwargs):
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"file": ["Envie o arquivo no campo “file”."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            job = import_start(kind=self.kind, upload=upload, user=request.user)
        except FileRejected as error:
            return Response({"file": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    def _job(self, pk) -> ImportJob:
        """The job without the list filters (``?status=`` here filters rows, not jobs)."""
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=RowStatus.values)], responses={200: ImportRowSerializer(many=True)}
    )
    @action(detail=True, methods=["get"])
    def rows(self, request, pk=None):
        """Rows kept for people: errors (and those corrected from errors)."""
        rows = self._job(pk).rows.all()
        if request.query_params.get("status"):
            rows = rows.filter(status=request.query_params["status"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ImportRowSerializer(page, many=True).data)

    @extend_schema(request=ImportRowSerializer, responses={200: ImportRowSerializer})
    @action(detail=True, methods=["get", "patch"], url_path=r"rows/(?P<row_id>[0-9]+)")
    def row(self, request, pk=None, row_id=None):
        """Read or correct one row: ``{"data": {COLUMN: value}}``; it is judged again."""
        row = get_object_or_404(self._job(pk).rows, pk=row_id)
        if request.method == "PATCH":
            if row.status != RowStatus.ERROR:
                return Response({"detail": "Esta linha já foi importada."}, status=status.HTTP_400_BAD_REQUEST)
            serializer = ImportRowSerializer(row, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            row = import_row_correct(row=row, data=serializer.validated_data.get("data", {}))
        return Response(ImportRowSerializer(row).data)

    @extend_schema(request=None, responses={200: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """Import the corrected rows (REENVIAR)."""
        job = self.get_object()
        import_resend(job=job)
        job.refresh_from_db()
        return Response(self.get_serializer(job).data)

    @extend_schema(parameters=[OpenApiParameter("file_format", enum=["csv", "xlsx"])], responses=SPREADSHEET_RESPONSES)
    @action(detail=False, methods=["get"])
    def template(self, request):
        """The template: the columns (English headers; Portuguese ones are accepted too)
        and example rows."""
        spec = spec_for(self.kind)()
        file_format = request.query_params.get("file_format", "csv")
        if file_format not in {"csv", "xlsx"}:
            return Response({"file_format": ["Use csv ou xlsx."]}, status=status.HTTP_400_BAD_REQUEST)
        return spreadsheet_response(
            file_format, spec.template_header(), spec.example_rows, spec.template_name, dialect="excel_br"
        )


class CustomerImportViewSet(ImportJobViewSet):
    kind = "customers"
    required_perm = "customers.add_customer"


class UserImportViewSet(ImportJobViewSet):
    kind = "users"
    required_perm = "users.add_user"
