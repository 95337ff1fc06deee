"""Brazilian phone numbers (SPEC §6.1): parsed with ``phonenumbers``, stored as E.164.

Accepts what people type: "(34) 99123-4567", "034 99123 4567", "+55 34 99123-4567",
"5534991234567", with or without a separate country code. Only Brazilian mobile and
landline numbers are accepted; a foreign number gets its own message.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberType

from . import errors

ACCEPTED_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_phone(value, country_code: str | int | None = None) -> str:
    """Return the E.164 form (``+5534991234567``) or raise ``ValidationError``."""
    text = str(value if value is not None else "").strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))  # a spreadsheet cell typed as a number
    if not text:
        raise ValidationError(errors.PHONE_REQUIRED, code="required")
    code = re.sub(r"\D", "", str(country_code or ""))
    if code and code != "55":
        raise ValidationError(errors.PHONE_FOREIGN, code="foreign")
    if not text.startswith("+"):
        digits = re.sub(r"\D", "", text)
        if digits.startswith("55") and len(digits) >= 12:
            text = "+" + digits
    try:
        number = phonenumbers.parse(text, "BR")
    except phonenumbers.NumberParseException:
        raise ValidationError(errors.PHONE_INVALID, code="invalid") from None
    if number.country_code != 55:
        raise ValidationError(errors.PHONE_FOREIGN, code="foreign")
    # For +55 (one region, BR) an accepted type implies a valid number: ``number_type``
    # returns UNKNOWN for an invalid one, so ``is_valid_number`` would repeat the work.
    if phonenumbers.number_type(number) not in ACCEPTED_TYPES:
        raise ValidationError(errors.PHONE_INVALID, code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """``+5534991234567`` → ``(34) 99123-4567`` for display."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "BR"), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def phone_search_variants(text: str) -> str | None:
    """The E.164 form of a search term that looks like a phone, else ``None``."""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 8:
        return None
    try:
        return normalize_phone(text)
    except ValidationError:
        return None
