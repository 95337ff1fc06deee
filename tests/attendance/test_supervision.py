"""Supervision that acts (SPEC §9.1): a supervisor-agent takes an attendance over ("Assumir"),
a supervisor whispers to the agent (a note that mentions them) and writes to the customer
from the monitor — each through the engine's transitions, in the event log with who did it,
and on the agent's open page live; out of the supervisor's operations it answers 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import TestCase
from django.utils import timezone

from attendance import transitions
from attendance.distribution import distribute_group
from attendance.event_log import event_log
from attendance.models import Attendance, DisplayNameMode, Message, Status
from attendance.transitions import at_once
from core.live import live_last_id, live_since
from customers.models import Customer
from customers.services import customer_save
from reports.recompute import recompute, stored
from tests.factories import ServiceGroupFactory, UserFactory, online, queued_attendance
from users.models import Role
from workspace.models import Mention

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor(operation_a, operation_b, supervisor_profile):
    """eva (capacity 1) holds an attendance in Suporte (operation A); davi is a supervisor-agent
    of A with capacity 1 and already full; sara supervises A; caio supervises B only."""
    supervisor_profile.permissions.add(
        Permission.objects.get(content_type__app_label="reports", codename="monitor_attendances")
    )
    eva = UserFactory(username="eva", display_name="Eva Agente", role=Role.AGENT, operations=[operation_a],
                      max_simultaneous=1)  # fmt: skip
    davi = UserFactory(username="davi", display_name="Davi Supervisor", role=Role.SUPERVISOR_AGENT,
                       operations=[operation_a], profile=supervisor_profile, max_simultaneous=1)  # fmt: skip
    sara = UserFactory(username="sara", display_name="Sara Supervisora", role=Role.SUPERVISOR,
                       operations=[operation_a], profile=supervisor_profile)  # fmt: skip
    caio = UserFactory(username="caio", role=Role.SUPERVISOR_AGENT, operations=[operation_b],
                       profile=supervisor_profile)  # fmt: skip
    suporte = ServiceGroupFactory(name="Suporte", operation=operation_a, agents=[eva, davi],
                                  display_name_mode=DisplayNameMode.AGENT)  # fmt: skip
    online(eva)
    attendance = queued_attendance(suporte, "34991234567")
    distribute_group(group_id=suporte.pk)
    online(davi)
    busy = queued_attendance(suporte, "34991234500")
    distribute_group(group_id=suporte.pk)
    attendance.refresh_from_db()
    assert attendance.agent == eva and Attendance.objects.get(pk=busy.pk).agent == davi
    return {"eva": eva, "davi": davi, "sara": sara, "caio": caio, "attendance": attendance, "group": suporte}


def _fresh(attendance):
    return Attendance.objects.get(pk=attendance.pk)


def _post(client, url, data=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data, format="json")


def _live(user, since):
    return [(e.event, e.data) for e in live_since(user.pk, since)[0] if e.event != "delivery"]


# Take over ----------------------------------------------------------------------------------------


def test_a_supervisor_agent_takes_over_an_attendance_even_at_full_capacity(api_as, floor):
    response = api_as(floor["davi"]).post(f"/api/v1/attendances/{floor['attendance'].pk}/take/")
    assert response.status_code == 200, response.content
    attendance = _fresh(floor["attendance"])
    assert (attendance.status, attendance.agent) == (Status.IN_PROGRESS, floor["davi"])
    event = attendance.events.get(type="taken_over")
    assert (event.data["from_agent"], event.data["by"]) == (floor["eva"].pk, floor["davi"].pk)


def test_the_taken_over_attendance_leaves_the_former_agents_page_live_saying_who(api_as, floor):
    eva_since, davi_since = live_last_id(floor["eva"].pk), live_last_id(floor["davi"].pk)
    _post(api_as(floor["davi"]), f"/api/v1/attendances/{floor['attendance'].pk}/take/")
    pk = floor["attendance"].pk
    assert ("transferred_away", {"attendance": pk, "taken_by": "Davi Supervisor"}) in _live(floor["eva"], eva_since)
    assert ("assigned", {"attendance": pk}) in _live(floor["davi"], davi_since)


def test_the_customer_hears_who_answers_now_and_the_log_says_who_took_it(api_as, floor):
    api_as(floor["davi"]).post(f"/api/v1/attendances/{floor['attendance'].pk}/take/")
    attendance = _fresh(floor["attendance"])
    last = Message.objects.filter(attendance=attendance, direction="out").order_by("pk").last()
    assert last.body == "Davi Supervisor está atendendo você agora."
    lines = [line.text for line in event_log(attendance, floor["sara"])]
    assert "Assumido por Davi Supervisor de Eva Agente." in lines


def test_a_queued_attendance_can_be_taken_over_and_the_reports_replay_agrees(api_as, floor, operation_a):
    """Opened and queued through the engine (its events are the replay's input) in a group
    of its own: davi, full, takes it from the queue; the rollups equal the replay."""
    vendas = ServiceGroupFactory(name="Vendas", operation=operation_a, agents=[floor["davi"]])
    customer = customer_save(customer=Customer(), display_name="Rui", phone="34991230077")
    with at_once() as changes:
        queued = transitions.open_attendance(changes, customer=customer, channel=None, group=vendas)
        transitions.queue(changes, queued, vendas)
    assert _fresh(queued).status == Status.QUEUED  # davi is full: it waits
    assert api_as(floor["davi"]).post(f"/api/v1/attendances/{queued.pk}/take/").status_code == 200
    assert _fresh(queued).agent == floor["davi"]
    now = timezone.now()
    start, end = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1), now + timedelta(hours=1)
    replayed, kept = ({key: row for key, row in rows.items() if key[1] == vendas.pk} for rows in recompute(start, end))
    assert replayed == {key: row for key, row in stored(start, end)[0].items() if key[1] == vendas.pk}
    assert sum(row["queued"] for row in replayed.values()) == 1
    assert sum(row["assigned"] for row in replayed.values()) == 1


def test_a_plain_supervisor_cannot_take_over_and_is_told_why(api_as, floor):
    response = api_as(floor["sara"]).post(f"/api/v1/attendances/{floor['attendance'].pk}/take/")
    assert response.status_code == 400
    assert "supervisor-agente" in response.json()["detail"][0]
    assert _fresh(floor["attendance"]).agent == floor["eva"]


def test_taking_over_a_closed_attendance_is_refused(api_as, floor):
    from attendance.agent_actions import attendance_close

    attendance_close(attendance=floor["attendance"], actor=floor["eva"])
    response = api_as(floor["davi"]).post(f"/api/v1/attendances/{floor['attendance'].pk}/take/")
    assert response.status_code == 400 and response.json()["detail"] == ["Este atendimento já está encerrado."]


def test_an_attendance_of_another_operation_cannot_be_taken_and_looks_missing(api_as, floor):
    response = api_as(floor["caio"]).post(f"/api/v1/attendances/{floor['attendance'].pk}/take/")
    assert response.status_code == 404
    assert _fresh(floor["attendance"]).agent == floor["eva"]


def test_an_agent_cannot_take_over_a_colleagues_attendance(api_as, floor, operation_a):
    lia = UserFactory(username="lia", role=Role.AGENT, operations=[operation_a])
    assert api_as(lia).post(f"/api/v1/attendances/{floor['attendance'].pk}/take/").status_code == 404


# Whisper ------------------------------------------------------------------------------------------


def test_a_whisper_reaches_the_assigned_agent_as_a_mention_and_never_the_customer(api_as, floor):
    since = live_last_id(floor["eva"].pk)
    response = _post(api_as(floor["sara"]), f"/api/v1/attendances/{floor['attendance'].pk}/notes/",
                     {"text": "@eva ofereça o plano anual"})  # fmt: skip
    assert response.status_code == 201, response.content
    note = Message.objects.get(pk=response.json()["id"])
    assert (note.kind, note.sender, note.delivery) == ("note", "supervisor", "")
    assert Mention.objects.get(user=floor["eva"]).by == floor["sara"]
    assert "mention" in [event for event, _data in _live(floor["eva"], since)]


# Message the customer -----------------------------------------------------------------------------


def test_a_supervisor_writes_to_the_customer_signed_with_her_name_and_the_agent_sees_it(api_as, floor):
    since = live_last_id(floor["eva"].pk)
    response = _post(api_as(floor["sara"]), f"/api/v1/attendances/{floor['attendance'].pk}/messages/",
                     {"text": "Olá, sou a supervisora."})  # fmt: skip
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.sender, message.sender_name, message.body) == ("supervisor", "Sara Supervisora",
                                                                  "Olá, sou a supervisora.")  # fmt: skip
    assert message.delivery != ""  # it goes to the customer
    assert _fresh(floor["attendance"]).agent == floor["eva"]  # still eva's
    assert ("message", {"attendance": floor["attendance"].pk}) in _live(floor["eva"], since)


def test_the_supervisors_message_is_signed_by_the_company_where_the_group_shows_the_company(api_as, floor):
    floor["group"].display_name_mode = DisplayNameMode.COMPANY
    floor["group"].save()
    api_as(floor["sara"]).post(f"/api/v1/attendances/{floor['attendance'].pk}/messages/", {"text": "Oi"}, format="json")
    message = Message.objects.filter(attendance=floor["attendance"], sender="supervisor").get()
    assert message.sender_name == floor["group"].operation.company.name


def test_a_supervisor_message_with_a_file_or_empty_is_refused_with_a_message(api_as, floor):
    url = f"/api/v1/attendances/{floor['attendance'].pk}/messages/"
    empty = api_as(floor["sara"]).post(url, {"text": "  "}, format="json")
    assert empty.status_code == 400 and empty.json()["text"] == ["Escreva a mensagem."]
    image = api_as(floor["sara"]).post(url, {"text": "x", "kind": "image"}, format="json")
    assert image.status_code == 400 and "file" in image.json()


def test_a_supervisor_of_another_operation_cannot_message_the_customer(api_as, floor):
    url = f"/api/v1/attendances/{floor['attendance'].pk}/messages/"
    assert api_as(floor["caio"]).post(url, {"text": "Oi"}, format="json").status_code == 404
    assert not Message.objects.filter(attendance=floor["attendance"], sender="supervisor").exists()


# The monitor detail page ---------------------------------------------------------------------------


def test_the_monitor_detail_offers_take_over_to_a_supervisor_agent_and_whisper_and_message_to_all(web_as, floor):
    url = f"/monitor/{floor['attendance'].pk}/"
    davi_page = web_as(floor["davi"]).get(url).content.decode()
    sara_page = web_as(floor["sara"]).get(url).content.decode()
    assert 'id="take-form"' in davi_page and "Assumir" in davi_page
    assert 'id="take-form"' not in sara_page  # a plain supervisor has no workspace to answer in
    for page in (davi_page, sara_page):
        assert "Sussurrar para Eva Agente" in page and 'data-agent="eva"' in page
        assert "Mensagem ao cliente (assinada como supervisor)" in page and "reports/supervise.js" in page


# The monitor list: a reversed range says so; the filtered list exports -----------------------------


def test_a_reversed_date_range_on_the_monitor_says_so(web_as, floor):
    page = web_as(floor["sara"]).get("/monitor/?date_from=2026-03-10&date_to=2026-03-01").content.decode()
    assert "A data final não pode ser anterior à inicial." in page


def test_the_monitor_list_exports_every_filtered_row_as_csv_and_xlsx(web_as, floor, operation_b):
    queued_attendance(ServiceGroupFactory(operation=operation_b), "34991239999")  # B's: never exported to sara
    client = web_as(floor["sara"])
    response = client.get("/monitor/?status=in_progress&file_format=csv&dialect=excel_br")
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Protocolo;Cliente;Grupo;Agente;Status")
    protocols = {line.split(";")[0] for line in lines[1:]}
    in_progress = Attendance.objects.filter(status=Status.IN_PROGRESS, group__operation=floor["group"].operation)
    assert protocols == set(in_progress.values_list("protocol", flat=True)) and len(protocols) == 2
    assert any("Eva Agente" in line and "Em atendimento" in line for line in lines[1:])
    xlsx = client.get("/monitor/?status=in_progress&file_format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
