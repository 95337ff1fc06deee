"""The channels' admin screen: credentials write-only, the token shown once, the webhook
URL and the chosen provider's setup steps, and "Testar conexão"."""

from __future__ import annotations

import threading

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from attendance.channels import channel_validate
from attendance.models import CREDENTIAL_FIELDS, PRECHAT_FIELDS, Channel, default_prechat
from attendance.services import channel_save
from core.admin import AtendeAdmin, StatusFilter, status_column

from .base import ProviderError
from .services import channel_test_connection
from .setup import setup_steps

_local = threading.local()


PRECHAT_CHOICES = [("off", _("Not asked")), ("optional", _("Optional")), ("required", _("Required"))]
PRECHAT_LABELS = {"email": _("E-mail in the form"), "phone": _("Phone in the form"),
                  "document": _("CPF/CNPJ in the form")}  # fmt: skip
WEBCHAT_FIELDS = ["allowed_origins", "title", "greeting", "color", "consent_text"]


class ChannelForm(forms.ModelForm):
    """Credentials are write-only: never rendered back; left empty, the stored value stays.
    The web chat's pre-chat fields are three choices (not asked, optional, required)."""

    class Meta:
        model = Channel
        fields = ["name", "network", "provider", "outbound_webhook_url", "is_active", *CREDENTIAL_FIELDS,
                  *WEBCHAT_FIELDS]  # fmt: skip
        widgets = {
            **{name: forms.PasswordInput(render_value=False) for name in CREDENTIAL_FIELDS},
            "allowed_origins": forms.Textarea(attrs={"rows": 3}),
            "consent_text": forms.Textarea(attrs={"rows": 3}),
            "color": forms.TextInput(attrs={"type": "color"}),
        }

    prechat_email = forms.ChoiceField(
        label=PRECHAT_LABELS["email"], choices=PRECHAT_CHOICES, initial="optional", required=False
    )
    prechat_phone = forms.ChoiceField(label=PRECHAT_LABELS["phone"], choices=PRECHAT_CHOICES, required=False)
    prechat_document = forms.ChoiceField(label=PRECHAT_LABELS["document"], choices=PRECHAT_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = {**default_prechat(), **(self.instance.prechat_fields or {})}
        for name in PRECHAT_FIELDS:
            self.fields[f"prechat_{name}"].initial = current.get(name, "off")
        for name in CREDENTIAL_FIELDS:
            if name in self.fields and getattr(self.instance, name, ""):
                self.fields[name].help_text = _("Stored. Leave empty to keep it.")

    def clean(self):
        data = super().clean()
        for name in CREDENTIAL_FIELDS:
            if not (data.get(name) or "").strip():
                data[name] = getattr(self.instance, name, "")
        return data

    def _post_clean(self):
        current = {**default_prechat(), **(self.instance.prechat_fields or {})}
        self.instance.prechat_fields = {
            name: self.cleaned_data.get(f"prechat_{name}") or current.get(name, "off") for name in PRECHAT_FIELDS
        }
        super()._post_clean()
        try:
            channel_validate(channel=self.instance)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Channel)
