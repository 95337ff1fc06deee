"""Admin screens: "Motivos de pausa", "Respostas rápidas", "Templates do WhatsApp"."""

from __future__ import annotations

from django.contrib import admin

from attendance.models import PauseReason
from core.admin import AtendeAdmin, ScopedRelatedFilter, StatusFilter, status_column

from .models import CannedResponse, WhatsAppTemplate


@admin.register(PauseReason)
class PauseReasonAdmin(AtendeAdmin):
    list_display = ["name", status_column]
    list_filter = [StatusFilter]
    search_fields = ["name"]
    fields = ["name", "is_active"]


@admin.register(CannedResponse)
class CannedResponseAdmin(AtendeAdmin):
    list_display = ["shortcut", "group", "text", status_column]
    list_filter = [StatusFilter, ("group", ScopedRelatedFilter)]
    search_fields = ["shortcut", "text", "group__name"]
    list_select_related = ["group"]
    autocomplete_fields = ["group"]
    fields = ["shortcut", "group", "text", "is_active"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "group" and not request.user.is_admin:
            field.required = True  # a response for every group is an admin's decision
        return field


@admin.register(WhatsAppTemplate)
class WhatsAppTemplateAdmin(AtendeAdmin):
    list_display = ["name", "language", "body", status_column]
    list_filter = [StatusFilter, "language"]
    search_fields = ["name", "body"]
    fields = ["name", "language", "body", "is_active"]
