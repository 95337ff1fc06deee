"""Numbers and dates typed into filters, reports and forms: what was a server error (a
long schemathesis run as a supervisor found the first; the rest by reading every
``isdigit`` then ``int`` and every date turned into a range) answers with a message
(SPEC §0 "bad input gets a clear Portuguese message", R5)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from core.dates import EARLIEST, LATEST, day_in_range
from core.text import whole_number
from providers.whatsapp_cloud import reply_text
from tests.factories import ServiceGroupFactory, queued_attendance

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Use uma data entre 01/01/2000 e 31/12/2100."
INVALID_DATE = "Data inválida: use AAAA-MM-DD."


@pytest.mark.parametrize(
    ("text", "number"),
    [("7", 7), ("007", 7), ("123456789012345678", 123456789012345678), ("", None), (None, None),
     ("²", None), ("٣", None), ("1²", None), ("-1", None), (" 1", None), ("1.5", None),
     ("1234567890123456789", None)],
)  # fmt: skip
def test_whole_number_reads_ascii_digits_only(text, number):
    assert whole_number(text) == number


def test_the_date_range_is_inclusive():
    assert day_in_range(EARLIEST) and day_in_range(LATEST)
    assert not day_in_range(EARLIEST.replace(year=1999)) and not day_in_range(LATEST.replace(year=2101))


def test_a_menu_reply_id_that_only_looks_like_a_digit_is_read_as_its_title():
    assert reply_text("2", "Financeiro") == "2"
    assert reply_text("²", "Financeiro") == "Financeiro"


@pytest.mark.parametrize(
    "period",
    ["start=0001-01-01&end=0001-01-05", "start=9999-12-30&end=9999-12-31", "start=1999-12-31&end=2000-01-02"],
)
@pytest.mark.parametrize("report", ["service-level", "surveys"])
def test_a_report_period_outside_the_years_is_a_field_error(api_as, admin_user, report, period):
    response = api_as(admin_user).get(f"/api/v1/reports/{report}/?{period}")
    assert response.status_code == 400, response.content
    messages = [message for field in ("start", "end") for message in response.json().get(field, [])]
    assert messages == [OUT_OF_RANGE] * len(messages) and messages


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("opened_before=9999-12-31", "opened_before", OUT_OF_RANGE),
        ("opened_after=0001-01-01T00:00:00", "opened_after", OUT_OF_RANGE),
        ("opened_after=2026-13-45", "opened_after", INVALID_DATE),
        ("opened_after=2026-01-01T25:00:00", "opened_after", INVALID_DATE),
        ("opened_after=2026-01-01T00:00:00%2B99:00", "opened_after", INVALID_DATE),
        ("agent=²", "agent", None),
    ],
)
def test_the_attendances_filters_refuse_impossible_values(api_as, admin_user, query, field, message):
    response = api_as(admin_user).get(f"/api/v1/attendances/?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()
    if message:
        assert response.json()[field] == [message]


def test_the_attendances_filters_still_take_the_range_s_first_and_last_days(api_as, admin_user):
    response = api_as(admin_user).get("/api/v1/attendances/?opened_after=2000-01-01&opened_before=2100-12-31")
    assert response.status_code == 200


@pytest.fixture
def attendance(operation_a):
    return queued_attendance(ServiceGroupFactory(operation=operation_a), "+5534991234567")


def test_messages_after_a_superscript_digit_is_a_400(api_as, admin_user, attendance):
    response = api_as(admin_user).get(f"/api/v1/attendances/{attendance.pk}/messages/?after=²")
    assert response.status_code == 400
    assert response.json() == {"after": ["Informe um número inteiro."]}


@pytest.fixture
def monitoring_supervisor(supervisor_a):
    monitor = Permission.objects.get(content_type__app_label="reports", codename="monitor_attendances")
    supervisor_a.profile.permissions.add(monitor)
    return supervisor_a


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("date_to=9999-12-31", OUT_OF_RANGE),
        ("date_from=0001-01-01&date_field=closed", OUT_OF_RANGE),
        ("page=99999999999999999999", None),
        ("group=²&agent=²&operation=²", None),
    ],
)
def test_the_monitoring_list_answers_impossible_filters_with_a_message(web_as, monitoring_supervisor, query, shown):
    response = web_as(monitoring_supervisor).get(f"/monitor/?{query}")
    assert response.status_code == 200
    if shown:
        assert shown in response.content.decode()


def test_the_dashboard_page_ignores_an_operation_that_only_looks_like_a_number(web_as, monitoring_supervisor):
    assert web_as(monitoring_supervisor).get("/dashboard/?operation=²&group=¹").status_code == 200


def test_a_supervisor_s_transfer_with_a_superscript_group_is_refused_not_a_500(
    web_as, monitoring_supervisor, attendance
):
    response = web_as(monitoring_supervisor).post(
        f"/monitor/{attendance.pk}/", {"action": "transfer", "group": "²", "agent": "³"}
    )
    assert response.status_code in (200, 302)


def test_the_live_stream_reads_last_event_id_as_digits_only(rf):
    from workspace.stream import _after

    assert _after(rf.get("/workspace/events/", HTTP_LAST_EVENT_ID="42")) == 42
    assert _after(rf.get("/workspace/events/", HTTP_LAST_EVENT_ID="²")) == 0
    assert _after(rf.get("/workspace/events/?last_event_id=٣")) == 0


@pytest.mark.parametrize(
    ("url", "cleaned"),
    [
        ("/admin/attendance/attendance/?close_reason=%00", "/admin/attendance/attendance/?close_reason="),
        ("/admin/customers/customer/?q=Maria%00%01", "/admin/customers/customer/?q=Maria"),
        ("/monitor/?protocol=%00&status=queued", "/monitor/?protocol=&status=queued"),
        ("/monitor/?%00=1", "/monitor/?=1"),
    ],
)
def test_a_screen_s_query_string_loses_its_nul_and_control_characters_and_says_so(web_as, admin_user, url, cleaned):
    browser = web_as(admin_user)
    response = browser.get(url)
    assert (response.status_code, response["Location"]) == (302, cleaned)
    page = browser.get(cleaned, follow=True)
    assert page.status_code == 200
    assert "Caracteres que não podem ser pesquisados foram retirados do endereço." in page.content.decode()


def test_the_api_keeps_answering_a_nul_with_a_field_error(api_as, admin_user):
    assert api_as(admin_user).get("/api/v1/customers/?search=%00").status_code == 400


def test_a_date_filter_means_the_company_s_day_not_the_server_s(api_as, admin_user, operation_a):
    """``opened_after=2026-03-02`` starts at midnight of the company's time zone (core.dates):
    in Tokyo that is 15:00 UTC of the 1st, so an attendance opened at 16:00 UTC is in it."""
    from datetime import UTC, datetime

    from tests.factories import ServiceGroupFactory, queued_attendance

    admin_user.company.time_zone = "Asia/Tokyo"
    admin_user.company.save()
    group = ServiceGroupFactory(operation=operation_a)
    opened = queued_attendance(group, "34991239999", queued_at=datetime(2026, 3, 1, 16, 0, tzinfo=UTC))
    response = api_as(admin_user).get("/api/v1/attendances/?opened_after=2026-03-02&opened_before=2026-03-02")
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [opened.pk]


# Issue 32 item 5: Arabic-Indic (and other scripts') digits are not read as numbers ----------


@pytest.mark.parametrize("typed", ["٣", "３", "۳"])
def test_the_api_refuses_other_scripts_digits_in_a_model_integer_with_the_field_message(api_as, admin_user, typed):
    from customers.models import Customer

    body = {"display_name": "Ana", "phone": "34991234567", "priority": typed}
    response = api_as(admin_user).post("/api/v1/customers/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"priority": ["Um número inteiro válido é exigido."]}
    assert not Customer.objects.exists()
    body["priority"] = "3"
    assert api_as(admin_user).post("/api/v1/customers/", body, format="json").json()["priority"] == 3


def test_the_api_refuses_other_scripts_digits_in_a_declared_integer(api_as, admin_user):
    body = {"name": "Plantão", "work_hours": [{"weekday": "٣", "start": "08:00", "end": "12:00"}]}
    response = api_as(admin_user).post("/api/v1/users/", body, format="json")
    assert response.status_code == 400
    assert response.json()["work_hours"] == {"0": {"weekday": ["Um número inteiro válido é exigido."]}}


def test_an_api_filter_refuses_other_scripts_digits(api_as, admin_user, operation_a):
    group = ServiceGroupFactory(operation=operation_a)
    response = api_as(admin_user).get(f"/api/v1/customers/?group={chr(0x0660 + group.pk)}")
    assert response.status_code == 400


def test_the_admin_form_refuses_other_scripts_digits_in_an_integer(web_as, admin_user):
    from customers.models import Customer

    data = {"display_name": "Ana", "network": "whatsapp", "phone": "34991234567", "priority": "٣",
            "document_type": "", "is_active": "on"}  # fmt: skip
    response = web_as(admin_user).post("/admin/customers/customer/add/", data)
    assert response.status_code == 200
    assert "Informe um número inteiro." in response.content.decode()
    assert not Customer.objects.exists()
