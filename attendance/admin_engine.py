"""Admin screens of the engine: channels (token shown once) and attendances (read-only,
with the event log: the "why this agent?" record of each assignment)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import AtendeAdmin, ScopedRelatedFilter, StatusFilter, status_column
from core.scoping import scope_queryset

from .models import Attendance, Channel, Event, Message
from .services import channel_save


@admin.register(Channel)
class ChannelAdmin(AtendeAdmin):
    list_display = ["name", "network", "token_hint", "outbound_webhook_url", status_column]
    list_filter = [StatusFilter, "network"]
    search_fields = ["name"]
    fields = ["name", "network", "token_hint", "outbound_webhook_url", "is_active"]
    readonly_fields = ["token_hint"]

    def save_model(self, request, obj, form, change):
        token = channel_save(channel=obj)
        if token:
            self.message_user(
                request,
                _("The channel's token is shown only now; copy it to the channel's configuration: %(token)s")
                % {"token": token},
                messages.WARNING,
            )


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
    fields = ["created_at", "sender", "sender_name", "kind", "body", "delivery"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["protocol", "customer", "group", "agent", "status", "opened_at", "assigned_at", "closed_at"]
    list_filter = ["status", ("group", ScopedRelatedFilter), "close_reason"]
    search_fields = ["protocol", "customer__display_name"]
    list_select_related = ["customer", "group", "agent"]
    fields = [
        "protocol", "customer", "group", "agent", "channel", "status", "priority", "opened_at", "queued_at",
        "assigned_at", "closed_at", "last_customer_message_at", "last_agent_message_at", "close_reason",
        "classification_node",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [EventInline, MessageInline]
    show_full_result_count = False
    date_hierarchy = "opened_at"

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Supervisors whose profile grants monitoring see their operations' attendances.
        return super().has_view_permission(request, obj) or request.user.has_perm("reports.monitor_attendances")

    def has_module_permission(self, request):
        return super().has_module_permission(request) or request.user.has_perm("reports.monitor_attendances")
