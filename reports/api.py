"""``GET /api/v1/dashboard/``, ``/api/v1/reports/service-level/`` and
``/api/v1/reports/surveys/`` (SPEC §9, §10): thin views over ``reports.selectors``."""

from __future__ import annotations

from django.core.paginator import Paginator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import AGENTS_FORBIDDEN, MUST_CHANGE_PASSWORD, NO_PROFILE_PERMISSION
from imports.exporting import spreadsheet_response

from . import serializers as s
from .selectors import dashboard, service_level
from .survey_results import EXPORT_HEADER, answers, export_rows, open_answers, survey_results

PERM_DASHBOARD = "attendance.view_dashboard"
PERM_SERVICE_LEVEL = "attendance.view_service_level_report"
PERM_SURVEYS = "reports.view_survey_results"
PERM_MONITOR = "reports.monitor_attendances"

SERVICE_LEVEL_HEADER = ["Chave", "Rótulo", "Na fila", "Atribuídos", "Abandonados", "Encerrados",
                        "Espera média (s)", "Espera máxima (s)", "Atendimento médio (s)", "Nível de serviço (%)",
                        "CSAT (%)", "NPS"]  # fmt: skip
FIGURE_KEYS = ["queued", "assigned", "abandoned", "closed", "avg_wait_seconds", "max_wait_seconds",
               "avg_handling_seconds", "service_level_percent", "csat_percent", "nps"]  # fmt: skip
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Per-field messages: {field: [message]}"),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Not authenticated: {detail}"),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="The profile does not grant it: {detail}"),
}
EXPORT_PARAMETERS = [
    OpenApiParameter("file_format", enum=["csv", "xlsx"], description="Download the same rows as a file"),
    OpenApiParameter("dialect", enum=["csv", "excel_br"], description="excel_br: ';' and a UTF-8 BOM"),
]


class ReportPermission(BasePermission):
    """Staff (never plain agents) whose role or profile grants the view's permission."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if user.must_change_password:
            self.message = MUST_CHANGE_PASSWORD
            return False
        if not user.is_staff:
            self.message = AGENTS_FORBIDDEN
            return False
        self.message = NO_PROFILE_PERMISSION
        return user.has_perm(view.required_permission)


class _ReportView(APIView):
    permission_classes = [ReportPermission]
    required_permission = ""

    def query(self, serializer_class):
        serializer = serializer_class(data=self.request.query_params, context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class DashboardView(_ReportView):
    """The supervisor dashboard's figures: now, today and today by hour."""

    required_permission = PERM_DASHBOARD

    @extend_schema(parameters=[s.DashboardQuery], responses={200: s.DashboardSerializer, **ERRORS})
    def get(self, request):
        query = self.query(s.DashboardQuery)
        return Response(dashboard(request.user, operation_id=query.get("operation"), group_id=query.get("group")))


class ServiceLevelView(_ReportView):
    """The service-level report over a range of the company's days (at most 366)."""

    required_permission = PERM_SERVICE_LEVEL

    @extend_schema(
        parameters=[s.ServiceLevelQuery],
        responses={
            (200, "application/json"): s.ServiceLevelSerializer,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX): OpenApiTypes.BINARY,
            **ERRORS,
        },
    )
    def get(self, request):
        query = self.query(s.ServiceLevelQuery)
        report = service_level(request.user, start=query["start"], end=query["end"], by=query["by"],
                               group_id=query.get("group"), agent_id=query.get("agent"))  # fmt: skip
        if not query.get("file_format"):
            return Response(report)
        rows = [[row["key"], row["label"], *(row[k] for k in FIGURE_KEYS)] for row in report["rows"]]
        rows.append(["total", "Total", *(report["totals"][k] for k in FIGURE_KEYS)])
        name = f"nivel-de-servico-{query['start']:%Y%m%d}-{query['end']:%Y%m%d}"
        return spreadsheet_response(query["file_format"], SERVICE_LEVEL_HEADER, rows, name, query["dialect"])


class SurveyResultsView(_ReportView):
    """Survey results: per question the count of each option or score, CSAT %, NPS and the
    open answers (paginated, 20 a page); the export has one line per answer."""

    required_permission = PERM_SURVEYS
    page_size = 20

    @extend_schema(
        parameters=[s.SurveyQuery],
        responses={
            (200, "application/json"): s.SurveyResultsSerializer,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX): OpenApiTypes.BINARY,
            **ERRORS,
        },
    )
    def get(self, request):
        query = self.query(s.SurveyQuery)
        rows = answers(request.user, start=query["start"], end=query["end"], group_id=query.get("group"),
                       agent_id=query.get("agent"), survey_id=query.get("survey"))  # fmt: skip
        if query.get("file_format"):
            name = f"pesquisas-{query['start']:%Y%m%d}-{query['end']:%Y%m%d}"
            return spreadsheet_response(query["file_format"], EXPORT_HEADER, export_rows(rows, request.user), name,
                                        query["dialect"])  # fmt: skip
        body = survey_results(rows)
        paginator = Paginator(open_answers(rows), self.page_size)
        page = paginator.get_page(query["page"])
        body["open_answers"] = {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "results": [
                {"question": r.question_id, "question_text": r.question.text, "text": r.text,
                 "answered_at": r.answered_at, "attendance": r.attendance_id, "protocol": r.attendance.protocol,
                 "group": r.group.name if r.group else None,
                 "agent": (r.agent.display_name or r.agent.username) if r.agent else None}
                for r in page.object_list
            ],
        }  # fmt: skip
        return Response(body)
