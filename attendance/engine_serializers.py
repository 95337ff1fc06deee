"""Serializers of the engine's API: channels, inbound, attendances, actions, presence."""

from __future__ import annotations

from rest_framework import serializers

from core.api import AsciiIntegerField
from core.serializers import FieldsOnceSerializer
from customers.models import Network

from .models import (
    CREDENTIAL_FIELDS,
    EMAIL_FIELDS,
    MESSAGE_KINDS,
    WEBHOOK_EVENTS,
    AgentPresence,
    Attendance,
    Channel,
    CloseReason,
    Event,
    Kind,
    PresenceState,
)  # fmt: skip


class ChannelSerializer(serializers.ModelSerializer):
    """Credentials (``phone_number_id``, ``access_token``… see SPEC §8.2.1) are write-only:
    never returned; an empty or absent one keeps the stored value."""

    token = serializers.SerializerMethodField(help_text="Shown once, in the creation response.")
    webhook_url = serializers.SerializerMethodField(
        help_text="Where the provider posts (generic: /api/v1/inbound/; web chat: the widget script to embed)."
    )
    identity_secret = serializers.SerializerMethodField(
        help_text="Web chat: the secret to sign visitors' identities with, shown once, in the creation response."
    )
    webhook_secret = serializers.SerializerMethodField(
        help_text="Signs the outbound webhook (X-Atende-Signature); shown once, in the creation response."
    )
    webhook_events = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(WEBHOOK_EVENTS.values())), required=False, max_length=10,
        help_text="Attendance events POSTed to outbound_webhook_url besides messages.",
    )  # fmt: skip

    class Meta:
        model = Channel
        fields = [
            "id", "name", "network", "provider", "token", "token_hint", "public_id", "webhook_url",
            "outbound_webhook_url", "webhook_secret", "webhook_events", "is_active", "created_at",
            *EMAIL_FIELDS, *CREDENTIAL_FIELDS,
            "allowed_origins", "title", "greeting", "color", "prechat_fields", "consent_text", "identity_secret",
        ]  # fmt: skip
        read_only_fields = ["token_hint", "public_id", "created_at"]
        extra_kwargs = {
            name: {"write_only": True, "required": False, "allow_blank": True} for name in CREDENTIAL_FIELDS
        }

    def get_token(self, obj) -> str | None:
        return getattr(obj, "_new_token", None)

    def get_webhook_secret(self, obj) -> str | None:
        return getattr(obj, "_new_webhook_secret", None)

    def get_identity_secret(self, obj) -> str | None:
        return obj.identity_secret if getattr(obj, "_new_token", None) and obj.provider == "webchat" else None

    def get_webhook_url(self, obj) -> str:
        return obj.webhook_url(self.context.get("request"))


class InboundSerializer(FieldsOnceSerializer):
    network = serializers.ChoiceField(choices=Network.choices)
    country_code = serializers.CharField(required=False, allow_blank=True, default="55", max_length=5)
    phone = serializers.CharField(max_length=30)
    display_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    kind = serializers.ChoiceField(choices=MESSAGE_KINDS, default=Kind.TEXT)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=4096)


class InboundResponseSerializer(serializers.Serializer):
    protocol = serializers.CharField()
    attendance = serializers.IntegerField()
    status = serializers.CharField()


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["type", "at", "data"]


class AttendanceSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.display_name", read_only=True)
    # "" while open: documented as such (a read-only model field would lose the blank).
    close_reason = serializers.ChoiceField(choices=CloseReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Attendance
        fields = [
            "id", "protocol", "customer", "customer_name", "group", "agent", "status", "priority", "opened_at",
            "queued_at", "assigned_at", "closed_at", "last_customer_message_at", "last_agent_message_at",
            "close_reason", "classification_node", "subject",
        ]  # fmt: skip
        read_only_fields = fields


class TransferSerializer(serializers.Serializer):
    group = AsciiIntegerField(required=False, min_value=1, max_value=2**63 - 1)
    agent = AsciiIntegerField(required=False, min_value=1, max_value=2**63 - 1)


class CloseSerializer(serializers.Serializer):
    classification_node = AsciiIntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    send_survey = serializers.BooleanField(default=False)


class PresenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgentPresence
        fields = ["state", "reason", "changed_at", "heartbeat_at"]
        read_only_fields = ["changed_at", "heartbeat_at"]
        extra_kwargs = {
            # ``state`` has a model default, which would make it optional here: it is required.
            "state": {"choices": PresenceState.choices, "required": True},
            "reason": {"required": False},
        }
