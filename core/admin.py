"""Admin building blocks: no deletion, a Status filter, audit history and scoping."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.filters import FieldListFilter
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import get_fields_from_path, quote, unquote
from django.contrib.admin.views.main import ERROR_FLAG, IGNORED_PARAMS, PAGE_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .admin_paging import EstimatedCountPaginator
from .api import INTEGER_MODEL_FIELDS
from .audit import history_entries
from .errors import DomainError, admin_error_message
from .forms import AsciiIntegerField, SafeJSONFormField
from .grammar import saved_message, status_message
from .scoping import scope_queryset
from .services import record_set_active
from .widgets import SafeAutocompleteSelect, SafeAutocompleteSelectMultiple


class StatusFilter(admin.SimpleListFilter):
    title = _("Status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("inactive", _("Inactive"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(is_active=True)
        if self.value() == "inactive":
            return queryset.filter(is_active=False)
        return queryset


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A related-field filter whose choices are scoped and active-or-used like the lists:
    a supervisor of operation A never reads operation B's names in a filter."""

    def field_choices(self, field, request, model_admin):
        model = field.related_model
        queryset = model._default_manager.all()
        if hasattr(model, "scope_path"):
            queryset = scope_queryset(queryset, request.user)
        elif not request.user.is_admin:
            queryset = queryset.none()
        ordering = self.field_admin_ordering(field, request, model_admin)
        return [(obj.pk, str(obj)) for obj in queryset.order_by(*(ordering or model._meta.ordering or ["pk"]))]


def breakable_email(address: str):
    """An e-mail address that a narrow column may wrap after its "@" and before its dots
    (``<wbr>``), never in the middle of a word; "-" when empty."""
    if not address:
        return "-"
    local, _at, domain = address.partition("@")

    def dotted(text: str):
        return format_html_join(mark_safe("<wbr>."), "{}", ((part,) for part in text.split(".")))

    return format_html("{}@<wbr>{}", dotted(local), dotted(domain))


@admin.display(description=_("Status"), boolean=True, ordering="is_active")
def status_column(obj) -> bool:
    return obj.is_active


