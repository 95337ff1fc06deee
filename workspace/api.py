"""The workspace's API additions (SPEC §7, §10): the attendance list's filters and
visibility, messages with files and ``?after=``, ``active-messages``, ``canned-responses``,
``pause-reasons`` and ``whatsapp-templates``."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.mixins import ListModelMixin
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from attendance.agent_actions import supervisor_message_send
from attendance.engine_api import AttendanceViewSet
from attendance.models import Kind, Message, PauseReason
from core.api import AtendeViewSet
from core.permissions import AGENTS_FORBIDDEN, RolePermission
from core.scoping import scope_queryset
from core.text import whole_number
from users.models import AGENT_ROLES

from . import errors
from .filters import AttendanceFilter
from .models import CannedResponse, Mention, WhatsAppTemplate
from .selectors import attendances_visible_to, canned_responses_for, mentions_of
from .serializers import (
    ActiveMessageResultSerializer,
    ActiveMessageSerializer,
    AttendanceDetailSerializer,
    AttendanceListSerializer,
    CannedResponseSerializer,
    MentionSerializer,
    MessageCreatedSerializer,
    MessageSerializer,
    NoteSerializer,
    PauseReasonSerializer,
    SendMessageSerializer,
    WhatsAppTemplateSerializer,
)
from .services import active_message_start, mention_mark_read, note_post, workspace_message_send

MESSAGES_PAGE = 500


class WorkspaceAttendanceViewSet(AttendanceViewSet):
    """Attendances: the engine's actions, seen through the workspace's visibility rule
    (``attendances_visible_to``: own, history permissions, confidential agents)."""

    filterset_class = AttendanceFilter
    filterset_fields = None
    search_fields = ["protocol", "customer__display_name"]

    def get_queryset(self):
        queryset = attendances_visible_to(self.request.user).select_related("customer", "group", "agent")
        if self.action == "retrieve":  # its messages' e-mail parts in the same prefetch
            queryset = queryset.prefetch_related(Prefetch("messages", Message.objects.select_related("email")))
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return AttendanceDetailSerializer
        return AttendanceListSerializer if self.action == "list" else super().get_serializer_class()

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("after", OpenApiTypes.INT, description="Only messages after this id.")],
        responses={200: MessageSerializer(many=True)},
        description=f"The attendance's messages in order (at most {MESSAGES_PAGE}; page with ``after``).",
    )
    @extend_schema(
        methods=["POST"],
        request={"application/json": SendMessageSerializer, "multipart/form-data": SendMessageSerializer},
        responses={
            201: MessageCreatedSerializer,
            400: OpenApiResponse(description="Field errors (receive_only, kind not allowed, file refused…)"),
            403: OpenApiResponse(description="Not the attendance's agent"),
        },
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[JSONParser, MultiPartParser, FormParser],
            pagination_class=None, filter_backends=[])  # fmt: skip  # a plain list, paged with ``after``
    def messages(self, request, pk=None):
        attendance = self.get_object()
        if request.method == "GET":
            after = whole_number(request.query_params.get("after", "0"))
            if after is None:
                return Response({"after": [_("Inform a whole number.")]}, status=status.HTTP_400_BAD_REQUEST)
            rows = attendance.messages.filter(pk__gt=after).select_related("email").order_by("pk")[:MESSAGES_PAGE]
            return Response(MessageSerializer(rows, many=True).data)
        serializer = SendMessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data.get("file")
        if attendance.agent_id != request.user.pk and self.may_supervise(request.user):
            return self._supervisor_message(attendance, data)
        try:
            with transaction.atomic():
                message = workspace_message_send(
                    attendance=attendance, agent=request.user, kind=data["kind"], text=data["text"], file=upload,
                    filename=getattr(upload, "name", ""),
                )  # fmt: skip
        except DjangoValidationError as error:  # domain errors (403…) go to core.api.exception_handler
            detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            return Response(detail, status=status.HTTP_400_BAD_REQUEST)
        return Response({"id": message.pk}, status=status.HTTP_201_CREATED)

    def _supervisor_message(self, attendance, data) -> Response:
        """A supervisor messages the customer from the monitor (SPEC §9.1): text only,
        ``sender: supervisor``; the attendance stays with its agent."""
        if data.get("file") is not None or data["kind"] != Kind.TEXT:
            return Response({"file": [errors.SUPERVISOR_TEXT_ONLY]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            message = supervisor_message_send(attendance=attendance, supervisor=self.request.user, text=data["text"])
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            return Response(detail, status=status.HTTP_400_BAD_REQUEST)
        return Response({"id": message.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=NoteSerializer,
        responses={
            201: MessageSerializer,
            400: OpenApiResponse(description="Field errors (empty, too long, a mention of someone who may not see it)"),
            404: OpenApiResponse(description="No attendance the caller may see"),
        },
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def notes(self, request, pk=None):
        """ "Nota interna" (SPEC §7.2): seen by everyone who may see the attendance, never
        delivered to the customer; ``@username`` mentions a user who may see it."""
        attendance = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            message = note_post(attendance=attendance, author=request.user, text=serializer.validated_data["text"])
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            return Response(detail, status=status.HTTP_400_BAD_REQUEST)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class MentionViewSet(ListModelMixin, GenericViewSet):
    """ "Menções": the caller's mentions, newest first; ``read`` marks one as read."""

    serializer_class = MentionSerializer
    queryset = Mention.objects.none()  # the model, for the schema; get_queryset has the caller's
    allow_agents = True
    skip_model_permissions = True
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Mention.objects.none()
        return mentions_of(user=self.request.user)

    @extend_schema(request=None, responses={200: MentionSerializer, 404: OpenApiResponse(description="Not yours")})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        mention = mention_mark_read(mention=self.get_object())
        return Response(MentionSerializer(mention).data)


