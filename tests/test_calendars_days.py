"""Both directions (subtract, previous opening and closing) and business days, by hand."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from supportflow import (
    BusinessCalendar,
    InvalidArgument,
    InvalidType,
    NaiveDatetimeError,
    Weekday,
)

NY = pendulum.timezone("America/New_York")
H = dt.timedelta(hours=1)
LUNCH = BusinessCalendar(
    "America/New_York",
    {day: [("09:00", "12:00"), ("13:00", "17:00")] for day in range(5)},
    holidays=[dt.date(2026, 12, 25)],
)


def ny(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz=NY)


def test_previous_opening_is_the_start_of_the_current_or_last_stretch() -> None:
    assert LUNCH.previous_opening(ny(2026, 12, 28, 10)) == ny(2026, 12, 28, 9)
    assert LUNCH.previous_opening(ny(2026, 12, 28, 9)) == ny(2026, 12, 28, 9)  # at opening
    assert LUNCH.previous_opening(ny(2026, 12, 28, 12, 30)) == ny(2026, 12, 28, 9)  # lunch
    assert LUNCH.previous_opening(ny(2026, 12, 28, 8)) == ny(2026, 12, 24, 13)  # holiday


def test_previous_closing_is_the_end_of_the_last_stretch() -> None:
    assert LUNCH.previous_closing(ny(2026, 12, 28, 12, 30)) == ny(2026, 12, 28, 12)
    assert LUNCH.previous_closing(ny(2026, 12, 28, 12)) == ny(2026, 12, 28, 12)  # at closing
    assert LUNCH.previous_closing(ny(2026, 12, 28, 10)) == ny(2026, 12, 24, 17)  # holiday
    assert LUNCH.previous_closing(ny(2026, 12, 28, 13)) == ny(2026, 12, 28, 12)


def test_subtract_walks_back_and_stops_at_an_opening() -> None:
    monday_10 = ny(2026, 12, 28, 10)
    assert LUNCH.subtract(monday_10, H) == ny(2026, 12, 28, 9)  # the opening, not Thursday
    assert LUNCH.subtract(monday_10, 3 * H) == ny(2026, 12, 24, 15)
    assert LUNCH.subtract(monday_10, -H) == LUNCH.add(monday_10, H)
    assert LUNCH.subtract(monday_10, dt.timedelta(0)) == monday_10


def test_around_the_clock_has_no_previous_opening_or_closing() -> None:
    always = BusinessCalendar.always_open("Europe/Paris")
    with pytest.raises(InvalidArgument, match="around the clock"):
        always.previous_opening(ny(2026, 3, 2, 9))
    with pytest.raises(InvalidArgument, match="around the clock"):
        always.previous_closing(ny(2026, 3, 2, 9))
    # Around the clock with one closed date: it opened and closed then, never before.
    closed_once = BusinessCalendar(
        "UTC", {day: [("00:00", "24:00")] for day in range(7)}, holidays=[dt.date(2026, 3, 4)]
    )
    utc = pendulum.datetime
    assert closed_once.previous_opening(utc(2026, 4, 1)) == utc(2026, 3, 5)
    assert closed_once.previous_closing(utc(2026, 4, 1)) == utc(2026, 3, 4)
    with pytest.raises(InvalidArgument, match="never opened or closed before"):
        closed_once.previous_closing(utc(2026, 3, 1))


def test_business_days_skip_weekends_and_holidays() -> None:
    christmas_eve = dt.date(2026, 12, 24)
    assert LUNCH.is_business_day(christmas_eve)
    assert not LUNCH.is_business_day(dt.date(2026, 12, 25))
    assert LUNCH.next_business_day(christmas_eve) == dt.date(2026, 12, 28)
    assert LUNCH.previous_business_day(dt.date(2026, 12, 28)) == christmas_eve
    assert LUNCH.add_business_days(christmas_eve, 3) == dt.date(2026, 12, 30)
    assert LUNCH.add_business_days(dt.date(2026, 12, 30), -3) == christmas_eve
    # The start date is never counted: from Saturday, one business day later is Monday.
    assert LUNCH.add_business_days(dt.date(2026, 12, 26), 1) == dt.date(2026, 12, 28)
    assert LUNCH.add_business_days(dt.date(2026, 12, 26), 0) == dt.date(2026, 12, 26)
    assert LUNCH.count_business_days(dt.date(2026, 1, 1), dt.date(2027, 1, 1)) == 260
    assert list(LUNCH.business_days(christmas_eve, dt.date(2026, 12, 30))) == [
        christmas_eve,
        dt.date(2026, 12, 28),
        dt.date(2026, 12, 29),
    ]


def test_an_instant_stands_for_its_local_date_in_the_calendars_zone() -> None:
    friday_night = pendulum.datetime(2026, 3, 7, 4, 30, tz="UTC")  # Friday 23:30 EST
    assert LUNCH.is_business_day(friday_night)
    assert LUNCH.next_business_day(friday_night) == dt.date(2026, 3, 9)
    assert LUNCH.count_business_days(friday_night, dt.date(2026, 3, 10)) == 2


def test_a_date_whose_only_piece_resolves_empty_is_not_a_business_day() -> None:
    # 02:30 reads as 07:30 UTC and 03:00 as 07:00 UTC on the spring-forward Sunday.
    sundays = BusinessCalendar("America/New_York", {Weekday.SUNDAY: [("02:30", "03:00")]})
    assert not sundays.is_business_day(dt.date(2026, 3, 8))
    assert sundays.next_business_day(dt.date(2026, 3, 1)) == dt.date(2026, 3, 15)
    assert sundays.count_business_days(dt.date(2026, 3, 1), dt.date(2026, 3, 22)) == 2


def test_business_days_outside_the_precomputed_years_are_exact() -> None:
    assert LUNCH.count_business_days(dt.date(1969, 12, 1), dt.date(1970, 2, 1)) == 45
    assert LUNCH.add_business_days(dt.date(2099, 12, 31), 1) == dt.date(2100, 1, 1)
    assert LUNCH.add_business_days(dt.date(2100, 1, 1), -1) == dt.date(2099, 12, 31)
    assert LUNCH.next_business_day(dt.date(2150, 12, 25)) == dt.date(2150, 12, 28)  # Fri


def test_bad_business_day_arguments_are_refused() -> None:
    with pytest.raises(InvalidType, match="days must be an int"):
        LUNCH.add_business_days(dt.date(2026, 1, 5), 1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidType, match="days must be an int"):
        LUNCH.add_business_days(dt.date(2026, 1, 5), True)
    with pytest.raises(NaiveDatetimeError, match="day"):
        LUNCH.is_business_day(dt.datetime(2026, 1, 5, 9))
    with pytest.raises(InvalidType, match=r"start must be a datetime\.date"):
        LUNCH.count_business_days("2026-01-05", dt.date(2026, 2, 1))  # type: ignore[arg-type]


def test_a_break_closes_part_of_one_date_without_restating_its_hours() -> None:
    wednesday = dt.date(2026, 5, 6)
    calendar = LUNCH.with_breaks({wednesday: [("14:00", "15:00")]})
    assert not calendar.is_open(ny(2026, 5, 6, 14, 30))
    assert calendar.is_open(ny(2026, 5, 13, 14, 30))  # only that date
    assert calendar.between(ny(2026, 5, 6), ny(2026, 5, 7)) == pendulum.duration(hours=6)
    assert calendar.next_opening(ny(2026, 5, 6, 14)) == ny(2026, 5, 6, 15)
    assert calendar.previous_closing(ny(2026, 5, 6, 14, 30)) == ny(2026, 5, 6, 14)
    assert calendar.add(ny(2026, 5, 6, 13, 30), H) == ny(2026, 5, 6, 15, 30)


def test_holiday_exception_and_break_combine_in_that_order() -> None:
    night = BusinessCalendar(
        "UTC",
        {Weekday.MONDAY: [("09:00", "17:00")], Weekday.TUESDAY: [("22:00", "06:00")]},
        holidays=[dt.date(2026, 3, 2), dt.date(2026, 3, 9)],
        exceptions={dt.date(2026, 3, 9): [("10:00", "12:00")]},  # wins over its holiday
        breaks={
            dt.date(2026, 3, 9): [("11:00", "11:30")],  # cuts the exception's hours
            dt.date(2026, 3, 4): [("05:00", "07:00")],  # cuts Tuesday's night shift
            dt.date(2026, 3, 2): [("12:00", "13:00")],  # on a holiday: nothing to cut
        },
    )
    utc = pendulum.datetime
    assert night.between(utc(2026, 3, 2), utc(2026, 3, 3)) == pendulum.duration(0)
    assert night.between(utc(2026, 3, 3), utc(2026, 3, 5)) == pendulum.duration(hours=7)
    assert night.between(utc(2026, 3, 9), utc(2026, 3, 10)) == pendulum.duration(
        hours=1, minutes=30
    )
    assert night.is_business_day(dt.date(2026, 3, 9))
    # A break that covers all of a date's hours leaves no business day.
    covered = night.with_breaks({dt.date(2026, 3, 16): [("08:00", "18:00")]})
    assert not covered.is_business_day(dt.date(2026, 3, 16))
    assert covered.next_business_day(dt.date(2026, 3, 15)) == dt.date(2026, 3, 17)


def test_breaks_round_trip_and_old_documents_load_without_them() -> None:
    calendar = LUNCH.with_breaks({dt.date(2026, 5, 6): [("14:00", "15:00")]})
    data = calendar.to_dict()
    assert data["schema"] == 2
    assert data["breaks"] == [{"date": "2026-05-06", "intervals": [["14:00", "15:00"]]}]
    assert BusinessCalendar.from_dict(data) == calendar
    assert calendar != LUNCH
    old = {key: value for key, value in LUNCH.to_dict().items() if key != "breaks"}
    assert BusinessCalendar.from_dict({**old, "schema": 1}) == LUNCH
    with pytest.raises(InvalidArgument, match=r"breaks\[2026-05-06\]"):
        LUNCH.with_breaks({dt.date(2026, 5, 6): [("14:00",)]})  # type: ignore[list-item]
    with pytest.raises(InvalidType, match="break date"):
        LUNCH.with_breaks({"2026-05-06": [("14:00", "15:00")]})  # type: ignore[dict-item]
