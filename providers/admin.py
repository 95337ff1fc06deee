"""The channels' admin screen: credentials write-only (only the chosen provider's, with
its setup steps), the token shown once with "Copiar", the webhook URL, "Testar conexão"."""

from __future__ import annotations

import threading

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from attendance.channels import channel_validate
from attendance.models import (
    CREDENTIAL_FIELDS,
    CREDENTIALS,
    EMAIL_FIELDS,
    PRECHAT_FIELDS,
    WEBHOOK_EVENTS,
    Channel,
    Provider,
    default_prechat,
)
from attendance.services import channel_save
from core.admin import AtendeAdmin, StatusFilter, status_column

from .api import MAX_ID
from .base import ProviderError
from .models import WebhookAttempt, WebhookDelivery
from .outbox import webhook_resend, webhook_secret_rotate
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


class _NotPost(Exception):
    pass


PRECHAT_CHOICES = [("off", _("Not asked")), ("optional", _("Optional")), ("required", _("Required"))]
PRECHAT_LABELS = {"email": _("E-mail in the form"), "phone": _("Phone in the form"),
                  "document": _("CPF/CNPJ in the form")}  # fmt: skip
WEBCHAT_FIELDS = ["allowed_origins", "title", "greeting", "color", "consent_text"]


class ChannelForm(forms.ModelForm):
    """Credentials are write-only: never rendered back; left empty, the stored value stays.
    The web chat's pre-chat fields are three choices (not asked, optional, required)."""

    webhook_events = forms.MultipleChoiceField(
        label=_("Attendance events sent to the webhook"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(name, name) for name in WEBHOOK_EVENTS.values()],
    )  # fmt: skip

    class Meta:
        model = Channel
        fields = ["name", "network", "provider", "outbound_webhook_url", "webhook_events", "is_active",
                  *EMAIL_FIELDS, *CREDENTIAL_FIELDS, *WEBCHAT_FIELDS]  # fmt: skip
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
        for name in EMAIL_FIELDS:  # only e-mail channels need them (channel_validate); empty: the default
            if name in self.fields:
                self.fields[name].required = False
        current = {**default_prechat(), **(self.instance.prechat_fields or {})}
        for name in PRECHAT_FIELDS:
            self.fields[f"prechat_{name}"].initial = current.get(name, "off")
        for name in CREDENTIAL_FIELDS:
            if name in self.fields and getattr(self.instance, name, ""):
                self.fields[name].help_text = _("Stored. Leave empty to keep it.")

    def clean(self):
        """Only the chosen provider's credentials are kept (its section is the only one shown,
        ``static/js/provider_sections.js``): another provider's, typed or left from before a
        change of provider, are cleared rather than stored unused."""
        data = super().clean()
        for name in EMAIL_FIELDS:
            field = Channel._meta.get_field(name)
            if data.get(name) in (None, "") and field.has_default():
                data[name] = field.get_default()
        own = set(CREDENTIALS.get(data.get("provider"), ()))
        for name in CREDENTIAL_FIELDS:
            if name not in own:
                data[name] = ""
            elif not (data.get(name) or "").strip():
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
    readonly_fields = ["token_hint", "public_id", "webhook_address", "setup", "signing", "delivery_log", "embed_line"]
    actions = [*AtendeAdmin.actions, "test_connection", "rotate_identity_secret"]
    fieldsets = [
        (None, {"fields": ["name", "network", "provider", "token_hint", "outbound_webhook_url", "is_active"]}),
        (_("Outbound webhook"), {"fields": ["webhook_events", "signing", "delivery_log"]}),
        (_("Webhook"), {"fields": ["public_id", "webhook_address", "setup"]}),
        *(
            (title, {"fields": list(CREDENTIALS[provider]), "classes": ["provider-section", f"provider-{provider}"]})
            for provider, title in [
                (Provider.WHATSAPP_CLOUD, "WhatsApp Cloud API"), (Provider.TELEGRAM, "Telegram"),
                (Provider.TWILIO, "Twilio"),
            ]
        ),
        (
            _("E-mail (IMAP and SMTP)"),
            {
                "fields": [
                    "imap_host", "imap_port", "imap_security", "imap_user", "imap_password", "imap_folder",
                    "smtp_host", "smtp_port", "smtp_security", "smtp_user", "smtp_password", "from_address",
                    "from_name", "poll_seconds",
                ],
                "classes": ["provider-section", f"provider-{Provider.EMAIL}"],
            },
        ),
        (
            _("Web chat"),
            {
                "fields": ["embed_line", *WEBCHAT_FIELDS, *(f"prechat_{n}" for n in PRECHAT_FIELDS)],
                "classes": ["provider-section", f"provider-{Provider.WEBCHAT}"],
            },
        ),
    ]  # fmt: skip

    class Media:
        js = ["js/provider_sections.js", "js/copy_button.js"]

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

    @admin.display(description=_("Signing secret"))
    def signing(self, obj):
        if obj is None or obj.pk is None:
            return _("Generated when the channel is saved and shown once.")
        url = reverse("admin:providers_channel_rotate_secret", args=[obj.pk])
        note = _("Shown only when created or rotated. After a rotation the old one stays valid for 24 hours.")
        return format_html('{} <button type="submit" class="button" formaction="{}" formnovalidate>{}</button>',
                           note, url, _("Rotate secret"))  # fmt: skip

    @admin.display(description=_("Delivery log"))
    def delivery_log(self, obj):
        """The channel's last 30 tries; a failed delivery has "Reenviar"."""
        if obj is None or obj.pk is None:
            return "-"
        tries = list(
            WebhookAttempt.objects.filter(delivery__channel=obj).select_related("delivery").order_by("-pk")[:30]
        )
        if not tries:
            return _("Nothing sent yet.")
        rows = []
        for attempt in tries:
            delivery = attempt.delivery
            resend = ""
            if delivery.state == WebhookDelivery.FAILED:
                url = reverse("admin:providers_channel_resend", args=[obj.pk, delivery.pk])
                resend = format_html('<button type="submit" class="button" formaction="{}" formnovalidate>{}</button>',
                                     url, _("Resend"))  # fmt: skip
            rows.append((timezone.localtime(attempt.at).strftime("%d/%m/%Y %H:%M:%S"), delivery.event,
                         delivery.message_id or "", attempt.attempt, attempt.status_code or "-",
                         attempt.duration_ms, attempt.response_excerpt[:120], delivery.get_state_display(),
                         str(delivery.uuid), resend))  # fmt: skip
        head = format_html_join("", "<th>{}</th>", ((label,) for label in (
            _("At"), _("Event"), _("Message"), _("Attempt"), _("Status code"), _("Duration (ms)"), _("Response"),
            _("State"), _("Delivery id"), "")))  # fmt: skip
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td><code>{}</code></td><td>{}</td></tr>", rows,
        )  # fmt: skip
        return format_html('<table class="webhook-deliveries"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
                           head, body)  # fmt: skip

    def get_urls(self):
        own = [
            path("<int:channel_id>/rotate-webhook-secret/", self.admin_site.admin_view(self.rotate_secret_view),
                 name="providers_channel_rotate_secret"),
            path("<int:channel_id>/resend/<int:delivery_id>/", self.admin_site.admin_view(self.resend_view),
                 name="providers_channel_resend"),
        ]  # fmt: skip
        return own + super().get_urls()

    def _own_channel(self, request, channel_id: int) -> Channel:
        """The channel, if the viewer may change it (403 / 404 as the change page); POST only."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if not 0 < channel_id <= MAX_ID:
            raise Http404
        channel = self.get_queryset(request).filter(pk=channel_id).first()
        if channel is None:
            raise Http404
        if request.method != "POST":
            raise _NotPost
        return channel

    def rotate_secret_view(self, request, channel_id: int):
        try:
            channel = self._own_channel(request, channel_id)
        except _NotPost:
            return HttpResponseNotAllowed(["POST"])
        secret = webhook_secret_rotate(channel=channel)
        self.message_user(request, _("The new webhook secret is shown only now; the old one stays valid for 24 hours: "
                                     "%(secret)s") % {"secret": secret}, messages.WARNING)  # fmt: skip
        return HttpResponseRedirect(reverse("admin:attendance_channel_change", args=[channel.pk]))

    def resend_view(self, request, channel_id: int, delivery_id: int):
        try:
            channel = self._own_channel(request, channel_id)
        except _NotPost:
            return HttpResponseNotAllowed(["POST"])
        delivery = (
            WebhookDelivery.objects.filter(pk=delivery_id, channel=channel).first() if delivery_id <= MAX_ID else None
        )
        if delivery is None:
            raise Http404
        if webhook_resend(delivery=delivery):
            self.message_user(request, _("Delivery %(id)s sent again.") % {"id": delivery.uuid}, messages.SUCCESS)
        else:
            self.message_user(request, _("Only a failed delivery can be resent."), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:attendance_channel_change", args=[channel.pk]))

    def get_form(self, request, obj=None, change=False, **kwargs):
        _local.request = request  # the read-only URL field has no request of its own
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        had_secret = bool(obj.identity_secret)
        token = channel_save(channel=obj)
        if obj.identity_secret and not had_secret:
            self._show_identity_secret(request, obj)
        if token:
            self.message_user(request, token_banner(token), messages.WARNING)
            self.message_user(
                request,
                _("The outbound webhook's signing secret is shown only now: %(secret)s")
                % {"secret": obj._new_webhook_secret},
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
