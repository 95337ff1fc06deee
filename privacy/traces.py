"""The identifiers of a person, and whether a text mentions them (SPEC §17).

Used where the person's data sits in free text that cannot be found by a key: the
rows and files of bulk imports (typed as people type: "(34) 99123-4567", "529.982.247-25",
"JOANA@EXEMPLO.COM"), the reason an administrator typed, live-update buffers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_NOT_DIGIT = re.compile(r"\D+")


def _digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


@dataclass(frozen=True)
class Identifiers:
    """What identifies the person: their names (current and every one the history kept),
    phones (E.164), e-mails, documents (digits) and attribute values."""

    names: frozenset[str]
    phones: frozenset[str]
    emails: frozenset[str]
    documents: frozenset[str]
    values: frozenset[str]

    @property
    def phone_digits(self) -> set[str]:
        """Phones as a person types them without the country code: "34991234567"."""
        found = set()
        for phone in self.phones:
            digits = _digits(phone)
            found.add(digits[2:] if phone.startswith("+55") else digits)
        return {digits for digits in found if len(digits) >= 8}

    def texts(self) -> set[str]:
        """The pieces of text to look for as they are (folded to lower case)."""
        pieces = {*self.names, *self.emails, *self.values, *self.phones, *self.documents}
        return {piece.casefold() for piece in pieces if len(piece.strip()) >= 3}

    def mentioned_in(self, text: str) -> bool:
        """Whether ``text`` holds one of the identifiers, however its numbers are written
        (digits are compared with the separators removed)."""
        if not text:
            return False
        folded = text.casefold()
        if any(piece in folded for piece in self.texts()):
            return True
        # JSON writes accents as \u escapes (SQLite's JSON columns, files written by json.dumps).
        if any(json.dumps(piece)[1:-1] in folded for piece in self.texts() if not piece.isascii()):
            return True
        digits = _digits(text)
        return any(number in digits for number in (*self.phone_digits, *self.documents) if len(number) >= 8)

    def scrub(self, text: str, replacement: str = "[removido]") -> str:
        """``text`` with every identifier that appears in it as typed replaced."""
        for piece in sorted(self.texts(), key=len, reverse=True):
            text = re.sub(re.escape(piece), replacement, text, flags=re.IGNORECASE)
        for number in sorted((*self.phone_digits, *self.documents), key=len, reverse=True):
            # The number with any separators between its digits: "(34) 99123-4567".
            pattern = r"\D{0,3}".join(re.escape(digit) for digit in number)
            text = re.sub(pattern, replacement, text)
        return text
