"""Users, roles and profiles (SPEC §2)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Permission
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from core.models import ActiveModel, ActiveQuerySet
from organisation.models import Company

from .work_hours import describe


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    SUPERVISOR_AGENT = "supervisor_agent", _("Supervisor agent")
    AGENT = "agent", _("Agent")


SUPERVISOR_ROLES = {Role.SUPERVISOR, Role.SUPERVISOR_AGENT}
AGENT_ROLES = {Role.AGENT, Role.SUPERVISOR_AGENT}


# Field groups shared by the screen's fieldsets, its form and the API.
AGENT_DATA_FIELDS = ["department", "social_token", "integration_key"]
AGENT_PERMISSION_FIELDS = [
    "view_history_groups",
    "view_history_operations",
    "confidential_history",
    "register_phone_call",
    "voice_enabled",
    "voice_channel",
    "voice_extension",
    "voice_channel_password",
    "pause_on_voice_call",
]


class VoiceChannel(models.TextChoices):
    CLOUD = "cloud", _("Cloud voice")
    PBX = "pbx", _("PBX extension")


class Profile(ActiveModel):
    """A named permission set ("Perfil") that decides which screens a supervisor sees."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    description = models.TextField(_("Description"), blank=True, validators=[MaxLengthValidator(1000)])
    permissions = models.ManyToManyField(
        Permission,
        verbose_name=_("Permissions"),
        blank=True,
        help_text=_("Screens and actions granted to supervisors with this profile."),
    )

    history = HistoricalRecords(m2m_fields=[permissions])

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(ActiveQuerySet):
    pass


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True
    # ``users.services.user_create``, set by ``UsersConfig.ready()``: Django's
    # ``createsuperuser`` creates users through the manager, under the same rules as every
    # other path, without this module importing the services that import it.
    user_create = None

    def create_user(self, username: str, password: str | None = None, **fields):
        return type(self).user_create(username=username, password=password, **fields)

    def create_superuser(self, username: str, password: str | None = None, **fields):
        """An ``admin``-role user, of the given company or else the first active one
        (created as "Atende" on an empty database)."""
        fields["role"] = Role.ADMIN
        if not fields.get("company"):
            company = Company.objects.filter(is_active=True).order_by("pk").first()
            fields["company"] = company or Company.objects.create(name="Atende")
        return self.create_user(username, password, **fields)


# Bounds of the login's inputs on every path (form, API, import): django-axes stores a
# failed username in a 255-character column, and a longer password is only hashing cost.
USERNAME_MAX_LENGTH = 150
PASSWORD_MAX_LENGTH = 128


