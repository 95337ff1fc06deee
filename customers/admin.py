"""Customer screens ("Clientes", "Atributos de clientes"), with import and export."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from core.admin import AtendeAdmin, ScopedRelatedFilter, StatusFilter, breakable_email, status_column
from core.admin_paging import search_matches_first
from core.hooks import Hook
from imports.admin_views import ImportAdminMixin
from imports.exporting import spreadsheet_response

from . import errors
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


# Buttons that apps above the customers add to a customer's page (the privacy app's
# "Exportar dados do titular" / "Anonimizar"): each receiver takes the request and the
# customer and returns ``(label, url)`` or ``None``.
customer_page_links = Hook("customers.customer_page_links")


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
    readonly_fields = ["username", "consents_list"]
    autocomplete_fields = ["wallet_agent"]
    fieldsets = [
        (None, {"fields": ["display_name", "username", "network", "phone", "email", "birth_date", "is_active"]}),
        (_("Document"), {"fields": ["document_type", "document"]}),
        (_("Service"), {"fields": ["priority", "group", "wallet_agent", "show_name_in_greeting"]}),
        (_("Attributes"), {"fields": ["attributes"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        """The consents (SPEC §17) on an existing customer's page, read-only: records of
        what the customer accepted, written by ``consent_record`` (web chat, bots)."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("Consents (LGPD)"), {"fields": ["consents_list"]})]

    @admin.display(description=_("Consents"))
    def consents_list(self, obj) -> str:
        consents = list(obj.consents.all()[:100]) if obj and obj.pk else []
        if not consents:
            return _("No consent recorded.")
        return format_html(
            "<ul class=\"consents\">{}</ul>",
            format_html_join(
                "", "<li>{} — {} ({}): {}</li>",
                ((date_format(localtime(c.at), "SHORT_DATETIME_FORMAT"), c.version, c.get_channel_display(), c.text)
                 for c in consents),
            ),
        )  # fmt: skip

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
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:  # not the list's parameter, or a value that is not one (``abc``)
            return _bad_filters()
        header, rows = customer_export_rows(queryset)
        return spreadsheet_response(file_format, header, rows, "clientes", dialect)

    change_form_template = "admin/customers/customer/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        customer = self.get_object(request, object_id)
        links = [
            link for receiver in customer_page_links.receivers for link in [receiver(request, customer)] if link
        ] if customer is not None else []  # fmt: skip
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "customer_links": links})

    def has_change_permission(self, request, obj=None) -> bool:
        """An anonymised customer is a record: shown, no longer edited (SPEC §17)."""
        if obj is not None and obj.anonymized_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in FIELDS if name in form.cleaned_data}
        customer_save(customer=obj, **data)


def _bad_filters() -> HttpResponse:
    return HttpResponse(str(errors.EXPORT_BAD_FILTERS), status=400, content_type="text/plain; charset=utf-8")
