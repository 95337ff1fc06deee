"""Serializers of the workspace's API additions (SPEC §7, §10)."""

from __future__ import annotations

import copy

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attendance.engine_serializers import AttendanceSerializer, EventSerializer
from attendance.models import MESSAGE_KINDS, Kind, Message, PauseReason, ServiceGroup
from core.api import ActiveRelatedField
from core.scoping import member_operation_ids
from customers.models import Customer, Network

from .models import CannedResponse, Mention, WhatsAppTemplate


class EmailPartSerializer(serializers.Serializer):
    """An e-mail's extras (SPEC §16): the sanitised HTML (remote images as
    ``data-atende-src``, loaded only when the agent asks), the folded quoted history."""

    subject = serializers.CharField()
    from_address = serializers.CharField()
    html = serializers.CharField()
    quoted = serializers.CharField()
    remote_images = serializers.IntegerField()


class MessageSerializer(serializers.ModelSerializer):
    media_url = serializers.SerializerMethodField(help_text="Served only to users who may see the attendance.")
    email = serializers.SerializerMethodField(help_text="E-mail channels' inbound messages: subject, HTML, history.")
    # HOOK(channels): SPEC §8.2.1's delivery status (provider status callbacks move it).
    delivery_status = serializers.CharField(
        source="delivery", read_only=True, help_text="Outbound: pending, sent, delivered, read or failed."
    )

    class Meta:
        model = Message
        fields = [
            "id", "direction", "sender", "sender_name", "kind", "body", "created_at", "delivery", "media_url",
            "media_mime", "media_name", "media_size", "template", "delivery_status", "delivery_error", "email",
        ]  # fmt: skip
        read_only_fields = fields

    def get_media_url(self, obj) -> str | None:
        return reverse("workspace:media", args=[obj.pk]) if obj.media else None

    @extend_schema_field(EmailPartSerializer(allow_null=True))
    def get_email(self, obj) -> dict | None:
        if obj.direction != "in":
            return None
        try:
            part = obj.email  # the providers' EmailPart (select_related by the views)
        except ObjectDoesNotExist:
            return None
        return EmailPartSerializer(part).data


class AttendanceListSerializer(AttendanceSerializer):
    group_name = serializers.CharField(source="group.name", read_only=True)
    agent_name = serializers.CharField(source="agent.display_name", read_only=True, default="")

    class Meta(AttendanceSerializer.Meta):
        fields = [*AttendanceSerializer.Meta.fields, "group_name", "agent_name"]
        read_only_fields = fields


class AttendanceDetailSerializer(AttendanceListSerializer):
    events = EventSerializer(many=True, read_only=True)
    messages = MessageSerializer(many=True, read_only=True)

    class Meta(AttendanceListSerializer.Meta):
        fields = [*AttendanceListSerializer.Meta.fields, "events", "messages"]
        read_only_fields = fields


class SendMessageSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MESSAGE_KINDS, default=Kind.TEXT)
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=4096)
    file = serializers.FileField(required=False, help_text="multipart/form-data only; the kind is sniffed.")


class MessageCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()


class CannedResponseSerializer(serializers.ModelSerializer):
    group = ActiveRelatedField(queryset=ServiceGroup.objects.all(), required=False, allow_null=True)

    class Meta:
        model = CannedResponse
        fields = ["id", "group", "shortcut", "text", "is_active"]
        validators = []  # ``validate``: the model's constraints with their own messages

    def validate(self, attrs):
        """The table's constraints as the shortcut's message (unique in its group, and
        among the responses for every group: a partial index DRF does not check), never
        the database's ``IntegrityError``."""
        attrs = super().validate(attrs)
        candidate = copy.copy(self.instance) if self.instance is not None else CannedResponse()
        for name, value in attrs.items():
            setattr(candidate, name, value)
        try:
            candidate.validate_constraints()
        except DjangoValidationError as error:
            raise serializers.ValidationError({"shortcut": [str(m) for m in error.messages]}) from None
        return attrs


class PauseReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = PauseReason
        fields = ["id", "name", "is_active"]


class WhatsAppTemplateSerializer(serializers.ModelSerializer):
    parameter_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = WhatsAppTemplate
        fields = ["id", "name", "language", "body", "parameter_count", "is_active"]


class ActiveMessageSerializer(serializers.Serializer):
    customer = ActiveRelatedField(queryset=Customer.objects.all(), required=False, allow_null=True)
    network = serializers.ChoiceField(choices=Network.choices, required=False)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    # Not scoped like configuration choices (agents see no groups there): the groups of the
    # agent's operations, so that another operation's group answers like one that does not
    # exist (SPEC §10); the service checks that the agent works in the one chosen.
    group = serializers.PrimaryKeyRelatedField(queryset=ServiceGroup.objects.filter(is_active=True))
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=4096)
    template = ActiveRelatedField(queryset=WhatsAppTemplate.objects.all(), required=False, allow_null=True)
    params = serializers.ListField(child=serializers.CharField(max_length=500), required=False, default=list)
    # E-mail (SPEC §16): the address of a new customer and the subject (one line).
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=255, trim_whitespace=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)
        if user is not None and user.is_authenticated:
            self.fields["group"].queryset = ServiceGroup.objects.filter(
                is_active=True, operation__in=member_operation_ids(user)
            )


class ActiveMessageResultSerializer(serializers.Serializer):
    attendance = serializers.IntegerField()
    protocol = serializers.CharField()
    message = serializers.IntegerField()
    deliver_at = serializers.DateTimeField(allow_null=True)


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4096, help_text="The note; ``@username`` mentions a user.")


class MentionSerializer(serializers.ModelSerializer):
    """A mention of the caller (SPEC §7.2), with what the list shows."""

    by = serializers.IntegerField(source="by_id", read_only=True)
    by_name = serializers.CharField(source="by.display_name", read_only=True)
    read = serializers.BooleanField(read_only=True)
    protocol = serializers.CharField(source="attendance.protocol", read_only=True)
    customer = serializers.CharField(source="attendance.customer.display_name", read_only=True)
    text = serializers.CharField(source="message.body", read_only=True)

    class Meta:
        model = Mention
        fields = ["id", "attendance", "message", "by", "at", "read", "by_name", "protocol", "customer", "text"]
        read_only_fields = fields
