"""Form widgets shared by the back-office screens."""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


class BrazilPhoneInput(forms.TextInput):
    """A phone box with the Brazilian flag and "+55", masked as typed: (34) 99123-4567
    (SPEC §13). The mask (``static/js/phone_mask.js``) only helps typing: the server
    still accepts and normalises any format (``customers.phones.normalize_phone``)."""

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


def _readable(field, value) -> bool:
    try:
        prepared = field.get_prep_value(field.to_python(value))
    except (TypeError, ValueError, ValidationError):
        return False
    return not isinstance(prepared, int) or -(2**63) <= prepared < 2**63  # a bigint at most


class SafeAutocompleteSelect(_RefusedValuesNotQueried, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_RefusedValuesNotQueried, AutocompleteSelectMultiple):
    pass
