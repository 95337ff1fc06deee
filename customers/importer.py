"""Customer import (SPEC §6.3): the columns of the template and a chunk processor that
validates every row like the customer screen does, then writes new customers in bulk.

Per chunk: one query for the duplicates, then the new customers and their audit history
in bulk. On PostgreSQL they are written with ``COPY … FROM STDIN`` (``copy_customers``:
the same rows ``simple_history``'s ``bulk_create_with_history`` writes, without building
a model instance and preparing every field through the ORM twice per row); elsewhere
(SQLite) with ``bulk_create_with_history``. Groups, agents and attributes are resolved by
name from lookups loaded once per job.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from attendance.models import ServiceGroup
from imports.spec import ImportSpec, RowOutcome, first_message
from users.models import AGENT_ROLES, User

from . import errors
from .models import Customer, CustomerAttribute
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
    repeatable = {"ATTRIBUTE", "ATTRIBUTE'S VALUE"}
    example_rows = [
        ["whatsapp", "55", "(34) 99123-4567", "Maria Silva", "529.982.247-25", "maria@example.com", "", "", "", ""],
        ["telegram", "55", "11 3212-3456", "Padaria Pão Quente", "11.222.333/0001-81", "", "", "", "", ""],
    ]

    def __init__(self, job=None):
        super().__init__(job)
        self._pair_columns: dict[tuple, list[tuple[str, str]]] = {}

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
        self.groups = {g.name.casefold(): g.pk for g in ServiceGroup.objects.filter(is_active=True)}
        agents = User.objects.filter(is_active=True, role__in=AGENT_ROLES)
        self.agents = {}
        for agent in agents:
            self.agents.setdefault(agent.display_name.casefold(), agent.pk)
            self.agents[agent.username.casefold()] = agent.pk
        self.attributes = {a.description.casefold(): a.pk for a in CustomerAttribute.objects.filter(is_active=True)}
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
        outcomes: list[RowOutcome] = []
        candidates = []
        for line, data in rows:
            fields, problems = self.validate_row(data)
            if problems:
                outcomes.append(RowOutcome(line, data, "error", problems))
            else:
                candidates.append((line, data, fields))
        keys = {(f["network"], f["phone"]) for _, _, f in candidates}
        existing = set()
        if keys:
            phones = {phone for _, phone in keys}
            existing = set(Customer.objects.filter(Q(phone__in=phones)).values_list("network", "phone"))
        new_customers = []
        for line, data, fields in candidates:
            key = (fields["network"], fields["phone"])
            if key in existing:
                outcomes.append(RowOutcome(line, data, "duplicate"))
                continue
            existing.add(key)  # a second row with the same phone in this file is a duplicate
            new_customers.append((line, data, fields))
        if not new_customers:
            return outcomes
        connection = connections[router.db_for_write(Customer)]
        if connection.vendor == "postgresql" and self.user is not None:
            ids = copy_customers(connection, [fields for _, _, fields in new_customers], self.user.pk)
            if ids is not None:
                for (line, data, _fields), pk in zip(new_customers, ids, strict=True):
                    outcomes.append(RowOutcome(line, data, "imported", object_id=pk))
                return outcomes
        new_customers = [
            (line, data, Customer(**fields, username=Customer.make_username(fields["network"], fields["phone"])))
            for line, data, fields in new_customers
        ]
        if new_customers:
            created = bulk_create_with_history(
                [customer for _, _, customer in new_customers],
                Customer,
                batch_size=1000,
                default_user=self.user,
                default_change_reason="import",
            )
            for (line, data, _customer), saved in zip(new_customers, created, strict=True):
                outcomes.append(RowOutcome(line, data, "imported", object_id=saved.pk))
        return outcomes


# Writing new customers with COPY (PostgreSQL) ----------------------------------------------

_copy_plans: dict[str, dict | None] = {}
_GIVEN, _PK, _USERNAME, _NOW = "given", "pk", "username", "now"


def _copy_plan(connection) -> dict | None:
    """How ``copy_customers`` fills every column of both tables, or ``None`` if the
    tables are not as expected (then the ORM writes them). Computed once per database."""
    if connection.alias in _copy_plans:
        return _copy_plans[connection.alias]
    historical = Customer.history.model
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [Customer._meta.db_table, Customer._meta.pk.column])
        sequence = cursor.fetchone()[0]
    fields = list(Customer._meta.concrete_fields)
    customer = []  # (attname, how it is filled, default function, is JSON)
    for field in fields:
        if field.primary_key:
            how = _PK
        elif field.attname == "username":
            how = _USERNAME
        elif getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            how = _NOW
        else:
            how = _GIVEN
        customer.append((field.attname, how, field.get_default, field.get_internal_type() == "JSONField"))
    position = {field.attname: index for index, field in enumerate(fields)}
    tracked = {field.attname for field in historical.tracked_fields}
    history = []  # per historical column: index in the customer row, or the name of a history field
    for field in historical._meta.concrete_fields:
        if field.attname == historical._meta.pk.attname:
            continue  # history_id: the table's own identity, as with bulk_create
        if field.attname in tracked and field.attname in position:
            history.append((field.column, position[field.attname]))
        elif field.attname in {"history_date", "history_change_reason", "history_type", "history_user_id"}:
            history.append((field.column, field.attname))
        else:
            history = None  # a column this writer does not know how to fill
            break
    plan = None
    if sequence and history is not None and tracked == set(position):
        quote = connection.ops.quote_name
        plan = {
            "sequence": sequence,
            "customer": customer,
            "attnames": set(position),
            "customer_sql": "COPY {} ({}) FROM STDIN".format(
                quote(Customer._meta.db_table), ", ".join(quote(field.column) for field in fields)
            ),
            "history": [source for _column, source in history],
            "history_sql": "COPY {} ({}) FROM STDIN".format(
                quote(historical._meta.db_table), ", ".join(quote(column) for column, _source in history)
            ),
        }
    _copy_plans[connection.alias] = plan
    return plan


def copy_customers(connection, rows: list[dict], user_id: int) -> list[int] | None:
    """Insert customers (``rows`` = validated fields) and their "+" history rows with
    ``COPY``, in the caller's transaction; return their ids in order, or ``None`` when
    the tables are not laid out as expected (the caller then uses the ORM).

    The values are those ``bulk_create_with_history(..., default_user=user,
    default_change_reason="import")`` writes: the model's defaults for the fields not
    given, ``created_at`` = now, the username from ``Customer.make_username``, ids from the
    table's sequence; each history row copies every tracked field, with ``history_type``
    "+", ``history_date`` = now, the job's user and the reason "import". A unique
    violation (someone registered the same phone meanwhile) is raised as
    ``django.db.IntegrityError``, so the runner re-checks the chunk."""
    plan = _copy_plan(connection)
    if plan is None:
        return None
    attnames = plan["attnames"]
    for given in rows:
        unknown = given.keys() - attnames
        if unknown:  # as Customer(**fields) would
            raise TypeError(f"Customer() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    now = timezone.now
    make_username = Customer.make_username
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [plan["sequence"], len(rows)])
        ids = sorted(row[0] for row in cursor.fetchall())
        records = []
        for pk, given in zip(ids, rows, strict=True):
            record = []
            for name, how, default, is_json in plan["customer"]:
                if how is _GIVEN:
                    value = given[name] if name in given else default()
                    record.append(json.dumps(value) if is_json else value)
                elif how is _PK:
                    record.append(pk)
                elif how is _USERNAME:
                    record.append(make_username(given["network"], given["phone"]))
                else:
                    record.append(now())
            records.append(record)
        with cursor.copy(plan["customer_sql"]) as copy:
            for record in records:
                copy.write_row(record)
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            sources = plan["history"]
            with cursor.copy(plan["history_sql"]) as copy:
                for record in records:
                    extra = {
                        "history_date": now(),
                        "history_change_reason": "import",
                        "history_type": "+",
                        "history_user_id": user_id,
                    }
                    copy.write_row([record[source] if source.__class__ is int else extra[source] for source in sources])
    return ids
