"""Brazilian phone numbers (SPEC §6.1): parsed with ``phonenumbers``, stored as E.164.

Accepts what people type: "(34) 99123-4567", "034 99123 4567", "+55 34 99123-4567",
"5534991234567", with or without a separate country code. Only Brazilian mobile and
landline numbers are accepted; a foreign number gets its own message.
"""

from __future__ import annotations

import hashlib
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumbers import PhoneNumberType

PHONE_REQUIRED = _("Inform the phone number.")
PHONE_INVALID = _("Invalid phone number: inform a Brazilian mobile or landline with area code, e.g. (34) 99123-4567.")
PHONE_FOREIGN = _("Foreign number: only Brazilian phones (+55) are accepted.")

ACCEPTED_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}

# Fast path for the way Brazilian numbers are usually typed (an import validates every
# row, and ``phonenumbers.parse`` was a sixth of its time): digits with spaces, dashes,
# dots and parentheses, optionally after "+55", or after the trunk "0". It decides only
# the cases where ``phonenumbers`` provably does nothing but strip that punctuation (no
# country code guessing, no carrier code, no extension) and then judges the national
# number with the very metadata and type rules ``phonenumbers.number_type`` uses; anything
# else (letters, "00…", other country codes, "55" typed without "+", unusual lengths)
# goes through ``phonenumbers``. tests/customers/test_phone_fast_path.py checks both paths
# agree on thousands of typed numbers, valid and invalid.
FAST_PATH = True
_INVALID = object()
_TYPED = re.compile(r"\+?[0-9(][0-9 ().-]*", re.ASCII)
_NON_DIGITS = re.compile(r"[^0-9]", re.ASCII)
_NON_DIGITS_UNICODE = re.compile(r"\D")
try:
    from phonenumbers import PhoneMetadata

    _BR = PhoneMetadata.metadata_for_region("BR")
    _BR_TRUNK = re.compile(_BR.national_prefix_for_parsing)
    _BR_GENERAL = re.compile(_BR.general_desc.national_number_pattern)

    def _desc(desc):
        """``(possible lengths, compiled pattern)`` of a PhoneNumberDesc, as
        ``phonenumbers._is_number_matching_desc`` uses them (no pattern: never matches)."""
        if desc is None or not desc.national_number_pattern:
            return None
        return frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern)

    # ``phonenumbers._number_type_helper`` for BR with the patterns compiled once: the
    # general description first, then the types it checks before fixed line and mobile.
    _BR_GENERAL_DESC = _desc(_BR.general_desc)
    _BR_OTHER_TYPES = [
        _desc(getattr(_BR, name))
        for name in ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail")
    ]
    _BR_FIXED, _BR_MOBILE = _desc(_BR.fixed_line), _desc(_BR.mobile)
    _BR_SAME_PATTERN = bool(_BR.same_mobile_and_fixed_line_pattern)

    def _any_of(descs, length: int):
        """One pattern that fully matches a ``length``-digit number iff one of ``descs``
        does (a description whose lengths exclude ``length`` cannot match it)."""
        patterns = [desc[1].pattern for desc in descs if desc and (not desc[0] or length in desc[0])]
        return re.compile("|".join(f"(?:{pattern})" for pattern in patterns)) if patterns else None

    # The fast path judges 10- and 11-digit national numbers only.
    _BR_OTHER_BY_LENGTH = {length: _any_of(_BR_OTHER_TYPES, length) for length in (10, 11)}
except (ImportError, AttributeError, TypeError):  # a phonenumbers without these internals
    FAST_PATH = False


def _matches(national: str, desc) -> bool:
    if desc is None:
        return False
    lengths, pattern = desc
    if lengths and len(national) not in lengths:
        return False
    return pattern.fullmatch(national) is not None


def _br_accepted(national: str) -> bool:
    """``phonenumbers.number_type`` of +55 ``national`` is mobile or fixed line."""
    if not _matches(national, _BR_GENERAL_DESC):
        return False
    other = _BR_OTHER_BY_LENGTH[len(national)]
    if other is not None and other.fullmatch(national):
        return False  # premium rate, toll free, …: not accepted
    return _matches(national, _BR_FIXED) or (not _BR_SAME_PATTERN and _matches(national, _BR_MOBILE))


def _fast_e164(text: str):
    """``"+55…"`` for a valid number, ``_INVALID`` for a number ``phonenumbers`` would
    parse as Brazilian but judge invalid, ``None`` when only ``phonenumbers`` can tell."""
    if not _TYPED.fullmatch(text):
        return None
    digits = _NON_DIGITS.sub("", text)
    if text[0] == "+":
        if not digits.startswith("55"):
            return None  # another country code (or none): phonenumbers decides
        national = digits[2:]
    elif digits.startswith("55"):
        return None  # 55 is also a DDD: phonenumbers guesses whether it is the country code
    elif digits[:1] == "0" and digits[1:2] != "0" and len(digits) in (11, 12):
        match = _BR_TRUNK.match(digits)
        if not match or match.end() != 1 or any(match.groups()) or _BR_GENERAL.fullmatch(digits):
            return None
        national = digits[1:]  # the trunk "0" alone is stripped (no carrier code fits)
    else:
        national = digits
    if len(national) not in (10, 11) or national[0] == "0" or _BR_TRUNK.match(national):
        return None
    if _br_accepted(national):
        return "+55" + national
    return _INVALID


