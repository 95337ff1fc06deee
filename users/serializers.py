from __future__ import annotations

from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import ActiveRelatedField, AsciiIntegerField
from organisation.models import Company, Operation

from . import errors
from .models import AGENT_DATA_FIELDS, AGENT_PERMISSION_FIELDS, PASSWORD_MAX_LENGTH, USERNAME_MAX_LENGTH, Profile, User
from .services import user_create, user_update
from .work_hours import normalize_work_hours


class WorkHourSerializer(serializers.Serializer):
    weekday = AsciiIntegerField(min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday")
    start = serializers.RegexField(r"^\d{1,2}:\d{2}$", help_text="HH:MM")
    end = serializers.RegexField(r"^\d{1,2}:\d{2}$", help_text="HH:MM")


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}, trim_whitespace=False,
        max_length=PASSWORD_MAX_LENGTH,
    )  # fmt: skip
    voice_channel_password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH
    )
    profile = ActiveRelatedField(queryset=Profile.objects.all(), required=False, allow_null=True)
    company = ActiveRelatedField(queryset=Company.objects.all(), required=False, allow_null=True)
    operations = ActiveRelatedField(queryset=Operation.objects.all(), many=True, required=False)
    work_hours = WorkHourSerializer(many=True, required=False)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "role",
            "profile",
            "birth_date",
            "phone",
            "email",
            "password",
            "must_change_password",
            "is_active",
            "company",
            "operations",
            "work_hours",
            "max_simultaneous",
            "priority",
            *AGENT_DATA_FIELDS,
            *AGENT_PERMISSION_FIELDS,
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["last_login", "date_joined"]

    def validate_work_hours(self, value):
        return normalize_work_hours([dict(item) for item in value])

    def validate_password(self, value):
        try:
            validate_password(value, self.instance)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value

    def create(self, validated_data):
        if not validated_data.get("password"):
            raise serializers.ValidationError({"password": [errors.PASSWORD_REQUIRED]})
        actor = self.context["request"].user
        operations = validated_data.pop("operations", None)
        return user_create(actor=actor, operations=operations, **validated_data)

    def update(self, instance, validated_data):
        actor = self.context["request"].user
        operations = validated_data.pop("operations", None)
        return user_update(user=instance, actor=actor, operations=operations, **validated_data)


class ProfileSerializer(serializers.ModelSerializer):
    permissions = serializers.SlugRelatedField(
        many=True,
        required=False,
        slug_field="codename",
        queryset=Permission.objects.all(),
        help_text=_("Permission code names, e.g. view_dashboard, change_user."),
    )

    class Meta:
        model = Profile
        fields = ["id", "name", "description", "permissions", "is_active"]


class TokenRequestSerializer(serializers.Serializer):
    # Bounded before django-axes records a failure with them (its columns are 255 long).
    username = serializers.CharField(max_length=USERNAME_MAX_LENGTH)
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenRevokeSerializer(serializers.Serializer):
    all = serializers.BooleanField(default=False, help_text="Revoke every token of yours, not only this one.")


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)
    new_password = serializers.CharField(trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)

    def validate_old_password(self, value):
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError(_("The current password is incorrect."))
        return value

    def validate_new_password(self, value):
        try:
            validate_password(value, self.context["request"].user)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value
