"""Business calendars: construction, validation, hand-checked DST days, documents."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pendulum
import pytest

from supportflow import (
    BusinessCalendar,
    InvalidArgument,
    NaiveDatetimeError,
    SchemaError,
    UnknownName,
    Weekday,
)

NY = zoneinfo.ZoneInfo("America/New_York")
H = dt.timedelta(hours=1)


def ny(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NY)  # type: ignore[misc]


def utc(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


OFFICE = BusinessCalendar.weekdays("09:00", "17:00", timezone="America/New_York")


def test_adding_zero_returns_the_start_even_when_closed() -> None:
    sunday = ny(2026, 3, 1, 3, 0)
    assert OFFICE.add(sunday, dt.timedelta(0)) == sunday


def test_a_duration_that_runs_out_at_closing_gives_the_closing_instant() -> None:
    assert OFFICE.add(ny(2026, 3, 6, 9), 8 * H) == utc(2026, 3, 6, 22)  # Friday 17:00 EST


def test_backwards_stops_at_the_opening_instant() -> None:
    assert OFFICE.add(ny(2026, 3, 6, 17), -8 * H) == utc(2026, 3, 6, 14)  # Friday 09:00 EST


def test_between_is_negative_when_reversed() -> None:
    assert OFFICE.between(ny(2026, 3, 6, 17), ny(2026, 3, 6, 9)) == pendulum.duration(hours=-8)


def test_spring_forward_night_shift_lasts_what_it_really_lasts() -> None:
    night = BusinessCalendar("America/New_York", {Weekday.SATURDAY: [("22:00", "06:00")]})
    # 2026-03-08 02:00 EST jumps to 03:00 EDT: the 8-hour shift lasts 7 real hours.
    assert night.between(ny(2026, 3, 7, 12), ny(2026, 3, 8, 12)) == pendulum.duration(hours=7)
    assert night.next_closing(ny(2026, 3, 7, 23)) == utc(2026, 3, 8, 10)  # 06:00 EDT


def test_fall_back_night_shift_lasts_nine_hours() -> None:
    night = BusinessCalendar("America/New_York", {Weekday.SATURDAY: [("22:00", "06:00")]})
    assert night.between(ny(2026, 10, 31, 12), ny(2026, 11, 1, 12)) == pendulum.duration(hours=9)


def test_a_nonexistent_opening_time_resolves_with_fold_zero() -> None:
    early = BusinessCalendar("America/New_York", {Weekday.SUNDAY: [("02:30", "04:00")]})
    # 02:30 does not exist on 2026-03-08; fold=0 reads it with EST: 07:30 UTC = 03:30 EDT.
    assert early.next_opening(ny(2026, 3, 8, 0)) == utc(2026, 3, 8, 7, 30)
    assert early.between(ny(2026, 3, 8, 0), ny(2026, 3, 8, 12)) == pendulum.duration(minutes=30)


def test_a_repeated_time_resolves_to_its_first_occurrence() -> None:
    early = BusinessCalendar("America/New_York", {Weekday.SUNDAY: [("01:30", "03:00")]})
    # 01:30 happens twice on 2026-11-01; fold=0 is the first (EDT, 05:30 UTC).
    assert early.next_opening(ny(2026, 11, 1, 0)) == utc(2026, 11, 1, 5, 30)
    assert early.between(ny(2026, 11, 1, 0), ny(2026, 11, 1, 12)) == pendulum.duration(
        hours=2, minutes=30
    )


def test_lord_howe_shifts_by_half_an_hour() -> None:
    always = BusinessCalendar("Australia/Lord_Howe", {d: [("00:00", "24:00")] for d in range(7)})
    assert always.is_always_open
    day = BusinessCalendar("Australia/Lord_Howe", {Weekday.SUNDAY: [("00:00", "12:00")]})
    # 2026-04-05 02:00 local goes back to 01:30: that Sunday morning lasts 12.5 hours.
    start = dt.datetime(2026, 4, 4, 12, tzinfo=zoneinfo.ZoneInfo("Australia/Lord_Howe"))
    assert day.between(start, start + dt.timedelta(days=2)) == pendulum.duration(
        hours=12, minutes=30
    )


def test_holidays_and_exceptions() -> None:
    calendar = BusinessCalendar(
        "America/New_York",
        {d: [("09:00", "17:00")] for d in range(5)},
        holidays=[dt.date(2026, 12, 25)],
        exceptions={
            dt.date(2026, 12, 24): [("09:00", "13:00")],
            dt.date(2026, 12, 26): [("10:00", "14:00")],  # a Saturday opened
        },
    )
    week = calendar.between(ny(2026, 12, 24, 0), ny(2026, 12, 27, 0))
    assert week == pendulum.duration(hours=8)
    assert calendar.next_opening(ny(2026, 12, 24, 13)) == utc(2026, 12, 26, 15)


def test_overlapping_pieces_are_kept_and_count_once() -> None:
    calendar = BusinessCalendar("UTC", {0: [("11:00", "13:00"), ("09:00", "12:00")]})
    assert calendar.weekly_hours() == {Weekday.MONDAY: [("09:00", "12:00"), ("11:00", "13:00")]}
    assert calendar.between(utc(2026, 3, 2), utc(2026, 3, 3)) == pendulum.duration(hours=4)
    assert calendar.intervals(utc(2026, 3, 2), utc(2026, 3, 3)) == [
        (utc(2026, 3, 2, 9), utc(2026, 3, 2, 13))
    ]


def test_intervals_lists_open_stretches_for_display() -> None:
    lunch = BusinessCalendar("UTC", {0: [("09:00", "12:00"), ("13:00", "17:00")]})
    assert lunch.intervals(utc(2026, 3, 2, 10), utc(2026, 3, 2, 20)) == [
        (utc(2026, 3, 2, 10), utc(2026, 3, 2, 12)),
        (utc(2026, 3, 2, 13), utc(2026, 3, 2, 17)),
    ]


def test_always_open_is_elapsed_time_and_never_closes() -> None:
    always = BusinessCalendar.always_open("Europe/London")
    start = utc(2026, 3, 29, 0)
    assert always.add(start, 5 * H) == utc(2026, 3, 29, 5)
    assert always.is_open(start)
    with pytest.raises(InvalidArgument, match="never closes"):
        always.next_closing(start)


def test_far_outside_the_precomputed_years_is_still_exact() -> None:
    start = ny(2150, 3, 6, 16)
    assert OFFICE.add(start, 2 * H) == utc(2150, 3, 9, 14)  # Monday 10:00 EDT
    assert OFFICE.between(ny(1950, 1, 2, 0), ny(1950, 1, 9, 0)) == pendulum.duration(hours=40)
    assert OFFICE.between(ny(1969, 12, 29, 0), ny(1970, 1, 5, 0)) == pendulum.duration(hours=40)


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({0: [("9am", "17:00")]}, "time of day"),
        ({0: [("09:00",)]}, r"\(start, end\) pair"),
        ({7: [("09:00", "17:00")]}, "weekday"),
        ({}, "working time every week"),
        ({0: [("00:00", "12:00"), ("06:00", "01:00")]}, "more than 24 hours"),
    ],
)
def test_malformed_calendars_are_refused(weekly: dict[int, object], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        BusinessCalendar("UTC", weekly)  # type: ignore[arg-type]


def test_unknown_zone_and_naive_datetimes_are_refused() -> None:
    with pytest.raises(UnknownName, match="Mars/Olympus"):
        BusinessCalendar.weekdays(timezone="Mars/Olympus")
    with pytest.raises(NaiveDatetimeError, match="start"):
        OFFICE.add(dt.datetime(2026, 1, 1), H)


def test_documents_round_trip_and_name_bad_fields() -> None:
    calendar = BusinessCalendar(
        "Europe/London",
        {Weekday.FRIDAY: [("22:00", "06:00")], Weekday.MONDAY: [("09:00", "09:00")]},
        holidays=[dt.date(2026, 1, 1)],
        exceptions={dt.date(2026, 12, 24): [("09:00", "13:00")], dt.date(2026, 12, 31): []},
    )
    data = calendar.to_dict()
    assert data["weekly"]["friday"] == [["22:00", "06:00"]]
    again = BusinessCalendar.from_dict(data)
    assert again == calendar
    assert hash(again) == hash(calendar)
    bad = {**data, "weekly": {"friday": [["22:00", 6]]}}
    with pytest.raises(SchemaError) as error:
        BusinessCalendar.from_dict(bad)
    assert error.value.path == "weekly.friday[0]"
    with pytest.raises(SchemaError) as error:
        BusinessCalendar.from_dict({**data, "holidays": ["2026-13-01"]})
    assert error.value.path == "holidays[0]"


def test_country_holidays_come_from_the_holidays_package() -> None:
    calendar = BusinessCalendar.from_country_holidays(
        "US", range(2026, 2028), timezone="America/New_York"
    )
    assert dt.date(2026, 7, 3) in calendar.holidays  # Independence Day observed
    assert not calendar.is_open(ny(2026, 7, 3, 10))
    extended = OFFICE.with_country_holidays("US", 2026, subdiv="CA")
    assert dt.date(2026, 3, 31) in extended.holidays  # César Chávez Day
    with pytest.raises(UnknownName):
        BusinessCalendar.from_country_holidays("XX", 2026)


def test_calendars_are_immutable() -> None:
    with pytest.raises(AttributeError):
        OFFICE._timezone = "UTC"  # type: ignore[misc]