def normalize_phone(value, country_code: str | int | None = None) -> str:
    """Return the E.164 form (``+5534991234567``) or raise ``ValidationError``."""
    text = str(value if value is not None else "").strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))  # a spreadsheet cell typed as a number
    if not text:
        raise ValidationError(PHONE_REQUIRED, code="required")
    code = _NON_DIGITS_UNICODE.sub("", str(country_code or "")) if country_code else ""
    if code and code != "55":
        raise ValidationError(PHONE_FOREIGN, code="foreign")
    if not text.startswith("+"):
        digits = _NON_DIGITS_UNICODE.sub("", text)
        if digits.startswith("55") and len(digits) >= 12:
            text = "+" + digits
    if FAST_PATH:
        fast = _fast_e164(text)
        if fast is _INVALID:
            raise ValidationError(PHONE_INVALID, code="invalid")
        if fast is not None:
            return fast
    try:
        number = phonenumbers.parse(text, "BR")
    except phonenumbers.NumberParseException:
        raise ValidationError(PHONE_INVALID, code="invalid") from None
    if number.country_code != 55:
        raise ValidationError(PHONE_FOREIGN, code="foreign")
    # For +55 (one region, BR) an accepted type implies a valid number: ``number_type``
    # returns UNKNOWN for an invalid one, so ``is_valid_number`` would repeat the work.
    if phonenumbers.number_type(number) not in ACCEPTED_TYPES:
        raise ValidationError(PHONE_INVALID, code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """``+5534991234567`` → ``(34) 99123-4567`` for display (a Telegram ``tg:`` address as is).

    A stored mobile or landline number (what ``normalize_phone`` accepts) is formatted
    here as ``phonenumbers`` formats every one of them, "(DD) NNNNN-NNNN" or
    "(DD) NNNN-NNNN": ``phonenumbers`` took ~29 µs a number, twice a row of the customers'
    changelist (``bench/admin.py``); tests/customers/test_phone_fast_path.py checks both
    agree. Anything else goes through ``phonenumbers``."""
    if e164.startswith(("tg:", "em:")):
        return e164
    national = e164[3:]
    if (
        FAST_PATH
        and e164.startswith("+55")
        and len(national) in (10, 11)
        and national.isascii()
        and national.isdigit()
        and _br_accepted(national)
    ):
        return f"({national[:2]}) {national[2:-4]}-{national[-4:]}"
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


# Telegram (SPEC §8.2.1): a customer's address is the chat id, which is not a phone. It is
# kept in ``phone`` as ``tg:<chat id>`` (``(network, phone)`` stays the customer's key and
# the username is ``telegram_<digits>``); other networks keep the Brazilian phone rule.
TELEGRAM_ADDRESS = re.compile(r"tg:-?[0-9]{1,15}", re.ASCII)
# An e-mail customer (SPEC §16) is keyed in ``phone`` (20 characters) by ``em:`` and 17
# digits of the SHA-256 of the lower-cased address (``email_key``); the address itself is
# the customer's ``email``. Digits only, so the username ``email_<digits>`` stays unique.
EMAIL_KEY = re.compile(r"em:[0-9]{17}", re.ASCII)


def email_key(address: str) -> str:
    digest = hashlib.sha256(address.strip().lower().encode()).digest()
    return f"em:{int.from_bytes(digest[:8], 'big') % 10**17:017d}"


# Web chat (SPEC §15): a visitor has no phone; ``wc:<15 digits>`` (random, or derived from
# the site's signed user id) keeps ``(network, phone)`` the key and the username digits.
WEBCHAT_ADDRESS = re.compile(r"wc:[0-9]{15}", re.ASCII)


def normalize_address(value, country_code: str | int | None = None, *, network: str = "") -> str:
    """``normalize_phone``, except that a ``telegram`` customer may be a ``tg:<chat id>``."""
    if network == "telegram" and isinstance(value, str) and TELEGRAM_ADDRESS.fullmatch(value.strip()):
        return value.strip()
    if (network == "email" and isinstance(value, str) and EMAIL_KEY.fullmatch(value.strip())) or (
        network == "webchat" and isinstance(value, str) and WEBCHAT_ADDRESS.fullmatch(value.strip())
    ):
        return value.strip()
    return normalize_phone(value, country_code)
