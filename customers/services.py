"""Customer writes (SPEC §6.1). One validation path for the screen, the API and imports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.bulk import insert_linked
from core.phones import normalize_address
from core.text import has_bad_characters

from . import errors
from .documents import normalize_document
from .models import Consent, ConsentChannel, Customer, CustomerAttribute, Network

NETWORKS = tuple(Network.values)  # checked for every imported row: computed once
NAME_MAX_LENGTH = Customer._meta.get_field("display_name").max_length

FIELDS = [
    "display_name", "network", "phone", "email", "birth_date", "show_name_in_greeting", "document_type",
    "document", "priority", "group", "wallet_agent", "attributes", "is_active",
]  # fmt: skip


def customer_clean_fields(data: dict[str, Any], *, country_code=None, kept_attributes=frozenset()) -> dict[str, Any]:
    """Normalise the given fields (phone → E.164, document → digits + type, e-mail,
    network, attributes); raise one ``ValidationError`` with a message per bad field.
    ``kept_attributes``: the attributes the customer already has, valid even if since
    deactivated (SPEC §0: inactive entities stay valid where already used)."""
    clean = dict(data)
    problems: dict[str, list] = {}
    # One try per field rather than a helper taking a closure: this runs for every
    # imported row.
    if "network" in data and data["network"] not in NETWORKS:
        problems.setdefault("network", []).extend(ValidationError(errors.UNKNOWN_NETWORK).messages)
    if "phone" in data:
        try:
            clean["phone"] = normalize_address(data["phone"], country_code, network=data.get("network", ""))
        except ValidationError as error:
            problems.setdefault("phone", []).extend(error.messages)
    if "display_name" in data:
        clean["display_name"] = " ".join(str(data["display_name"] or "").split())
        if len(clean["display_name"]) > NAME_MAX_LENGTH:
            problems.setdefault("display_name", []).append(str(errors.NAME_TOO_LONG))
    if data.get("email"):
        clean["email"] = str(data["email"]).strip().lower()
        try:
            validate_email(clean["email"][:254] if len(clean["email"]) <= 254 else "x")
        except ValidationError as error:
            problems.setdefault("email", []).extend(error.messages)
    if "document" in data or "document_type" in data:
        try:
            if data.get("document_type") and not data.get("document"):
                raise ValidationError(errors.DOCUMENT_TYPE_WITHOUT_NUMBER)
            kind, digits = normalize_document(data.get("document"), data.get("document_type") or "")
            clean["document_type"], clean["document"] = kind, digits
        except ValidationError as error:
            problems.setdefault("document", []).extend(error.messages)
    agent = data.get("wallet_agent")
    if agent is not None and not agent.is_agent:
        problems.setdefault("wallet_agent", []).append(str(errors.WALLET_AGENT_NOT_AGENT))
    if "attributes" in data:
        try:
            clean["attributes"] = clean_attributes(data["attributes"], kept=kept_attributes)
        except ValidationError as error:
            problems.setdefault("attributes", []).extend(error.messages)
    if problems:
        raise ValidationError(problems)
    return clean


# An attribute's value is a short fact (a plan, a contract number, a city), stored in the
# customer's JSON: bounded like an import correction's value.
ATTRIBUTE_VALUE_MAX_LENGTH = 1_000


def clean_attributes(pairs, *, kept=frozenset()) -> list[dict]:
    """``[{"attribute": id, "value": str}]`` with active attributes (or ones in ``kept``,
    the customer's own), blanks dropped; a value is text that can be stored (no control
    characters) of at most ``ATTRIBUTE_VALUE_MAX_LENGTH`` characters."""
    pairs = [pair for pair in (pairs or []) if pair and (pair.get("attribute") or str(pair.get("value") or "").strip())]
    ids = {getattr(pair.get("attribute"), "pk", pair.get("attribute")) for pair in pairs}
    names = dict(CustomerAttribute.objects.filter(pk__in=ids).values_list("pk", "description"))
    active = set(CustomerAttribute.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    known = active | (set(kept) & set(names))
    clean = []
    for pair in pairs:
        attribute = getattr(pair.get("attribute"), "pk", pair.get("attribute"))
        if attribute is None:
            raise ValidationError(errors.ATTRIBUTE_VALUE_WITHOUT_NAME)
        if attribute not in known:
            raise ValidationError(errors.UNKNOWN_ATTRIBUTE, params={"name": names.get(attribute, attribute)})
        value = str(pair.get("value") or "").strip()
        if has_bad_characters(value):
            raise ValidationError(errors.ATTRIBUTE_VALUE_BAD_CHARACTERS, params={"name": names[attribute]})
        if len(value) > ATTRIBUTE_VALUE_MAX_LENGTH:
            raise ValidationError(
                errors.ATTRIBUTE_VALUE_TOO_LONG, params={"name": names[attribute], "max": ATTRIBUTE_VALUE_MAX_LENGTH}
            )
        clean.append({"attribute": attribute, "value": value})
    return clean


def customer_save(*, customer: Customer, country_code=None, check_unique: bool = True, **fields) -> Customer:
    """Create or update a customer. The username is generated on creation only.

    ``check_unique=False`` leaves the (network, phone) and username checks to the
    database's constraints (an ``IntegrityError``): for callers that retry."""
    _customer_prepare(customer, country_code=country_code, check_unique=check_unique, fields=fields)
    with transaction.atomic():  # the row and its history together
        customer.save()
    return customer


