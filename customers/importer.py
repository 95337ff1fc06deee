"""Customer import (SPEC §6.3): the columns of the template and a chunk processor that
validates every row like the customer screen does, then writes new customers in bulk.

A chunk is processed in two halves (imports/spec.py): ``validate_chunk`` judges every row
with ``validate_row`` and, on PostgreSQL, prepares each valid row's ``COPY`` text; it
runs no query, so the runner may run it while the previous chunk is being written.
``write_chunk``, in the chunk's transaction, looks the phones up once (duplicates) and
writes the new customers and their audit history: with ``COPY … FROM STDIN`` on
PostgreSQL (customers/copying.py: the rows ``simple_history``'s
``bulk_create_with_history`` writes, without a model instance per row), elsewhere
(SQLite) with ``bulk_create_with_history``. Groups, agents and attributes are resolved by
name from lookups loaded once per job.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from imports.spec import ImportSpec, RowOutcome, first_message
from users.models import AGENT_ROLES, User

from . import errors
from .copying import copy_customers, copy_plan, copy_text, reserve_ids
from .models import Customer, CustomerAttribute, wallet_group_model
from .services import customer_clean_fields

COLUMN_FIELD = {
    "NETWORK": "network",
    "PHONE NUMBER": "phone",
    "DISPLAY NAME": "display_name",
    "CPF/CNPJ": "document",
    "EMAIL": "email",
}


class CustomerImport(ImportSpec):
    kind = "customers"
    overlap_writes = True
    columns = {
        "NETWORK": ["REDE", "CANAL"],
        "COUNTRY CODE": ["CODIGO DO PAIS", "CÓDIGO DO PAÍS", "DDI", "PAIS"],
        "PHONE NUMBER": ["TELEFONE", "NUMERO", "NÚMERO DE TELEFONE", "NUMERO DE TELEFONE", "CELULAR", "PHONE"],
        "DISPLAY NAME": ["NOME", "NOME DE EXIBICAO", "NOME DE EXIBIÇÃO", "NOME A SER EXIBIDO", "NAME"],
        "CPF/CNPJ": ["CPF", "CNPJ", "DOCUMENTO", "CPF CNPJ", "DOCUMENT"],
        "EMAIL": ["E-MAIL", "E MAIL"],
        "GROUP": ["GRUPO"],
        "AGENT": ["AGENTE"],
        "ATTRIBUTE": ["ATRIBUTO"],
        "ATTRIBUTE'S VALUE": ["VALOR DO ATRIBUTO", "VALOR", "ATTRIBUTE VALUE", "ATTRIBUTES VALUE"],
    }
    required_columns = ["PHONE NUMBER", "DISPLAY NAME"]
    summary_columns = ["DISPLAY NAME", "PHONE NUMBER"]
    template_name = "modelo-importacao-clientes"
    repeatable = {"ATTRIBUTE", "ATTRIBUTE'S VALUE"}
    example_rows = [
        ["whatsapp", "55", "(34) 99123-4567", "Maria Silva", "529.982.247-25", "maria@example.com", "", "", "", ""],
        ["telegram", "55", "11 3212-3456", "Padaria Pão Quente", "11.222.333/0001-81", "", "", "", "", ""],
    ]

    def __init__(self, job=None):
        super().__init__(job)
        self._pair_columns: dict[tuple, list[tuple[str, str]]] = {}
        self.seen: set[tuple[str, str]] = set()  # (network, phone) of the valid rows validated so far

    def attribute_pairs(self, data: dict[str, str]) -> list[tuple[str, str, str, str]]:
        """``self.pairs(data, "ATTRIBUTE", "ATTRIBUTE'S VALUE")``; which columns pair up
        depends only on the row's columns (the same for every row of a file): computed
        once per set of columns."""
        key = tuple(data)
        columns = self._pair_columns.get(key)
        if columns is None:
            found = self.pairs(dict.fromkeys(data, ""), "ATTRIBUTE", "ATTRIBUTE'S VALUE")
            columns = self._pair_columns[key] = [(name, value) for name, value, _, _ in found]
        return [(name, value, data.get(name, ""), data.get(value, "")) for name, value in columns]

    def prepare(self) -> None:
        self.groups = {
            g.name.casefold(): g.pk for g in self.visible(wallet_group_model().objects.filter(is_active=True))
        }
        agents = self.visible(User.objects.filter(is_active=True, role__in=AGENT_ROLES))
        self.agents = {}
        for agent in agents:
            self.agents.setdefault(agent.display_name.casefold(), agent.pk)
            self.agents[agent.username.casefold()] = agent.pk
        self.attributes = {
            a.description.casefold(): a.pk for a in self.visible(CustomerAttribute.objects.filter(is_active=True))
        }
        self.user = self.job.created_by if self.job else None

    def validate_row(self, data: dict[str, str]) -> tuple[dict, dict[str, str]]:
        """``(fields, errors_by_column)`` for one row, exactly as the screen would judge it."""
        problems = self.basic_cell_errors(data)
        fields: dict = {}
        network = (data.get("NETWORK") or "whatsapp").strip().lower()
        raw = {
            "network": network,
            "phone": data.get("PHONE NUMBER", ""),
            "display_name": data.get("DISPLAY NAME", ""),
            "document": data.get("CPF/CNPJ", ""),
            "email": data.get("EMAIL", ""),
        }
        if not raw["display_name"].strip():
            problems.setdefault("DISPLAY NAME", _("Required."))
        try:
            fields = customer_clean_fields(raw, country_code=data.get("COUNTRY CODE", ""))
        except ValidationError as error:
            by_field = {field: column for column, field in COLUMN_FIELD.items()}
            for field, messages in error.message_dict.items():
                problems.setdefault(by_field.get(field, "PHONE NUMBER"), first_message(messages))
        group_name = (data.get("GROUP") or "").strip()
        if group_name:
            fields["group_id"] = self.groups.get(group_name.casefold())
            if fields["group_id"] is None:
                problems.setdefault("GROUP", _(errors.UNKNOWN_GROUP) % {"name": group_name})
        agent_name = (data.get("AGENT") or "").strip()
        if agent_name:
            fields["wallet_agent_id"] = self.agents.get(agent_name.casefold())
            if fields["wallet_agent_id"] is None:
                problems.setdefault("AGENT", _(errors.UNKNOWN_AGENT) % {"name": agent_name})
        attributes = []
        for name_column, _value_column, name, value in self.attribute_pairs(data):
            name = name.strip()
            if not name:
                if value.strip():
                    problems.setdefault(name_column, _(errors.ATTRIBUTE_VALUE_WITHOUT_NAME))
                continue
            attribute = self.attributes.get(name.casefold())
            if attribute is None:
                problems.setdefault(name_column, _(errors.UNKNOWN_ATTRIBUTE) % {"name": name})
            else:
                attributes.append({"attribute": attribute, "value": value.strip()})
        fields["attributes"] = attributes
        return fields, problems

    def process(self, rows):
        return self.write_chunk(self.validate_chunk(rows))

    def _copy_plan(self):
        """How to write with COPY (customers/copying.py), or ``None`` for the ORM."""
        connection = connections[router.db_for_write(Customer)]
        if connection.vendor != "postgresql" or self.user is None:
            return None
        return copy_plan(connection)

    def validate_chunk(self, rows) -> ValidatedChunk:
        """Judge every row, prepare each valid row's COPY text, and look its phone up
        (duplicates), so that ``write_chunk`` mostly writes. Writes nothing: the runner may
        call it while the previous chunk is being written, which is why the keys imported
        by earlier chunks of this run are remembered (``self.seen``): they may not be
        committed yet."""
        errors: list[RowOutcome] = []
        candidates = []
        validate_row = self.validate_row
        plan = self._copy_plan()
        for line, data in rows:
            fields, problems = validate_row(data)
            if problems:
                errors.append(RowOutcome(line, data, "error", problems))
            else:
                candidates.append((line, data, fields, copy_text(plan, fields) if plan else None))
        connection = connections[router.db_for_write(Customer)]
        registered = _registered(connection, {fields["phone"] for _, _, fields, _ in candidates})
        new, seen = [], self.seen
        for candidate in candidates:
            key = (candidate[2]["network"], candidate[2]["phone"])
            new.append(key not in registered and key not in seen)
            seen.add(key)  # a later row with the same phone in this file is a duplicate
        ids = reserve_ids(connection, sum(new)) if plan else None
        return ValidatedChunk(errors, candidates, new, ids)

    def write_chunk(self, validated: ValidatedChunk):
        """Write the new customers (COPY on PostgreSQL, else ``bulk_create_with_history``).

        Someone may have registered one of them since ``validate_chunk`` looked: the unique
        constraint then fails the chunk (``IntegrityError``), the runner calls this again,
        and the duplicates are judged anew, in the chunk's transaction."""
        validated.attempts += 1
        outcomes = list(validated.errors)
        candidates = validated.candidates
        connection = connections[router.db_for_write(Customer)]
        ids = None
        if validated.attempts == 1:
            new, ids = validated.new, validated.ids
        else:
            existing = _registered(connection, {fields["phone"] for _, _, fields, _ in candidates})
            new = []
            for candidate in candidates:
                key = (candidate[2]["network"], candidate[2]["phone"])
                new.append(key not in existing)
                existing.add(key)
        new_customers = []
        for candidate, is_new in zip(candidates, new, strict=True):
            if is_new:
                new_customers.append(candidate)
            else:
                outcomes.append(RowOutcome(candidate[0], candidate[1], "duplicate"))
        if not new_customers:
            return outcomes
        if new_customers[0][3] is not None:
            ids = copy_customers(connection, [text for *_, text in new_customers], self.user.pk, ids=ids)
            if ids is not None:
                for (line, data, _fields, _text), pk in zip(new_customers, ids, strict=True):
                    outcomes.append(RowOutcome(line, data, "imported", object_id=pk))
                return outcomes
        created = bulk_create_with_history(
            [
                Customer(**fields, username=Customer.make_username(fields["network"], fields["phone"]))
                for _, _, fields, _ in new_customers
            ],
            Customer,
            batch_size=1000,
            default_user=self.user,
            default_change_reason="import",
        )
        for (line, data, _fields, _text), saved in zip(new_customers, created, strict=True):
            outcomes.append(RowOutcome(line, data, "imported", object_id=saved.pk))
        return outcomes


@dataclass
class ValidatedChunk:
    errors: list[RowOutcome]
    candidates: list[tuple]  # the valid rows: (line, data, fields, COPY text or None)
    new: list[bool]  # per candidate: not registered, not earlier in the file (as judged when validated)
    ids: list[int] | None  # reserved for the new ones (COPY only)
    attempts: int = 0


def _registered(connection, phones: set[str]) -> set[tuple[str, str]]:
    """``(network, phone)`` of the customers already registered with one of ``phones``."""
    if not phones:
        return set()
    if connection.vendor == "postgresql":  # one array parameter: cheaper to send and plan than IN (…900 values)
        table = connection.ops.quote_name(Customer._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT network, phone FROM {table} WHERE phone = ANY(%s)", [list(phones)])  # noqa: S608
            return set(cursor.fetchall())
    return set(Customer.objects.filter(Q(phone__in=phones)).values_list("network", "phone"))
