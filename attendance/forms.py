"""Admin forms of bots and service groups: normalise, validate through the services."""

from __future__ import annotations

import json

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.text import NO_SPACES_HELP, name_without_spaces
from core.widgets import PrettyJSONWidget

from .models import Bot, BotKind, DistributionStrategy, ServiceGroup
from .services import bot_validate, group_validate_relations
from .strategies import STRATEGY_HELP


class BotForm(forms.ModelForm):
    class Meta:
        model = Bot
        fields = ["name", "kind", "menu", "message", "is_active"]
        widgets = {"menu": PrettyJSONWidget(editor="menu")}
        help_texts = {"name": NO_SPACES_HELP}

    def clean_name(self):
        """Spaces become "_" as in a survey's name (the admin says so after saving)."""
        return name_without_spaces(self.cleaned_data["name"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Survey bots belong to their survey; they are not created here (and have no menu).
        if "kind" in self.fields:
            self.fields["kind"].choices = [c for c in BotKind.choices if c[0] != BotKind.SURVEY]
        if "menu" in self.fields:
            self.fields["menu"].required = False
            # The menu editor's group choices (static/js/menu_editor.js): the active groups.
            groups = ServiceGroup.objects.filter(is_active=True).order_by("name").values("id", "name")
            self.fields["menu"].widget.attrs["data-groups"] = json.dumps(list(groups), ensure_ascii=False)
            # The live preview of what the customer reads (BotAdmin.menu_preview_view).
            self.fields["menu"].widget.attrs["data-preview-url"] = reverse("admin:attendance_bot_menu_preview")

    def clean(self):
        data = super().clean()
        if data.get("kind") and data["kind"] != BotKind.SERVICE and "menu" in self.fields:
            data["menu"] = None  # only service bots have a menu; a hidden leftover is dropped
        return data

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            bot_validate(bot=self.instance)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field, messages)


class StrategySelect(forms.RadioSelect):
    """The five strategies, each with the manual's one-line explanation."""

    option_template_name = "attendance/widgets/strategy_option.html"

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["help"] = STRATEGY_HELP.get(value, "")
        return option


# The manual's sections of "Grupos de Atendimento", in order (the admin's fieldsets).
GROUP_FIELDSETS = [
    (_("Registration"), {"fields": ["name", "operation", "parent", "is_active"]}),
    (
        _("Agents / bots"),
        {
            "fields": [
                "initialization_bot",
                "requires_online_agent",
                "bot_inactivity_enabled",
                "bot_inactivity_timeout",
                "bot_inactivity_unit",
                "bot_inactivity_action",
                "bot_inactivity_target_group",
                "inactivity_bot",
                "finalization_bot",
            ]
        },
    ),
    (
        _("Survey and classification"),
        {"fields": ["survey", "survey_required", "classification", "classification_required"]},
    ),
    (_("Name shown in the message"), {"fields": ["display_name_mode"]}),
    (_("Queue management"), {"fields": ["distribution_strategy"]}),
    (
        _("Group settings"),
        {
            "fields": [
                "active_sms",
                "active_voice",
                "active_whatsapp",
                "whatsapp_template",
                "active_email",
                "email_signature",
                "active_telegram",
                "priority_to_agent",
                "redirect_on_agent_disconnect",
                "auto_pending",
                "whatsapp_partner",
                "transfer_to_paused_agents",
                "queue_position_by_period",
                "receive_only",
                "allow_audio",
                "allow_image",
                "allow_video",
                "allow_document",
            ]
        },
    ),
    (
        _("Timers / inactivity"),
        {
            "fields": [
                "inactivity_warning_percent",
                "inactivity_timeout_minutes",
                "initial_sla_minutes",
                "inactivity_close_by",
                "agent_response_minutes",
                "active_message_delay_minutes",
                # Shown while their flag in "Configurações do Grupo" is checked (SPEC §13).
                "pending_after_minutes",
                "partner_inactivity_warning_minutes",
                "queue_position_interval_minutes",
            ]
        },
    ),
    (
        _("Service hours"),
        {"fields": ["calendar", "out_of_hours_action", "out_of_hours_group", "out_of_hours_message", "send_protocol"]},
    ),
    (_("Agent association"), {"fields": ["agents"]}),
    (_("Transfer permission between groups"), {"fields": ["transfer_targets"]}),
]


class AgentChoiceField(forms.ModelMultipleChoiceField):
    """Agents with their operations, so the admin sees whose agent each one is (SPEC §4.8)."""

    def label_from_instance(self, obj) -> str:
        operations = ", ".join(operation.name for operation in obj.operations.all())
        return f"{obj} ({operations})" if operations else str(obj)


class ServiceGroupForm(forms.ModelForm):
    class Meta:
        model = ServiceGroup
        fields = [name for _title, options in GROUP_FIELDSETS for name in options["fields"]]
        field_classes = {"agents": AgentChoiceField}
        widgets = {
            "distribution_strategy": StrategySelect,
            "agents": FilteredSelectMultiple(_("Agents"), is_stacked=False),
            "transfer_targets": FilteredSelectMultiple(_("Groups"), is_stacked=False),
        }
        # The manual's prompts (SPEC §13); the fields' own names stay in the history.
        labels = {
            "survey": _("Select a satisfaction survey"),
            "survey_required": _("Required"),
            "classification": _("Select a classification"),
            "classification_required": _("Required"),
            "agents": _("Agents"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agents = self.fields.get("agents")
        if agents is not None:
            agents.queryset = self._agents_offered(agents.queryset)
        field = self.fields.get("distribution_strategy")
        if field is not None:
            field.choices = DistributionStrategy.choices
        targets = self.fields.get("transfer_targets")
        if targets is not None and self.instance.pk:
            targets.queryset = targets.queryset.exclude(pk=self.instance.pk)
        for name in ("parent", "bot_inactivity_target_group"):
            if name in self.fields and self.instance.pk:
                self.fields[name].queryset = self.fields[name].queryset.exclude(pk=self.instance.pk)
        if "parent" in self.fields:
            self.fields["parent"].queryset = self.fields["parent"].queryset.filter(parent__isnull=True)

    def _agents_offered(self, queryset):
        """Agents of the group's operation, plus the current ones (an old association stays
        visible until it is removed). A new group, or a submitted form, offers every agent
        in scope: the service then refuses the wrong ones with a clear message instead of
        Django's "not one of the available choices"."""
        queryset = queryset.prefetch_related("operations").order_by("display_name")
        operation_id = self.instance.operation_id
        if self.is_bound or not operation_id:
            return queryset
        current = list(self.instance.agents.values_list("pk", flat=True)) if self.instance.pk else []
        return queryset.filter(Q(operations=operation_id) | Q(pk__in=current)).distinct()

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            group_validate_relations(
                group=self.instance,
                agents=self.cleaned_data.get("agents"),
                transfer_targets=self.cleaned_data.get("transfer_targets"),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field, messages)
