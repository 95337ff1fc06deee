"""The one rule of SPEC §14 (``calendars.hours``), against the ``holidays`` package."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

import holidays
import pytest
from django.core.exceptions import ValidationError

from calendars.hours import Schedule, calendar_status, schedule_of
from calendars.models import Calendar
from calendars.services import calendar_save
from tests.factories import CompanyFactory

SP = zoneinfo.ZoneInfo("America/Sao_Paulo")
MANAUS = zoneinfo.ZoneInfo("America/Manaus")
WEEKDAYS_8_TO_18 = [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(5)]


def schedule(intervals=WEEKDAYS_8_TO_18, subdivision="", closed=(), special=(), zone="America/Sao_Paulo"):
    return Schedule(time_zone=zone, intervals=intervals, subdivision=subdivision, closed_dates=list(closed),
                    special_hours=list(special))  # fmt: skip


def local(*args, zone=SP):
    return datetime(*args, tzinfo=zone)


@pytest.mark.parametrize("year", [2026, 2027])
def test_every_national_holiday_on_a_weekday_is_closed_with_its_name(year):
    rule = schedule()
    for day, name in holidays.Brazil(years=year, language="pt_BR").items():
        status = rule.status(local(day.year, day.month, day.day, 10))
        assert not status.open
        if day.weekday() < 5:
            assert (status.reason, status.holiday_name) == ("holiday", name.split("; ")[0]), day
            assert status.next_open_at > local(day.year, day.month, day.day, 10)


def test_black_consciousness_day_is_national_since_2024():
    status = schedule().status(local(2026, 11, 20, 10))  # a Friday
    assert (status.open, status.reason) == (False, "holiday")
    assert "Consciência Negra" in status.holiday_name
    assert status.next_open_at == local(2026, 11, 23, 8)  # Monday 08:00


@pytest.mark.parametrize("year", [2026, 2027])
def test_a_state_calendar_adds_the_state_holidays_and_a_national_one_does_not(year):
    sao_paulo = holidays.Brazil(years=year, subdiv="SP", language="pt_BR")
    national = holidays.Brazil(years=year, language="pt_BR")
    state_only = [day for day in sao_paulo if day not in national]
    assert state_only, "the package lists São Paulo's own holidays"
    for day in state_only:
        at = local(day.year, day.month, day.day, 10)
        assert schedule(subdivision="SP").status(at).reason == "holiday"
        assert schedule(subdivision="SP").status(at).holiday_name == sao_paulo[day]
        if day.weekday() < 5:
            assert schedule().status(at).open


def test_revolucao_constitucionalista_closes_sao_paulo_only():
    at = local(2026, 7, 9, 10)  # Thursday 9 July 2026
    assert schedule(subdivision="SP").status(at).holiday_name == "Revolução Constitucionalista"
    assert schedule(subdivision="MG").status(at).open


def test_open_on_a_weekday_says_until_when():
    status = schedule().status(local(2026, 12, 8, 10))  # Tuesday
    assert (status.open, status.reason, status.next_open_at) == (True, "hours", None)
    assert status.closes_at == local(2026, 12, 8, 18)


def test_after_hours_the_next_opening_is_the_next_morning_and_friday_night_monday():
    tuesday_night = schedule().status(local(2026, 12, 8, 21))
    assert (tuesday_night.open, tuesday_night.reason) == (False, "closed_hours")
    assert tuesday_night.next_open_at == local(2026, 12, 9, 8)
    assert schedule().status(local(2026, 12, 11, 18)).next_open_at == local(2026, 12, 14, 8)  # 18:00 is closed


def test_split_shifts_close_at_lunch():
    rule = schedule(
        [{"weekday": 0, "start": "08:00", "end": "12:00"}, {"weekday": 0, "start": "13:00", "end": "18:00"}]
    )
    monday = (2026, 12, 7)
    assert rule.status(local(*monday, 11, 59)).closes_at == local(*monday, 12)
    lunch = rule.status(local(*monday, 12, 30))
    assert (lunch.open, lunch.reason, lunch.next_open_at) == (False, "closed_hours", local(*monday, 13))
    assert rule.status(local(*monday, 13)).open


def test_a_shift_past_midnight_belongs_to_the_day_it_starts():
    rule = schedule([{"weekday": 4, "start": "22:00", "end": "06:00"}])  # Friday night
    assert rule.status(local(2026, 12, 11, 23)).open
    saturday = rule.status(local(2026, 12, 12, 5, 59))
    assert (saturday.open, saturday.closes_at) == (True, local(2026, 12, 12, 6))
    assert not rule.status(local(2026, 12, 12, 6)).open
    assert rule.status(local(2026, 12, 12, 6)).next_open_at == local(2026, 12, 18, 22)


def test_back_to_back_shifts_are_one_opening_and_a_24_7_calendar_never_closes():
    rule = schedule(
        [{"weekday": 0, "start": "22:00", "end": "00:00"}, {"weekday": 1, "start": "00:00", "end": "06:00"}]
    )
    assert rule.status(local(2026, 12, 7, 23)).closes_at == local(2026, 12, 8, 6)
    always = schedule([{"weekday": day, "start": "00:00", "end": "00:00"} for day in range(7)])
    status = always.status(local(2026, 12, 7, 3))
    assert (status.open, status.closes_at) == (True, None)


def test_special_hours_replace_the_day_even_a_holiday():
    rule = schedule(special=[{"date": "2026-12-24", "start": "08:00", "end": "12:00"},
                             {"date": "2026-12-25", "start": "10:00", "end": "14:00"}])  # fmt: skip
    assert rule.status(local(2026, 12, 24, 11)).reason == "special_hours"
    afternoon = rule.status(local(2026, 12, 24, 13))  # Thursday, usually open
    assert (afternoon.open, afternoon.reason, afternoon.next_open_at) == (
        False,
        "special_hours",
        local(2026, 12, 25, 10),
    )
    christmas = rule.status(local(2026, 12, 25, 11))
    assert (christmas.open, christmas.holiday_name) == (True, "Natal")


def test_closed_dates_close_the_company_and_christmas_sends_to_the_next_working_day():
    rule = schedule(closed=["2026-12-28"])
    status = rule.status(local(2026, 12, 28, 10))
    assert (status.open, status.reason, status.next_open_at) == (False, "closed_date", local(2026, 12, 29, 8))
    christmas = rule.status(local(2026, 12, 25, 3))
    assert (christmas.reason, christmas.holiday_name, christmas.next_open_at) == (
        "holiday",
        "Natal",
        local(2026, 12, 29, 8),
    )


def test_hours_are_wall_clock_times_of_the_company_zone():
    manaus = schedule(zone="America/Manaus")  # UTC−4, São Paulo UTC−3
    at = local(2026, 12, 8, 8, 30)  # 07:30 in Manaus
    assert not manaus.status(at).open
    assert manaus.status(at).next_open_at == local(2026, 12, 8, 8, zone=MANAUS)
    assert manaus.status(at).next_open_at == local(2026, 12, 8, 9)
    assert schedule().status(at).open


def test_sao_paulo_has_no_daylight_saving_any_more():
    rule = schedule([{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(7)])
    for month in (1, 11):  # summer months that used to shift the clock
        opens = rule.status(local(2026, month, 10, 7)).next_open_at
        assert opens.astimezone(zoneinfo.ZoneInfo("UTC")).hour == 11


def test_a_calendar_without_hours_never_opens():
    status = schedule([]).status(local(2026, 12, 8, 10))
    assert (status.open, status.reason, status.next_open_at) == (False, "closed_hours", None)


def test_open_seconds_count_only_open_time():
    rule = schedule()
    assert rule.open_seconds(local(2026, 12, 8, 21), local(2026, 12, 9, 8)) == 0
    assert rule.open_seconds(local(2026, 12, 8, 17), local(2026, 12, 9, 9)) == 2 * 3600


@pytest.mark.django_db
def test_a_saved_calendar_is_compiled_once_and_again_after_a_save():
    calendar = calendar_save(calendar=Calendar(name="Comercial", company=CompanyFactory(), intervals=WEEKDAYS_8_TO_18))
    first = schedule_of(calendar)
    assert schedule_of(calendar) is first
    assert calendar_status(calendar, local(2026, 12, 8, 10)).open
    calendar.intervals = [{"weekday": 1, "start": "12:00", "end": "18:00"}]
    calendar_save(calendar=calendar)
    assert schedule_of(calendar) is not first
    assert not calendar_status(calendar, local(2026, 12, 8, 10)).open


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("intervals", [{"weekday": 7, "start": "08:00", "end": "18:00"}], "dia da semana"),
        ("intervals", [{"weekday": 0, "start": "8h", "end": "18:00"}], "HH:MM"),
        ("intervals", [{"weekday": 0, "start": "٠٨:00", "end": "18:00"}], "HH:MM"),
        ("intervals", [{"weekday": 0, "start": "08:00", "end": "12:00"}, {"weekday": 0, "start": "11:00", "end": "13:00"}], "sobrepõem"),
        ("intervals", [{"weekday": 6, "start": "22:00", "end": "06:00"}, {"weekday": 0, "start": "05:00", "end": "09:00"}], "sobrepõem"),
        ("closed_dates", ["25/12/2026"], "AAAA-MM-DD"),
        ("special_hours", [{"date": "2026-12-24", "start": "08:00"}], "Dia especial 1"),
        ("holidays_subdivision", "XX", "estado"),
    ],
)  # fmt: skip
def test_it_refuses_bad_hours_with_a_portuguese_message(field, value, message):
    calendar = Calendar(name="Ruim", company=CompanyFactory(), **{field: value})
    with pytest.raises(ValidationError) as error:
        calendar_save(calendar=calendar)
    assert message in " ".join(error.value.message_dict[field])
    assert not Calendar.objects.exists()


@pytest.mark.django_db
def test_it_normalises_hours_and_refuses_a_date_closed_and_special():
    calendar = calendar_save(calendar=Calendar(
        name="Normal", company=CompanyFactory(),
        intervals=[{"weekday": 2, "start": "8:00", "end": "12:00"}, {"weekday": 0, "start": "08:00", "end": "12:00"}],
        closed_dates=["2026-12-31", "2026-12-30", "2026-12-31"],
    ))  # fmt: skip
    assert [item["weekday"] for item in calendar.intervals] == [0, 2]
    assert calendar.intervals[1]["start"] == "08:00"
    assert calendar.closed_dates == ["2026-12-30", "2026-12-31"]
    calendar.special_hours = [{"date": "2026-12-31", "start": "08:00", "end": "12:00"}]
    with pytest.raises(ValidationError) as error:
        calendar_save(calendar=calendar)
    assert "31/12/2026" in error.value.message_dict["closed_dates"][0]
