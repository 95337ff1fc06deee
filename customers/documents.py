"""CPF and CNPJ (SPEC §6.1): check digits validated by ``validate-docbr``, stored as
digits, shown masked."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from validate_docbr import CNPJ, CPF

from . import errors

_CPF, _CNPJ = CPF(), CNPJ()


def normalize_document(value, document_type: str = "") -> tuple[str, str]:
    """Return ``(document_type, digits)``; the type is inferred from the length when empty.

    A number typed into a spreadsheet loses its leading zeros: they are restored."""
    if value in (None, ""):
        return "", ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    numeric = isinstance(value, int)
    digits = re.sub(r"\D", "", str(value))
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
        if len(digits) != 11 or not _CPF.validate(digits):
            raise ValidationError(errors.CPF_INVALID, code="cpf")
    elif kind == "cnpj":
        if len(digits) != 14 or not _CNPJ.validate(digits):
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
