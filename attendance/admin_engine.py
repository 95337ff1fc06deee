"""Admin screen of the engine's attendances (read-only, with the event log in words: the
"why this agent?" record of each assignment). Channels' screen is the providers'
(``providers/admin.py``)."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import ListParametersOnly, ScopedRelatedFilter
from core.admin_paging import EstimatedCountPaginator, first_ids, ids_condition, search_matches_first
from core.scoping import scope_queryset
from customers.models import Customer
from customers.selectors import customer_search_choices

from .event_log import event_log, time_zone_for
from .models import Attendance, Event, Message

# A name that matches more customers than this is too broad to list their attendances:
# the newest matches of these customers are shown (narrow the search for the rest).
SEARCH_CUSTOMERS = 1000


class EventInline(admin.TabularInline):
    """The event log in words, company time and names (``attendance.event_log``, the same
    lines as the supervisor's monitor), never raw codes, UTC or ids."""

    model = Event
    fields = ["when", "explanation"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["at", "pk"]
    verbose_name_plural = _("Event log")
    template = "admin/attendance/log_tabular.html"

    def has_add_permission(self, request, obj=None):
        return False

    def get_formset(self, request, obj=None, **kwargs):
        # The log is written once per page, for this viewer (names, time zone).
        self._lines = {line.event_id: line for line in event_log(obj, request.user)} if obj is not None else {}
        return super().get_formset(request, obj, **kwargs)

    def _line(self, event: Event):
        return getattr(self, "_lines", {}).get(event.pk)

    @admin.display(description=_("At"))
    def when(self, event: Event):
        line = self._line(event)
        return date_format(line.at, "d/m/Y H:i:s") if line else "—"

    @admin.display(description=_("Details"))
    def explanation(self, event: Event):
        line = self._line(event)
        if line is None:
            return "—"
        if not line.why:
            return line.text
        why = line.why
        wallet = format_html(" — {}", _("the customer's wallet agent")) if why["wallet_agent"] else ""
        rows = format_html_join(
            "",
            "<tr><td>{}º</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            ((row["position"], row["name"], " ✓" if row["chosen"] else "",
              "—" if row["figure"] is None else row["figure"], row["free_slots"]) for row in why["rows"]),
        )  # fmt: skip
        return format_html(
            "<p>{}</p><p><strong>{}</strong>{}</p>"
            "<table><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            line.text, _("Why this agent?"), wallet,
            _("Agent"), why["figure_label"] or _("Figure compared"), _("Free slots"), rows,
        )  # fmt: skip


class MessageInline(admin.TabularInline):
    model = Message
    template = "admin/attendance/log_tabular.html"
    fields = ["created_at", "sender", "sender_name", "kind", "body", "media", "delivery", "delivery_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(ListParametersOnly, admin.ModelAdmin):
    list_display = ["protocol", "customer_name", "group", "agent", "status", "opened_at", "assigned_at", "closed_at"]
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

    @admin.display(description=Attendance._meta.get_field("customer").verbose_name, ordering="customer__display_name")
    def customer_name(self, obj) -> str:
        """The name only: the phone is on the detail page (and the search finds it); with it, the
        column does not fit a 1366 px window beside three dates."""
        return obj.customer.display_name

    # "07/12/2026 10:21": three "7 de dezembro de 2026 às 10:21" do not fit a 1366 px window
    # beside the customer and the group (``core.admin_rows``).
    list_datetime_format = "SHORT_DATETIME_FORMAT"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Times in the viewer's company time zone (SPEC §0), as the monitor shows them."""
        with timezone.override(time_zone_for(request.user)):
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    def changelist_view(self, request, extra_context=None):
        with timezone.override(time_zone_for(request.user)):
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

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
