"""A customer with every kind of trace the product keeps (SPEC §12 R9): imported from a
file where their row first failed and was corrected, edited twice (the history keeps the
old values), three attendances through the engine with text, a document sent through a
provider channel and the agent's answers, and a satisfaction survey with an open answer."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection, transaction

from attendance.agent_actions import agent_message_send, attendance_close
from attendance.distribution import distribute_group
from attendance.inbound import inbound_receive
from attendance.media import media_store
from attendance.models import Attendance
from attendance.presence import presence_set
from customers.models import Customer, CustomerAttribute
from customers.services import consent_record, customer_save
from imports.models import ImportRow
from imports.runner import import_resend, import_row_correct
from tests.imports.helpers import CUSTOMER_HEADER, csv_bytes, run_import

OLD_NAME = "Joana Q. Conceição"
NAME = "Joana Quixabeira Conceição"
PHONE = "(34) 99123-4567"
EMAIL = "joana.quixabeira@exemplo.com.br"
CPF = "529.982.247-25"
PLAN = "Plano Quixabeira Ouro"

# Every way the person's data may be written down: as typed, as stored, in parts.
NEEDLES = [
    NAME, OLD_NAME, "Quixabeira", "Joana Q.", "+5534991234567", "5534991234567", "34991234567", "99123-4567",
    "99123 4567", EMAIL, "52998224725", CPF, PLAN,
]  # fmt: skip


def _forms(needle: str) -> set[str]:
    """The needle as it is, and as JSON writes it (accents as \\u escapes), lower case."""
    return {needle.casefold(), json.dumps(needle)[1:-1].casefold()}


FORMS = set().union(*(_forms(needle) for needle in NEEDLES))


def found_in(text: str) -> set[str]:
    folded = text.casefold()
    return {form for form in FORMS if form in folded}


def scan_database() -> dict[str, set[str]]:
    """Every column of every table (history tables included), read as text."""
    hits: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - introspected names
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", errors="replace")
                    elif not isinstance(value, str):
                        value = json.dumps(value, ensure_ascii=False, default=str) if value is not None else ""
                    if found := found_in(value):
                        hits.setdefault(table, set()).update(found)
    return hits


def scan_files() -> dict[str, set[str]]:
    """Every file under the media root: media, import uploads and their working copies."""
    hits: dict[str, set[str]] = {}
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            text = content.decode("utf-8", errors="replace") + content.decode("cp1252", errors="replace")
            if found := found_in(text):
                hits[str(path)] = found
    return hits


def build_person(centre, clock, admin_user, supervisor) -> Customer:
    """The customer (see the module's docstring); the day is the reports' 2026-03-10."""
    clock.set_local(2026, 3, 10, 9, 0)
    plan = CustomerAttribute.objects.create(description="Plano")
    content = csv_bytes(CUSTOMER_HEADER, [
        ["whatsapp", "55", PHONE, OLD_NAME, CPF, "joana.quixabeira@", "", ""],  # a bad e-mail: an error row
        ["whatsapp", "55", "(34) 99888-7766", "Outro Cliente", "", "", "", ""],
    ])  # fmt: skip
    job = run_import(admin_user, "clientes.csv", content)
    row = ImportRow.objects.get(job=job, status="error")
    import_row_correct(row=row, data={**row.data, "EMAIL": EMAIL})
    with transaction.atomic():
        import_resend(job=job)
    customer = Customer.objects.get(phone="+5534991234567")
    customer_save(customer=customer, display_name=NAME, attributes=[{"attribute": plan.pk, "value": PLAN}])
    customer_save(customer=customer, birth_date="1990-05-17", show_name_in_greeting=True)
    consent_record(customer=customer, text="Aceito o uso dos meus dados.", version="v1", channel="webchat")
    # The admin's action log names the row as it was ("Joana … ((34) 99123-4567)").
    LogEntry.objects.log_actions(user_id=admin_user.pk, queryset=[customer], action_flag=CHANGE,
                                 change_message=[{"changed": {"fields": ["Nome"]}}], single_object=True)  # fmt: skip

    teo, channel = centre["teo"], centre["channel"]
    presence_set(agent=teo, state="online")

    def say(text="", **extra):
        return inbound_receive(channel=channel, network="whatsapp", phone=PHONE, country_code="55",
                               display_name=NAME, text=text, **extra).attendance  # fmt: skip

    # 1: Suporte, a document sent through the provider, teo answers, closed with the survey.
    say("oi")
    first = say("2")
    stored = media_store(content=f"RG de {NAME}, CPF {CPF}".encode(), filename="rg.txt", kind="document")
    say(f"Sou a {NAME}, CPF {CPF}, e-mail {EMAIL}", provider_message_id="wamid.joana-1")
    say(kind="document", provider_message_id="wamid.joana-2", media={
        "media": stored.name, "media_mime": stored.mime, "media_name": f"RG {NAME}.txt", "media_size": stored.size,
    })  # fmt: skip
    clock.advance(minutes=2)
    presence_set(agent=teo, state="online")
    distribute_group(group_id=centre["suporte"].pk)
    first = Attendance.objects.get(pk=first.pk)
    agent_message_send(attendance=first, agent=teo, kind="text", text=f"Olá, {NAME}! Recebi seu RG.")
    clock.advance(minutes=3)
    attendance_close(attendance=Attendance.objects.get(pk=first.pk), reason="agent", actor=teo, send_survey=True)
    for answer in ("1", "10", f"Adorei, assinado {NAME}"):
        clock.advance(minutes=1)
        say(answer)
    # 2: the bot's "Sair" closes it.
    clock.advance(minutes=30)
    say("oi de novo")
    say("3")
    # 3: Vendas' queue, closed by a supervisor while waiting.
    clock.advance(minutes=30)
    say(f"{NAME} de novo")
    third = say("1")
    clock.advance(minutes=4)
    attendance_close(attendance=Attendance.objects.get(pk=third.pk), reason="supervisor", actor=supervisor)
    assert Attendance.objects.filter(customer=customer, status="closed").count() == 3
    return Customer.objects.get(pk=customer.pk)
