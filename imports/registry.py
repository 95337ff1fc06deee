"""The importers, by kind."""

from __future__ import annotations

from django.utils.module_loading import import_string

IMPORTERS = {
    "customers": "customers.importer.CustomerImport",
    "users": "users.importer.UserImport",
}


def spec_for(kind: str):
    return import_string(IMPORTERS[kind])
