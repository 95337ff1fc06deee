"""The channels' admin screen: credentials write-only (only the chosen provider's, with
its setup steps), the token shown once with "Copiar", the webhook URL, "Testar conexão"."""

from __future__ import annotations

import threading

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from attendance.channels import channel_validate
from attendance.models import CREDENTIAL_FIELDS, CREDENTIALS, Channel, Provider
from attendance.services import channel_save
from core.admin import AtendeAdmin, StatusFilter, status_column

from .base import ProviderError
from .services import channel_test_connection
from .setup import setup_steps

_local = threading.local()


def token_banner(token: str):
    """The channel's token, shown once, with a "Copiar" button (``static/js/copy_button.js``)."""
    return format_html(
        '{} <code class="channel-token">{}</code> '
        '<button type="button" class="button copy-button" data-copy="{}" data-copied="{}">{}</button>',
        _("The channel's token is shown only now; copy it to the channel's configuration:"),
        token, token, _("Copied"), _("Copy"),
    )  # fmt: skip


class ChannelForm(forms.ModelForm):
    """Credentials are write-only: never rendered back; left empty, the stored value stays."""

    class Meta:
        model = Channel
        fields = ["name", "network", "provider", "outbound_webhook_url", "is_active", *CREDENTIAL_FIELDS]
        widgets = {name: forms.PasswordInput(render_value=False) for name in CREDENTIAL_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in CREDENTIAL_FIELDS:
            if name in self.fields and getattr(self.instance, name, ""):
                self.fields[name].help_text = _("Stored. Leave empty to keep it.")

    def clean(self):
        """Only the chosen provider's credentials are kept (its section is the only one shown,
        ``static/js/provider_sections.js``): another provider's, typed or left from before a
        change of provider, are cleared rather than stored unused."""
        data = super().clean()
        own = set(CREDENTIALS.get(data.get("provider"), ()))
        for name in CREDENTIAL_FIELDS:
            if name not in own:
                data[name] = ""
            elif not (data.get(name) or "").strip():
                data[name] = getattr(self.instance, name, "")
        return data

    def _post_clean(self):
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
    readonly_fields = ["token_hint", "public_id", "webhook_address", "setup"]
    actions = [*AtendeAdmin.actions, "test_connection"]
    fieldsets = [
        (None, {"fields": ["name", "network", "provider", "token_hint", "outbound_webhook_url", "is_active"]}),
        (_("Webhook"), {"fields": ["public_id", "webhook_address", "setup"]}),
        *(
            (title, {"fields": list(CREDENTIALS[provider]), "classes": ["provider-section", f"provider-{provider}"]})
            for provider, title in [
                (Provider.WHATSAPP_CLOUD, "WhatsApp Cloud API"), (Provider.TELEGRAM, "Telegram"),
                (Provider.TWILIO, "Twilio"),
            ]
        ),
    ]  # fmt: skip

    class Media:
        js = ["js/provider_sections.js", "js/copy_button.js"]

    @admin.display(description=_("Webhook URL"))
    def webhook_address(self, obj):
        if obj is None or obj.pk is None:
            return _("Shown once the channel is saved.")
        return format_html("<code>{}</code>", obj.webhook_url(getattr(_local, "request", None)))

    @admin.display(description=_("Setup steps"))
    def setup(self, obj):
        """Every provider's steps, the chosen one's shown (``static/js/provider_sections.js``
        follows the provider field); before saving, the address is not known yet."""
        saved = obj is not None and obj.pk is not None
        url = obj.webhook_url(getattr(_local, "request", None)) if saved else str(_("(the address shown after saving)"))
        current = obj.provider if obj is not None else Provider.GENERIC
        return format_html_join(
            "",
            '<div class="provider-steps" data-provider="{}"{}><ol>{}</ol></div>',
            (
                (provider, "" if provider == current else mark_safe(" hidden"),
                 format_html_join("", "<li>{}</li>", ((step,) for step in setup_steps(provider, url))))
                for provider in Provider.values
            ),
        )  # fmt: skip

    def get_form(self, request, obj=None, change=False, **kwargs):
        _local.request = request  # the read-only URL field has no request of its own
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        token = channel_save(channel=obj)
        if token:
            self.message_user(request, token_banner(token), messages.WARNING)
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
