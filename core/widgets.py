"""Form widgets shared by the back-office screens."""

from __future__ import annotations

import json

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


class BrazilPhoneInput(forms.TextInput):
    """A phone box with the Brazilian flag and "+55", masked as typed: (34) 99123-4567
    (SPEC §13). The mask (``static/js/phone_mask.js``) only helps typing: the server
    still accepts and normalises any format (``core.phones.normalize_phone``)."""

    template_name = "core/widgets/br_phone.html"
    input_type = "tel"

    class Media:
        js = ["js/phone_mask.js"]

    def __init__(self, attrs=None):
        defaults = {
            "class": "br-phone",
            "data-phone-mask": "br",
            "placeholder": "(34) 99123-4567",
            "inputmode": "tel",
            "autocomplete": "tel-national",
            "size": 18,
        }
        super().__init__({**defaults, **(attrs or {})})


class _RefusedValuesNotQueried:
    """Django's autocomplete widgets, showing a refused value without querying it.

    When a form comes back with an error, the widget looks up the submitted value to show
    it (``AutocompleteMixin.optgroups``: ``filter(pk__in=[value])``), and a value that is
    not an id ("²", a NUL, a word) made that lookup a server error instead of the form's
    own "Faça uma escolha válida" message. Values the related key cannot read are left
    out of that lookup."""

    def optgroups(self, name, value, attr=None):
        key = self.field.remote_field.get_related_field()
        return super().optgroups(name, [v for v in value if _readable(key, v)], attr)


# Every integer key is a 64-bit column (PostgreSQL's bigint, SQLite's INTEGER): a larger
# number would be an "out of range" error on PostgreSQL and an OverflowError on SQLite.
INT64 = range(-(2**63), 2**63)


def _readable(field, value) -> bool:
    try:
        prepared = field.get_prep_value(field.to_python(value))
    except (TypeError, ValueError, ValidationError):
        return False
    return not isinstance(prepared, int) or prepared in INT64


class SafeAutocompleteSelect(_RefusedValuesNotQueried, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_RefusedValuesNotQueried, AutocompleteSelectMultiple):
    pass


class PrettyJSONWidget(forms.Textarea):
    """A JSON textarea, indented; ``static/js/*_editor.js`` turn it into a tree editor."""

    def __init__(self, editor: str, attrs=None):
        super().__init__(
            attrs={"rows": 14, "cols": 90, "class": "vLargeTextField json-tree", "data-editor": editor, **(attrs or {})}
        )

    def format_value(self, value):
        if value in (None, "", "null"):
            return ""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):  # shown back as typed, with the field's error
                return value
        return json.dumps(value, ensure_ascii=False, indent=2)
