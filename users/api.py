"""API: users, profiles, tokens and password change (SPEC §2, §10)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import AtendeViewSet

from . import errors
from .filters import ProfileFilter, UserFilter
from .lockout import lockout_response
from .models import Profile, User
from .selectors import user_is_within_work_hours, user_work_hours_summary
from .serializers import (
    PasswordChangeSerializer,
    ProfileSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    TokenRevokeSerializer,
    UserSerializer,
)
from .services import user_set_password


class UserViewSet(AtendeViewSet):
    queryset = User.objects.select_related("profile", "company").prefetch_related("operations")
    serializer_class = UserSerializer
    filterset_class = UserFilter
    search_fields = ["username", "display_name", "email"]
    ordering_fields = ["username", "display_name", "id"]


class ProfileViewSet(AtendeViewSet):
    queryset = Profile.objects.prefetch_related("permissions")
    serializer_class = ProfileSerializer
    filterset_class = ProfileFilter
    search_fields = ["name"]


class TokenView(APIView):
    """Exchange username and password for an API token (throttled by django-axes)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request._request, **serializer.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            return lockout_response(request._request)
        if user is None:
            return Response({"detail": str(errors.INVALID_CREDENTIALS)}, status=status.HTTP_400_BAD_REQUEST)
        if not user_is_within_work_hours(user=user):
            detail = errors.OUTSIDE_WORK_HOURS % {"schedule": user_work_hours_summary(user=user)}
            return Response({"detail": detail}, status=status.HTTP_403_FORBIDDEN)
        _instance, token = AuthToken.objects.create(user=user)  # stored as a digest: shown this once
        return Response({"token": token})


class TokenRevokeView(APIView):
    """Revoke one's API token: the one the request is made with, or all of one's tokens
    with ``{"all": true}`` (the only way from a session). Admins revoke anyone's in the
    back office ("Tokens de API")."""

    allow_agents = True
    skip_model_permissions = True

    @extend_schema(request=TokenRevokeSerializer, responses={204: None})
    def post(self, request):
        serializer = TokenRevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["all"] or not isinstance(request.auth, AuthToken):
            request.user.auth_token_set.all().delete()
        else:
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    """Change one's own password; the only endpoint open while a change is required."""

    allow_agents = True
    allow_password_change = True
    skip_model_permissions = True

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user_set_password(user=request.user, password=serializer.validated_data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