def customer_create_for_message(*, network: str, phone: str, display_name: str,
                                with_rows: Callable[[Customer], list] | None = None) -> Customer:  # fmt: skip
    """The customer of a first message (inbound, SPEC §8.2), validated as ``customer_save``
    validates, in the caller's transaction, which retries on an ``IntegrityError``
    (another first message of the same customer at the same time).

    Written as one statement (``core.bulk.insert_linked``): the row and its history
    record, built as django-simple-history's ``bulk_history_create`` builds it (created,
    no user — a webhook — and no reason, as its ``save`` signal records it), and the rows
    ``with_rows(customer)`` builds, each with the attribute that takes the customer's id
    (inbound: the first attendance). ``Model.save`` with its signals, and the ORM's
    insert, cost more than the rest of a first message's Python (SPEC §12 P7); customers
    have no other ``save`` receivers."""
    customer = Customer()
    fields = {"network": network, "phone": phone, "display_name": display_name}
    _customer_prepare(customer, country_code=None, check_unique=False, fields=fields)
    history = Customer.history.model  # the record ``bulk_history_create`` builds, without the ORM's insert

    def record(saved: Customer) -> list:
        tracked = {field.attname: getattr(saved, field.attname) for field in history.tracked_fields}
        record = history(history_date=saved.created_at, history_type="+", history_user=None,
                         history_change_reason=None, **tracked)  # fmt: skip
        return [(record, "id"), *(with_rows(saved) if with_rows is not None else [])]

    insert_linked(customer, record)
    return customer


def _customer_prepare(customer: Customer, *, country_code, check_unique: bool, fields: dict) -> None:
    """Clean and set the fields, name a new customer, validate (``ValidationError``)."""
    kept = {pair.get("attribute") for pair in (customer.attributes or [])} if customer.pk else set()
    clean = customer_clean_fields(fields, country_code=country_code, kept_attributes=kept)
    for name, value in clean.items():
        setattr(customer, name, value)
    if customer.pk is None:
        customer.username = Customer.make_username(customer.network, customer.phone)
    try:
        customer.full_clean(validate_unique=check_unique, validate_constraints=check_unique)
    except ValidationError as error:
        raise ValidationError(_translate_unique(error.message_dict)) from None


def _translate_unique(problems: dict) -> dict:
    if "__all__" in problems or "username" in problems:
        problems = {k: v for k, v in problems.items() if k not in {"__all__", "username"}}
        problems.setdefault("phone", []).append(str(errors.PHONE_TAKEN))
    return problems


CONSENT_TEXT_MAX_LENGTH = 10_000
CONSENT_VERSION_MAX_LENGTH = Consent._meta.get_field("version").max_length


def consent_record(*, customer: Customer, text: str, version: str, channel: str, at=None) -> Consent:
    """Store a consent the customer just accepted (SPEC §17): the one way consents are
    written (the web chat's form, a bot's question, the back office). ``at`` defaults to
    now. Raises ``ValidationError`` with a Portuguese message per bad field."""
    text = str(text or "").strip()
    version = str(version or "").strip()
    problems: dict[str, list] = {}
    if not text:
        problems["text"] = [str(errors.CONSENT_TEXT_REQUIRED)]
    elif len(text) > CONSENT_TEXT_MAX_LENGTH:
        problems["text"] = [str(errors.CONSENT_TEXT_TOO_LONG % {"max": CONSENT_TEXT_MAX_LENGTH})]
    elif has_bad_characters(text):
        problems["text"] = [str(errors.CONSENT_BAD_CHARACTERS)]
    if not version:
        problems["version"] = [str(errors.CONSENT_VERSION_REQUIRED)]
    elif len(version) > CONSENT_VERSION_MAX_LENGTH or has_bad_characters(version):
        problems["version"] = [str(errors.CONSENT_VERSION_INVALID % {"max": CONSENT_VERSION_MAX_LENGTH})]
    if channel not in ConsentChannel.values:
        problems["channel"] = [str(errors.CONSENT_UNKNOWN_CHANNEL % {"channels": ", ".join(ConsentChannel.values)})]
    if customer.anonymized_at is not None:
        problems["customer"] = [str(errors.CONSENT_ANONYMIZED_CUSTOMER)]
    if problems:
        raise ValidationError(problems)
    return Consent.objects.create(customer=customer, text=text, version=version, channel=channel,
                                  at=at or timezone.now())  # fmt: skip
