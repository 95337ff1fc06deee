"""The profile screen ("Perfis"): permissions as a grid of screens × actions, in Portuguese
(``users.permission_catalog``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Profile
from .permission_catalog import ACTIONS, offered_permissions, permission_sections


class PermissionMatrixWidget(forms.Widget):
    """Checkboxes grouped by section and screen: "Grupos de Atendimento: ver / cadastrar / editar"."""

    template_name = "users/widgets/permission_matrix.html"
    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.sections: list = []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        checked = set()
        for item in value or []:
            try:
                checked.add(int(getattr(item, "pk", item)))
            except (TypeError, ValueError):
                continue
        context["widget"].update(
            {"sections": self.sections, "actions": [str(label) for _a, label in ACTIONS], "checked": checked}
        )
        return context

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # an unchecked grid means "no permission", not "unchanged"

    def format_value(self, value):
        return list(value or [])


class ProfileForm(forms.ModelForm):
    permissions = forms.ModelMultipleChoiceField(
        label=_("Permissions"),
        queryset=offered_permissions(),
        required=False,
        widget=PermissionMatrixWidget,
        help_text=_("Screens and actions granted to supervisors with this profile."),
    )

    class Meta:
        model = Profile
        fields = ["name", "description", "permissions", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["permissions"]
        field.queryset = offered_permissions()
        field.widget.sections = permission_sections(field.queryset)
