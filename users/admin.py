"""Admin screens: users ("Menu > Configurações > Atendimento > Usuários") and profiles."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from knox.models import AuthToken
from rest_framework.authtoken.admin import TokenProxy

from core.admin import AtendeAdmin, ScopedRelatedFilter, StatusFilter, breakable_email, status_column
from imports.admin_views import ImportAdminMixin

from .forms import UserChangeForm, UserCreationForm
from .models import AGENT_DATA_FIELDS, AGENT_PERMISSION_FIELDS, Profile, User
from .profile_forms import ProfileForm
from .services import user_create, user_update

IDENTITY = (_("User identity"), {"fields": ["role", "display_name", "username", "birth_date", "is_active"]})
PROFILE = (_("Profile"), {"fields": ["profile"]})
ORGANISATION = (_("Company / Operation"), {"fields": ["company", "operations"]})
CONTACT = (_("Contact"), {"fields": ["phone", "email"]})
SIMULTANEOUS = (_("Simultaneous attendances"), {"fields": ["max_simultaneous"]})
PRIORITY = (_("Priority"), {"fields": ["priority"]})
WORK_HOURS = (_("Work hours"), {"fields": ["work_hours"]})
AGENT_DATA = (_("Agent data"), {"fields": AGENT_DATA_FIELDS})
AGENT_PERMISSIONS = (_("Agent permissions"), {"fields": AGENT_PERMISSION_FIELDS})
MODEL_FIELDS = {f.name for f in User._meta.get_fields()} - {"password", "operations"}


# Django's auth groups are not used: profiles are Atende's permission sets.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(ImportAdminMixin, AtendeAdmin, DjangoUserAdmin):
    """Users of every role; the form shows the selected role's fields only."""

    import_kind = "users"
    # Django's user add page says "after creating a user you'll be able to edit more
    # options"; Atende's add page already has every field.
    add_form_template = "admin/change_form.html"
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = DjangoUserAdmin.change_password_form
    list_display = ["display_name", "username", "role", "profile", "email_column", status_column]
    list_filter = [StatusFilter, "role", ("profile", ScopedRelatedFilter), ("operations", ScopedRelatedFilter)]
    search_fields = ["display_name", "username", "email"]
    list_select_related = ["profile"]
    ordering = ["display_name"]
    filter_horizontal = ["operations"]

    @admin.display(description=User._meta.get_field("email").verbose_name, ordering="email")
    def email_column(self, obj):
        return breakable_email(obj.email)

    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        IDENTITY,
        PROFILE,
        ORGANISATION,
        CONTACT,
        (_("Password"), {"fields": ["password", "must_change_password"]}),
        SIMULTANEOUS,
        PRIORITY,
        WORK_HOURS,
        AGENT_DATA,
        AGENT_PERMISSIONS,
        (_("Access"), {"fields": ["last_login", "date_joined"], "classes": ["collapse"]}),
    ]
    add_fieldsets = [
        IDENTITY,
        PROFILE,
        ORGANISATION,
        CONTACT,
        (_("Password"), {"fields": ["password1", "password2", "must_change_password"]}),
        SIMULTANEOUS,
        PRIORITY,
        WORK_HOURS,
        AGENT_DATA,
        AGENT_PERMISSIONS,
    ]

    class Media:
        js = ["js/user_form.js"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_admin:
            readonly += ["profile", "company"]  # profiles and companies are the admins' to give
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: value for name, value in data.items() if name in MODEL_FIELDS}
        operations = data.get("operations")
        if change:
            original = User.objects.get(pk=obj.pk)
            form.instance = user_update(user=original, actor=request.user, operations=operations, **fields)
        else:
            fields.pop("username", None)
            form.instance = user_create(
                username=data["username"],
                password=data.get("password1"),
                operations=operations,
                actor=request.user,
                **fields,
            )
        obj.pk = form.instance.pk

    def save_related(self, request, form, formsets, change):
        """Operations were saved by the service (it keeps those the editor cannot see)."""


@admin.register(Profile)
class ProfileAdmin(AtendeAdmin):
    """Profiles: permissions grouped by screen, in Portuguese, no delete permissions and no
    technical models (``users.permission_catalog``)."""

    form = ProfileForm
    list_display = ["name", "description", status_column]
    list_filter = [StatusFilter]
    search_fields = ["name"]
    fields = ["name", "description", "permissions", "is_active"]


# API tokens (SPEC §10) ------------------------------------------------------------------
# django-rest-knox keeps a digest of each token; the DRF tokens' screen (which showed every
# token in clear) is gone. Admins see whose token it is, its first characters and when it
# was made, and revoke it; nobody ever sees a token again after it was created.
for _model in (TokenProxy, AuthToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "token_start", "created"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__display_name"]
    fields = ["user", "token_start", "created"]
    readonly_fields = fields
    actions = ["revoke_selected"]

    @admin.display(description=_("Token"))
    def token_start(self, obj) -> str:
        return f"{obj.token_key[:8]}…"

    def has_module_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_admin)

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return False  # a token is made by its user (POST /api/v1/auth/token/) and shown to them once

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked with the action, which says so

    @admin.action(description=_("Revoke selected API tokens"))
    def revoke_selected(self, request, queryset):
        if not self.has_module_permission(request):
            raise PermissionDenied
        count = queryset.count()
        queryset.delete()
        self.message_user(request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
                          % {"count": count})  # fmt: skip
