"""SPEC §9 / §10: the dashboard, service-level and survey APIs — shapes, figures from sums,
scoping (the supervisor of B never sees a number of A), permissions, exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from attendance.agent_actions import attendance_close
from attendance.distribution import distribute_group
from attendance.inbound import inbound_receive
from attendance.presence import presence_set
from attendance.services import group_save
from tests.factories import ProfileFactory, UserFactory
from users.models import Role

pytestmark = pytest.mark.django_db

DASHBOARD = "/api/v1/dashboard/"
SERVICE_LEVEL = "/api/v1/reports/service-level/"
SURVEYS = "/api/v1/reports/surveys/"
DAY = "2026-03-10"


@pytest.fixture
def granted(supervisor_profile):
    """The supervision profile also grants survey results and monitoring."""
    from django.contrib.auth.models import Permission

    supervisor_profile.permissions.add(*Permission.objects.filter(content_type__app_label="reports"))
    return supervisor_profile


def _say(centre, phone, text):
    return inbound_receive(channel=centre["channel"], network="whatsapp", phone=phone, country_code="55",
                           display_name="Cliente", text=text).attendance  # fmt: skip


@pytest.fixture
def day(clock, centre, granted):
    """Operation A: 2 in Vendas (one waited 2 min, one 8 min: SLA 5 min), 1 abandoned in
    Vendas; Suporte: 1 closed by teo with a survey answered (Ótimo, 10, "Muito bom").
    Operation B: 1 waiting in Cobrança's queue."""
    vendas, suporte, cobranca = centre["vendas"], centre["suporte"], centre["cobranca"]
    clock.set_local(2026, 3, 10, 9, 0)
    for agent in (centre["lia"], centre["teo"], centre["bob"]):
        presence_set(agent=agent, state="online")
    _say(centre, "34990000001", "oi")
    first = _say(centre, "34990000001", "1")
    clock.advance(minutes=2)
    presence_set(agent=centre["lia"], state="online")
    distribute_group(group_id=vendas.pk)
    _say(centre, "34990000002", "oi")
    _say(centre, "34990000002", "1")
    clock.advance(minutes=8)
    presence_set(agent=centre["lia"], state="online")
    distribute_group(group_id=vendas.pk)
    _say(centre, "34990000003", "oi")
    abandoned = _say(centre, "34990000003", "1")
    attendance_close(attendance=abandoned, reason="abandoned")
    _say(centre, "34990000004", "oi")
    support = _say(centre, "34990000004", "2")
    presence_set(agent=centre["teo"], state="online")
    distribute_group(group_id=suporte.pk)
    clock.advance(minutes=30)
    attendance_close(attendance=support, reason="agent", actor=centre["teo"], send_survey=True)
    for answer in ("1", "10", '=HYPERLINK("http://x")'):
        clock.advance(minutes=1)
        _say(centre, "34990000004", answer)
    # Operation B's customer starts in B's main group (a customer's group decides).
    from customers.models import Customer
    from customers.services import customer_save

    customer = customer_save(customer=Customer(), network="whatsapp", phone="+5534990000009", display_name="Cliente B",
                             group=cobranca)  # fmt: skip
    assert customer.group == cobranca
    waiting = _say(centre, "34990000009", "oi")
    assert waiting.group == cobranca and waiting.status == "queued"
    clock.advance(minutes=1)
    return {"first": first, "abandoned": abandoned, "support": support, "waiting": waiting}


