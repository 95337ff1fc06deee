"""What an importer declares: its columns (with English and Portuguese headers), how
to process a chunk of rows, and its template."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models

from core.scoping import scope_queryset

from . import errors
from .readers import fold


@dataclass
class RowOutcome:
    line: int
    data: dict[str, str]
    status: str  # imported | duplicate | error
    errors: dict[str, str] = field(default_factory=dict)
    object_id: int | None = None


class ImportSpec:
    """Subclasses set ``kind``, ``columns`` ({canonical: [aliases]}), ``required_columns``,
    ``repeatable`` and ``example_rows``, and implement ``process``, or the two halves of
    it, ``validate_chunk`` and ``write_chunk``."""

    kind: str
    columns: dict[str, list[str]]
    required_columns: list[str]
    repeatable: set[str] = set()
    example_rows: list[list[str]] = []
    # The columns that tell a person which record a row is (shown in the error list).
    summary_columns: list[str] = []
    # The template's file name, in Portuguese ("modelo-clientes.xlsx").
    template_name: str = "modelo"
    # True when ``validate_chunk`` does the validation and writes nothing, so that the
    # runner may validate the next chunk in one thread while ``write_chunk`` writes the
    # previous one in another (imports/pipeline.py).
    overlap_writes = False

    def __init__(self, job=None):
        self.job = job
        self.aliases = {fold(alias): name for name, names in self.columns.items() for alias in [name, *names]}

    # Hooks -----------------------------------------------------------------------------

    def prepare(self) -> None:
        """Load the lookups a chunk needs (groups, agents, attributes by name)."""

    def process(self, rows: list[tuple[int, dict[str, str]]]) -> list[RowOutcome]:
        raise NotImplementedError

    def validate_chunk(self, rows: list[tuple[int, dict[str, str]]]) -> Any:
        """The part of ``process`` that reads no table it could race with and writes
        nothing; its result goes to ``write_chunk``, inside the chunk's transaction."""
        return rows

    def write_chunk(self, validated: Any) -> list[RowOutcome]:
        """Exactly one outcome per row of the chunk ``validated`` came from."""
        return self.process(validated)

    # Shared helpers --------------------------------------------------------------------

    def visible(self, queryset: models.QuerySet) -> models.QuerySet:
        """``queryset`` as the API's choice fields see it for the job's creator
        (``core.api.ActiveRelatedField``): scoped to their operations when the model has a
        scope. A name out of scope is then simply not found, and gets the message of a name
        that does not exist (SPEC §10: existence is not disclosed)."""
        user = self.job.created_by if self.job is not None else None
        if user is not None and hasattr(queryset.model, "scope_path"):
            return scope_queryset(queryset, user)
        return queryset

    def template_header(self) -> list[str]:
        return list(self.columns)

    @staticmethod
    def basic_cell_errors(data: dict[str, str]) -> dict[str, str]:
        """Cells too long for any field, and formulas, are row errors (not file errors)."""
        problems = {}
        limit = settings.IMPORT_MAX_CELL_CHARS
        values = data.values()
        if max(map(len, values), default=0) <= limit and "=" not in "".join([value[:1] for value in values]):
            return problems  # the usual row: nothing to look at cell by cell
        for column, value in data.items():
            if len(value) > limit:
                problems[column] = str(errors.TOO_LONG) % {"chars": limit}
            elif value.startswith("=") and len(value) > 1:
                problems[column] = str(errors.FORMULA)
        return problems

    @staticmethod
    def pairs(data: dict[str, str], name: str, value_name: str) -> list[tuple[str, str, str, str]]:
        """Repeated (name, value) column pairs: ``[(name_col, value_col, name, value)]``."""
        found = []
        for column in sorted(data, key=lambda c: (len(c), c)):
            if column == name or column.startswith(f"{name} ") and column[len(name) + 1 :].isdigit():
                suffix = column[len(name) :]
                value_column = f"{value_name}{suffix}"
                found.append((column, value_column, data.get(column, ""), data.get(value_column, "")))
        return found


def first_message(messages: Any) -> str:
    if isinstance(messages, (list, tuple)):
        return " ".join(str(m) for m in messages)
    return str(messages)
