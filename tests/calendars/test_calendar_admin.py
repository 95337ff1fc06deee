"""The calendar screen: a week grid typed as people write hours, the year's holidays as the
calendar applies them, and the next openings (SPEC §14)."""

from __future__ import annotations

import pytest

from calendars.models import Calendar
from calendars.services import calendar_save

pytestmark = pytest.mark.django_db


def form(company, **overrides):
    data = {"name": "Comercial", "company": company.pk, "holidays_subdivision": "SP", "is_active": "on",
            "closed_dates_text": "", "special_hours_text": ""}  # fmt: skip
    data |= {f"day_{weekday}": "08:00-12:00, 13:00-18:00" for weekday in range(5)}
    data |= {"day_5": "", "day_6": ""}
    return data | overrides


def test_an_admin_creates_a_calendar_from_the_week_grid(web_as, admin_user, company):
    data = form(
        company,
        day_4="8:00 às 12:00, 13:00 até 18:00",
        day_5="22:00-06:00",
        closed_dates_text="31/12/2026\n",
        special_hours_text="24/12/2026 08:00-12:00",
    )
    response = web_as(admin_user).post("/admin/calendars/calendar/add/", data, follow=True)
    assert response.status_code == 200
    calendar = Calendar.objects.get()
    assert calendar.intervals[:2] == [{"weekday": 0, "start": "08:00", "end": "12:00"},
                                      {"weekday": 0, "start": "13:00", "end": "18:00"}]  # fmt: skip
    assert {"weekday": 5, "start": "22:00", "end": "06:00"} in calendar.intervals
    assert [item for item in calendar.intervals if item["weekday"] == 4] == [
        {"weekday": 4, "start": "08:00", "end": "12:00"}, {"weekday": 4, "start": "13:00", "end": "18:00"}]  # fmt: skip
    assert (calendar.closed_dates, calendar.holidays_subdivision) == (["2026-12-31"], "SP")
    assert calendar.special_hours == [{"date": "2026-12-24", "start": "08:00", "end": "12:00"}]


def test_bad_hours_get_a_message_on_their_day_and_nothing_is_saved(web_as, admin_user, company):
    browser = web_as(admin_user)
    response = browser.post("/admin/calendars/calendar/add/", form(company, day_2="8h-12h"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Escreva os horários como 08:00-12:00" in page
    overlap = browser.post("/admin/calendars/calendar/add/", form(company, day_0="08:00-12:00, 11:00-13:00"))
    assert "se sobrepõem" in overlap.content.decode()
    bad_day = browser.post("/admin/calendars/calendar/add/", form(company, closed_dates_text="31/02/2026"))
    assert "Linha 1: escreva uma data por linha" in bad_day.content.decode()
    assert not Calendar.objects.exists()


def test_the_change_page_shows_the_grid_the_year_holidays_and_the_next_openings(web_as, admin_user, company):
    calendar = calendar_save(calendar=Calendar(
        name="Comercial", company=company, holidays_subdivision="SP",
        intervals=[{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(5)],
        special_hours=[{"date": "2026-12-25", "start": "09:00", "end": "13:00"}],
        closed_dates=["2026-11-20"],
    ))  # fmt: skip
    page = web_as(admin_user).get(f"/admin/calendars/calendar/{calendar.pk}/change/?year=2026").content.decode()
    assert "Grade da semana" in page and "Próximas aberturas" in page and "Feriados de 2026" in page
    assert page.count('class="cell open"') == 5 * 20  # five days of ten hours, half hours
    assert "Revolução Constitucionalista" in page  # São Paulo's own
    assert "Horário especial: 09:00–13:00" in page  # Christmas with special hours
    assert "Fechado (dia fechado da empresa)" in page  # 20/11, a holiday listed as closed date too
    assert "Fechado (sem expediente neste dia da semana)" in page  # 15/11/2026 is a Sunday
    assert 'value="08:00-18:00"' in page
