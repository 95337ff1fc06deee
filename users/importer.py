"""User import (SPEC §2): the user screen's fields as columns; every row goes through
``user_create`` with the importing user as actor, so the password policy, role rules
and scoping apply exactly as on the screen. Passwords are never kept in error rows."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from core.phones import normalize_phone
from core.text import whole_number
from imports.readers import fold
from imports.spec import ImportSpec, RowOutcome, first_message
from organisation.models import Company, Operation

from .models import Profile, Role, User, VoiceChannel
from .services import user_create
from .work_hours import WEEKDAYS

COLUMN_FIELD = {
    "USERNAME": "username",
    "DISPLAY NAME": "display_name",
    "ROLE": "role",
    "PASSWORD": "password",
    "EMAIL": "email",
    "PHONE": "phone",
    "BIRTH DATE": "birth_date",
    "COMPANY": "company",
    "OPERATIONS": "operations",
    "PROFILE": "profile",
    "MAX SIMULTANEOUS": "max_simultaneous",
    "PRIORITY": "priority",
    "DEPARTMENT": "department",
    "WORK HOURS": "work_hours",
    "MUST CHANGE PASSWORD": "must_change_password",
    "SOCIAL TOKEN": "social_token",
    "INTEGRATION KEY": "integration_key",
    "VIEW HISTORY GROUPS": "view_history_groups",
    "VIEW HISTORY OPERATIONS": "view_history_operations",
    "CONFIDENTIAL HISTORY": "confidential_history",
    "REGISTER PHONE CALL": "register_phone_call",
    "VOICE ENABLED": "voice_enabled",
    "VOICE CHANNEL": "voice_channel",
    "VOICE EXTENSION": "voice_extension",
    "VOICE CHANNEL PASSWORD": "voice_channel_password",
    "PAUSE ON VOICE CALL": "pause_on_voice_call",
}
TEXT_COLUMNS = ["EMAIL", "PHONE", "DEPARTMENT", "SOCIAL TOKEN", "INTEGRATION KEY", "VOICE EXTENSION"]
FLAG_COLUMNS = [
    "MUST CHANGE PASSWORD",
    "VIEW HISTORY GROUPS",
    "VIEW HISTORY OPERATIONS",
    "CONFIDENTIAL HISTORY",
    "REGISTER PHONE CALL",
    "VOICE ENABLED",
    "PAUSE ON VOICE CALL",
]
SECRET_COLUMNS = ["PASSWORD", "VOICE CHANNEL PASSWORD"]  # never kept in an error row
ROLE_NAMES = {
    "admin": Role.ADMIN, "administrador": Role.ADMIN, "administrator": Role.ADMIN,
    "supervisor": Role.SUPERVISOR,
    "supervisor_agent": Role.SUPERVISOR_AGENT, "supervisor agente": Role.SUPERVISOR_AGENT,
    "supervisor agent": Role.SUPERVISOR_AGENT,
    "agent": Role.AGENT, "agente": Role.AGENT,
}  # fmt: skip
TRUE = {"1", "sim", "s", "yes", "y", "true", "verdadeiro", "x"}
FALSE = {"", "0", "nao", "não", "n", "no", "false", "falso"}
EXCEL_EPOCH = date(1899, 12, 30)  # serial day 1 is 1900-01-01 (with Excel's 1900 leap-year bug)
DATE_PATTERNS = [
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), ("day", "month", "year")),  # 14/05/1990
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$"), ("year", "month", "day")),  # an Excel date cell
]


def parse_birth_date(text: str) -> date:
    """dd/mm/aaaa as Brazilians type it, an Excel date cell (read as an ISO date), or an
    Excel date serial (a date cell formatted as a number)."""
    text = str(text or "").strip()
    if re.fullmatch(r"\d{1,5}(\.0+)?", text) and 0 < float(text) < 2958466:
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    for pattern, order in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, (int(group) for group in match.groups()), strict=True))
            try:
                return date(parts["year"], parts["month"], parts["day"])
            except ValueError:
                break
    raise ValidationError(_("Use the dd/mm/aaaa format, e.g. 14/05/1990."))


def parse_flag(text: str) -> bool:
    value = str(text or "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValidationError(_("Use Sim or Não."))


DAY_NAMES = {
    "seg": 0, "segunda": 0, "segunda-feira": 0, "mon": 0, "monday": 0,
    "ter": 1, "terca": 1, "terça": 1, "terça-feira": 1, "terca-feira": 1, "tue": 1, "tuesday": 1,
    "qua": 2, "quarta": 2, "quarta-feira": 2, "wed": 2, "wednesday": 2,
    "qui": 3, "quinta": 3, "quinta-feira": 3, "thu": 3, "thursday": 3,
    "sex": 4, "sexta": 4, "sexta-feira": 4, "fri": 4, "friday": 4,
    "sab": 5, "sáb": 5, "sabado": 5, "sábado": 5, "sat": 5, "saturday": 5,
    "dom": 6, "domingo": 6, "sun": 6, "sunday": 6,
}  # fmt: skip


def parse_work_hours(text: str) -> list[dict]:
    """ "Segunda 08:00-12:00, 13:00-18:00; Terça 08:00-12:00" → the API's list."""
    intervals = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = re.match(r"^([^\d\s]+)\s+(.+)$", part)
        day = DAY_NAMES.get(match.group(1).lower()) if match else None
        if day is None:
            raise ValidationError(_("Use “Segunda 08:00-12:00, 13:00-18:00; Terça …”."))
        for span in filter(None, (s.strip() for s in match.group(2).split(","))):
            start, _sep, end = span.partition("-")
            intervals.append({"weekday": day, "start": start.strip(), "end": end.strip()})
    return intervals


