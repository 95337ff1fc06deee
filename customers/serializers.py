from __future__ import annotations

from rest_framework import serializers

from core.api import ActiveRelatedField, AsciiIntegerField
from users.models import User

from .models import Customer, CustomerAttribute, DocumentType, wallet_group_model
from .services import customer_save


class AttributePairSerializer(serializers.Serializer):
    attribute = AsciiIntegerField()
    value = serializers.CharField(allow_blank=True, max_length=500)


class CustomerSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(help_text="Any format people type; returned as E.164 (+5534991234567).")
    country_code = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")
    document = serializers.CharField(required=False, allow_blank=True, help_text="CPF or CNPJ, masked or not.")
    document_type = serializers.ChoiceField(choices=DocumentType.choices, required=False, allow_blank=True)
    document_display = serializers.CharField(read_only=True)
    phone_display = serializers.CharField(read_only=True)
    group = ActiveRelatedField(queryset=wallet_group_model().objects.all(), required=False, allow_null=True)
    wallet_agent = ActiveRelatedField(
        queryset=User.objects.filter(role__in=["agent", "supervisor_agent"]), required=False, allow_null=True
    )
    attributes = AttributePairSerializer(many=True, required=False)
    # Validated by the service with the other fields, so every problem is reported at once.
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)

    class Meta:
        model = Customer
        fields = [
            "id", "username", "display_name", "network", "phone", "country_code", "phone_display", "email",
            "birth_date", "show_name_in_greeting", "document_type", "document", "document_display", "priority",
            "group", "wallet_agent", "attributes", "is_active", "created_at",
        ]  # fmt: skip
        read_only_fields = ["username", "created_at"]
        validators = []  # (network, phone) uniqueness is checked after the phone is normalised

    def _save(self, customer: Customer, data: dict) -> Customer:
        country_code = data.pop("country_code", "")
        if "attributes" in data:
            data["attributes"] = [dict(pair) for pair in data["attributes"]]
        return customer_save(customer=customer, country_code=country_code, **data)

    def create(self, validated_data):
        return self._save(Customer(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class CustomerAttributeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerAttribute
        fields = ["id", "description", "is_active"]
