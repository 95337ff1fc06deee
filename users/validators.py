"""Password policy (SPEC §2): more than 7 characters, with lowercase, uppercase, digit
and special character. Used on every path through ``validate_password``."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

TOO_SHORT = _("The password must have more than 7 characters.")
TOO_LONG = _("The password must have at most 128 characters.")
NO_LOWERCASE = _("The password must contain a lowercase letter.")
NO_UPPERCASE = _("The password must contain an uppercase letter.")
NO_DIGIT = _("The password must contain a digit.")
NO_SPECIAL = _("The password must contain a special character (for example ! @ # $ %).")

RULES = [
    ("password_too_short", TOO_SHORT, lambda p: len(p) > 7),
    ("password_too_long", TOO_LONG, lambda p: len(p) <= 128),  # users.models.PASSWORD_MAX_LENGTH
    ("password_no_lower", NO_LOWERCASE, lambda p: re.search(r"[a-zà-ÿ]", p) is not None),
    ("password_no_upper", NO_UPPERCASE, lambda p: re.search(r"[A-ZÀ-Þ]", p) is not None),
    ("password_no_digit", NO_DIGIT, lambda p: re.search(r"\d", p) is not None),
    ("password_no_special", NO_SPECIAL, lambda p: re.search(r"[^\w\s]|_", p) is not None),
]


class PasswordPolicyValidator:
    """Reports every rule the password fails, one message each."""

    def validate(self, password: str, user=None) -> None:
        errors = [ValidationError(message, code=code) for code, message, ok in RULES if not ok(password)]
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return str(
            _(
                "More than 7 characters, with at least one lowercase letter, one uppercase "
                "letter, one digit and one special character."
            )
        )
