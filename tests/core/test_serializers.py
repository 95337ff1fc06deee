"""core/serializers.py: a flat serializer's fields are built once per class, and every
instance still validates its own data."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from attendance.engine_serializers import InboundSerializer
from core.serializers import FieldsOnceSerializer


def test_instances_share_one_bound_set_of_fields():
    first, second = InboundSerializer(data={}), InboundSerializer(data={})
    assert first.fields is second.fields
    assert first.fields["phone"].parent is not first  # bound to a private, empty instance


def test_each_instance_keeps_its_own_data_and_errors():
    bad = InboundSerializer(data={"network": "fax", "phone": "", "kind": "text"})
    good = InboundSerializer(data={"network": "whatsapp", "phone": "34991234567", "text": "oi"})
    assert not bad.is_valid()
    assert good.is_valid(), good.errors
    assert set(bad.errors) == {"network", "phone"}
    assert good.validated_data == {"network": "whatsapp", "country_code": "55", "phone": "34991234567",
                                   "display_name": "", "kind": "text", "text": "oi"}  # fmt: skip
    assert not InboundSerializer(data={"network": "whatsapp"}).is_valid()  # after a valid one: still required


def test_only_plain_fields_can_be_shared():
    class Nested(FieldsOnceSerializer):
        inner = InboundSerializer()

    class Sourced(FieldsOnceSerializer):
        name = serializers.CharField(source="display_name")

    for serializer_class in (Nested, Sourced):
        with pytest.raises(TypeError, match="only plain fields"):
            serializer_class(data={}).is_valid()
