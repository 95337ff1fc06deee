"""CPF and CNPJ (SPEC §6.1): check digits validated by ``validate-docbr``, stored as
digits, shown masked."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from validate_docbr import CNPJ, CPF

from . import errors

_CPF, _CNPJ = CPF(), CNPJ()
_NON_DIGITS = re.compile(r"\D")

# Check digits computed here for the usual case (ASCII digits of the right length), with
# the rules and weights ``validate_docbr`` uses; anything else (e.g. non-ASCII digits,
# which ``\D`` keeps) still goes to ``validate_docbr``. An import checks a document per
# row; tests/customers/test_document_fast_path.py checks both agree.
_CPF_FIRST, _CPF_SECOND = tuple(range(10, 1, -1)), tuple(range(11, 1, -1))
_CNPJ_FIRST = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_SECOND = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def cpf_valid(digits: str) -> bool:
    """``validate_docbr.CPF().validate(digits)``."""
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return _CPF.validate(digits)
    if digits == digits[0] * 11:
        return False  # repeated digits
    numbers = [ord(char) - 48 for char in digits]
    first = sum(n * w for n, w in zip(numbers[:9], _CPF_FIRST, strict=True)) * 10 % 11 % 10  # 10 → 0
    second = sum(n * w for n, w in zip(numbers[:10], _CPF_SECOND, strict=True)) * 10 % 11 % 10
    return first == numbers[9] and second == numbers[10]


def cnpj_valid(digits: str) -> bool:
    """``validate_docbr.CNPJ().validate(digits)``."""
    if len(digits) != 14 or not digits.isascii() or not digits.isdigit():
        return _CNPJ.validate(digits)
    if digits == digits[0] * 14:
        return False  # repeated digits
    numbers = [ord(char) - 48 for char in digits]
    first = sum(n * w for n, w in zip(numbers[:12], _CNPJ_FIRST, strict=True)) % 11
    second = sum(n * w for n, w in zip(numbers[:13], _CNPJ_SECOND, strict=True)) % 11
    return (0 if first < 2 else 11 - first) == numbers[12] and (0 if second < 2 else 11 - second) == numbers[13]


def normalize_document(value, document_type: str = "") -> tuple[str, str]:
    """Return ``(document_type, digits)``; the type is inferred from the length when empty.

    A number typed into a spreadsheet loses its leading zeros: they are restored."""
    if value in (None, ""):
        return "", ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    numeric = isinstance(value, int)
    digits = _NON_DIGITS.sub("", str(value))
    kind = (document_type or "").strip().lower()
    if numeric and not kind:
        kind = "cpf" if len(digits) <= 11 else "cnpj"
    if numeric or (str(value).strip().isdigit() and len(digits) not in (11, 14) and len(digits) >= 8):
        # A number typed into a spreadsheet (or exported as text from one) lost its
        # leading zeros; the check digits still decide whether the padded value is valid.
        digits = digits.zfill(11 if (kind == "cpf" or (not kind and len(digits) <= 11)) else 14)
    if not kind:
        kind = {11: "cpf", 14: "cnpj"}.get(len(digits), "")
    if kind == "cpf":
        if len(digits) != 11 or not cpf_valid(digits):
            raise ValidationError(errors.CPF_INVALID, code="cpf")
    elif kind == "cnpj":
        if len(digits) != 14 or not cnpj_valid(digits):
            raise ValidationError(errors.CNPJ_INVALID, code="cnpj")
    else:
        raise ValidationError(errors.DOCUMENT_INVALID, code="document")
    return kind, digits


def mask_document(document_type: str, digits: str) -> str:
    if document_type == "cpf" and len(digits) == 11:
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"
    if document_type == "cnpj" and len(digits) == 14:
        return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-{digits[12:]}"
    return digits