class ListParametersOnly:
    """A list (and what reads it, such as an export) takes exactly its own parameters:
    its search, order, page and its filters'. Any other lookup a URL carries
    (``phone__regex=(``, ``foo=bar``) is refused as Django refuses a filter's bad value
    (``IncorrectLookupParameters``: the list without them), never run against the
    database (an invalid pattern was a server error)."""

    def list_parameters(self, request) -> frozenset[str]:
        names = self.__dict__.get("_list_parameter_names")
        if names is None:
            found = set(IGNORED_PARAMS) | {PAGE_VAR, ERROR_FLAG}
            for list_filter in self.get_list_filter(request):
                found.update(_filter_spec(self, request, list_filter).expected_parameters())
            if self.date_hierarchy:
                found.update(f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day"))
            names = self._list_parameter_names = frozenset(name for name in found if name)
        return names

    def get_changelist_instance(self, request):
        if set(request.GET) - self.list_parameters(request):
            raise IncorrectLookupParameters("not one of the list's parameters")
        return super().get_changelist_instance(request)


def _filter_spec(model_admin, request, list_filter):
    """``list_filter`` instantiated as ``ChangeList.get_filters`` does, without a value."""
    if callable(list_filter) and not isinstance(list_filter, (tuple, list)):
        return list_filter(request, {}, model_admin.model, model_admin)
    field_path = None
    if isinstance(list_filter, (tuple, list)):
        field, spec_class = list_filter
    else:
        field, spec_class = list_filter, FieldListFilter.create
    if not isinstance(field, models.Field):
        field_path = field
        field = get_fields_from_path(model_admin.model, field_path)[-1]
    return spec_class(field, request, {}, model_admin.model, model_admin, field_path=field_path)


class AtendeAdmin(ListParametersOnly, SimpleHistoryAdmin):
    """Base admin for every configuration entity (SPEC §0).

    - no delete permission, action or button;
    - activate / deactivate actions that save row by row, so every change is audited;
    - the queryset is scoped to the viewer's operations (``core.scoping``);
    - related choices offer active records only (the current value stays valid).
    """

    actions = ["activate_selected", "deactivate_selected"]
    list_per_page = 50
    show_full_result_count = False  # COUNT(*) of a million rows on every page is wasteful
    paginator = EstimatedCountPaginator  # and the paginator's count is estimated or capped
    formfield_overrides = {
        models.JSONField: {"form_class": SafeJSONFormField},
        # Integers take ASCII digits only ("٣" is not read as 3: SPEC §0).
        **{field: {"form_class": AsciiIntegerField} for field in INTEGER_MODEL_FIELDS},
    }

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def action_checkbox(self, obj):
        """Django's checkbox column, the same HTML written directly: Django renders a
        ``CheckboxInput`` through the form template engine for each row (~80 µs a row,
        a quarter of a changelist row's cost, ``bench/admin.py``)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def history_view(self, request, object_id, extra_context=None):
        """ "Histórico" for people (``core.audit``): values in words, local times, no revert.

        Scoped like the object itself: simple-history would fall back to the latest
        historical record of an object outside ``get_queryset`` (another operation's)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        obj = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        entries = history_entries(obj, viewer=request.user)
        entries = [entry for entry in entries if entry["changes"] or entry["type"] != "changed"]
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %(name)s") % {"name": obj},
            "subtitle": None,
            "entries": entries,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/atende/object_history.html", context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Restoring a past version is not a product feature: the history page instead,
        checked like the object itself (another operation's record stays invisible)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[object_id]))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        """Nothing is ever removed in Atende: a missing record is one that does not exist
        or that the viewer may not see (another operation's)."""
        message = _("%(name)s with ID “%(key)s” does not exist or you do not have access to it.") % {
            "name": capfirst(opts.verbose_name),
            "key": unquote(object_id),
        }
        self.message_user(request, message, messages.WARNING)
        return redirect(reverse("admin:index", current_app=self.admin_site.name))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not self.has_change_permission(request):
            actions.pop("activate_selected", None)
            actions.pop("deactivate_selected", None)
        return actions

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _limit_choices(field, db_field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _limit_choices(field, db_field, request)

    @admin.action(description=_("Activate selected records"))
    def activate_selected(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description=_("Deactivate selected records"))
    def deactivate_selected(self, request, queryset):
        self._set_active(request, queryset, False)

    # The service that (de)activates one record: ``service(obj, active=…, actor=…)``. A
    # model whose status has consequences declares its own (e.g. groups reschedule timers).
    activation_service = staticmethod(record_set_active)

    def _set_active(self, request, queryset, active: bool) -> None:
        changed = 0
        try:
            with transaction.atomic():
                for obj in queryset.select_for_update().filter(is_active=not active):
                    self.activation_service(obj, active=active, actor=request.user)
                    changed += 1
        except (ValidationError, DomainError) as error:
            self.message_user(request, admin_error_message(error), messages.ERROR)
            return
        self.message_user(request, self.status_message(changed, active), messages.SUCCESS)

    def status_message(self, changed: int, active: bool) -> str:
        """ "2 pesquisas de satisfação desativadas.": agreeing with the model's noun."""
        return status_message(self.model, count=changed, active=active)

    # Django builds "O {name} … foi adicionado" in the masculine for every model: the save
    # responses below mark the request, and ``message_user`` writes the success message in
    # the gender of the model's noun instead (``core.grammar``).
    def response_add(self, request, obj, post_url_continue=None):
        request._atende_saved = (obj, True)
        try:
            return super().response_add(request, obj, post_url_continue)
        finally:
            del request._atende_saved

    def response_change(self, request, obj):
        request._atende_saved = (obj, "_saveasnew" in request.POST)
        try:
            return super().response_change(request, obj)
        finally:
            del request._atende_saved

    def message_user(self, request, message, level=messages.INFO, extra_tags="", fail_silently=False):
        saved = getattr(request, "_atende_saved", None)
        if saved is not None and level == messages.SUCCESS and IS_POPUP_VAR not in request.POST:
            message = self._saved_message(request, *saved)
        super().message_user(request, message, level, extra_tags, fail_silently)

    def _saved_message(self, request, obj, added: bool):
        """The same choice of sentence as Django's ``response_add``/``response_change``."""
        can_change = self.has_change_permission(request, obj)
        if "_continue" in request.POST or "_saveasnew" in request.POST:
            then = "edit" if can_change else None
        elif "_addanother" in request.POST:
            then = "add"
        else:
            then = None
        if can_change:
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(quote(obj.pk),),
                current_app=self.admin_site.name,
            )
            url = add_preserved_filters(
                {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
            )
            obj_repr = format_html('<a href="{}">{}</a>', url, obj)
        else:
            obj_repr = str(obj)
        return format_html(saved_message(self.model, added=added, then=then), name=self.opts.verbose_name, obj=obj_repr)


def _limit_choices(formfield, db_field, request):
    """Offer only active (and in-scope) related records; keep the current value valid."""
    if formfield is None or not hasattr(formfield, "queryset"):
        return formfield
    model = db_field.related_model
    queryset = formfield.queryset
    if any(f.name == "is_active" for f in model._meta.get_fields()):
        current = _current_related_ids(request, db_field)
        queryset = queryset.filter(models.Q(is_active=True) | models.Q(pk__in=current))
    formfield.queryset = scope_queryset(queryset, request.user) if hasattr(model, "scope_path") else queryset
    return formfield


def _current_related_ids(request, db_field) -> list:
    match = request.resolver_match
    object_id = match.kwargs.get("object_id") if match else None
    if not object_id:
        return []
    owner = db_field.model
    try:
        instance = owner._default_manager.get(pk=object_id)
    except (owner.DoesNotExist, ValueError, TypeError):
        return []
    if db_field.many_to_many:
        return list(getattr(instance, db_field.name).values_list("pk", flat=True))
    value = getattr(instance, db_field.attname)
    return [value] if value is not None else []
