"""Channels (SPEC §8.2, §8.2.1): where customers' messages come from and answers go to."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history import HistoricalRecords
from core.models import ActiveModel


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_public_id() -> str:
    """The channel's id in its webhook URL: random and URL-safe, so URLs cannot be guessed
    (the signature is the real protection)."""
    return secrets.token_urlsafe(16)


WEBHOOK_SECRET_OVERLAP = timedelta(hours=24)
# The attendance events a generic channel's webhook may subscribe to (SPEC §8.2.2), by the
# event log's type.
WEBHOOK_EVENTS = {
    "opened": "attendance.opened", "assigned": "attendance.assigned",
    "transferred": "attendance.transferred", "closed": "attendance.closed",
}  # fmt: skip


class Provider(models.TextChoices):
    GENERIC = "generic", _("Generic (Atende's JSON)")
    WHATSAPP_CLOUD = "whatsapp_cloud", "WhatsApp Cloud API"
    TELEGRAM = "telegram", "Telegram"
    TWILIO = "twilio", _("Twilio (SMS and WhatsApp)")
    EMAIL = "email", _("E-mail (IMAP and SMTP)")
    WEBCHAT = "webchat", _("Web chat")


# Write-only credentials per provider (SPEC §8.2.1): never returned by the API or rendered
# back by forms, kept when submitted empty, not audited.
CREDENTIALS = {
    Provider.GENERIC: (),
    Provider.WHATSAPP_CLOUD: ("phone_number_id", "access_token", "app_secret", "verify_token"),
    Provider.TELEGRAM: ("bot_token", "secret_token"),
    Provider.TWILIO: ("account_sid", "auth_token", "from_number"),
    Provider.EMAIL: ("imap_password", "smtp_password"),
}
CREDENTIAL_FIELDS = tuple(name for names in CREDENTIALS.values() for name in names)
# The networks a provider can serve.
PROVIDER_NETWORKS = {
    Provider.WHATSAPP_CLOUD: {"whatsapp"},
    Provider.TELEGRAM: {"telegram"},
    Provider.TWILIO: {"whatsapp", "sms"},
    Provider.EMAIL: {"email"},
    Provider.WEBCHAT: {"webchat"},
}
# The e-mail channel's readable settings (SPEC §16); its passwords are credentials above.
EMAIL_FIELDS = (
    "imap_host", "imap_port", "imap_security", "imap_user", "imap_folder", "smtp_host", "smtp_port", "smtp_security",
    "smtp_user", "from_address", "from_name", "poll_seconds",
)  # fmt: skip
EMAIL_REQUIRED = ("imap_host", "imap_user", "smtp_host", "from_address")
SECURITY_CHOICES = [("ssl", "SSL/TLS"), ("starttls", "STARTTLS"), ("none", _("None (plain text)"))]
# The web chat's pre-chat fields (SPEC §15): ``name`` is always asked and required.
PRECHAT_FIELDS = ("email", "phone", "document")
PRECHAT_MODES = ("off", "optional", "required")


def default_prechat() -> dict:
    return {"email": "optional", "phone": "off", "document": "off"}


class Channel(ActiveModel):
    """A channel account. Its token is generated on creation and shown once: only its
    SHA-256 is stored, and inbound calls are matched by that hash. Provider channels
    receive at ``/webhooks/<provider>/<public_id>/`` and check the provider's signature."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    network = models.CharField(_("Network"), max_length=10, choices=[
        ("whatsapp", "WhatsApp"), ("telegram", "Telegram"), ("sms", "SMS"),
        ("email", "E-mail"), ("voice", _("Voice")), ("webchat", _("Web chat")),
    ])  # fmt: skip
    provider = models.CharField(_("Provider"), max_length=20, choices=Provider.choices, default=Provider.GENERIC)
    public_id = models.CharField(_("Public id"), max_length=32, unique=True, default=new_public_id, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(_("Token"), max_length=12, editable=False, help_text=_("Its first characters."))
    outbound_webhook_url = models.URLField(
        _("Outbound webhook URL"),
        blank=True,
        help_text=_("Messages to customers are POSTed here; empty = logged only."),
    )
    # Credentials (write-only, see CREDENTIALS).
    phone_number_id = models.CharField(_("Phone number ID"), max_length=64, blank=True)
    access_token = models.CharField(_("Access token"), max_length=512, blank=True)
    app_secret = models.CharField(_("App secret"), max_length=128, blank=True)
    verify_token = models.CharField(_("Verify token"), max_length=128, blank=True)
    bot_token = models.CharField(_("Bot token"), max_length=128, blank=True)
    secret_token = models.CharField(_("Secret token"), max_length=256, blank=True)
    account_sid = models.CharField(_("Account SID"), max_length=64, blank=True)
    auth_token = models.CharField(_("Auth token"), max_length=128, blank=True)
    from_number = models.CharField(
        _("Sender number"), max_length=40, blank=True, help_text=_("+5511… for SMS, whatsapp:+5511… for WhatsApp.")
    )
    # E-mail (SPEC §16): IMAP in, SMTP out.
    imap_host = models.CharField(_("IMAP server"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), null=True, blank=True,
                                            help_text=_("Empty: 993 with SSL, 143 otherwise."))  # fmt: skip
    imap_security = models.CharField(_("IMAP security"), max_length=10, choices=SECURITY_CHOICES, default="ssl")
    imap_user = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=255, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, blank=True, default="INBOX")
    smtp_host = models.CharField(_("SMTP server"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(
        _("SMTP port"), null=True, blank=True, help_text=_("Empty: 465 with SSL, 587 with STARTTLS, 25 otherwise.")
    )
    smtp_security = models.CharField(_("SMTP security"), max_length=10, choices=SECURITY_CHOICES, default="starttls")
    smtp_user = models.CharField(_("SMTP user"), max_length=255, blank=True)
    smtp_password = models.CharField(_("SMTP password"), max_length=255, blank=True)
    from_address = models.EmailField(_("Sender address"), blank=True)
    from_name = models.CharField(_("Sender name"), max_length=150, blank=True)
    poll_seconds = models.PositiveIntegerField(_("Check the mailbox every (seconds)"), default=30,
                                               validators=[MinValueValidator(5), MaxValueValidator(3600)])  # fmt: skip
    # Outbound webhook signing (SPEC §8.2.2): generated at creation and shown once; after a
    # rotation the previous secret still signs (a second ``v1=``) until ``…_until``.
    webhook_secret = models.CharField(_("Webhook secret"), max_length=80, blank=True, editable=False)
    webhook_secret_previous = models.CharField(max_length=80, blank=True, editable=False)
    webhook_secret_previous_until = models.DateTimeField(null=True, blank=True, editable=False)
    webhook_events = models.JSONField(
        _("Attendance events sent to the webhook"), default=list, blank=True,
        help_text=_("Besides messages: attendance.opened, attendance.assigned, attendance.transferred, "
                    "attendance.closed."),
    )  # fmt: skip
    # Web chat (SPEC §15): the widget's look, its pre-chat form and who may embed it.
    allowed_origins = models.TextField(
        _("Allowed origins"), blank=True, help_text=_("One per line, e.g. https://www.example.com.br")
    )
    title = models.CharField(_("Title"), max_length=60, blank=True)
    greeting = models.CharField(_("Greeting"), max_length=300, blank=True)
    color = models.CharField(_("Colour"), max_length=7, blank=True, default="#0b5cad")
    prechat_fields = models.JSONField(_("Pre-chat fields"), default=default_prechat, blank=True)
    consent_text = models.TextField(
        _("Consent text"), blank=True, help_text=_("When set, the visitor must tick it to start (LGPD).")
    )
    identity_secret = models.CharField(_("Identity secret"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    # Secrets never reach the audit history.
    history = HistoricalRecords(
        excluded_fields=[
            "token_hash",
            "webhook_secret",
            "webhook_secret_previous",
            "identity_secret",
            *CREDENTIAL_FIELDS,
        ]
    )

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def issue_token(self) -> str:
        """A new token (returned once, never stored in clear)."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.token_hint = token[:8]
        return token

    def issue_webhook_secret(self) -> str:
        """A new signing secret, returned once (the caller shows it); the current one, if
        any, keeps signing for ``WEBHOOK_SECRET_OVERLAP`` (SPEC §8.2.2)."""
        secret = "whsec_" + secrets.token_urlsafe(32)
        if self.webhook_secret:
            self.webhook_secret_previous = self.webhook_secret
            self.webhook_secret_previous_until = timezone.now() + WEBHOOK_SECRET_OVERLAP
        self.webhook_secret = secret
        self._new_webhook_secret = secret
        return secret

    def webhook_secrets(self, now=None) -> list[str]:
        """The secrets that sign now: the current one, and the previous during its overlap."""
        now = now or timezone.now()
        secrets_ = [self.webhook_secret] if self.webhook_secret else []
        until = self.webhook_secret_previous_until
        if self.webhook_secret_previous and until is not None and until > now:
            secrets_.append(self.webhook_secret_previous)
        return secrets_

    def issue_identity_secret(self) -> str:
        """A new web chat identity secret (shown once; the site signs its users with it)."""
        self.identity_secret = secrets.token_hex(32)
        return self.identity_secret

    @property
    def origins(self) -> list[str]:
        return [line.strip().rstrip("/") for line in self.allowed_origins.splitlines() if line.strip()]

    @property
    def consent_version(self) -> str:
        """The consent text's version: its first 12 hex of SHA-256 (a changed text is a new version)."""
        return hashlib.sha256(self.consent_text.encode()).hexdigest()[:12] if self.consent_text else ""

    @property
    def webhook_path(self) -> str:
        """Where the provider posts (generic channels use ``POST /api/v1/inbound/``)."""
        if self.provider == Provider.GENERIC:
            return reverse("api-inbound")
        if self.provider == Provider.WEBCHAT:
            return reverse("webchat-widget", kwargs={"public_id": self.public_id})
        return reverse("provider-webhook", kwargs={"provider": self.provider, "public_id": self.public_id})

    def webhook_url(self, request=None) -> str:
        """Absolute when ``ATENDE_PUBLIC_URL`` is set (or a request tells the host)."""
        base = settings.ATENDE_PUBLIC_URL.rstrip("/")
        if base:
            return base + self.webhook_path
        return request.build_absolute_uri(self.webhook_path) if request is not None else self.webhook_path
