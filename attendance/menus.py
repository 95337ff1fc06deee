"""A service bot's menu tree (SPEC §3): validation and normalisation.

A node is ``{"text": str, "options": [{"key": "1", "label": str, "action": "menu" |
"transfer_to_group" | "close", "group": id (transfer_to_group), "menu": node (menu)}]}``.
Being nested JSON, the tree cannot hold a cycle; its depth is bounded. Errors name the
place in the tree ("Menu › 3 Suporte › 1 Internet") so the admin knows what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.text import has_bad_characters

from . import errors

MAX_DEPTH = 8
ACTIONS = {"menu", "transfer_to_group", "close"}
# A node's text is one chat message (WhatsApp's limit); a label is one line of it.
MAX_TEXT_LENGTH = 4096
MAX_LABEL_LENGTH = 200
# ASCII digits 1–99 without leading zeros ("²", "٣" and "01" are not keys).
KEY = re.compile(r"[1-9][0-9]?")


def menu_text(node: dict) -> str:
    """What the customer reads for a menu node: its text, then one line per option
    ("1 - Vendas"). The bot sends it (``texts``) and the editor previews it."""
    lines = [node.get("text", "")]
    lines += [f"{option['key']} - {option['label']}" for option in node.get("options", [])]
    return "\n".join(lines)


def normalize_menu(menu, *, active_group_ids: Iterable[int]) -> dict:
    """Return a clean copy of ``menu`` or raise ``ValidationError`` listing every problem."""
    problems: list[ValidationError] = []
    groups = set(active_group_ids)
    clean = _node(menu, _("Menu"), 1, groups, problems)
    if problems:
        raise ValidationError(problems)
    return clean


def referenced_group_ids(menu) -> set[int]:
    """Every group a menu can transfer to."""
    found: set[int] = set()
    for option in (menu or {}).get("options", []):
        if option.get("action") == "transfer_to_group" and option.get("group") is not None:
            found.add(option["group"])
        if option.get("action") == "menu":
            found |= referenced_group_ids(option.get("menu"))
    return found


def _error(message, **params) -> ValidationError:
    return ValidationError(message, params=params)


def _check_text(text: str, limit: int, path: str, problems: list) -> None:
    if has_bad_characters(text):
        problems.append(_error(errors.MENU_BAD_CHARACTERS, path=path))
    if len(text) > limit:
        problems.append(_error(errors.MENU_TEXT_TOO_LONG, path=path, limit=limit))


def _node(node, path: str, depth: int, groups: set[int], problems: list) -> dict:
    if depth > MAX_DEPTH:
        problems.append(_error(errors.MENU_TOO_DEEP, depth=MAX_DEPTH))
        return {}
    if not isinstance(node, dict) or not isinstance(node.get("options", []), list):
        problems.append(_error(errors.MENU_NOT_A_NODE, path=path))
        return {}
    text = str(node.get("text") or "").strip()
    if not text:
        problems.append(_error(errors.MENU_NO_TEXT, path=path))
    _check_text(text, MAX_TEXT_LENGTH, path, problems)
    options = node.get("options") or []
    if not options:
        problems.append(_error(errors.MENU_NO_OPTIONS, path=path))
    seen: set[str] = set()
    clean_options = []
    for index, option in enumerate(options, start=1):
        clean = _option(option, path, index, depth, groups, problems, seen)
        if clean is not None:
            clean_options.append(clean)
    return {"text": text, "options": clean_options}


def _option(option, path, index, depth, groups, problems, seen) -> dict | None:
    if not isinstance(option, dict):
        problems.append(_error(errors.MENU_NOT_A_NODE, path=f"{path} › {index}"))
        return None
    key = str(option.get("key", "")).strip()
    label = str(option.get("label") or "").strip()
    valid_key = KEY.fullmatch(key) is not None
    shown_key, shown_label = (key if valid_key else index), label[:60]
    if has_bad_characters(shown_label):
        shown_label = ""
    here = f"{path} › {shown_key} {shown_label}".rstrip()
    _check_text(label, MAX_LABEL_LENGTH, here, problems)
    if not valid_key:
        problems.append(_error(errors.MENU_BAD_KEY, path=here))
    elif key in seen:
        problems.append(_error(errors.MENU_DUPLICATE_KEY, path=path, key=key))
    seen.add(key)
    if not label:
        problems.append(_error(errors.MENU_NO_LABEL, path=here))
    action = option.get("action")
    clean = {"key": key, "label": label, "action": action}
    if action not in ACTIONS:
        problems.append(_error(errors.MENU_BAD_ACTION, path=here))
        return clean
    group, submenu = option.get("group"), option.get("menu")
    if action == "transfer_to_group":
        if isinstance(group, bool) or not isinstance(group, int) or group not in groups:
            problems.append(_error(errors.MENU_UNKNOWN_GROUP, path=here))
        clean["group"] = group
    elif group is not None:
        problems.append(_error(errors.MENU_EXTRA, path=here, action=action, field="group"))
    if action == "menu":
        if submenu is None:
            problems.append(_error(errors.MENU_NO_SUBMENU, path=here))
        else:
            clean["menu"] = _node(submenu, here, depth + 1, groups, problems)
    elif submenu is not None:
        problems.append(_error(errors.MENU_EXTRA, path=here, action=action, field="menu"))
    return clean


# A line of a menu text that already numbers an option ("1 - Vendas", "2) Suporte", "3. …"):
# the bot appends the options itself, so the customer would read them twice.
_LISTED_OPTION = re.compile(r"^\s*\*?([1-9][0-9]?)\s*(?:-|–|\)|\.|:)\s*\S", re.MULTILINE)


def menu_previews(menu) -> list[dict]:
    """What the customer reads at each node of a menu being edited, by the engine's own rule
    (``menu_text``): ``[{"path": "" | "1" | "1.2", "text": str, "repeats": bool}]``,
    ``repeats`` when the node's text already lists one of its options' keys.

    Tolerant of a tree still being typed (missing keys, empty labels); what it cannot read
    is skipped, the form's validation says what is wrong on saving."""
    previews: list[dict] = []

    def walk(node, path: str, depth: int) -> None:
        if not isinstance(node, dict) or depth > MAX_DEPTH or len(previews) >= 500:
            return
        text = node.get("text") if isinstance(node.get("text"), str) else ""
        options = [option for option in node.get("options") or [] if isinstance(option, dict)][:99]
        shown = [
            {"key": str(option.get("key") or "").strip(), "label": str(option.get("label") or "").strip()}
            for option in options
        ]
        keys = {option["key"] for option in shown}
        listed = {match.group(1) for match in _LISTED_OPTION.finditer(text)}
        read = menu_text({"text": text, "options": shown})
        previews.append({"path": path, "text": read, "repeats": bool(keys & listed)})
        for index, option in enumerate(options, start=1):
            if option.get("action") == "menu":
                walk(option.get("menu"), f"{path}.{index}" if path else str(index), depth + 1)

    walk(menu, "", 1)
    return previews
