"""The OpenAPI schema tells the truth (SPEC §10): every error a call can answer and the
media types of file downloads.

``add_error_responses`` is a drf-spectacular post-processing hook: it documents on every
operation the JSON error bodies the API gives — 400 (per-field messages, or ``detail``),
401 and 403 (``detail``), 404 on paths with an id or a ``page`` (``detail``), 429 where
django-axes locks out (``detail``) — unless the operation documents its own.
``SPREADSHEET_RESPONSES`` is the ``responses`` of a CSV/XLSX download.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A field name (or ``detail``, for what is no field's) → its messages: a list of strings,
# or nested per item/field for lists and objects (e.g. ``work_hours``).
_VALIDATION = {
    "type": "object",
    "additionalProperties": {},
    "description": 'Per-field messages: {"field": ["message", …]}, or {"detail": "message"}.',
}
_ERRORS = {
    "400": ("ValidationError", _VALIDATION, "Bad input: a message per field (or ``detail``)."),
    "401": ("ErrorDetail", _DETAIL, "Not authenticated, or a bad or expired token."),
    "403": ("ErrorDetail", _DETAIL, "Not allowed for this role or profile."),
    "404": ("ErrorDetail", _DETAIL, "No such record, or one the caller may not see (the same answer)."),
    "404-page": ("ErrorDetail", _DETAIL, "No such page (``page`` past the last one, or not a page number)."),
    "429": ("ErrorDetail", _DETAIL, "Too many failed attempts: locked out for some minutes (django-axes)."),
}
# Operations that answer 429 (the token endpoint: django-axes locks a username out).
LOCKOUT_PATHS = {("/api/v1/auth/token/", "post")}

SPREADSHEET_RESPONSES = {
    (200, CSV): OpenApiResponse(OpenApiTypes.BINARY, description="CSV file (attachment)."),
    (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX file (attachment)."),
}


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema, _description in _ERRORS.values():
        schemas.setdefault(name, schema)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "403"] + (["404"] if "{" in path else [])
            if any(parameter.get("name") == "page" for parameter in operation.get("parameters", [])):
                codes.append("404-page")
            if (path, method) in LOCKOUT_PATHS:
                codes.append("429")
            for code in codes:
                name, _schema, description = _ERRORS[code]
                responses.setdefault(
                    code.split("-")[0],
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                    },
                )
    return result


class ChannelTokenScheme(OpenApiAuthenticationExtension):
    """The inbound webhook's ``Authorization: Bearer <channel token>``."""

    target_class = "attendance.engine_api.ChannelTokenAuthentication"
    name = "channelToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "The channel's token (shown once)."}