def test_the_dashboard_has_the_spec_shape_and_figures(api_as, admin_user, day, centre, clock):
    body = api_as(admin_user).get(DASHBOARD).json()
    assert set(body) >= {"generated_at", "totals", "groups", "agents"}
    vendas = next(g for g in body["groups"] if g["id"] == centre["vendas"].pk)
    assert set(vendas) >= {"id", "name", "operation", "queued", "longest_wait_seconds", "bot", "in_progress",
                           "pending", "agents", "today", "by_hour"}  # fmt: skip
    assert vendas["today"] == {
        "queued": 3, "assigned": 2, "abandoned": 1, "closed": 1, "avg_wait_seconds": 300.0,
        "max_wait_seconds": 480.0, "avg_handling_seconds": None, "service_level_percent": 33.3,
        "csat_percent": None, "nps": None,
    }  # fmt: skip
    assert vendas["in_progress"] == 2 and vendas["agents"] == {"online": 1, "paused": 0, "offline": 1}
    assert len(vendas["by_hour"]) == 24 and vendas["by_hour"][9]["queued"] == 3
    suporte = next(g for g in body["groups"] if g["id"] == centre["suporte"].pk)
    assert (suporte["today"]["csat_percent"], suporte["today"]["nps"]) == (100.0, 100.0)
    assert suporte["today"]["avg_handling_seconds"] == 30 * 60
    cobranca = next(g for g in body["groups"] if g["id"] == centre["cobranca"].pk)
    assert cobranca["queued"] == 1 and cobranca["longest_wait_seconds"] == 60
    totals = body["totals"]
    assert "id" not in totals and totals["today"]["queued"] == 5  # 3 Vendas + 1 Suporte + 1 Cobrança
    assert totals["today"]["service_level_percent"] == 33.3  # Vendas only: the groups with an SLA
    # Combined from sums: (120 + 480 + 0) / 3 assignments, not the average of the groups' averages.
    assert totals["today"]["avg_wait_seconds"] == 200.0
    lia = next(a for a in body["agents"] if a["id"] == centre["lia"].pk)
    assert lia == {"id": lia["id"], "display_name": "Lia", "state": "online", "reason": "", "since": lia["since"],
                   "in_progress": 2, "capacity": 2, "groups": [centre["vendas"].pk],
                   "last_message_at": None, "waiting_since": lia["waiting_since"]}  # fmt: skip
    assert lia["waiting_since"] is not None  # her customers wrote and she has not answered yet (SPEC §9.1)


def test_the_supervisor_of_b_never_sees_a_number_of_a(api_as, supervisor_a, supervisor_b, day, centre):
    body = api_as(supervisor_b).get(DASHBOARD).json()
    assert [g["name"] for g in body["groups"]] == ["Cobrança"]
    assert [a["display_name"] for a in body["agents"]] == ["Bob"]
    assert body["totals"]["today"]["queued"] == 1 and body["totals"]["queued"] == 1
    for url in (DASHBOARD, f"{SERVICE_LEVEL}?start={DAY}&end={DAY}", f"{SURVEYS}?start={DAY}&end={DAY}"):
        hidden = api_as(supervisor_b).get(f"{url}{'&' if '?' in url else '?'}group={centre['vendas'].pk}")
        missing = api_as(supervisor_b).get(f"{url}{'&' if '?' in url else '?'}group=999999")
        assert hidden.status_code == missing.status_code == 400
        assert hidden.json() == missing.json() == {"group": ["Grupo inexistente."]}
    report = api_as(supervisor_b).get(f"{SERVICE_LEVEL}?start={DAY}&end={DAY}&by=group").json()
    assert [row["label"] for row in report["rows"]] == ["Cobrança"] and report["totals"]["queued"] == 1
    surveys = api_as(supervisor_b).get(f"{SURVEYS}?start={DAY}&end={DAY}").json()
    assert surveys["answers"] == 0 and surveys["open_answers"]["count"] == 0
    mine = api_as(supervisor_a).get(f"{SURVEYS}?start={DAY}&end={DAY}").json()
    assert mine["answers"] == 3 and mine["csat_percent"] == 100.0


@pytest.mark.parametrize("by, keys", [("day", [DAY]), ("hour", [9]), ("group", None), ("agent", None)])
def test_the_service_level_report_groups_rows_and_totals_from_sums(api_as, supervisor_a, day, centre, by, keys):
    body = api_as(supervisor_a).get(f"{SERVICE_LEVEL}?start=2026-03-01&end=2026-03-31&by={by}").json()
    if keys is not None:
        assert [row["key"] for row in body["rows"]] == keys
    if by == "group":
        assert {row["label"] for row in body["rows"]} == {"Vendas", "Suporte"}
    if by == "agent":
        assert {row["label"] for row in body["rows"]} == {"Lia", "Teo"}
    assert sum(row["assigned"] for row in body["rows"]) == body["totals"]["assigned"]
    if by != "agent":  # abandoned attendances have no agent
        assert body["totals"]["queued"] == 4 and body["totals"]["abandoned"] == 1
        # Service level over the groups with an SLA only (Vendas): 1 of (2 assigned + 1 abandoned).
        assert body["totals"]["service_level_percent"] == 33.3


