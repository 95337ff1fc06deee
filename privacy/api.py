"""API of the data subjects' requests (SPEC §10, §17):
``POST /api/v1/customers/<id>/export/`` and ``POST /api/v1/customers/<id>/anonymize/``.

Administrators only. An agent gets 403 (no configuration resource); anyone else who
cannot see the customer gets the answer of a customer that does not exist (404);
a supervisor who can see it is still refused (403)."""

from __future__ import annotations

from django.http import Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import RolePermission
from core.scoping import scope_queryset
from customers.models import Customer

from . import errors
from .export import export_stream
from .models import PrivacyRequest
from .services import REASON_MAX_LENGTH, customer_anonymize, export_logged


class AnonymizeSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(help_text="Must be true: the anonymisation cannot be undone.")
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, allow_blank=True,
                                   help_text="Why (e.g. the protocol of the data subject's request).")  # fmt: skip


class PrivacyRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrivacyRequest
        fields = ["id", "kind", "customer", "by", "at", "reason", "summary"]


class _CustomerRequestView(APIView):
    permission_classes = [RolePermission]
    skip_model_permissions = True  # the rule is the role: administrators only

    def customer(self, request, pk: int) -> Customer:
        customer = scope_queryset(Customer.objects.all(), request.user).filter(pk=pk).first()
        if customer is None:
            raise Http404
        if not request.user.is_admin:
            raise PermissionDenied(str(errors.ADMINS_ONLY))
        return customer


class CustomerAnonymizeView(_CustomerRequestView):
    @extend_schema(request=AnonymizeSerializer, responses={200: PrivacyRequestSerializer})
    def post(self, request, pk: int):
        """Anonymise the customer: every copy of the person's data goes; the attendances and
        their figures stay (SPEC §17). Answers the request's log entry."""
        customer = self.customer(request, pk)
        serializer = AnonymizeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done = customer_anonymize(customer=customer, by=request.user, reason=serializer.validated_data["reason"],
                                  confirm=serializer.validated_data["confirm"])  # fmt: skip
        return Response(PrivacyRequestSerializer(done).data)


class CustomerExportView(_CustomerRequestView):
    @extend_schema(
        request=None,
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="ZIP (attachment).")},
    )
    def post(self, request, pk: int):
        """The customer's data as a ZIP streamed as it is written: ``dados.json``,
        ``dados.html`` and the media (internal notes excluded). Logged."""
        customer = self.customer(request, pk)
        return export_response(customer, request.user)


def export_response(customer: Customer, user) -> StreamingHttpResponse:
    """The streamed ZIP, logged before the first byte (who, when) and completed with its
    counts after the last."""
    if customer.anonymized_at is not None:
        raise errors.PrivacyError(errors.ANONYMIZED_NO_EXPORT)
    logged = export_logged(customer=customer, by=user, summary={})
    counts: dict = {}

    def stream():
        yield from export_stream(customer, counts)
        PrivacyRequest.objects.filter(pk=logged.pk).update(summary=counts)

    response = StreamingHttpResponse(stream(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="dados-titular-{customer.pk}.zip"'
    return response
