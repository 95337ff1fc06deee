"""Admin screens of the engine's configuration (SPEC §1, §3, §4)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path

from core.admin import AtendeAdmin, ScopedRelatedFilter, StatusFilter, status_column
from core.forms import SafeJSONFormField
from core.scoping import operation_ids_for
from core.text import NAME_NORMALISED
from organisation.models import Company, Operation

from . import admin_engine  # noqa: F401,E402 - registers channels and attendances
from .bot_scope import bots_routing_within
from .forms import GROUP_FIELDSETS, BotForm, ServiceGroupForm
from .menus import menu_previews
from .models import Bot, BotKind, ServiceGroup
from .services import bot_save, bot_set_active, group_save, group_set_active


@admin.register(Company)
class CompanyAdmin(AtendeAdmin):
    list_display = ["name", "time_zone", status_column]
    list_filter = [StatusFilter]
    search_fields = ["name"]
    fields = ["name", "time_zone", "answer_deadline_days", "is_active"]


@admin.register(Operation)
class OperationAdmin(AtendeAdmin):
    list_display = ["name", "company", status_column]
    list_filter = [StatusFilter, ("company", ScopedRelatedFilter)]
    search_fields = ["name", "company__name"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    fields = ["name", "company", "is_active"]


@admin.register(Bot)
class BotAdmin(AtendeAdmin):
    form = BotForm
    list_display = ["name", "kind", status_column]
    list_filter = [StatusFilter, "kind"]
    search_fields = ["name"]
    fields = ["name", "kind", "menu", "message", "is_active"]

    class Media:
        js = ["js/conditional_fields.js", "js/menu_editor.js"]
        css = {"all": ["css/tree_editor.css"]}

    def get_urls(self):
        preview = path(
            "menu-preview/",
            self.admin_site.admin_view(self.menu_preview_view),
            name="attendance_bot_menu_preview",
        )
        return [preview, *super().get_urls()]

    def menu_preview_view(self, request):
        """The menu editor's live preview: what the customer reads at each node, written by
        the engine's own rule (``attendance.menus.menu_previews``). POST ``menu`` (JSON)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            menu = SafeJSONFormField(required=False).clean(request.POST.get("menu", ""))
        except ValidationError as error:
            return JsonResponse({"menu": error.messages}, status=400)
        return JsonResponse({"previews": menu_previews(menu)})

    def get_fields(self, request, obj=None):
        if obj is not None and obj.kind == BotKind.SURVEY:
            return ["name", "kind", "message", "is_active"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.kind == BotKind.SURVEY:
            return ["name", "kind", "is_active"]  # kept in sync by the survey
        return []

    # A survey bot's status follows its survey (bot_save refuses it).
    activation_service = staticmethod(lambda bot, active, actor: bot_set_active(bot=bot, active=active, actor=actor))

    def save_model(self, request, obj, form, change):
        # A survey bot's message may be edited here; its name and status follow the survey.
        bot_save(bot=obj, for_survey=obj.kind == BotKind.SURVEY and change)
        if "name" in form.changed_data and obj.name != form.data.get("name", "").strip():
            self.message_user(request, NAME_NORMALISED % {"name": obj.name}, messages.INFO)


@admin.register(ServiceGroup)
class ServiceGroupAdmin(AtendeAdmin):
    form = ServiceGroupForm
    list_display = ["name", "operation", "parent", "distribution_strategy", status_column]
    list_filter = [
        StatusFilter,
        ("operation", ScopedRelatedFilter),
        "distribution_strategy",
        ("parent", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "operation__name"]
    list_select_related = ["operation", "parent"]
    filter_horizontal = ["agents", "transfer_targets"]
    fieldsets = GROUP_FIELDSETS
    activation_service = staticmethod(
        lambda group, active, actor: group_set_active(group=group, active=active, actor=actor)
    )

    class Media:
        js = ["js/conditional_fields.js"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "initialization_bot":
            bots = Bot.objects.filter(kind__in=[BotKind.SERVICE, BotKind.TRANSFER])
            kwargs["queryset"] = bots_routing_within(bots, operation_ids=operation_ids_for(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Saved with its relations in one service call (``save_related``): one audit entry."""

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        group_save(
            group=form.instance,
            agents=data.get("agents"),
            transfer_targets=data.get("transfer_targets"),
            actor=request.user,
        )
