from __future__ import annotations

from rest_framework import serializers

from .models import ImportJob, ImportRow


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
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
