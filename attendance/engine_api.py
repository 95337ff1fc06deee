"""The engine's API (SPEC §8, §10): channels, inbound, attendances and their actions,
the agent's presence."""

from __future__ import annotations

import functools
import io

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, NotFound, ParseError, PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import AtendeViewSet, JSONOnly
from core.errors import DomainError
from core.parsers import SafeJSONParser
from core.scoping import scope_queryset
from users.models import AGENT_ROLES, User

from . import errors
from .agent_actions import attendance_close, attendance_take_over, attendance_transfer
from .engine_cache import engine_channel
from .engine_serializers import (
    AttendanceSerializer,
    ChannelSerializer,
    CloseSerializer,
    InboundResponseSerializer,
    InboundSerializer,
    PresenceSerializer,
    TransferSerializer,
)
from .inbound import inbound_receive
from .models import CREDENTIAL_FIELDS, AgentPresence, Attendance, Channel, ServiceGroup, hash_token
from .presence import agent_logout, presence_set
from .selectors import MONITOR, attendances_visible_to
from .services import channel_save


class ChannelViewSet(AtendeViewSet):
    """Channels; the token is generated on creation and shown once in that response."""

    queryset = Channel.objects.all()
    serializer_class = ChannelSerializer
    filterset_fields = ["is_active", "network"]
    search_fields = ["name"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        credentials = {name: data.pop(name, "") for name in CREDENTIAL_FIELDS}  # write-only (SPEC §8.2.1)
        channel = Channel(**data)
        channel._new_token = channel_save(channel=channel, credentials=credentials)  # shown once, in this response
        serializer.instance = channel

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        credentials = {name: data.pop(name, "") for name in CREDENTIAL_FIELDS}  # empty: the stored one stays
        channel = serializer.instance
        for name, value in data.items():
            setattr(channel, name, value)
        channel_save(channel=channel, credentials=credentials)


class ChannelTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <channel token>``; bad or inactive tokens get 401."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            raise AuthenticationFailed(errors.BAD_CHANNEL_TOKEN)
        channel = engine_channel(hash_token(parts[1].decode(errors="replace")))
        if channel is None:
            raise AuthenticationFailed(errors.BAD_CHANNEL_TOKEN)
        request.channel = channel
        return (None, channel)

    def authenticate_header(self, request):
        return "Bearer"


class InboundView(APIView):
    """A customer's message from a channel webhook (SPEC §8.2)."""

    authentication_classes = [ChannelTokenAuthentication]
    permission_classes = [permissions.AllowAny]
    parser_classes = [SafeJSONParser]
    content_negotiation_class = JSONOnly
    throttle_classes = []

    @classmethod
    def as_view(cls, **initkwargs):
        """Nearly every request is a channel's own system posting a valid message, and the
        endpoint's cost over a bare view is SPEC §12 P7's figure: such a request takes a
        short way (``_inbound_short_way``) with the same authentication, parser, serializer
        and engine call but without DRF's request wrapper, dispatch and response rendering
        (about a tenth of the request's CPU). Anything the short way does not finish — a
        bad token, body or field, a message the engine refuses (its transaction rolled
        back, nothing written), another method — goes through DRF from the start, which
        answers it; the schema documents this view."""
        full_way = super().as_view(**initkwargs)

        def view(request, *args, **kwargs):
            response = _inbound_short_way(request)
            return full_way(request, *args, **kwargs) if response is None else response

        return functools.wraps(full_way)(view)  # csrf_exempt, cls, initkwargs (the schema)

    @extend_schema(
        request=InboundSerializer, responses={200: InboundResponseSerializer, 201: InboundResponseSerializer}
    )
    def post(self, request):
        serializer = InboundSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        body, code = _inbound_answer(inbound_receive(channel=request.auth, **serializer.validated_data))
        return Response(body, status=code)


_JSON = JSONRenderer()


def _inbound_answer(result) -> tuple[dict, int]:
    attendance = result.attendance
    body = {"protocol": attendance.protocol, "attendance": attendance.pk, "status": attendance.status}
    return body, status.HTTP_201_CREATED if result.created else status.HTTP_200_OK


def _inbound_short_way(request) -> HttpResponse | None:
    """``InboundView.post`` for a valid request, or ``None`` (then DRF answers)."""
    if request.method != "POST" or request.content_type != "application/json":
        return None
    try:
        _user, channel = ChannelTokenAuthentication().authenticate(request)
        data = SafeJSONParser().parse(io.BytesIO(request.body))
    except (AuthenticationFailed, ParseError):
        return None
    serializer = InboundSerializer(data=data)
    if not serializer.is_valid():
        return None
    try:
        result = inbound_receive(channel=channel, **serializer.validated_data)
    except (DjangoValidationError, DomainError):
        return None
    body, code = _inbound_answer(result)
    return HttpResponse(_JSON.render(body), status=code, content_type=_JSON.media_type)


class AttendancePermission(permissions.BasePermission):
    """Admins; supervisors with the profile's view permission (their operations); agents
    for their own attendances."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active) or user.must_change_password:
            return False
        return user.is_agent or user.has_perm("attendance.view_attendance") or user.has_perm(MONITOR)


class AttendanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Attendances (read, through the one visibility rule) and the actions ``transfer`` and
    ``close``; the workspace's viewset (the one routed) adds messages, notes and the detail."""

    permission_classes = [AttendancePermission]
    queryset = Attendance.objects.none()  # the model, for the schema; get_queryset scopes
    filterset_fields = ["status", "group", "agent", "customer"]
    search_fields = ["protocol", "customer__display_name"]
    ordering_fields = ["opened_at", "queued_at", "assigned_at"]

    def get_queryset(self):
        return attendances_visible_to(self.request.user).select_related("customer")

    def get_serializer_class(self):
        return AttendanceSerializer

    def _run(self, function, **kwargs):
        """Run the service; invalid input answers 400 per field (domain errors are mapped
        by ``core.api.exception_handler``)."""
        try:
            return function(**kwargs), None
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            return None, Response(detail, status=status.HTTP_400_BAD_REQUEST)

    @extend_schema(request=TransferSerializer, responses={200: AttendanceSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        serializer = TransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attendance = self.get_object()
        self._check_can_act(attendance)
        group_id, agent_id = serializer.validated_data.get("group"), serializer.validated_data.get("agent")
        # An id that does not exist goes through the same checks as one of another
        # operation (as an unsaved stand-in): both fail alike, at the same step (SPEC §10).
        group = (
            None if group_id is None else ServiceGroup.objects.filter(pk=group_id).first() or ServiceGroup(pk=group_id)
        )
        agent = None if agent_id is None else User.objects.filter(pk=agent_id).first() or User(pk=agent_id)
        result, failure = self._run(attendance_transfer, attendance=attendance, actor=request.user, group=group,
                                    agent=agent)  # fmt: skip
        return failure or Response(AttendanceSerializer(result).data)

    @extend_schema(request=CloseSerializer, responses={200: AttendanceSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        serializer = CloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attendance = self.get_object()
        self._check_can_act(attendance)
        result, failure = self._run(
            attendance_close, attendance=attendance, actor=request.user,
            classification_node=serializer.validated_data.get("classification_node"),
            send_survey=serializer.validated_data["send_survey"],
        )  # fmt: skip
        return failure or Response(AttendanceSerializer(result).data)

    @extend_schema(
        request=None,
        responses={
            200: AttendanceSerializer,
            400: OpenApiResponse(description="Closed, already yours, or not a supervisor-agent"),
            404: OpenApiResponse(description="No attendance the caller may see"),
        },
    )
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        """ "Assumir" (SPEC §9.1): a supervisor-agent of the attendance's operation takes it
        for themselves (event ``taken_over``); their capacity never refuses it."""
        attendance = self.get_object()
        if not self.may_supervise(request.user):
            raise PermissionDenied(errors.NOT_YOUR_ATTENDANCE)
        result, failure = self._run(attendance_take_over, attendance=attendance, supervisor=request.user)
        return failure or Response(AttendanceSerializer(result).data)

    @staticmethod
    def may_supervise(user) -> bool:
        """Acts on the attendances they see as a supervisor: admins, and supervisors whose
        profile grants changing attendances or the monitor (SPEC §9.1)."""
        if user.is_admin:
            return True
        return user.is_supervisor and (user.has_perm("attendance.change_attendance") or user.has_perm(MONITOR))

    def _check_can_act(self, attendance: Attendance) -> None:
        if attendance.agent_id == self.request.user.pk or self.may_supervise(self.request.user):
            return
        raise PermissionDenied(errors.NOT_YOUR_ATTENDANCE)


class PresenceView(APIView):
    """The logged-in agent's presence: ``{state: online|paused|offline, reason}``.
    Posting the same state again is the heartbeat."""

    allow_agents = True
    skip_model_permissions = True

    @extend_schema(responses={200: PresenceSerializer})
    def get(self, request):
        presence, _ = AgentPresence.objects.get_or_create(agent=request.user)
        return Response(PresenceSerializer(presence).data)

    @extend_schema(request=PresenceSerializer, responses={200: PresenceSerializer})
    def post(self, request):
        serializer = PresenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        presence = presence_set(agent=request.user, state=serializer.validated_data["state"],
                                reason=serializer.validated_data.get("reason", ""))  # fmt: skip
        return Response(PresenceSerializer(presence).data)


class SupervisePermission(permissions.BasePermission):
    """Admins, and supervisors (and supervisor-agents) whose profile grants the monitor or
    changing attendances (SPEC §9.1); an agent out of their operations is a 404."""

    message = errors.SUPERVISORS_ONLY

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active) or user.must_change_password:
            return False
        return AttendanceViewSet.may_supervise(user)


class AgentControlView(APIView):
    permission_classes = [SupervisePermission]

    def agent(self, pk: int) -> User:
        """An active agent or supervisor-agent of the supervisor's operations, else 404."""
        found = scope_queryset(User.objects.filter(role__in=AGENT_ROLES, is_active=True), self.request.user)
        agent = found.filter(pk=pk).first()
        if agent is None:
            raise NotFound()
        return agent


class AgentPresenceView(AgentControlView):
    """A supervisor sets an agent's presence ("Pausar" with a reason, "Colocar offline",
    or back online; SPEC §9.1). Offline follows §7.1: the agent's attendances go back to
    the queue, never closed. The agent's open page is told live."""

    @extend_schema(request=PresenceSerializer, responses={200: PresenceSerializer, 404: OpenApiResponse()})
    def post(self, request, pk: int):
        agent = self.agent(pk)
        serializer = PresenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            presence = presence_set(agent=agent, state=serializer.validated_data["state"],
                                    reason=serializer.validated_data.get("reason", ""), forced=True,
                                    by=request.user.pk)  # fmt: skip
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            return Response(detail, status=status.HTTP_400_BAD_REQUEST)
        return Response(PresenceSerializer(presence).data)


class AgentLogoutView(AgentControlView):
    """ "Encerrar sessão" (SPEC §9.1): ends the agent's browser sessions and API tokens
    until they log in again; they go offline first (§7.1) and their open workspace says why."""

    @extend_schema(request=None, responses={200: OpenApiResponse(description="{ended: number of logins ended}")})
    def post(self, request, pk: int):
        agent = self.agent(pk)
        return Response({"ended": agent_logout(agent=agent, by=request.user)})
