"""Classification screen: the whole tree edited in one field (``nodes``, nested JSON,
turned into a tree editor by ``static/js/classification_editor.js``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import SafeJSONFormField
from core.widgets import PrettyJSONWidget

from .models import Classification
from .selectors import classification_tree
from .services import classification_validate_nodes


class ClassificationForm(forms.ModelForm):
    nodes = SafeJSONFormField(
        label=_("Reasons and sub-reasons"),
        required=False,
        widget=PrettyJSONWidget(editor="classification"),
        help_text=_("Reasons under the main level, each with its sub-reasons. Deactivate instead of deleting."),
    )

    class Meta:
        model = Classification
        fields = ["name", "nodes", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["nodes"] = classification_tree(classification=self.instance)
        else:
            self.initial["nodes"] = []

    def clean_nodes(self):
        nodes = self.cleaned_data.get("nodes") or []
        existing = {node.pk: node for node in self.instance.nodes.all()} if self.instance.pk else {}
        try:
            classification_validate_nodes(nodes, existing)
        except ValidationError as error:
            raise ValidationError(error.message_dict["nodes"]) from None
        return nodes
