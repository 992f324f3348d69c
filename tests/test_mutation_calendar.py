"""Calendar behaviour that the mutation run (docs/quality.md) found untested.

Each test states one rule of the calendar with hand-computed expectations; most cover the
slow paths outside the precomputed years (1970 to 2099), which the
oracle-based property tests reach only rarely.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pendulum
import pytest

from supportflow import (
    BusinessCalendar,
    InvalidArgument,
    InvalidType,
    NaiveDatetimeError,
    Weekday,
)

UTC = dt.UTC
HOUR = dt.timedelta(hours=1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def monday_of(year: int, month: int, day: int) -> dt.date:
    """The Monday of the week holding the date (a fixed point far from the fast range)."""
    date = dt.date(year, month, day)
    return date - dt.timedelta(days=date.weekday())


OFFICE = BusinessCalendar.weekdays()  # Monday to Friday, 09:00-17:00 UTC

# A Monday before the precomputed years and one after them.
EARLY = monday_of(1960, 3, 9)
LATE = monday_of(2150, 3, 9)


def on(monday: dt.date, days: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    date = monday + dt.timedelta(days=days)
    return at(date.year, date.month, date.day, hour, minute)


@pytest.mark.parametrize("monday", [EARLY, LATE], ids=["before-1970", "after-2099"])
def test_adding_more_than_a_day_of_work_outside_the_fast_years_spends_each_day(
    monday: dt.date,
) -> None:
    # Ten hours from Monday 09:00: the eight of Monday, then two on Tuesday.
    assert OFFICE.add(on(monday, 0, 9), 10 * HOUR) == on(monday, 1, 11)
    # A week and a bit: 40 hours to the next Monday 09:00... and 3 more.
    assert OFFICE.add(on(monday, 0, 9), 43 * HOUR) == on(monday, 7, 12)


@pytest.mark.parametrize("monday", [EARLY, LATE], ids=["before-1970", "after-2099"])
def test_subtracting_more_than_a_day_of_work_outside_the_fast_years(monday: dt.date) -> None:
    # Ten hours back from Friday 17:00: Friday's eight, then two of Thursday.
    assert OFFICE.subtract(on(monday, 4, 17), 10 * HOUR) == on(monday, 3, 15)
    assert OFFICE.subtract(on(monday, 7, 10), 39 * HOUR) == on(monday, 0, 11)


@pytest.mark.parametrize("monday", [EARLY, LATE], ids=["before-1970", "after-2099"])
def test_a_week_outside_the_fast_years_holds_forty_working_hours(monday: dt.date) -> None:
    assert OFFICE.between(on(monday, 0), on(monday, 7)) == 40 * HOUR
    assert OFFICE.between(on(monday, 7), on(monday, 0)) == -40 * HOUR
    assert OFFICE.between(on(monday, 2, 12), on(monday, 2, 13)) == HOUR


def test_working_time_across_the_first_fast_year_counts_both_sides() -> None:
    # 1969-12-29 was a Monday: that week's Monday to Wednesday before 1970, then
    # Thursday and Friday (1970-01-01 and 02) inside the precomputed years.
    assert dt.date(1969, 12, 29).weekday() == Weekday.MONDAY
    assert OFFICE.between(at(1969, 12, 29), at(1970, 1, 5)) == 40 * HOUR
    assert OFFICE.add(at(1969, 12, 31, 16), 2 * HOUR) == at(1970, 1, 1, 10)
    assert OFFICE.subtract(at(1970, 1, 1, 10), 2 * HOUR) == at(1969, 12, 31, 16)


def test_working_time_across_the_last_fast_year_counts_both_sides() -> None:
    # 2099-12-28 is a Monday: Monday to Thursday in 2099, Friday 2100-01-01 after it.
    assert dt.date(2099, 12, 28).weekday() == Weekday.MONDAY
    assert OFFICE.between(at(2099, 12, 28), at(2100, 1, 4)) == 40 * HOUR
    assert OFFICE.add(at(2099, 12, 31, 16), 2 * HOUR) == at(2100, 1, 1, 10)
    assert OFFICE.subtract(at(2100, 1, 1, 10), 2 * HOUR) == at(2099, 12, 31, 16)
    # Backward from weeks after the range into it, from Friday 2100-01-22 17:00: three
    # weeks, Friday 2100-01-01, then an hour of 2099.
    assert OFFICE.subtract(at(2100, 1, 22, 17), 129 * HOUR) == at(2099, 12, 31, 16)


@pytest.mark.parametrize("monday", [EARLY, LATE], ids=["before-1970", "after-2099"])
def test_open_and_next_opening_outside_the_fast_years(monday: dt.date) -> None:
    assert OFFICE.is_open(on(monday, 0, 9))
    assert OFFICE.is_open(on(monday, 4, 16, 59))
    assert not OFFICE.is_open(on(monday, 0, 8, 59))
    assert not OFFICE.is_open(on(monday, 0, 17))
    assert not OFFICE.is_open(on(monday, 5, 12))  # Saturday
    assert OFFICE.next_opening(on(monday, 0, 12)) == on(monday, 0, 12)  # open: itself
    assert OFFICE.next_opening(on(monday, 0, 18)) == on(monday, 1, 9)
    assert OFFICE.next_opening(on(monday, 4, 18)) == on(monday, 7, 9)  # over the weekend
    assert OFFICE.next_closing(on(monday, 0, 12)) == on(monday, 0, 17)
    assert OFFICE.previous_opening(on(monday, 0, 12)) == on(monday, 0, 9)
    assert OFFICE.previous_closing(on(monday, 7, 8)) == on(monday, 4, 17)


def test_next_opening_from_just_before_the_fast_years_finds_the_first_inside() -> None:
    # Friday 1969-12-26 18:00: closed until Monday 1969-12-29 09:00 (still before 1970).
    assert OFFICE.next_opening(at(1969, 12, 26, 18)) == at(1969, 12, 29, 9)
    # Wednesday 1969-12-31 17:00: the next opening is the first day of 1970.
    assert OFFICE.next_opening(at(1969, 12, 31, 17)) == at(1970, 1, 1, 9)
    # A Christmas-to-New-Year holiday run across the edge: open again on 1970-01-05.
    closed = BusinessCalendar.weekdays(
        holidays=[dt.date(1969, 12, d) for d in (29, 30, 31)]
        + [dt.date(1970, 1, 1)]
        + [dt.date(1970, 1, 2)]
    )
    assert closed.next_opening(at(1969, 12, 26, 18)) == at(1970, 1, 5, 9)


@pytest.mark.parametrize("year", [1965, 2024, 2140])
def test_an_exception_window_is_open_up_to_but_not_at_its_end(year: int) -> None:
    date = dt.date(year, 6, 15)
    calendar = OFFICE.with_exceptions({date: [("10:00", "12:00")]})
    day = at(year, 6, 15)
    assert not calendar.is_open(day + 9 * HOUR)
    assert calendar.is_open(day + 10 * HOUR)
    assert calendar.is_open(day + 12 * HOUR - dt.timedelta(microseconds=1))
    assert not calendar.is_open(day + 12 * HOUR)
    assert calendar.next_closing(day + 11 * HOUR) == day + 12 * HOUR
    assert calendar.between(day, day + dt.timedelta(days=1)) == 2 * HOUR


NIGHTS = BusinessCalendar("UTC", {Weekday.SUNDAY: [("22:00", "06:00")]})


@pytest.mark.parametrize("monday", [monday_of(2024, 6, 3), EARLY, LATE])
def test_a_shift_through_sunday_midnight_runs_into_monday(monday: dt.date) -> None:
    sunday = monday - dt.timedelta(days=1)
    start = at(sunday.year, sunday.month, sunday.day, 22)
    assert not NIGHTS.is_open(start - HOUR)
    assert NIGHTS.is_open(start)
    assert NIGHTS.is_open(on(monday, 0, 0))
    assert NIGHTS.is_open(on(monday, 0, 5, 59))
    assert not NIGHTS.is_open(on(monday, 0, 6))
    assert NIGHTS.between(start - HOUR, on(monday, 0, 7)) == 8 * HOUR
    assert NIGHTS.add(start + HOUR, 2 * HOUR) == on(monday, 0, 1)
    assert NIGHTS.next_closing(start) == on(monday, 0, 6)
    assert NIGHTS.previous_opening(on(monday, 0, 3)) == start
    assert NIGHTS.next_opening(on(monday, 0, 6)) == start + dt.timedelta(days=7)


def test_the_weekly_pattern_of_a_week_wrapping_shift() -> None:
    assert NIGHTS.weekly_hours() == {Weekday.SUNDAY: [("22:00", "06:00")]}
    # A week holds exactly the one shift, whichever instant the week starts at.
    base = at(2024, 6, 5, 13)
    assert NIGHTS.between(base, base + dt.timedelta(days=7)) == 8 * HOUR


def test_weekdays_defaults_to_nine_to_five_monday_to_friday_in_utc() -> None:
    calendar = BusinessCalendar.weekdays()
    assert calendar.timezone == "UTC"
    assert calendar.holidays == frozenset()
    assert calendar == BusinessCalendar("UTC", {day: [("09:00", "17:00")] for day in range(5)})
    monday = monday_of(2024, 6, 3)
    for offset in range(5):
        assert calendar.is_business_day(monday + dt.timedelta(days=offset))
        assert calendar.is_open(on(monday, offset, 9))
        assert not calendar.is_open(on(monday, offset, 17))
    for weekend in (5, 6):
        assert not calendar.is_business_day(monday + dt.timedelta(days=weekend))
        assert not calendar.is_open(on(monday, weekend, 12))
    assert calendar.between(on(monday, 0), on(monday, 7)) == 40 * HOUR


def test_weekdays_takes_hours_zone_and_holidays() -> None:
    holiday = dt.date(2024, 6, 4)
    calendar = BusinessCalendar.weekdays("08:00", "12:00", "Europe/Paris", [holiday])
    assert calendar.timezone == "Europe/Paris"
    assert calendar.holidays == frozenset({holiday})
    # 08:00 in Paris in June is 06:00 UTC.
    assert calendar.is_open(at(2024, 6, 3, 6))
    assert not calendar.is_open(at(2024, 6, 3, 10))
    assert not calendar.is_business_day(holiday)
    assert calendar.between(at(2024, 6, 3), at(2024, 6, 10)) == 16 * HOUR


NAIVE = dt.datetime(2024, 6, 3, 12)
AWARE = at(2024, 6, 3, 12)


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda c: c.is_open(NAIVE), "at"),
        (lambda c: c.next_opening(NAIVE), "at"),
        (lambda c: c.next_closing(NAIVE), "at"),
        (lambda c: c.previous_opening(NAIVE), "at"),
        (lambda c: c.previous_closing(NAIVE), "at"),
        (lambda c: c.add(NAIVE, HOUR), "start"),
        (lambda c: c.subtract(NAIVE, HOUR), "start"),
        (lambda c: c.between(NAIVE, AWARE), "start"),
        (lambda c: c.between(AWARE, NAIVE), "end"),
        (lambda c: c.intervals(NAIVE, AWARE), "start"),
        (lambda c: c.intervals(AWARE, NAIVE), "end"),
        (lambda c: c.is_business_day(NAIVE), "day"),
        (lambda c: c.add_business_days(NAIVE, 1), "day"),
        (lambda c: c.count_business_days(NAIVE, AWARE), "start"),
        (lambda c: c.count_business_days(AWARE, NAIVE), "end"),
    ],
)
def test_a_naive_instant_is_refused_naming_the_argument(
    call: Callable[[BusinessCalendar], object], parameter: str
) -> None:
    with pytest.raises(NaiveDatetimeError) as raised:
        call(OFFICE)
    assert raised.value.parameter == parameter
    assert str(raised.value).startswith(f"{parameter} must be an aware datetime")


def test_a_duration_must_be_a_fixed_timedelta() -> None:
    with pytest.raises(InvalidType, match=r"^duration must be a timedelta or pendulum\.Duration"):
        OFFICE.add(AWARE, 3600)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match=r"^duration must be a fixed length of time"):
        OFFICE.add(AWARE, pendulum.duration(months=1))
    with pytest.raises(InvalidArgument, match=r"^duration must be at most 100 years"):
        OFFICE.subtract(AWARE, dt.timedelta(days=36_600))


def test_business_days_are_counted_across_the_first_fast_year() -> None:
    # December 1969 has 23 weekdays, January 1970 22: 45 in all, each side counted.
    assert OFFICE.count_business_days(dt.date(1969, 12, 1), dt.date(1970, 2, 1)) == 45
    assert OFFICE.count_business_days(dt.date(1970, 2, 1), dt.date(1969, 12, 1)) == -45
    # December 2099 has 23 weekdays, January 2100 21.
    assert OFFICE.count_business_days(dt.date(2099, 12, 1), dt.date(2100, 2, 1)) == 44
    always = BusinessCalendar.always_open()
    assert always.count_business_days(dt.date(2024, 6, 3), dt.date(2024, 6, 13)) == 10
    assert always.count_business_days(dt.date(2024, 6, 13), dt.date(2024, 6, 3)) == -10


def test_a_calendar_reads_back_as_its_definition() -> None:
    calendar = OFFICE.with_holidays([dt.date(2024, 1, 1)]).with_exceptions(
        {dt.date(2024, 6, 1): [("10:00", "11:00")]}
    )
    assert repr(calendar) == (
        "BusinessCalendar('UTC', {"
        + ", ".join(
            f"'{day}': [('09:00', '17:00')]"
            for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
        )
        + "}, holidays=1 dates, exceptions=1 dates, breaks=0 dates)"
    )
    always = BusinessCalendar.always_open("Europe/Paris")
    assert repr(always) == "BusinessCalendar.always_open('Europe/Paris')"
    mornings = BusinessCalendar.weekdays("08:00", "12:00")
    assert repr(OFFICE & mornings) == f"({OFFICE!r} & {mornings!r})"
    assert repr(OFFICE | NIGHTS) == f"({OFFICE!r} | {NIGHTS!r})"


def test_a_combined_calendar_names_what_it_does_not_define() -> None:
    combined = OFFICE | NIGHTS
    for ask, what in [
        (lambda: combined.weekly_hours(), "weekly hours"),
        (lambda: combined.holidays, "holidays"),
        (lambda: combined.is_business_day(dt.date(2024, 6, 3)), "business days"),
        (lambda: combined.with_holidays([dt.date(2024, 6, 3)]), "weekly hours, holidays"),
    ]:
        with pytest.raises(InvalidArgument, match=f"^{what}.* of a combined calendar \\(union\\)"):
            ask()


def _nth_business_day_by_walking(calendar: BusinessCalendar, start: dt.date, days: int) -> dt.date:
    """The reference: step one date at a time, counting business days."""
    step = dt.timedelta(days=1 if days > 0 else -1)
    date, left = start, abs(days)
    while left:
        date += step
        left -= calendar.is_business_day(date)
    return date


# Every Saturday of 2030 worked (weeks of six business days), and the first weeks of
# 2031 closed: long strides over both must land where walking day by day does.
_SATURDAYS_2030 = [dt.date(2030, 1, 5) + dt.timedelta(weeks=w) for w in range(52)]
_CLOSED_2031 = [dt.date(2031, 1, 1) + dt.timedelta(days=d) for d in range(40)]
_STRIDE_CALENDARS = {
    "working-saturdays": OFFICE.with_exceptions({d: [("09:00", "13:00")] for d in _SATURDAYS_2030}),
    "closed-weeks": OFFICE.with_holidays(_CLOSED_2031),
}


@pytest.mark.parametrize("name", sorted(_STRIDE_CALENDARS))
@pytest.mark.parametrize("days", [3, 9, 40, 150, 301, 700, -9, -150, -700])
def test_long_strides_of_business_days_agree_with_walking_day_by_day(name: str, days: int) -> None:
    calendar = _STRIDE_CALENDARS[name]
    for start in (dt.date(2029, 12, 20), dt.date(2030, 6, 15), dt.date(2031, 3, 1)):
        expected = _nth_business_day_by_walking(calendar, start, days)
        assert calendar.add_business_days(start, days) == expected
        if days > 0:  # [start, expected): the start if open, and days - 1 after it
            counted = calendar.count_business_days(start, expected)
            assert counted == days - 1 + calendar.is_business_day(start)
