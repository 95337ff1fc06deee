"""The customer screen: phone in any format, masked documents, attribute pairs."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.phones import format_phone
from core.text import whole_number
from core.widgets import BrazilPhoneInput

from .documents import mask_document
from .models import Customer, CustomerAttribute
from .services import FIELDS, customer_clean_fields

EMPTY_ATTRIBUTE_ROWS = 1  # the "+" adds more (static/js/attribute_rows.js)


class AttributesWidget(forms.Widget):
    """Rows of (attribute select, value input); existing pairs plus a few empty rows."""

    template_name = "customers/widgets/attributes.html"

    class Media:
        js = ["js/attribute_rows.js"]

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices: list[tuple] = []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        pairs = list(value or [])
        rows = [{"attribute": p.get("attribute"), "value": p.get("value", "")} for p in pairs]
        rows += [{"attribute": None, "value": ""} for _ in range(EMPTY_ATTRIBUTE_ROWS)]
        context["widget"]["rows"] = rows
        context["widget"]["choices"] = self.choices
        return context

    def value_from_datadict(self, data, files, name):
        attributes = data.getlist(f"{name}_attribute")
        values = data.getlist(f"{name}_value")
        pairs = []
        for attribute, value in zip(attributes, values, strict=False):
            if attribute or value.strip():
                pairs.append({"attribute": whole_number(attribute), "value": value})
        return pairs


class AttributesField(forms.Field):
    widget = AttributesWidget

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.current: set[int] = set()

    def refresh_choices(self, current: set[int]) -> None:
        """Active attributes, plus inactive ones the customer already has (shown, kept)."""
        rows = CustomerAttribute.objects.filter(is_active=True) | CustomerAttribute.objects.filter(pk__in=current)
        self.widget.choices = [(a.pk, str(a) if a.is_active else f"{a} ({_('inactive')})") for a in rows.distinct()]

    def to_python(self, value):
        return value or []


class CustomerForm(forms.ModelForm):
    phone = forms.CharField(label=_("Phone"), widget=BrazilPhoneInput)
    document = forms.CharField(label=_("CPF/CNPJ"), required=False)
    attributes = AttributesField(label=_("Attributes"), required=False)

    class Meta:
        model = Customer
        fields = FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk:
            self.initial["phone"] = format_phone(instance.phone)
            self.initial["document"] = mask_document(instance.document_type, instance.document)
        current = {pair["attribute"] for pair in (instance.attributes or [])}
        self.fields["attributes"].refresh_choices(current)

    def clean(self):
        data = super().clean()
        keys = ["phone", "network", "email", "document", "document_type", "attributes", "wallet_agent", "display_name"]
        try:
            kept = {pair["attribute"] for pair in (self.instance.attributes or [])} if self.instance.pk else set()
            clean = customer_clean_fields({key: data.get(key) for key in keys if key in data}, kept_attributes=kept)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return data
        data.update(clean)
        return data
