from __future__ import annotations

from rest_framework import serializers

from core.api import AsciiIntegerField, SafeJSONField

from .models import Classification
from .selectors import classification_tree
from .services import classification_save


class NodeSerializer(serializers.Serializer):
    id = AsciiIntegerField(required=False)
    name = serializers.CharField(max_length=120)
    is_active = serializers.BooleanField(default=True)
    children = serializers.ListField(child=serializers.DictField(), required=False, default=list)


class ClassificationSerializer(serializers.ModelSerializer):
    nodes = SafeJSONField(
        required=False,
        help_text='Nested reasons: [{"id" (read; send back to keep a node), "name", "is_active", "children": [...]}]',
    )

    class Meta:
        model = Classification
        fields = ["id", "name", "is_active", "nodes", "created_at"]
        read_only_fields = ["created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["nodes"] = classification_tree(classification=instance)
        return data

    def _save(self, classification, data):
        nodes = data.pop("nodes", None)
        for name, value in data.items():
            setattr(classification, name, value)
        return classification_save(classification=classification, nodes=nodes)

    def create(self, validated_data):
        return self._save(Classification(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)
