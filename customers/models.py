"""Customers and customer attributes (SPEC §6.1, §6.2)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from core.errors import DeletionForbidden
from core.history import HistoricalRecords
from core.models import ActiveModel
from core.phones import format_phone

from . import errors
from .documents import mask_document


class Network(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    VOICE = "voice", _("Voice")
    WEBCHAT = "webchat", _("Web chat")


class DocumentType(models.TextChoices):
    CPF = "cpf", _("CPF")
    CNPJ = "cnpj", _("CNPJ")


class CustomerAttribute(ActiveModel):
    """A kind of information kept about customers ("Atributos de clientes")."""

    description = models.CharField(
        _("Description"),
        max_length=100,
        unique=True,
        error_messages={"unique": _("An attribute with this description already exists.")},
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer attribute")
        verbose_name_plural = _("customer attributes")
        ordering = ["description"]

    def __str__(self) -> str:
        return self.description


class Customer(ActiveModel):
    """A customer, identified by ``(network, phone)``; ``phone`` is E.164.

    ``attributes`` is a list of ``{"attribute": <CustomerAttribute id>, "value": str}``
    pairs (an attribute may repeat), kept on the row so that the audit trail shows
    them and a bulk import writes one row per customer.
    """

    display_name = models.CharField(_("Display name"), max_length=150)
    username = models.CharField(_("Username"), max_length=40, unique=True, editable=False)
    network = models.CharField(_("Network"), max_length=10, choices=Network.choices, default=Network.WHATSAPP)
    phone = models.CharField(_("Phone"), max_length=20)
    email = models.EmailField(_("E-mail"), blank=True)
    birth_date = models.DateField(_("Birth date"), null=True, blank=True)
    show_name_in_greeting = models.BooleanField(_("Show name in greeting"), default=False)
    document_type = models.CharField(_("Document type"), max_length=4, choices=DocumentType.choices, blank=True)
    document = models.CharField(_("CPF/CNPJ"), max_length=14, blank=True, help_text=_("Digits only; shown masked."))
    priority = models.PositiveSmallIntegerField(
        _("Priority"), default=0, validators=[MaxValueValidator(10)], help_text=_("From 0 to 10.")
    )
    group = models.ForeignKey(
        "attendance.ServiceGroup",
        verbose_name=_("Group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
    )
    wallet_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Wallet agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wallet_customers",
        limit_choices_to={"role__in": ["agent", "supervisor_agent"]},
        help_text=_("“Carteirização”: this agent receives the customer first when eligible."),
    )
    attributes = models.JSONField(_("Attributes"), default=list, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    # Set by the anonymisation (SPEC §17, ``privacy``): the row stays for the records,
    # the person's data is gone and the customer can no longer be edited.
    anonymized_at = models.DateTimeField(_("Anonymised at"), null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["display_name", "pk"]
        constraints = [
            # An anonymised customer (SPEC §17) has no phone: the rule holds for the others.
            models.UniqueConstraint(
                fields=["network", "phone"],
                condition=~models.Q(phone=""),
                name="customer_unique_phone_per_network",
                violation_error_message=errors.PHONE_TAKEN_ON_NETWORK,
                violation_error_code="unique_together",
            ),
        ]
        indexes = [
            # Changelist search by name (icontains → UPPER(...) LIKE on PostgreSQL).
            models.Index(Upper("display_name"), name="customer_name_upper"),
            # Search by phone in any format (normalised to E.164 first).
            models.Index(fields=["phone"], name="customer_phone"),
            # Search by document and e-mail (exact after normalising).
            models.Index(fields=["document"], name="customer_document"),
            models.Index(fields=["email"], name="customer_email"),
            # Changelist default ordering and the status filter.
            models.Index(fields=["display_name", "id"], name="customer_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.phone_display})"

    @classmethod
    def history_value_text(cls, field: str, value) -> str | None:
        """Attribute pairs as "Plano: Ouro" on the history page (``core.audit``)."""
        if field == "attributes" and isinstance(value, list):
            ids = [pair.get("attribute") for pair in value if isinstance(pair, dict)]
            names = dict(CustomerAttribute.objects.filter(pk__in=ids).values_list("pk", "description"))
            return "; ".join(
                f"{names.get(pair.get('attribute'), pair.get('attribute'))}: {pair.get('value', '')}"
                for pair in value
                if isinstance(pair, dict)
            )
        return None

    def unique_error_message(self, model_class, unique_check):
        """Django's "Cliente com este Rede e Telefone já existe." reads wrong in Portuguese."""
        if set(unique_check) == {"network", "phone"}:
            return ValidationError(errors.PHONE_TAKEN_ON_NETWORK, code="unique_together")
        return super().unique_error_message(model_class, unique_check)

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone) if self.phone else ""

    @property
    def document_display(self) -> str:
        return mask_document(self.document_type, self.document)

    @staticmethod
    def make_username(network: str, phone: str) -> str:
        return f"{network}_{''.join(ch for ch in phone if ch.isdigit())}"


class ConsentChannel(models.TextChoices):
    WEBCHAT = "webchat", _("Web chat")
    BOT = "bot", _("Bot")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    VOICE = "voice", _("Voice")
    ADMIN = "admin", _("Back office")


class Consent(models.Model):
    """A consent the customer gave (SPEC §17): the text they accepted, its version, where
    and when. A record, never edited nor deleted; kept after an anonymisation (it holds
    the company's text, not the person's data). Written by ``consent_record`` only."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("Customer"), on_delete=models.PROTECT, related_name="consents"
    )
    text = models.TextField(_("Consent text"))
    version = models.CharField(_("Version"), max_length=50)
    channel = models.CharField(_("Channel"), max_length=10, choices=ConsentChannel.choices)
    at = models.DateTimeField(_("Given at"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-at", "-pk"]
        # A customer's consents, newest first (customer page, export).
        indexes = [models.Index(fields=["customer", "-at"], name="consent_by_customer")]

    def __str__(self) -> str:
        return f"{self.version} ({self.get_channel_display()})"

    def delete(self, *args, **kwargs):
        raise DeletionForbidden()


def wallet_group_model():
    """The model of a customer's group (the engine's service group). Customers sit below
    the engine (SPEC §18): they know it through their foreign key, never by import."""
    return Customer._meta.get_field("group").related_model
