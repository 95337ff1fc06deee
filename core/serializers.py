"""Serializer building blocks shared by the apps' APIs."""

from __future__ import annotations

from rest_framework import serializers


class FieldsOnceSerializer(serializers.Serializer):
    """A flat serializer whose fields are built and bound once per class.

    DRF deep-copies every declared field for each serializer instance (``get_fields``),
    which was half of validating one inbound message (SPEC §12 P7, the hot path). For
    plain fields (no nested serializers, no ``source``, nothing read from ``context``) the
    copies are identical and never change after binding, so one bound set serves every
    instance; they are bound to an empty instance of the class, whose ``partial`` is
    ``False`` (full validation, as every caller here wants). Checked when the class's
    fields are first built: a nested serializer or a field with a ``source`` is refused.
    """

    @property
    def fields(self):
        cls = type(self)
        bound = cls.__dict__.get("_fields_once")
        if bound is None:
            owner = cls.__new__(cls)
            serializers.Serializer.__init__(owner)
            bound = serializers.Serializer.fields.func(owner)
            for name, field in bound.items():
                if isinstance(field, serializers.BaseSerializer) or field.source != name:
                    raise TypeError(f"{cls.__name__}.{name}: only plain fields can be shared")
            cls._fields_once = bound
        return bound
