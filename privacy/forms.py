"""Forms of the "Privacidade (LGPD)" screens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from organisation.models import Company

from .services import REASON_MAX_LENGTH


class RetentionForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["message_retention_months", "import_retention_days"]


class AnonymizeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("E.g. the protocol of the data subject's request. Do not write the person's data here."),
    )  # fmt: skip
    confirm = forms.BooleanField(label=_("I understand that the anonymisation cannot be undone."))