class ChannelAdmin(AtendeAdmin):
    form = ChannelForm
    list_display = ["name", "network", "provider", "token_hint", status_column]
    list_filter = [StatusFilter, "network", "provider"]
    search_fields = ["name"]
    readonly_fields = ["token_hint", "public_id", "webhook_address", "setup", "embed_line"]
    actions = [*AtendeAdmin.actions, "test_connection", "rotate_identity_secret"]
    fieldsets = [
        (None, {"fields": ["name", "network", "provider", "token_hint", "outbound_webhook_url", "is_active"]}),
        (_("Webhook"), {"fields": ["public_id", "webhook_address", "setup"]}),
        ("WhatsApp Cloud API", {"fields": ["phone_number_id", "access_token", "app_secret", "verify_token"]}),
        ("Telegram", {"fields": ["bot_token", "secret_token"]}),
        ("Twilio", {"fields": ["account_sid", "auth_token", "from_number"]}),
        (_("Web chat"), {"fields": ["embed_line", *WEBCHAT_FIELDS, *(f"prechat_{n}" for n in PRECHAT_FIELDS)]}),
    ]

    class Media:
        js = ["js/copy_button.js"]

    @admin.display(description=_("Line to paste on the site"))
    def embed_line(self, obj):
        """SPEC §15: the one line a site copies ("Copiar"), and a live preview of the widget."""
        if obj is None or obj.pk is None or obj.provider != "webchat":
            return _("Shown once a web chat channel is saved.")
        request = getattr(_local, "request", None)
        path = reverse("webchat-widget", kwargs={"public_id": obj.public_id})
        url = request.build_absolute_uri(path) if request is not None else path
        line = f'<script src="{url}" async></script>'
        return format_html(
            '<code id="webchat-embed">{}</code> <button type="button" class="button" data-copy="#webchat-embed" '
            'data-done="{}">{}</button><p>{}</p>',
            line, _("Copied"), _("Copy"),
            format_html('<a href="{}?channel={}" target="_blank" rel="noopener">{}</a>', reverse("webchat-demo"),
                        obj.public_id, _("See the widget on a sample page")),
        )  # fmt: skip

    @admin.display(description=_("Webhook URL"))
    def webhook_address(self, obj):
        if obj is None or obj.pk is None:
            return _("Shown once the channel is saved.")
        return format_html("<code>{}</code>", obj.webhook_url(getattr(_local, "request", None)))

    @admin.display(description=_("Setup steps"))
    def setup(self, obj):
        if obj is None or obj.pk is None:
            return _("Choose the provider and save: this page then shows the webhook URL and the steps to follow.")
        steps = setup_steps(obj.provider, obj.webhook_url(getattr(_local, "request", None)))
        return format_html("<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((step,) for step in steps)))

    def get_form(self, request, obj=None, change=False, **kwargs):
        _local.request = request  # the read-only URL field has no request of its own
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        had_secret = bool(obj.identity_secret)
        token = channel_save(channel=obj)
        if obj.identity_secret and not had_secret:
            self._show_identity_secret(request, obj)
        if token:
            self.message_user(
                request,
                _("The channel's token is shown only now; copy it to the channel's configuration: %(token)s")
                % {"token": token},
                messages.WARNING,
            )
        if obj.provider != "generic":
            self.message_user(request, _("Webhook URL for the provider: %(url)s") % {"url": obj.webhook_url(request)})

    @admin.action(description=_("Test connection"), permissions=["change"])
    def test_connection(self, request, queryset):
        for channel in queryset:
            try:
                answer = channel_test_connection(channel=channel)
            except ProviderError as error:
                self.message_user(request, _("%(channel)s: the connection failed. %(error)s")
                                  % {"channel": channel.name, "error": error}, messages.ERROR)  # fmt: skip
            else:
                self.message_user(request, _("%(channel)s: connection OK (%(answer)s).")
                                  % {"channel": channel.name, "answer": answer}, messages.SUCCESS)  # fmt: skip

    def _show_identity_secret(self, request, channel):
        self.message_user(
            request,
            _("%(channel)s: the web chat's identity secret is shown only now; keep it on your site's server "
              "(never in the page): %(secret)s") % {"channel": channel.name, "secret": channel.identity_secret},
            messages.WARNING,
        )  # fmt: skip

    @admin.action(description=_("New web chat identity secret"), permissions=["change"])
    def rotate_identity_secret(self, request, queryset):
        """The old secret stops working at once: identities signed with it are refused."""
        for channel in queryset.filter(provider="webchat"):
            channel.issue_identity_secret()
            channel.save(update_fields=["identity_secret"])
            self._show_identity_secret(request, channel)
