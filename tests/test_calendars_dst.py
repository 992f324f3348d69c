"""Each working piece is resolved to real time before pieces are merged (DESIGN.md 2.3).

Hand-checked DST days where a piece ends inside a gap: under ``fold=0`` the end reads
with the offset before the change, so the piece lasts longer than its wall-clock length
and the next piece may resolve to nothing. Merging on the wall clock first lost that time.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pendulum
import pytest

from supportflow import BusinessCalendar, InvalidArgument, Weekday

H = dt.timedelta(hours=1)


def local(zone: str, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))  # type: ignore[misc]


@pytest.mark.parametrize(
    ("zone", "weekday", "pieces", "day"),
    [
        # 02:00 EST jumps to 03:00 EDT; 02:30 reads as 03:30 EDT.
        ("America/New_York", Weekday.SUNDAY, [("01:00", "02:30"), ("02:30", "03:15")], 8),
        # 02:00 CET jumps to 03:00 CEST.
        ("Europe/Paris", Weekday.SUNDAY, [("01:00", "02:30"), ("02:30", "03:15")], 29),
        # 02:45 +12:45 jumps to 03:45 +13:45.
        ("Pacific/Chatham", Weekday.SUNDAY, [("01:45", "03:15"), ("03:15", "04:00")], 27),
        # Saturday midnight jumps to 01:00 on Sunday: the night pieces overlap.
        ("America/Santiago", Weekday.SATURDAY, [("23:00", "00:30"), ("23:45", "01:15")], 5),
    ],
)
def test_a_piece_ending_in_a_dst_gap_keeps_its_real_length(
    zone: str, weekday: Weekday, pieces: list[tuple[str, str]], day: int
) -> None:
    month = 3 if day > 7 else 9
    month = 9 if zone in ("Pacific/Chatham", "America/Santiago") else month
    calendar = BusinessCalendar(zone, {weekday: pieces})
    start = local(zone, 2026, month, day - 1, 12)
    # 1.5 hours: the first piece's real length; the second resolves to an empty piece
    # (its end is earlier in real time than its start) or lies inside the first.
    assert calendar.between(start, start + 2 * 24 * H) == pendulum.duration(hours=1, minutes=30)
    ((opening, closing),) = calendar.intervals(start, start + 2 * 24 * H)
    assert closing - opening == pendulum.duration(hours=1, minutes=30)
    first_alone = BusinessCalendar(zone, {weekday: pieces[:1]})
    assert first_alone.intervals(start, start + 2 * 24 * H) == [(opening, closing)]


def test_new_york_spring_forward_to_the_minute() -> None:
    calendar = BusinessCalendar(
        "America/New_York", {Weekday.SUNDAY: [("01:00", "02:30"), ("02:30", "03:15")]}
    )
    sunday = local("America/New_York", 2026, 3, 8, 0)
    assert calendar.next_opening(sunday) == pendulum.datetime(2026, 3, 8, 6, tz="UTC")  # 01:00 EST
    assert calendar.next_closing(sunday) == pendulum.datetime(2026, 3, 8, 7, 30, tz="UTC")
    assert calendar.add(sunday, 90 * dt.timedelta(minutes=1)) == pendulum.datetime(
        2026, 3, 8, 7, 30, tz="UTC"
    )
    # Any other Sunday the two pieces touch: 01:00 to 03:15, 2.25 hours.
    later = local("America/New_York", 2026, 3, 15, 0)
    assert calendar.between(later, later + 24 * H) == pendulum.duration(hours=2, minutes=15)


def test_overlapping_pieces_around_the_clock_leave_a_hole_at_the_gap() -> None:
    # Each piece alone is what it resolves to; the wall clock is covered all week, but on
    # the spring-forward night the first piece ends at 07:15 UTC (03:15 EDT) and the
    # second starts at 07:30 UTC (02:30 read as EST).
    week = {day: [("00:00", "24:00")] for day in range(7)}
    week[Weekday.SUNDAY] = [("00:00", "03:15"), ("02:30", "24:00")]
    calendar = BusinessCalendar("America/New_York", week)
    assert not calendar.is_always_open
    sunday = local("America/New_York", 2026, 3, 8, 0)
    assert calendar.next_closing(sunday) == pendulum.datetime(2026, 3, 8, 7, 15, tz="UTC")
    assert calendar.next_opening(pendulum.datetime(2026, 3, 8, 7, 15, tz="UTC")) == (
        pendulum.datetime(2026, 3, 8, 7, 30, tz="UTC")
    )
    assert calendar.between(sunday, sunday + 24 * H) == pendulum.duration(hours=22, minutes=45)
    # The same week in a zone without DST never closes.
    steady = BusinessCalendar("Asia/Kolkata", week)
    with pytest.raises(InvalidArgument, match="never closes"):
        steady.next_closing(local("Asia/Kolkata", 2026, 3, 8, 0))


def test_pieces_are_kept_in_documents_and_equality() -> None:
    touching = BusinessCalendar("UTC", {0: [("09:00", "12:00"), ("12:00", "17:00")]})
    whole = BusinessCalendar("UTC", {0: [("09:00", "17:00")]})
    # Same hours in UTC, but on a DST zone they differ, so they are different calendars.
    assert touching != whole
    assert touching.to_dict()["weekly"]["monday"] == [["09:00", "12:00"], ["12:00", "17:00"]]
    assert BusinessCalendar.from_dict(touching.to_dict()) == touching
    twice = BusinessCalendar("UTC", {0: [("09:00", "12:00"), ("09:00", "12:00")]})
    assert twice == BusinessCalendar("UTC", {0: [("09:00", "12:00")]})


def test_a_combination_across_zones_follows_the_other_zones_clock_change() -> None:
    # London 09:00-17:00 every day and New York 05:00-13:00 every day: 10:00-17:00 UTC
    # while New York keeps EST, 09:00-17:00 once it moves to EDT on Sunday 8 March 2026
    # (London moves three weeks later).
    london = BusinessCalendar("Europe/London", {day: [("09:00", "17:00")] for day in range(7)})
    new_york = BusinessCalendar("America/New_York", {day: [("05:00", "13:00")] for day in range(7)})
    both = london.intersection(new_york)
    utc = dt.UTC
    assert [
        both.between(
            dt.datetime(2026, 3, day, tzinfo=utc), dt.datetime(2026, 3, day + 1, tzinfo=utc)
        )
        for day in (7, 8, 9)
    ] == [7 * H, 8 * H, 8 * H]


def test_the_day_of_a_clock_change_after_a_holiday_is_measured_in_real_hours() -> None:
    # Always open in London, with a holiday a week before the change to BST (Sunday
    # 29 March 2026, 01:00 UTC): from Friday 27 March every day is 24 real hours.
    calendar = BusinessCalendar.always_open("Europe/London").with_holidays([dt.date(2026, 3, 20)])
    start = dt.datetime(2026, 3, 27, tzinfo=dt.UTC)
    for days in range(1, 6):
        assert calendar.between(start, start + days * 24 * H) == days * 24 * H
        assert calendar.add(start, days * 24 * H) == start + days * 24 * H