class UserImport(ImportSpec):
    kind = "users"
    columns = {
        "USERNAME": ["NOME DE USUARIO", "NOME DE USUÁRIO", "LOGIN", "USUARIO"],
        "DISPLAY NAME": ["NOME A SER EXIBIDO", "NOME", "NAME"],
        "ROLE": ["TIPO DE USUARIO", "TIPO DE USUÁRIO", "FUNCAO", "FUNÇÃO", "PAPEL", "TIPO"],
        "PASSWORD": ["SENHA"],
        "EMAIL": ["E-MAIL"],
        "PHONE": ["TELEFONE"],
        "BIRTH DATE": ["DATA DE NASCIMENTO"],
        "COMPANY": ["EMPRESA"],
        "OPERATIONS": ["OPERACOES", "OPERAÇÕES", "OPERACAO", "OPERAÇÃO"],
        "PROFILE": ["PERFIL"],
        "MAX SIMULTANEOUS": ["ATENDIMENTOS SIMULTANEOS", "ATENDIMENTOS SIMULTÂNEOS"],
        "PRIORITY": ["PRIORIDADE"],
        "DEPARTMENT": ["DEPARTAMENTO"],
        "WORK HOURS": ["HORARIO DE TRABALHO", "HORÁRIO DE TRABALHO"],
        "MUST CHANGE PASSWORD": ["DEVE TROCAR A SENHA", "TROCAR SENHA"],
        "SOCIAL TOKEN": ["TOKEN SOCIAL", "TOKEN"],
        "INTEGRATION KEY": ["CHAVE DE INTEGRACAO", "CHAVE DE INTEGRAÇÃO"],
        "VIEW HISTORY GROUPS": [
            "VISUALIZAR TODOS OS HISTORICOS(GRUPOS ASSOCIADOS)",
            "VISUALIZAR HISTORICOS DOS GRUPOS",
        ],
        "VIEW HISTORY OPERATIONS": [
            "VISUALIZAR TODOS OS HISTORICOS(OPERACOES ASSOCIADAS)",
            "VISUALIZAR HISTORICOS DAS OPERACOES",
        ],
        "CONFIDENTIAL HISTORY": ["HISTORICO CONFIDENCIAL"],
        "REGISTER PHONE CALL": ["REGISTRAR LIGACAO TELEFONICA?", "REGISTRAR LIGACAO TELEFONICA"],
        "VOICE ENABLED": ["ATENDER POR VOZ"],
        "VOICE CHANNEL": ["CANAL DE ATENDIMENTO"],
        "VOICE EXTENSION": ["RAMAL DE ATENDIMENTO", "RAMAL"],
        "VOICE CHANNEL PASSWORD": ["SENHA CANAL DE ATENDIMENTO", "SENHA DO CANAL DE ATENDIMENTO"],
        "PAUSE ON VOICE CALL": ["PAUSAR AO RECEBER LIGACAO POR VOZ"],
    }
    required_columns = ["USERNAME", "DISPLAY NAME", "ROLE", "PASSWORD"]
    summary_columns = ["DISPLAY NAME", "PHONE"]
    template_name = "modelo-importacao-usuarios"
    example_rows = [
        ["joana", "Joana Souza", "agent", "Troque@2026", "joana@example.com", "(34) 99123-4567", "14/05/1990", "",
         "Operação A", "", "3", "0", "Vendas", "Segunda 08:00-12:00, 13:00-18:00; Terça 08:00-17:00", "sim",
         "", "", "sim", "não", "não", "sim", "sim", "Voz Nuvem", "2001", "Ramal@2026", "sim"],
    ]  # fmt: skip

    def prepare(self) -> None:
        self.actor = self.job.created_by if self.job else None
        self.companies = {c.name.casefold(): c for c in self.visible(Company.objects.filter(is_active=True))}
        self.operations = {o.name.casefold(): o for o in self.visible(Operation.objects.filter(is_active=True))}
        self.profiles = {p.name.casefold(): p for p in self.visible(Profile.objects.filter(is_active=True))}
        self.voice_channels = {}
        for language in ("pt-br", "en"):  # the worker's language is not the user's: accept both
            with translation.override(language):
                for value, label in VoiceChannel.choices:
                    self.voice_channels[fold(value)] = value
                    self.voice_channels[fold(str(label))] = value

    def validate_row(self, data: dict[str, str]) -> tuple[dict, dict[str, str]]:
        problems = self.basic_cell_errors(data)
        fields: dict = {}
        for column in self.required_columns:
            if not (data.get(column) or "").strip():
                problems.setdefault(column, _("Required."))
        fields["username"] = (data.get("USERNAME") or "").strip()
        fields["display_name"] = (data.get("DISPLAY NAME") or "").strip()
        fields["password"] = data.get("PASSWORD") or ""
        role = ROLE_NAMES.get((data.get("ROLE") or "").strip().lower())
        if role is None and data.get("ROLE"):
            problems.setdefault("ROLE", _("Use admin, supervisor, supervisor_agent or agent."))
        fields["role"] = role
        for column in TEXT_COLUMNS:
            fields[COLUMN_FIELD[column]] = (data.get(column) or "").strip()
        if fields["phone"]:
            try:
                fields["phone"] = normalize_phone(fields["phone"])  # as customers' (and the screen's)
            except ValidationError as error:
                problems.setdefault("PHONE", first_message(error.messages))
        if (data.get("BIRTH DATE") or "").strip():
            try:
                fields["birth_date"] = parse_birth_date(data["BIRTH DATE"])
            except ValidationError as error:
                problems.setdefault("BIRTH DATE", first_message(error.messages))
        for column in FLAG_COLUMNS:
            try:
                fields[COLUMN_FIELD[column]] = parse_flag(data.get(column))
            except ValidationError as error:
                problems.setdefault(column, first_message(error.messages))
        channel = (data.get("VOICE CHANNEL") or "").strip()
        if channel:
            fields["voice_channel"] = self.voice_channels.get(fold(channel))
            if fields["voice_channel"] is None:
                names = ", ".join(str(label) for _value, label in VoiceChannel.choices)
                problems.setdefault("VOICE CHANNEL", _("Use one of: %(names)s.") % {"names": names})
        if data.get("VOICE CHANNEL PASSWORD"):
            fields["voice_channel_password"] = data["VOICE CHANNEL PASSWORD"]
        self._lookup(data, "COMPANY", self.companies, fields, "company", problems)
        self._lookup(data, "PROFILE", self.profiles, fields, "profile", problems)
        operations = []
        for name in filter(None, (n.strip() for n in re.split(r"[;|,]", data.get("OPERATIONS") or ""))):
            operation = self.operations.get(name.casefold())
            if operation is None:
                problems.setdefault("OPERATIONS", _("No active operation named “%(name)s”.") % {"name": name})
            operations.append(operation)
        fields["operations"] = operations
        for column, field in (("MAX SIMULTANEOUS", "max_simultaneous"), ("PRIORITY", "priority")):
            value = (data.get(column) or "").strip()
            if value:
                number = whole_number(value, max_digits=4)
                if number is None:
                    problems.setdefault(column, _("Inform a whole number."))
                else:
                    fields[field] = number
        if data.get("WORK HOURS"):
            try:
                fields["work_hours"] = parse_work_hours(data["WORK HOURS"])
            except ValidationError as error:
                problems.setdefault("WORK HOURS", first_message(error.messages))
        return fields, problems

    @staticmethod
    def _lookup(data, column, table, fields, field, problems) -> None:
        name = (data.get(column) or "").strip()
        if name:
            fields[field] = table.get(name.casefold())
            if fields[field] is None:
                problems.setdefault(column, _("No active record named “%(name)s”.") % {"name": name})

    def process(self, rows):
        outcomes = []
        existing = {
            u.casefold()
            for u in User.objects.filter(username__in=[(d.get("USERNAME") or "").strip() for _, d in rows]).values_list(
                "username", flat=True
            )
        }
        by_field = {field: column for column, field in COLUMN_FIELD.items()}
        for line, data in rows:
            fields, problems = self.validate_row(data)
            safe = {**data, **dict.fromkeys([c for c in SECRET_COLUMNS if c in data or c == "PASSWORD"], "")}
            if problems:
                outcomes.append(RowOutcome(line, safe, "error", self._password_hint(problems)))
                continue
            if fields["username"].casefold() in existing:
                outcomes.append(RowOutcome(line, safe, "duplicate"))
                continue
            try:
                with transaction.atomic():
                    user = user_create(actor=self.actor, **fields)
            except ValidationError as error:
                by_message = error.message_dict if hasattr(error, "error_dict") else {"username": error.messages}
                found = {
                    by_field.get(field, "USERNAME"): first_message(messages) for field, messages in by_message.items()
                }
                outcomes.append(RowOutcome(line, safe, "error", self._password_hint(found)))
                continue
            existing.add(fields["username"].casefold())
            outcomes.append(RowOutcome(line, safe, "imported", object_id=user.pk))
        return outcomes

    @staticmethod
    def _password_hint(problems: dict[str, str]) -> dict[str, str]:
        if "PASSWORD" not in problems:
            problems["PASSWORD"] = _("Passwords are not kept: type it again when correcting this row.")
        return problems


__all__ = ["UserImport", "WEEKDAYS"]