class User(ActiveModel, AbstractBaseUser):
    """One login. ``role`` decides what the user is; the role's fields are the ones the
    form shows. Every role may belong to operations: supervisors are scoped by them and
    agents are grouped by them (see README, "Decisions")."""

    username_validator = UnicodeUsernameValidator()

    username = models.CharField(
        _("Username"),
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        validators=[username_validator],
        help_text=_("The login. Letters, digits and @/./+/-/_ only."),
        error_messages={"unique": _("A user with that username already exists.")},
    )
    display_name = models.CharField(_("Display name"), max_length=150)
    role = models.CharField(_("User type"), max_length=20, choices=Role.choices, default=Role.AGENT)
    profile = models.ForeignKey(
        Profile,
        verbose_name=_("Profile"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    birth_date = models.DateField(_("Birth date"), null=True, blank=True)
    phone = models.CharField(_("Phone"), max_length=30, blank=True)
    email = models.EmailField(_("E-mail"), blank=True)
    must_change_password = models.BooleanField(
        _("Must change password"),
        default=False,
        help_text=_("Asks for a new password at the next login, before any other page."),
    )
    company = models.ForeignKey(
        "organisation.Company",
        verbose_name=_("Company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    operations = models.ManyToManyField(
        "organisation.Operation", verbose_name=_("Operations"), blank=True, related_name="users"
    )
    work_hours = models.JSONField(
        _("Work hours"),
        default=list,
        blank=True,
        help_text=_("Intervals per weekday. Empty means no restriction."),
    )

    # Agent fields
    max_simultaneous = models.PositiveSmallIntegerField(
        _("Simultaneous attendances"),
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(80)],
        help_text=_("From 0 to 80. 0 means the agent receives no automatic distribution."),
    )
    priority = models.PositiveIntegerField(
        _("Priority"),
        default=0,
        help_text=_("Agents with a higher priority receive first under agent-priority distribution."),
    )
    department = models.CharField(_("Department"), max_length=100, blank=True)
    social_token = models.CharField(_("Social token"), max_length=255, blank=True)
    integration_key = models.CharField(_("Integration key"), max_length=255, blank=True)
    view_history_groups = models.BooleanField(_("View all histories(Associated groups)"), default=False)
    view_history_operations = models.BooleanField(_("View all histories(Associated operations)"), default=False)
    confidential_history = models.BooleanField(
        _("Confidential history"),
        default=False,
        help_text=_("Hides this agent's attendances from other agents' history."),
    )
    register_phone_call = models.BooleanField(_("Register phone call?"), default=False)
    voice_enabled = models.BooleanField(_("Answer by voice"), default=False)
    voice_channel = models.CharField(_("Service channel"), max_length=20, choices=VoiceChannel.choices, blank=True)
    voice_extension = models.CharField(_("Service extension"), max_length=20, blank=True)
    # Write-only: forms and the API never render it back (see users/forms.py, serializers.py).
    voice_channel_password = models.CharField(_("Service channel password"), max_length=128, blank=True)
    pause_on_voice_call = models.BooleanField(_("Pause when receiving a voice call"), default=False)

    date_joined = models.DateTimeField(_("Date joined"), default=timezone.now)

    history = HistoricalRecords(
        excluded_fields=["password", "last_login", "voice_channel_password"],
        m2m_fields=[operations],
    )

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    scope_path = "operations"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["display_name", "username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @classmethod
    def history_value_text(cls, field: str, value) -> str | None:
        """Work hours in words on the history page (``core.audit``)."""
        if field == "work_hours" and isinstance(value, list):
            return describe(value) if value else ""
        return None

    # Roles -------------------------------------------------------------------------

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.role in SUPERVISOR_ROLES

    @property
    def is_agent(self) -> bool:
        return self.role in AGENT_ROLES

    @property
    def is_staff(self) -> bool:
        """Reaches the configuration screens (Django admin): everyone but plain agents."""
        return self.is_active and self.role != Role.AGENT

    @property
    def is_superuser(self) -> bool:
        return self.is_admin

    # Permissions (granted by role and profile; see users.backends) -------------------

    def _profile_permissions(self) -> set[str]:
        if not hasattr(self, "_perm_cache"):
            if self.profile_id is None or not self.is_supervisor:
                self._perm_cache = set()
            else:
                rows = Permission.objects.filter(profile__pk=self.profile_id, profile__is_active=True)
                self._perm_cache = {
                    f"{app}.{code}" for app, code in rows.values_list("content_type__app_label", "codename")
                }
        return self._perm_cache

    def get_all_permissions(self, obj=None) -> set[str]:
        if not self.is_active:
            return set()
        if self.is_admin:
            return {
                f"{app}.{code}" for app, code in Permission.objects.values_list("content_type__app_label", "codename")
            }
        return set(self._profile_permissions())

    def has_perm(self, perm: str, obj=None) -> bool:
        if not self.is_active:
            return False
        if self.is_admin:
            return True
        return perm in self._profile_permissions()

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        if not self.is_active:
            return False
        if self.is_admin:
            return True
        return any(perm.startswith(f"{app_label}.") for perm in self._profile_permissions())

    # Company -----------------------------------------------------------------------------

    @property
    def home_company(self):
        """The company whose time zone governs this user's hours and "today"."""
        if self.company_id:
            return self.company
        operation = self.operations.select_related("company").first() if self.pk else None
        return operation.company if operation else None

    @property
    def time_zone_name(self) -> str:
        company = self.home_company
        return company.time_zone if company else settings.TIME_ZONE
