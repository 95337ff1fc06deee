from __future__ import annotations

from rest_framework import serializers

from core.api import ActiveRelatedField

from .models import Company, Operation


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "time_zone", "is_active", "created_at"]
        read_only_fields = ["created_at"]


class OperationSerializer(serializers.ModelSerializer):
    company = ActiveRelatedField(queryset=Company.objects.all())

    class Meta:
        model = Operation
        fields = ["id", "name", "company", "is_active", "created_at"]
        read_only_fields = ["created_at"]
