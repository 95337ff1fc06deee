"""The API's JSON parser: refuses bodies nested too deep or holding invalid Unicode.

Python's ``json`` recurses once per nesting level, so a body nested a thousand deep is a
``RecursionError`` (a 500) in the parser itself, before any serializer runs; the depth is
measured on the raw bytes first and such bodies get a 400 without being parsed. A JSON
``\\ud800`` escape decodes to a lone surrogate, a string PostgreSQL cannot store, so those
are refused here too, once for every endpoint (SPEC §0: never a 500).
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings

MAX_DEPTH = 64
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def json_depth_exceeds(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether ``raw`` nests arrays/objects deeper than ``limit`` (brackets inside strings
    do not count). Cheap for ordinary bodies: fewer brackets than the limit cannot nest past it."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b'""', raw)):
        if bracket in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def has_lone_surrogate(value) -> bool:
    """Whether any string (key or value) in a parsed JSON document holds a lone surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class UnreadableBody(ValueError):
    """A body ``read_json`` refuses; its text says why (for a 400)."""


def read_json(raw: bytes, encoding: str = "utf-8", *, strict: bool = True):
    """The one hardened reader of a JSON body (SPEC §0): the API's parser and the provider
    webhooks read through it. Refuses (``UnreadableBody``) a body nested deeper than
    ``MAX_DEPTH``, one that is not JSON in ``encoding``, ``NaN``/``Infinity`` when
    ``strict``, and a string holding a lone surrogate. Its size is bounded before, by
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``request.body``). A NUL is valid JSON text: each
    field refuses it with its own message, and provider texts drop it (``InboundMessage``)."""
    if json_depth_exceeds(raw):
        raise UnreadableBody(_("JSON parse error - nested deeper than %(limit)d levels.") % {"limit": MAX_DEPTH})
    try:
        data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant if strict else None)
    except (ValueError, RecursionError) as exc:
        raise UnreadableBody(_("JSON parse error - %(error)s") % {"error": exc}) from None
    if _SURROGATE_ESCAPE.search(raw) and has_lone_surrogate(data):
        raise UnreadableBody(_("JSON parse error - a string holds an invalid Unicode character (lone surrogate)."))
    return data


class SafeJSONParser(JSONParser):
    """DRF's JSON parser through ``read_json`` (see the module docstring)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            return read_json(raw, encoding, strict=api_settings.STRICT_JSON)
        except UnreadableBody as error:
            raise ParseError(str(error)) from None


def _refuse_constant(name: str):
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")
