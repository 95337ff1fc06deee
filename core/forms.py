"""Form fields shared by the admin screens."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from .parsers import json_depth_exceeds


class SafeJSONFormField(forms.JSONField):
    """A JSON field that refuses text nested too deep before ``json.loads`` recurses into
    it (a ``RecursionError`` would be a 500; see ``core.parsers``)."""

    def to_python(self, value):
        if isinstance(value, str) and json_depth_exceeds(value.encode()):
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value[:100]})
        return super().to_python(value)

    def bound_data(self, data, initial):
        if isinstance(data, str) and json_depth_exceeds(data.encode()):
            return InvalidJSONInput(data)
        return super().bound_data(data, initial)


def ascii_number_text(value) -> bool:
    """Whether ``value`` may be read as a number: not text, or ASCII text. ``int`` reads
    "٣" (Arabic-Indic three) as 3 and other scripts' digits alike; SPEC §0 takes the
    ASCII digits only, so such text gets the field's "enter a whole number" message."""
    return not isinstance(value, str) or value.isascii()


class AsciiIntegerField(forms.IntegerField):
    """Django's ``IntegerField`` reading ASCII digits only (``ascii_number_text``): every
    integer of the admin's forms (``AtendeAdmin.formfield_overrides``) and of the API's
    filters."""

    def to_python(self, value):
        if not ascii_number_text(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
