"""Customer screens ("Clientes", "Atributos de clientes"), with import and export."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import AtendeAdmin, ScopedRelatedFilter, StatusFilter, breakable_email, status_column
from core.admin_paging import search_matches_first
from imports.admin_views import ImportAdminMixin
from imports.exporting import spreadsheet_response

from .exports import customer_export_rows
from .forms import CustomerForm
from .models import Customer, CustomerAttribute
from .selectors import customer_search, customer_search_choices
from .services import FIELDS, customer_save


@admin.register(CustomerAttribute)
class CustomerAttributeAdmin(AtendeAdmin):
    list_display = ["description", status_column]
    list_filter = [StatusFilter]
    search_fields = ["description"]
    fields = ["description", "is_active"]


@admin.register(Customer)
class CustomerAdmin(ImportAdminMixin, AtendeAdmin):
    import_kind = "customers"
    form = CustomerForm
    list_display = [
        "display_name", "network", "phone_column", "document_column", "email_column", "group", status_column,
    ]  # fmt: skip
    list_filter = [StatusFilter, "network", ("group", ScopedRelatedFilter)]
    list_select_related = ["group"]
    search_fields = ["display_name"]  # replaced by customer_search (name, phone, document, e-mail)
    search_help_text = _("Name, phone in any format, CPF/CNPJ or e-mail.")
    readonly_fields = ["username"]
    autocomplete_fields = ["wallet_agent"]
    fieldsets = [
        (None, {"fields": ["display_name", "username", "network", "phone", "email", "birth_date", "is_active"]}),
        (_("Document"), {"fields": ["document_type", "document"]}),
        (_("Service"), {"fields": ["priority", "group", "wallet_agent", "show_name_in_greeting"]}),
        (_("Attributes"), {"fields": ["attributes"]}),
    ]

    @admin.display(description=_("Phone"), ordering="phone")
    def phone_column(self, obj):
        """ "(34) 99123-4567" may wrap after the area code, never at its hyphen."""
        area, _space, number = obj.phone_display.partition(" ")
        if not number:
            return obj.phone_display
        return format_html('{} <span class="nowrap">{}</span>', area, number)

    @admin.display(description=_("E-mail"), ordering="email")
    def email_column(self, obj):
        return breakable_email(obj.email)

    @admin.display(description=_("CPF/CNPJ"), ordering="document")
    def document_column(self, obj) -> str:
        return obj.document_display

    def get_search_results(self, request, queryset, search_term):
        """The customers' search, run once for the list (``search_matches_first``); the
        export takes every match."""
        if not search_term.strip() or getattr(request, "export_every_match", False):
            return customer_search(queryset=queryset, term=search_term), False
        return search_matches_first(customer_search_choices(queryset=queryset, term=search_term), queryset), False

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        return [path("export/", self.admin_site.admin_view(self.export_view), name=name), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "export_url": reverse("admin:customers_customer_export")}
        return super().changelist_view(request, extra_context)

    def export_view(self, request):
        """The changelist's current filters and search, as XLSX or pt-BR CSV."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        params = request.GET.copy()
        file_format = params.pop("file_format", ["xlsx"])[-1]
        dialect = params.pop("dialect", ["csv"])[-1]
        request.GET = params
        request.export_every_match = True
        queryset = self.get_changelist_instance(request).get_queryset(request)
        header, rows = customer_export_rows(queryset)
        return spreadsheet_response(file_format, header, rows, "clientes", dialect)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in FIELDS if name in form.cleaned_data}
        customer_save(customer=obj, **data)
