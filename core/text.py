"""Text that can be stored and shown: no control characters, no lone surrogates.

PostgreSQL refuses NUL in text and JSON, and a lone surrogate (a JSON ``\\ud800`` escape)
cannot be encoded at all; both would be a 500 when saving. Line breaks and tabs are
ordinary text in messages.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

# C0 and C1 controls except tab, line feed and carriage return; DEL; UTF-16 surrogates.
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_bad_characters(text: str) -> bool:
    """Whether ``text`` holds a character that cannot be stored or shown."""
    return bool(_BAD.search(text))


def whole_number(text: str | None, max_digits: int = 18) -> int | None:
    """``text`` as a whole number when it is written in ASCII digits only, at most
    ``max_digits`` of them (18 always fit a ``bigint``), else ``None``.

    ``str.isdigit`` is also true of "²" (which ``int`` refuses: a server error) and of
    "٣" (which ``int`` reads as 3): an id, a page, a menu key or a score typed by a person
    or sent by a provider is read here, not with ``isdigit`` then ``int``."""
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def without_bad_characters(text: str) -> str:
    """``text`` with the characters ``has_bad_characters`` finds removed."""
    return _BAD.sub("", text)


# Survey and bot names are identifiers (a survey's bot carries its name): no spaces. Both
# screens say the rule before the user types, and both replace spaces the same way.
NO_SPACES_HELP = _("No spaces: each space is replaced by “_” when saved (“Pós venda” becomes “Pós_venda”).")
NAME_NORMALISED = _("The name was saved as “%(name)s”: spaces are replaced by “_”.")


def name_without_spaces(name: str) -> str:
    """Spaces (and runs of them) become ``_``; leading and trailing ones are dropped."""
    return "_".join(name.split())
