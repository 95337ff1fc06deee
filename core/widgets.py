"""Form widgets shared by the back-office screens."""

from __future__ import annotations

from django import forms


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
