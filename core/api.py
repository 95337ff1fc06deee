"""API conventions shared by every resource (SPEC §0, §10).

- ``AtendeViewSet``: list/retrieve/create/update, no destroy (``DELETE`` → 405), a
  ``history`` action, querysets scoped to the viewer's operations.
- ``ActiveRelatedField``: a primary-key relation that refuses inactive records; an id out
  of the viewer's scope gets exactly the answer of an id that does not exist (SPEC §10).
- ``exception_handler``: JSON errors per field, including Django ``ValidationError`` and
  ``DeletionForbidden`` raised by services.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .audit import history_entries
from .errors import DELETION_FORBIDDEN, INACTIVE_CHOICE, DeletionForbidden, DomainError
from .forms import ascii_number_text
from .parsers import json_depth_exceeds
from .scoping import scope_queryset
from .text import whole_number


class JSONOnly(BaseContentNegotiation):
    """Content negotiation of a machine-to-machine endpoint (a channel's webhook): the
    answer is JSON whatever ``Accept`` says, without parsing it (DRF's default
    negotiation, with the browsable API among the renderers, was a tenth of handling an
    inbound message; SPEC §12 P7). The body is parsed by the view's first parser that
    accepts its content type, as DRF's default does."""

    renderer = JSONRenderer()

    def select_parser(self, request, parsers):
        content_type = request.content_type.split(";")[0].strip().lower()
        return next((parser for parser in parsers if parser.media_type == content_type), None)

    def select_renderer(self, request, renderers, format_suffix=None):
        return self.renderer, self.renderer.media_type


class AsciiIntegerField(serializers.IntegerField):
    """DRF's ``IntegerField`` reading ASCII digits only: ``int`` reads "٣" as 3 (SPEC §0).
    Every integer the API reads is one: declared ones by name, a model's through
    ``ModelSerializer.serializer_field_mapping`` (``core.apps``)."""

    def to_internal_value(self, data):
        if not ascii_number_text(data):
            self.fail("invalid")
        return super().to_internal_value(data)


INTEGER_MODEL_FIELDS = (
    models.IntegerField, models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
    models.PositiveSmallIntegerField, models.PositiveBigIntegerField,
)  # fmt: skip


class HistoryEntrySerializer(serializers.Serializer):
    """One audited change: who, when, and each field's before/after."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["created", "changed", "removed"])
    type_label = serializers.CharField(help_text="The type in the request's language.")
    user = serializers.DictField(allow_null=True, help_text="id, username and name (display name).")
    changes = serializers.ListField(
        child=serializers.DictField(),
        help_text="field, label, before/after (stored values), before_text/after_text (in words).",
    )


class AtendeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Base viewset for configuration resources. Nothing is ever deleted."""

    # Ids are ASCII digits: anything else (``x``, ``²``) is a 404 from the router.
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.request.user)

    @property
    def allowed_methods(self):
        """``Allow`` never lists ``DELETE``: it answers 405 (``destroy``)."""
        return [method for method in super().allowed_methods if method != "DELETE"]

    @extend_schema(exclude=True)
    def destroy(self, request, *args, **kwargs):
        """``DELETE`` answers 405: records are deactivated, never deleted."""
        return Response({"detail": str(DELETION_FORBIDDEN)}, status=status.HTTP_405_METHOD_NOT_ALLOWED)

    @extend_schema(responses={200: HistoryEntrySerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, pk=None):
        """The audit trail of this record: who, when, and each field's before/after."""
        entries = history_entries(self.get_object(), viewer=request.user)
        return Response([{key: value for key, value in entry.items() if key != "at_local"} for entry in entries])


class ActiveRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation to active records only; the value already saved stays acceptable.

    Also limits choices to the requesting user's operations for scoped models.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset.model, "scope_path"):
            queryset = scope_queryset(queryset, request.user)
        return queryset

    def to_internal_value(self, data):
        # Only an integer or a string of ASCII digits is an id: ``true``, ``1.5``, ``"x"``,
        # ``{}`` or ``[1]`` would otherwise be coerced (True → 1) or reach the database.
        if isinstance(data, bool) or not (isinstance(data, int) or (isinstance(data, str) and _is_id(data))):
            self.fail("incorrect_type", data_type=type(data).__name__)
        # Out of scope or missing: the same "does not exist" (existence is not disclosed).
        value = super().to_internal_value(data)
        if not getattr(value, "is_active", True) and not self._is_current(value):
            raise ValidationError(INACTIVE_CHOICE)
        return value

    def _is_current(self, value) -> bool:
        """Whether ``value`` is already saved on the instance being edited."""
        many = isinstance(self.parent, serializers.ManyRelatedField)
        field = self.parent if many else self
        instance = getattr(field.parent, "instance", None)
        if not isinstance(instance, models.Model) or instance.pk is None:
            return False
        if many:
            return getattr(instance, field.field_name).filter(pk=value.pk).exists()
        return getattr(instance, f"{field.source}_id", None) == value.pk


class SafeJSONField(serializers.JSONField):
    """A JSON field whose string form (multipart, HTML forms) is depth-checked before
    ``json.loads`` recurses into it (see ``core.parsers``)."""

    def to_internal_value(self, data):
        if isinstance(data, str | bytes) and json_depth_exceeds(data.encode() if isinstance(data, str) else data):
            self.fail("invalid")
        return super().to_internal_value(data)


def _is_id(text: str) -> bool:
    return whole_number(text) is not None


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = ValidationError(exc.message_dict)
        else:
            exc = ValidationError({"detail": exc.messages})
    elif isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    elif isinstance(exc, DeletionForbidden):
        return Response({"detail": str(exc)}, status=status.HTTP_405_METHOD_NOT_ALLOWED)
    elif isinstance(exc, ValidationError) and isinstance(exc.detail, list):
        # A bare list (e.g. SearchFilter refusing a NUL in ?search=) becomes an object,
        # the one error shape the schema documents.
        exc = ValidationError({"detail": exc.detail})
    return drf_exception_handler(exc, context)
