"""Intersection and union of calendars (team hours and contract hours), by hand."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from supportflow import BusinessCalendar, InvalidArgument, InvalidType, SchemaError

NY = pendulum.timezone("America/New_York")
TEAM = BusinessCalendar.weekdays(
    "09:00", "17:00", timezone="America/New_York", holidays=[dt.date(2026, 12, 25)]
)
CONTRACT = BusinessCalendar("America/New_York", {day: [("08:00", "12:00")] for day in range(6)})


def ny(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz=NY)


def test_intersection_is_open_when_both_are() -> None:
    both = TEAM & CONTRACT
    assert both == TEAM.intersection(CONTRACT)
    assert both.parts == ("intersection", TEAM, CONTRACT)
    # Monday to Thursday 09:00-12:00; Christmas Friday closed by the team's holiday.
    assert both.between(ny(2026, 12, 21), ny(2026, 12, 28)) == pendulum.duration(hours=12)
    assert both.add(ny(2026, 12, 24, 11), 2 * dt.timedelta(hours=1)) == ny(2026, 12, 28, 10)
    assert both.next_closing(ny(2026, 12, 21, 10)) == ny(2026, 12, 21, 12)
    assert both.previous_opening(ny(2026, 12, 28, 8)) == ny(2026, 12, 24, 9)


def test_union_is_open_when_either_is() -> None:
    either = TEAM | CONTRACT
    # The team's 32 hours, the contract's 08:00-09:00 on four days, Friday and Saturday
    # 08:00-12:00.
    assert either.between(ny(2026, 12, 21), ny(2026, 12, 28)) == pendulum.duration(hours=44)
    assert either.intervals(ny(2026, 12, 21), ny(2026, 12, 22)) == [
        (ny(2026, 12, 21, 8), ny(2026, 12, 21, 17))
    ]


def test_a_24_7_part_is_neutral_for_intersection_and_absorbing_for_union() -> None:
    always = BusinessCalendar.always_open("America/New_York")
    assert TEAM & always == TEAM
    assert (always | TEAM).is_always_open


def test_combined_calendars_round_trip_and_refuse_what_they_cannot_answer() -> None:
    both = (TEAM & CONTRACT) | BusinessCalendar("America/New_York", {6: [("10:00", "11:00")]})
    data = both.to_dict()
    assert data["combine"] == "union"
    assert data["calendars"][0]["combine"] == "intersection"
    assert BusinessCalendar.from_dict(data) == both
    with pytest.raises(InvalidArgument, match="business days of a combined calendar"):
        both.next_business_day(dt.date(2026, 12, 24))
    with pytest.raises(InvalidArgument, match="ask or change its parts"):
        both.with_holidays([dt.date(2026, 1, 1)])
    bad = {**data, "calendars": [data["calendars"][0], {"type": "calendar", "schema": 2}]}
    with pytest.raises(SchemaError) as error:
        BusinessCalendar.from_dict(bad)
    assert error.value.path == "calendars[1].timezone"


def test_combinations_across_two_zones_follow_both_dst_changes() -> None:
    paris = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Paris")
    both = TEAM & paris
    assert both.timezone == "America/New_York"  # the left part's zone
    # Paris 09:00-17:00 ends at 11:00 New York time, 12:00 while only New York has
    # moved its clocks (8 to 29 March 2026).
    for monday, hours in ((ny(2026, 3, 2), 10), (ny(2026, 3, 16), 15), (ny(2026, 4, 6), 10)):
        assert both.between(monday, monday.add(weeks=1)) == pendulum.duration(hours=hours)
    assert both.next_closing(ny(2026, 3, 16, 10)) == ny(2026, 3, 16, 12)
    assert both.add(ny(2026, 3, 27, 11), dt.timedelta(hours=2)) == ny(2026, 3, 30, 10)
    assert BusinessCalendar.from_dict(both.to_dict()) == both
    with pytest.raises(InvalidArgument, match="at most two time zones"):
        both & BusinessCalendar.weekdays(timezone="Europe/London")


def test_combinations_need_some_overlap() -> None:
    with pytest.raises(InvalidArgument, match="never overlap"):
        TEAM & BusinessCalendar("America/New_York", {5: [("09:00", "17:00")]})
    with pytest.raises(InvalidType):
        TEAM.intersection("office hours")  # type: ignore[arg-type]


def test_a_calendar_pickles_as_its_document_for_worker_processes() -> None:
    import pickle

    from supportflow import BusinessCalendar

    paris = BusinessCalendar.weekdays(timezone="Europe/Paris")
    calendar = paris & BusinessCalendar.weekdays("08:00", "12:00", timezone="America/New_York")
    copy = pickle.loads(pickle.dumps(calendar))
    assert copy == calendar
    assert copy.to_dict() == calendar.to_dict()
