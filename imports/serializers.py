from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.text import has_bad_characters

from .models import ImportJob, ImportRow

MAX_CELL_LENGTH = 1000  # as the correction screen (imports.admin_views)
MAX_COLUMNS = 200
BAD_CHARACTERS = _("The correction has control or invalid characters.")
CELL_TOO_LONG = _("Each value has at most %(limit)d characters.")


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(read_only=True)
    file = serializers.FileField(write_only=True, help_text="A .csv or .xlsx file (multipart).")

    class Meta:
        model = ImportJob
        fields = [
            "id", "kind", "file", "file_name", "file_format", "status", "total", "processed", "imported",
            "duplicates", "errors", "message", "columns", "progress", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f != "file"]


class ImportRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRow
        fields = ["id", "line", "data", "status", "errors", "corrected"]
        read_only_fields = ["id", "line", "status", "errors", "corrected"]

    def validate_data(self, value):
        if not isinstance(value, dict) or not all(isinstance(v, (str, int, float, type(None))) for v in value.values()):
            raise serializers.ValidationError("{COLUMN: value}")
        data = {str(k): "" if v is None else str(v) for k, v in value.items()}
        # A NUL cannot be stored by PostgreSQL (the file reader drops them the same way).
        if any(has_bad_characters(text) for item in data.items() for text in item):
            raise serializers.ValidationError(BAD_CHARACTERS)
        if any(len(text) > MAX_CELL_LENGTH for text in data.values()) or len(data) > MAX_COLUMNS:
            raise serializers.ValidationError(CELL_TOO_LONG % {"limit": MAX_CELL_LENGTH})
        return data