def test_the_report_filters_by_agent_and_refuses_bad_periods(api_as, supervisor_a, day, centre):
    body = api_as(supervisor_a).get(f"{SERVICE_LEVEL}?start={DAY}&end={DAY}&agent={centre['teo'].pk}").json()
    assert body["totals"]["assigned"] == 1 and body["totals"]["closed"] == 1
    too_long = api_as(supervisor_a).get(f"{SERVICE_LEVEL}?start=2025-01-01&end=2026-01-02")
    assert too_long.status_code == 400 and too_long.json() == {"end": ["O período pode ter no máximo 366 dias."]}
    backwards = api_as(supervisor_a).get(f"{SERVICE_LEVEL}?start={DAY}&end=2026-03-01")
    assert backwards.status_code == 400 and "end" in backwards.json()
    assert api_as(supervisor_a).get(f"{SERVICE_LEVEL}?start=ontem&end={DAY}").status_code == 400
    assert api_as(supervisor_a).get(f"{SERVICE_LEVEL}?start={DAY}&end={DAY}&by=week").status_code == 400


def test_the_exports_carry_the_same_rows_and_neutralise_formulas(api_as, supervisor_a, day, centre):
    group_save(group=_renamed(centre["vendas"], "=Vendas"))
    client = api_as(supervisor_a)
    report = client.get(f"{SERVICE_LEVEL}?start={DAY}&end={DAY}&by=group").json()
    response = client.get(f"{SERVICE_LEVEL}?start={DAY}&end={DAY}&by=group&file_format=csv&dialect=excel_br")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert lines[0][:4] == ["Chave", "Rótulo", "Na fila", "Atribuídos"]
    assert any(line[1] == "'=Vendas" for line in lines[1:])
    assert lines[-1][1] == "Total" and int(lines[-1][2]) == report["totals"]["queued"]
    xlsx = client.get(f"{SERVICE_LEVEL}?start={DAY}&end={DAY}&by=group&file_format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[-1][1] == "Total" and int(rows[-1][3]) == report["totals"]["assigned"]
    answers = client.get(f"{SURVEYS}?start={DAY}&end={DAY}&file_format=csv")
    lines = list(csv.reader(io.StringIO(b"".join(answers.streaming_content).decode())))
    assert len(lines) == 4 and any(line[7].startswith("'=HYPERLINK") for line in lines)


def _renamed(group, name):
    group.name = name
    return group


def test_survey_results_count_each_option_and_score(api_as, supervisor_a, day, centre):
    body = api_as(supervisor_a).get(f"{SURVEYS}?start={DAY}&end={DAY}&survey={centre['survey'].pk}").json()
    csat, nps = body["questions"][0], body["questions"][1]
    assert csat["type"] == "csat" and csat["options"] == [
        {"text": "Ótimo", "satisfied": True, "count": 1}, {"text": "Ruim", "satisfied": False, "count": 0}]  # fmt: skip
    assert nps["scores"][10] == {"score": 10, "count": 1} and nps["nps"] == 100.0
    assert body["open_answers"]["count"] == 1
    answer = body["open_answers"]["results"][0]
    assert answer["text"].startswith("=HYPERLINK") and answer["agent"] == "Teo" and answer["group"] == "Suporte"


def test_permissions_follow_role_and_profile(api_as, api, agent_a, supervisor_agent_a, operation_a, day):
    assert api.get(DASHBOARD).status_code in (401, 403)
    assert api_as(agent_a).get(DASHBOARD).status_code == 403
    bare = UserFactory(username="semperfil", role=Role.SUPERVISOR, operations=[operation_a],
                       profile=ProfileFactory(name="Vazio", perms=[]))  # fmt: skip
    for url in (DASHBOARD, f"{SERVICE_LEVEL}?start={DAY}&end={DAY}", f"{SURVEYS}?start={DAY}&end={DAY}"):
        response = api_as(bare).get(url)
        assert response.status_code == 403 and response.json() == {"detail": "Seu perfil não permite esta ação."}
    assert api_as(supervisor_agent_a).get(DASHBOARD).status_code == 200


def test_the_schema_documents_the_report_responses(api_as, admin_user):
    schema = api_as(admin_user).get("/api/v1/schema/?format=json").json()
    dashboard = schema["paths"]["/api/v1/dashboard/"]["get"]
    assert "Dashboard" in dashboard["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert {"400", "403"} <= set(dashboard["responses"])
    report = schema["paths"]["/api/v1/reports/service-level/"]["get"]
    assert {"application/json", "text/csv"} <= set(report["responses"]["200"]["content"])
    assert {p["name"] for p in report["parameters"]} >= {"start", "end", "group", "agent", "by", "file_format",
                                                          "dialect"}  # fmt: skip
    assert "/api/v1/reports/surveys/" in schema["paths"]
    assert set(schema["components"]["schemas"]["Totals"]["properties"]) >= {"queued", "longest_wait_seconds", "today"}


def test_a_day_without_activity_has_null_averages(api_as, admin_user, centre):
    body = api_as(admin_user).get(f"{SERVICE_LEVEL}?start=2020-01-01&end=2020-01-31").json()
    assert {rule["rule"] for rule in body.pop("wait_rules")} == {"clock"}  # no group has a calendar
    assert body == {"rows": [], "totals": {"queued": 0, "assigned": 0, "abandoned": 0, "closed": 0,
                                           "avg_wait_seconds": None, "max_wait_seconds": None,
                                           "avg_handling_seconds": None, "service_level_percent": None,
                                           "csat_percent": None, "nps": None}}  # fmt: skip


def test_the_brazilian_exports_write_decimal_commas_and_numeric_xlsx_cells(api_as, supervisor_a, day, centre):
    """Issue 31 item 7: "33.3" in a ';' CSV is a date or a thousand to Excel in Portuguese."""
    client = api_as(supervisor_a)
    period = "start=2026-03-01&end=2026-03-31&by=group"
    totals = client.get(f"{SERVICE_LEVEL}?{period}").json()["totals"]
    assert totals["service_level_percent"] == 33.3
    response = client.get(f"{SERVICE_LEVEL}?{period}&file_format=csv&dialect=excel_br")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff")), delimiter=";"))
    total = dict(zip(lines[0], lines[-1], strict=True))
    assert total["Nível de serviço (%)"] == "33,3"
    assert total["Na fila"] == str(totals["queued"])
    assert not any("." in cell for line in lines[1:] for cell in line[2:])  # every figure: comma or whole
    programs = client.get(f"{SERVICE_LEVEL}?{period}&file_format=csv")  # ',' CSV for programs: the dot stays
    lines = list(csv.reader(io.StringIO(b"".join(programs.streaming_content).decode())))
    assert dict(zip(lines[0], lines[-1], strict=True))["Nível de serviço (%)"] == "33.3"
    xlsx = client.get(f"{SERVICE_LEVEL}?{period}&file_format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    last = sheet[sheet.max_row]
    level = last[header.index("Nível de serviço (%)")]
    assert level.value == 33.3 and level.data_type == "n" and level.number_format == "0.0##"
    queued = last[header.index("Na fila")]
    assert queued.value == totals["queued"] and queued.data_type == "n" and queued.number_format == "0"


def test_the_survey_export_writes_scores_as_numbers(api_as, supervisor_a, day, centre):
    client = api_as(supervisor_a)
    xlsx = client.get(f"{SURVEYS}?start={DAY}&end={DAY}&file_format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    column = [cell.value for cell in sheet[1]].index("Nota")
    scores = [row[column] for row in sheet.iter_rows(min_row=2) if row[column].value is not None]
    assert scores and all(cell.data_type == "n" for cell in scores)


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("", "start", "Informe o primeiro dia do período (start) como AAAA-MM-DD, por exemplo 2026-03-01."),
        (f"start={DAY}", "end", "Informe o último dia do período (end) como AAAA-MM-DD, por exemplo 2026-03-31."),
        (f"start=ontem&end={DAY}", "start", "Não é uma data: escreva o dia como AAAA-MM-DD, por exemplo 2026-03-01."),
        (
            f"start={DAY}&end={DAY}&group=vendas",
            "group",
            "Não é um identificador: use o número que identifica o registro.",
        ),
        (f"start={DAY}&end={DAY}&by=semana", "by", "“semana” não é uma opção: use day, hour, group, agent."),
        (f"start={DAY}&end={DAY}&file_format=pdf", "file_format", "“pdf” não é uma opção: use csv, xlsx."),
    ],
)
def test_garbage_report_parameters_answer_what_is_wrong(api_as, supervisor_a, granted, query, field, message):
    response = api_as(supervisor_a).get(f"{SERVICE_LEVEL}?{query}", HTTP_ACCEPT_LANGUAGE="pt-br")
    assert response.status_code == 400
    assert response.json()[field][0].startswith(message)
    assert "obrigatório" not in response.content.decode()
