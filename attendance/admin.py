"""Admin screens of the engine's configuration: companies and operations (SPEC §1)."""

from __future__ import annotations

from django.contrib import admin

from core.admin import AtendeAdmin, ScopedRelatedFilter, StatusFilter, status_column

from .models import Company, Operation


@admin.register(Company)
class CompanyAdmin(AtendeAdmin):
    list_display = ["name", "time_zone", status_column]
    list_filter = [StatusFilter]
    search_fields = ["name"]
    fields = ["name", "time_zone", "is_active"]


@admin.register(Operation)
class OperationAdmin(AtendeAdmin):
    list_display = ["name", "company", status_column]
    list_filter = [StatusFilter, ("company", ScopedRelatedFilter)]
    search_fields = ["name", "company__name"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    fields = ["name", "company", "is_active"]
