"""Customer import (SPEC §6.3): the columns of the template and a chunk processor that
validates every row like the customer screen does, then writes new customers in bulk.

Per chunk: one query for the duplicates, one ``bulk_create`` (with audit history) for the
new customers. Groups, agents and attributes are resolved by name from lookups loaded
once per job.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
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
        for name_column, _value_column, name, value in self.pairs(data, "ATTRIBUTE", "ATTRIBUTE'S VALUE"):
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
            customer = Customer(**fields, username=Customer.make_username(*key))
            new_customers.append((line, data, customer))
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
