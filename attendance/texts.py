"""What the engine tells customers and agents: every customer-facing text in one place.

Bots' own texts (menu, transfer, inactivity, finalization) come from their rows; these
are the defaults and the notices around them."""

from __future__ import annotations

import zoneinfo

from django.utils.translation import gettext as _

from calendars.hours import describe_intervals

from .menus import menu_text
from .models import Attendance, DisplayNameMode

# Sent as typed (SPEC §8.4 quotes it in Portuguese).
INACTIVITY_WARNING = "O protocolo está próximo de atingir o tempo de inatividade!"
INACTIVITY_CLOSED = "Atendimento encerrado por inatividade. Se precisar, é só mandar uma nova mensagem."
# SPEC §7.1: the agent went offline or vanished. No name in either, so every
# ``display_name_mode`` (agent, company, none) reads them alike.
REQUEUED = "Você será atendido por outro agente em instantes."
DISCONNECTED_CLOSED = (
    "Seu atendimento foi encerrado porque o agente ficou indisponível. "
    "Envie uma nova mensagem para ser atendido novamente."
)


GREETING_WORDS = ("olá", "ola", "oi", "bom dia", "boa tarde", "boa noite")


def greeting(attendance: Attendance, menu: dict) -> str:
    """The service bot's greeting: its menu, written once (SPEC §3). With
    ``show_name_in_greeting`` the customer's first name joins it: in place of ``{cliente}``
    when the text has it, after its opening "Olá"/"Oi" when it starts with one, otherwise
    on a line of its own."""
    text = menu_text(menu)
    customer = attendance.customer
    name = customer.display_name.split()[0] if customer.show_name_in_greeting and customer.display_name else ""
    if "{cliente}" in text:
        text = text.replace(", {cliente}", f", {name}" if name else "").replace("{cliente}", name)
        return text
    if not name:
        return text
    lowered = text.casefold()
    for word in GREETING_WORDS:
        if lowered.startswith(word) and not lowered[len(word) : len(word) + 1].isalpha():
            return f"{text[: len(word)]}, {name}{text[len(word) :]}"
    return _("Hello, %(name)s!") % {"name": name} + "\n" + text


def not_understood(node: dict) -> str:
    return _("Sorry, I did not understand. Reply with one of the numbers:") + "\n" + menu_text(node)


def group_unavailable(group_name: str, node: dict) -> str:
    return (
        _("Right now nobody from %(group)s is available. Please choose another option:") % {"group": group_name}
        + "\n"
        + menu_text(node)
    )


def transferring(group_name: str) -> str:
    return _("One moment, you are being transferred to %(group)s.") % {"group": group_name}


def thanks_for_contact() -> str:
    return _("Thank you for your contact!")


def now_assisting(attendance: Attendance, agent_name: str) -> str:
    """The "now talking to" notice; the name follows ``display_name_mode`` (SPEC §8.2)."""
    mode = attendance.group.display_name_mode
    if mode == DisplayNameMode.NONE or (mode == DisplayNameMode.AGENT and not agent_name):
        return _("An agent is now assisting you.")
    name = attendance.group.operation.company.name if mode == DisplayNameMode.COMPANY else agent_name
    return _("%(agent)s is now assisting you.") % {"agent": name}


def partner_session_note(ends_local_hhmm: str) -> str:
    return _("The WhatsApp session with this customer ends at %(time)s.") % {"time": ends_local_hhmm}


# SAC and service hours (SPEC §14): sent as typed, in Portuguese like the SPEC quotes them.
PROTOCOL_TEXT = "Seu protocolo de atendimento é {protocol}."
PROTOCOL_WORD = "protocolo"


def protocol_text(attendance: Attendance) -> str:
    return PROTOCOL_TEXT.format(protocol=attendance.protocol)


def asks_protocol(text: str | None) -> bool:
    """Whether the customer asks for the protocol: a short message (at most four words)
    with the word "protocolo", whatever the case, accents or punctuation ("Protocolo",
    "qual o protocolo?", "meu nº de protocolo")."""
    if not text or len(text) > 60:
        return False
    words = "".join(char if char.isalnum() else " " for char in text.casefold()).split()
    return PROTOCOL_WORD in words and len(words) <= 4


def out_of_hours(group, calendar, status) -> str:
    """The group's ``out_of_hours_message``, or "Nosso horário de atendimento é …" with the
    calendar's weekly hours, the holiday of the day and the next opening (company time)."""
    if group.out_of_hours_message.strip():
        return group.out_of_hours_message.strip()
    hours = describe_intervals(calendar.intervals)
    parts = [f"Nosso horário de atendimento é {hours}." if hours else "No momento estamos sem horário de atendimento."]
    if status.holiday_name and status.reason == "holiday":
        parts.append(f"Hoje é feriado ({status.holiday_name}).")
    if status.next_open_at is not None:
        opens = status.next_open_at.astimezone(zoneinfo.ZoneInfo(calendar.company.time_zone))
        parts.append(f"Voltamos a atender em {opens:%d/%m/%Y} às {opens:%H:%M}.")
    return " ".join(parts)
