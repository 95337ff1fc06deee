"""Classification screen ("Classificação de Atendimento")."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import AtendeAdmin, StatusFilter, status_column

from .forms import ClassificationForm
from .models import Classification
from .services import classification_save


@admin.register(Classification)
class ClassificationAdmin(AtendeAdmin):
    form = ClassificationForm
    list_display = ["name", "reason_count", status_column]
    list_filter = [StatusFilter]
    search_fields = ["name", "nodes__name"]
    fields = ["name", "nodes", "is_active"]

    class Media:
        js = ["js/classification_editor.js"]
        css = {"all": ["css/tree_editor.css"]}

    @admin.display(description=_("Active reasons"))
    def reason_count(self, obj) -> int:
        return obj.nodes.filter(is_active=True).count()

    def save_model(self, request, obj, form, change):
        classification_save(classification=obj, nodes=form.cleaned_data.get("nodes") or [])