class AgentReadablePermission(RolePermission):
    """Agents read (their part of) the resource; writing is for the back office, with the
    profile's permissions like every configuration resource."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        reading = request.method in permissions.SAFE_METHODS and getattr(view, "action", None) in ("list", "retrieve")
        agent = bool(user and user.is_authenticated and user.is_active and user.role in AGENT_ROLES)
        if agent and reading and not user.must_change_password:
            return True  # the queryset holds what an agent may read
        if agent and not user.is_staff:
            self.message = AGENTS_FORBIDDEN
            return False
        return super().has_permission(request, view)


class AgentReadableViewSet(AtendeViewSet):
    permission_classes = [AgentReadablePermission]
    allow_agents = True

    def for_agent(self, user):
        return self.queryset.model.objects.filter(is_active=True)

    def get_queryset(self):
        user = self.request.user
        model = self.queryset.model
        if user.is_admin:
            return model.objects.all()
        mine = self.for_agent(user) if user.role in AGENT_ROLES else model.objects.none()
        if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
            scoped = scope_queryset(model.objects.all(), user)
            return model.objects.filter(pk__in=scoped.values("pk")) | mine
        return mine


class CannedResponseViewSet(AgentReadableViewSet):
    """ "Respostas rápidas": agents read the active ones of their groups and the global ones."""

    queryset = CannedResponse.objects.select_related("group")
    serializer_class = CannedResponseSerializer
    filterset_fields = ["is_active", "group"]
    search_fields = ["shortcut", "text"]

    def for_agent(self, user):
        return canned_responses_for(user=user)

    def perform_create(self, serializer):
        self._check_group(serializer)
        serializer.save()

    def perform_update(self, serializer):
        self._check_group(serializer)
        serializer.save()

    def _check_group(self, serializer):
        from rest_framework.exceptions import ValidationError

        if not self.request.user.is_admin and not serializer.validated_data.get(
            "group", getattr(serializer.instance, "group", None)
        ):
            raise ValidationError({"group": [str(errors.GROUP_REQUIRED)]})


class PauseReasonViewSet(AgentReadableViewSet):
    """ "Motivos de pausa": agents read the active ones."""

    queryset = PauseReason.objects.all()
    serializer_class = PauseReasonSerializer
    filterset_fields = ["is_active"]
    search_fields = ["name"]


class WhatsAppTemplateViewSet(AgentReadableViewSet):
    """Approved WhatsApp templates: agents read the active ones."""

    queryset = WhatsAppTemplate.objects.all()
    serializer_class = WhatsAppTemplateSerializer
    filterset_fields = ["is_active", "language"]
    search_fields = ["name", "body"]


class ActiveMessageView(APIView):
    """ "Novo atendimento ativo": ``{customer | network+phone, group, text | template+params}``."""

    allow_agents = True
    skip_model_permissions = True

    @extend_schema(
        request=ActiveMessageSerializer,
        responses={
            201: ActiveMessageResultSerializer,
            400: OpenApiResponse(description="Field errors"),
            403: OpenApiResponse(description="Only agents send active messages"),
        },
    )
    def post(self, request):
        if request.user.role not in AGENT_ROLES:
            raise PermissionDenied(errors.ONLY_AGENTS)
        serializer = ActiveMessageSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        message = active_message_start(
            agent=request.user, group=data["group"], customer=data.get("customer"), network=data.get("network", ""),
            phone=data.get("phone", ""), text=data.get("text", ""), template=data.get("template"),
            params=data.get("params"), email=data.get("email", ""), subject=data.get("subject", ""),
        )  # fmt: skip
        body = {"attendance": message.attendance_id, "protocol": message.attendance.protocol, "message": message.pk,
                "deliver_at": message.deliver_at}  # fmt: skip
        return Response(body, status=status.HTTP_201_CREATED)
