"""Admin screen of the engine's attendances (read-only, with the event log: the "why this
agent?" record of each assignment). Channels' screen is the providers' (``providers/admin.py``)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import ListParametersOnly, ScopedRelatedFilter
from core.admin_paging import EstimatedCountPaginator, first_ids, ids_condition, search_matches_first
from core.scoping import scope_queryset
from customers.models import Customer
from customers.selectors import customer_search_choices

from .models import Attendance, Event, Message

# A name that matches more customers than this is too broad to list their attendances:
# the newest matches of these customers are shown (narrow the search for the rest).
SEARCH_CUSTOMERS = 1000


class EventInline(admin.TabularInline):
    model = Event
    fields = ["at", "type", "explanation"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["at", "pk"]
    verbose_name_plural = _("Event log")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Details"))
    def explanation(self, event: Event):
        data = event.data or {}
        if event.type != "assigned":
            return ", ".join(f"{k}: {v}" for k, v in data.items())
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((c["position"], c["name"], c.get("figure", "—") if c.get("figure") is not None else "—", c["free_slots"])
             for c in data.get("candidates", [])),
        )  # fmt: skip
        return format_html(
            "<p><strong>{}</strong>: {} {}</p><table><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("Why this agent?"), data.get("strategy"), _("(wallet agent)") if data.get("wallet_agent") else "",
            _("Agent"), _("Figure compared"), _("Free slots"), rows,
        )  # fmt: skip


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["created_at", "sender", "sender_name", "kind", "body", "media", "delivery", "delivery_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(ListParametersOnly, admin.ModelAdmin):
    list_display = ["protocol", "customer", "group", "agent", "status", "opened_at", "assigned_at", "closed_at"]
    # "Opened" as a date filter, not a date hierarchy: the hierarchy reads every row's date
    # (SELECT DISTINCT date_trunc(...)) on each page, a full scan at a million rows.
    list_filter = ["status", ("group", ScopedRelatedFilter), "close_reason", ("opened_at", admin.DateFieldListFilter)]
    search_fields = ["protocol", "customer__display_name"]  # see get_search_results
    search_help_text = _("Protocol, or the customer's name, phone or CPF/CNPJ.")
    list_select_related = ["customer", "group", "agent"]
    paginator = EstimatedCountPaginator
    list_per_page = 50  # as every other list of the back office (core.admin.AtendeAdmin)
    fields = [
        "protocol", "customer", "group", "agent", "channel", "status", "priority", "opened_at", "queued_at",
        "assigned_at", "closed_at", "last_customer_message_at", "last_agent_message_at", "close_reason",
        "classification_node",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [EventInline, MessageInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def has_add_permission(self, request):
        return False

    def get_search_results(self, request, queryset, search_term):
        """The protocol (exact, its unique index) or else the customer (name, phone,
        document through the customers' search and its indexes), never a join scanned row
        by row. The customers are fetched first (at most ``SEARCH_CUSTOMERS``, their
        words' search read once: ``customer_search_choices``; with more, the list says
        "Mais de … resultados") so that PostgreSQL reads
        their attendances through the customer index, and those once for the count and
        the page (``search_matches_first``)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        by_protocol = queryset.filter(protocol=term)
        if by_protocol.exists():
            return by_protocol, False
        ids = []
        for customers, by_words in customer_search_choices(queryset=Customer.objects.order_by(), term=term):
            ids = first_ids(customers, SEARCH_CUSTOMERS + 1, rank_apart=by_words)
            if ids:
                break
        more_customers, ids = len(ids) > SEARCH_CUSTOMERS, ids[:SEARCH_CUSTOMERS]
        by_customer = queryset.filter(ids_condition("customer_id", ids, queryset.db))
        found = search_matches_first([(by_customer, False)], queryset)
        # Customers beyond the first ``SEARCH_CUSTOMERS`` were left out: the list says it
        # has more ("Mais de … resultados"), as a search past its cap does.
        found.search_more_than = found.search_more_than or more_customers
        return found, False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Supervisors whose profile grants monitoring see their operations' attendances.
        return super().has_view_permission(request, obj) or request.user.has_perm("reports.monitor_attendances")

    def has_module_permission(self, request):
        return super().has_module_permission(request) or request.user.has_perm("reports.monitor_attendances")
