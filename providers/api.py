"""The outbound webhook's API (SPEC §8.2.2): the delivery log of a channel and the
rotation of its signing secret. Channels are configuration: admins only (a channel
outside the user's reach answers 404, like a missing one)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from attendance.models import Channel
from core.scoping import scope_queryset

from .models import WebhookAttempt
from .outbox import webhook_secret_rotate


class DeliveryTrySerializer(serializers.ModelSerializer):
    delivery = serializers.UUIDField(source="delivery.uuid", read_only=True, help_text="X-Atende-Delivery.")
    message = serializers.IntegerField(source="delivery.message_id", read_only=True, allow_null=True)
    event = serializers.CharField(source="delivery.event", read_only=True)
    state = serializers.ChoiceField(source="delivery.state", read_only=True,
                                    choices=["pending", "delivered", "failed"])  # fmt: skip

    class Meta:
        model = WebhookAttempt
        fields = ["id", "delivery", "message", "event", "attempt", "status_code", "duration_ms", "response_excerpt",
                  "at", "state"]  # fmt: skip
        read_only_fields = fields


MAX_ID = 2**31 - 1  # ids are bounded before any query (SPEC §0): a larger one is no channel


def _channel(request, pk: int) -> Channel:
    if not 0 < pk <= MAX_ID:
        raise Http404
    channel = scope_queryset(Channel.objects.all(), request.user).filter(pk=pk).first()
    if channel is None:
        raise Http404
    return channel


class ChannelDeliveriesView(generics.ListAPIView):
    """Every try of the channel's outbound webhook, newest first; ``state`` is the
    delivery's (``pending`` while retried, ``delivered``, ``failed`` after 24 h)."""

    serializer_class = DeliveryTrySerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or "pk" not in self.kwargs:
            return WebhookAttempt.objects.none()  # the schema; the role permission's model
        channel = _channel(self.request, self.kwargs["pk"])
        return WebhookAttempt.objects.filter(delivery__channel=channel).select_related("delivery").order_by("-pk")


class RotateWebhookSecretView(APIView):
    """A new signing secret, shown once; the previous one keeps signing for 24 h (both
    ``v1=`` values are sent meanwhile)."""

    queryset = Channel.objects.all()  # POST: the role's "add channel" permission

    @extend_schema(request=None, responses={200: inline_serializer("RotatedSecret", {
        "webhook_secret": serializers.CharField(), "previous_valid_until": serializers.DateTimeField()})})  # fmt: skip
    def post(self, request, pk: int):
        channel = _channel(request, pk)
        secret = webhook_secret_rotate(channel=channel)
        channel.refresh_from_db()
        return Response({"webhook_secret": secret, "previous_valid_until": channel.webhook_secret_previous_until})
