"""Forms: login with the work-hours rule, and the admin's user forms."""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, ReadOnlyPasswordHashField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from core.phones import format_phone, normalize_phone
from core.widgets import BrazilPhoneInput

from . import errors
from .models import AGENT_DATA_FIELDS, AGENT_PERMISSION_FIELDS, PASSWORD_MAX_LENGTH, USERNAME_MAX_LENGTH, User
from .selectors import user_is_within_work_hours, user_work_hours_summary
from .services import user_validate_rules
from .work_hours import WEEKDAYS, normalize_work_hours

WORK_HOURS_FORMAT = _("Intervals as HH:MM-HH:MM separated by commas, e.g. 08:00-12:00, 13:00-18:00.")


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": errors.INVALID_CREDENTIALS,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django sets the username's max_length after building the field, so nothing
        # enforces it; bounded here before django-axes records a failure with it.
        for name, limit in (("username", USERNAME_MAX_LENGTH), ("password", PASSWORD_MAX_LENGTH)):
            self.fields[name].max_length = limit
            self.fields[name].validators.append(MaxLengthValidator(limit))

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user_is_within_work_hours(user=user):
            raise ValidationError(
                errors.OUTSIDE_WORK_HOURS,
                code="outside_work_hours",
                params={"schedule": user_work_hours_summary(user=user)},
            )


class WorkHoursWidget(forms.MultiWidget):
    """One text box per weekday: "08:00-12:00, 13:00-18:00"."""

    template_name = "users/widgets/work_hours.html"

    def __init__(self, attrs=None):
        widgets = [forms.TextInput(attrs={"size": 40}) for _ in WEEKDAYS]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        days = [[] for _ in WEEKDAYS]
        for item in value or []:
            days[item["weekday"]].append(f"{item['start']}-{item['end']}")
        return [", ".join(spans) for spans in days]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for widget, label in zip(context["widget"]["subwidgets"], WEEKDAYS, strict=True):
            widget["day_label"] = label
        return context


class WorkHoursField(forms.Field):
    widget = WorkHoursWidget
    default_error_messages = {"format": WORK_HOURS_FORMAT}

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _(
                "Intervals as HH:MM-HH:MM separated by commas, e.g. 08:00-12:00, 13:00-18:00. Empty days "
                "allow no access; an entirely empty schedule means no restriction."
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            return value
        intervals = []
        for weekday, text in enumerate(value or []):
            for span in filter(None, (part.strip() for part in (text or "").split(","))):
                start, sep, end = span.partition("-")
                if not sep:
                    raise ValidationError(
                        _("%(day)s: “%(value)s” is not an interval. %(format)s"),
                        params={"day": WEEKDAYS[weekday], "value": span, "format": WORK_HOURS_FORMAT},
                    )
                intervals.append({"weekday": weekday, "start": start.strip(), "end": end.strip()})
        return intervals

    def clean(self, value):
        return normalize_work_hours(super().clean(value))


class UserAdminForm(forms.ModelForm):
    """The user screen: fields per role (shown by static/js/user_form.js, enforced by the
    service), operations as a dual list, passwords write-only."""

    work_hours = WorkHoursField(label=_("Work hours"), required=False)
    voice_channel_password = forms.CharField(
        label=_("Service channel password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Write-only: never shown. Leave empty to keep the current one."),
    )

    class Meta:
        model = User
        fields = [
            "role",  # "Tipo de usuário", the first field of the form (SPEC §13)
            "display_name",
            "username",
            "birth_date",
            "is_active",
            "profile",
            "company",
            "operations",
            "phone",
            "email",
            "must_change_password",
            "max_simultaneous",
            "priority",
            "work_hours",
            *AGENT_DATA_FIELDS,
            *AGENT_PERMISSION_FIELDS,
            "date_joined",
        ]
        widgets = {
            "operations": FilteredSelectMultiple(_("Operations"), is_stacked=False),
            "phone": BrazilPhoneInput,
        }

    actor: User | None = None  # set by the admin: the user filling in the form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.phone.startswith("+55"):
            self.initial["phone"] = format_phone(self.instance.phone)

    def clean_phone(self):
        """Checked here, where the admin shows it beside the field (the service checks it
        again, for the API)."""
        phone = self.cleaned_data.get("phone")
        return normalize_phone(phone) if phone else phone

    def _post_clean(self):
        super()._post_clean()
        data = self.cleaned_data
        if "role" not in data:
            return
        operations = data.get("operations")
        company = data.get("company")
        profile = data.get("profile")
        try:
            user_validate_rules(
                actor=self.actor,
                role=data["role"],
                company_id=company.pk if company else None,
                operation_ids=[op.pk for op in operations] if operations is not None else [],
                target=self.instance if self.instance.pk else None,
                profile_id=profile.pk if profile else None,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)


class UserChangeForm(UserAdminForm):
    password = ReadOnlyPasswordHashField(
        label=_("Password"),
        help_text=_('Passwords are not stored in plain text. <a href="{}">Change the password</a>.'),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("password")
        if field and self.instance.pk:
            field.help_text = field.help_text.format("../password/")


class UserCreationForm(UserAdminForm):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password2(self):
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise ValidationError(_("The two passwords do not match."), code="password_mismatch")
        return second

    def _post_clean(self):
        super()._post_clean()
        password = self.cleaned_data.get("password2")
        if password:
            try:
                password_validation.validate_password(password, self.instance)
            except ValidationError as error:
                self.add_error("password1", error)
