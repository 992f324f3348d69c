"""Calendar arithmetic against a deliberately simple, slow oracle, plus algebraic laws.

The oracle reads the calendar's definition from the keyword arguments that built it
(never from the library's own normalization) and walks local dates one by one: each
date's pieces (exception, else nothing on a holiday, else its weekday's) become UTC
instants through ``zoneinfo`` with ``fold=0``, each piece on its own; empty ones are
dropped, the rest merged, and business time is the measure of their union. No shared
code with the library.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from bisect import bisect_left
from typing import Any

from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st
from tests.strategies import (
    CALENDAR_ZONES,
    aware_instants,
    calendar_hours,
    calendar_specs,
    calendars,
    examples,
)

from supportflow import BusinessCalendar, InvalidArgument

DAY = 86_400_000_000
MINUTE = 60_000_000
YEAR = 365 * DAY
UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)


def _minutes(text: str) -> dt.timedelta:
    parts = [float(p) for p in text.split(":")]
    return dt.timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2] if len(parts) > 2 else 0)


class Oracle:
    """Union of real working intervals, built date by date from the calendar's document."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.zone = zoneinfo.ZoneInfo(spec["timezone"])
        self.weekly = dict(spec["weekly"])
        self.holidays = set(spec["holidays"])
        self.exceptions = dict(spec["exceptions"])
        self.breaks = dict(spec.get("breaks", {}))

    def _us(self, moment: dt.datetime) -> int:
        delta = moment - EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds

    def day_intervals(self, day: dt.date) -> list[tuple[int, int]]:
        if day in self.exceptions:
            hours = self.exceptions[day]
        elif day in self.holidays:
            hours = []
        else:
            hours = self.weekly.get(day.weekday(), [])
        return self.resolve(day, hours)

    def resolve(self, day: dt.date, hours: list[tuple[str, str]]) -> list[tuple[int, int]]:
        out = []
        midnight = dt.datetime(day.year, day.month, day.day)
        for start_text, end_text in hours:
            start, end = _minutes(start_text), _minutes(end_text)
            if end <= start:
                end += dt.timedelta(days=1)
            # Wall-clock arithmetic on naive datetimes, then the zone with fold=0.
            a = self._us((midnight + start).replace(tzinfo=self.zone).astimezone(UTC))
            b = self._us((midnight + end).replace(tzinfo=self.zone).astimezone(UTC))
            if b > a:
                out.append((a, b))
        return out

    def merged(self, lo: int, hi: int) -> list[tuple[int, int]]:
        first = (EPOCH + dt.timedelta(microseconds=lo)).date() - dt.timedelta(days=3)
        last = (EPOCH + dt.timedelta(microseconds=hi)).date() + dt.timedelta(days=2)
        raw, cuts = [], []
        day = first
        while day <= last:
            raw.extend(self.day_intervals(day))
            cuts.extend(self.resolve(day, self.breaks.get(day, [])))
            day += dt.timedelta(days=1)
        return self.minus(self.union(raw), self.union(cuts))

    @staticmethod
    def union(raw: list[tuple[int, int]]) -> list[tuple[int, int]]:
        out: list[list[int]] = []
        for a, b in sorted(raw):
            if out and a <= out[-1][1]:
                out[-1][1] = max(out[-1][1], b)
            else:
                out.append([a, b])
        return [(a, b) for a, b in out]

    @staticmethod
    def minus(
        intervals: list[tuple[int, int]], cuts: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """Remove each cut from each interval, one pair at a time."""
        for c, d in cuts:
            pieces = []
            for a, b in intervals:
                pieces.extend(p for p in ((a, min(b, c)), (max(a, d), b)) if p[0] < p[1])
            intervals = pieces
        return intervals

    def between(self, lo: int, hi: int) -> int:
        return sum(max(0, min(b, hi) - max(a, lo)) for a, b in self.merged(lo, hi))

    def add(self, start: int, amount: int, horizon: int) -> int | None:
        """Walk forward interval by interval; None when ``horizon`` is not enough."""
        if amount == 0:
            return start
        for a, b in self.merged(start, start + horizon):
            a = max(a, start)
            if b <= a:
                continue
            if b - a >= amount:
                return a + amount
            amount -= b - a
        return None

    def is_open(self, at: int) -> bool:
        return any(a <= at < b for a, b in self.merged(at, at + 1))

    def subtract(self, start: int, amount: int, horizon: int) -> int | None:
        """Walk backward interval by interval; None when ``horizon`` is not enough."""
        for a, b in reversed(self.merged(start - horizon, start)):
            b = min(b, start)
            if b <= a:
                continue
            if b - a >= amount:
                return b - amount
            amount -= b - a
        return None

    def previous_opening(self, at: int, horizon: int) -> int | None:
        """The last stretch start at or before ``at``, if it lies within ``horizon``."""
        starts = [a for a, _ in self.merged(at - horizon, at + 1) if a <= at]
        return starts[-1] if starts and starts[-1] >= at - horizon else None

    def previous_closing(self, at: int, horizon: int) -> int | None:
        ends = [b for _, b in self.merged(at - horizon, at + 1) if b <= at]
        return ends[-1] if ends and ends[-1] >= at - horizon else None

    def local_date(self, at: int) -> dt.date:
        return (EPOCH + dt.timedelta(microseconds=at)).astimezone(self.zone).date()

    def is_business_day(self, day: dt.date) -> bool:
        cuts = []
        for near in (day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)):
            cuts.extend(self.resolve(near, self.breaks.get(near, [])))
        return bool(self.minus(self.union(self.day_intervals(day)), self.union(cuts)))


# The heaviest properties (several calendars or long oracle walks per example).
capped = settings(max_examples=examples(60))

spans = st.one_of(st.integers(0, 3 * DAY), st.integers(0, 40 * DAY))
amounts = st.one_of(
    st.integers(0, 10 * MINUTE).map(lambda m: m * 6_000_000),
    st.integers(0, 200 * 60 * MINUTE),
)


specs = calendar_specs(CALENDAR_ZONES)


@given(specs, aware_instants(), spans)
def test_between_matches_the_oracle(spec: dict[str, Any], start: int, span: int) -> None:
    calendar, oracle = BusinessCalendar(**spec), Oracle(spec)
    assert calendar.between_us(start, start + span) == oracle.between(start, start + span)
    assert calendar.between_us(start + span, start) == -oracle.between(start, start + span)


@given(specs, aware_instants(), amounts)
def test_add_matches_the_oracle(spec: dict[str, Any], start: int, amount: int) -> None:
    expected = Oracle(spec).add(start, amount, 60 * DAY)
    assume(expected is not None)
    assert BusinessCalendar(**spec).add_us(start, amount) == expected


@given(specs, aware_instants())
def test_is_open_and_next_opening_and_closing_match_the_oracle(
    spec: dict[str, Any], at: int
) -> None:
    calendar, oracle = BusinessCalendar(**spec), Oracle(spec)
    assert calendar.is_open_us(at) == oracle.is_open(at)
    stretches = [(a, b) for a, b in oracle.merged(at, at + 30 * DAY) if b > at]
    assume(stretches and stretches[0][1] < at + 25 * DAY)
    first_a, first_b = stretches[0]
    assert calendar.next_opening_us(at) == max(first_a, at)
    assert calendar.next_closing_us(at) == first_b


@given(specs, aware_instants(), st.integers(0, 20 * DAY))
def test_intervals_match_the_oracle(spec: dict[str, Any], start: int, span: int) -> None:
    expected = [
        (max(a, start), min(b, start + span))
        for a, b in Oracle(spec).merged(start, start + span)
        if min(b, start + span) > max(a, start)
    ]
    assert BusinessCalendar(**spec).intervals_us(start, start + span) == expected


@capped
@given(specs, calendar_hours(), aware_instants(), st.integers(0, 3 * DAY))
def test_adding_a_piece_never_removes_working_time(
    spec: dict[str, Any], piece: tuple[str, str], start: int, span: int
) -> None:
    day = next(iter(spec["weekly"]))
    hours = spec["weekly"][day]
    wider = {**spec, "weekly": {**spec["weekly"], day: [*hours, piece]}}
    try:
        more = BusinessCalendar(**wider)
    except InvalidArgument:  # the extra piece stretches the day past 24 hours
        reject()
    calendar = BusinessCalendar(**spec)
    for a, b in calendar.intervals_us(start, start + span):
        assert more.between_us(a, b) == b - a


@given(specs, aware_instants(), amounts)
def test_subtract_matches_the_oracle(spec: dict[str, Any], start: int, amount: int) -> None:
    assume(amount > 0)
    expected = Oracle(spec).subtract(start, amount, 60 * DAY)
    assume(expected is not None)
    calendar = BusinessCalendar(**spec)
    assert calendar.add_us(start, -amount) == expected
    moment = EPOCH + dt.timedelta(microseconds=start)
    assert calendar.subtract(moment, dt.timedelta(microseconds=amount)) == (
        EPOCH + dt.timedelta(microseconds=expected)
    )


@given(specs, aware_instants())
def test_previous_opening_and_closing_match_the_oracle(spec: dict[str, Any], at: int) -> None:
    calendar, oracle = BusinessCalendar(**spec), Oracle(spec)
    opening = oracle.previous_opening(at, 25 * DAY)
    closing = oracle.previous_closing(at, 25 * DAY)
    assume(opening is not None and closing is not None)
    assert calendar.previous_opening_us(at) == opening
    assert calendar.previous_closing_us(at) == closing


@capped
@given(specs, aware_instants(), st.integers(-40, 40), st.integers(0, 45))
def test_business_days_match_the_oracle(
    spec: dict[str, Any], at: int, days: int, span: int
) -> None:
    calendar, oracle = BusinessCalendar(**spec), Oracle(spec)
    moment = EPOCH + dt.timedelta(microseconds=at)
    start = oracle.local_date(at)
    dates = [start + dt.timedelta(days=n) for n in range(span)]
    expected = [d for d in dates if oracle.is_business_day(d)]
    assert [d for d in dates if calendar.is_business_day(d)] == expected
    assert list(calendar.business_days(moment, start + dt.timedelta(days=span))) == expected
    assert calendar.count_business_days(moment, start + dt.timedelta(days=span)) == len(expected)
    assert calendar.count_business_days(start + dt.timedelta(days=span), moment) == -len(expected)
    # The days-th business day after (before) the start date, walking date by date.
    day, left, step = start, abs(days), 1 if days > 0 else -1
    while left:
        day += dt.timedelta(days=step)
        left -= oracle.is_business_day(day)
    assert calendar.add_business_days(moment, days) == day


long_spans = st.integers(0, 10 * YEAR)
long_amounts = st.integers(0, 3 * YEAR)


@given(calendars(), aware_instants(edges=False), long_amounts)
def test_between_of_add_gives_back_the_duration(calendar: Any, start: int, amount: int) -> None:
    end = calendar.add_us(start, amount)
    assert end >= start
    assert calendar.between_us(start, end) == amount
    back = calendar.add_us(end, -amount)
    assert back <= end
    assert calendar.between_us(back, end) == amount


@given(calendars(), aware_instants(edges=False), long_amounts, long_amounts)
def test_add_composes(calendar: Any, start: int, a: int, b: int) -> None:
    assert calendar.add_us(calendar.add_us(start, a), b) == calendar.add_us(start, a + b)


@given(calendars(), aware_instants(edges=False), long_spans, long_spans)
def test_between_is_additive_and_monotonic(calendar: Any, start: int, x: int, y: int) -> None:
    one = calendar.between_us(start, start + x)
    two = calendar.between_us(start + x, start + x + y)
    assert one >= 0
    assert two >= 0
    assert calendar.between_us(start, start + x + y) == one + two
    assert calendar.add_us(start, one) <= start + x


@given(calendars(), aware_instants(), st.integers(0, 2 * YEAR), st.integers(0, 2 * YEAR))
def test_add_is_monotonic_across_the_fast_range_edges(
    calendar: Any, start: int, a: int, b: int
) -> None:
    low, high = sorted((a, b))
    assert calendar.add_us(start, low) <= calendar.add_us(start, high)
    assert calendar.between_us(start, calendar.add_us(start, high)) == high


# Sundays with a DST change between 02:00 and 03:00 local time (both directions).
DST_SUNDAYS = [
    ("America/New_York", dt.date(2026, 3, 8)),
    ("America/New_York", dt.date(2026, 11, 1)),
    ("Pacific/Chatham", dt.date(2026, 9, 27)),
    ("Pacific/Chatham", dt.date(2026, 4, 5)),
    ("Australia/Lord_Howe", dt.date(2026, 10, 4)),
]


def _quarters(first: int, count: int) -> tuple[str, str]:
    def clock(q: int) -> str:
        return f"{q // 4:02d}:{q % 4 * 15:02d}"

    return clock(first), clock(first + count)


# Pieces between 01:00 and 07:00 on the quarter hour, touching or overlapping.
night_pieces = st.lists(
    st.builds(_quarters, st.integers(4, 16), st.integers(1, 12)), min_size=1, max_size=3
)


@given(st.sampled_from(DST_SUNDAYS), night_pieces)
def test_pieces_around_a_dst_change_match_the_oracle(
    zone_day: tuple[str, dt.date], pieces: list[tuple[str, str]]
) -> None:
    zone, day = zone_day
    spec = {"timezone": zone, "weekly": {6: pieces}, "holidays": [], "exceptions": {}}
    start = (day.toordinal() - dt.date(1970, 1, 1).toordinal() - 2) * DAY
    end = start + 4 * DAY
    calendar, oracle = BusinessCalendar(**spec), Oracle(spec)
    assert calendar.between_us(start, end) == oracle.between(start, end)
    expected = [(a, b) for a, b in oracle.merged(start, end) if start <= a and b <= end]
    assert calendar.intervals_us(start, end) == expected


@capped
@given(calendars(), aware_instants(), st.integers(0, 4000), st.integers(0, 4000))
def test_business_day_counts_are_additive_and_add_inverts_them(
    calendar: Any, at: int, x: int, y: int
) -> None:
    moment = EPOCH + dt.timedelta(microseconds=at)
    start = calendar.add_business_days(moment, 0)
    middle, end = start + dt.timedelta(days=x), start + dt.timedelta(days=x + y)
    one = calendar.count_business_days(start, middle)
    assert one + calendar.count_business_days(middle, end) == (
        calendar.count_business_days(start, end)
    )
    if one:
        last = calendar.add_business_days(start, one)
        assert calendar.is_business_day(last)
        assert calendar.count_business_days(start + dt.timedelta(days=1), last) == one - 1
        assert calendar.add_business_days(last, -one) <= start


def agrees_with_the_oracle(
    calendar: BusinessCalendar, oracle: Oracle, at: int, amount: int, span: int
) -> None:
    """Every business-time operation at ``at`` gives the oracle's answer (where the
    oracle's horizon is enough to know it)."""
    assert calendar.between_us(at, at + span) == oracle.between(at, at + span)
    assert calendar.is_open_us(at) == oracle.is_open(at)
    expected = [
        (max(a, at), min(b, at + span))
        for a, b in oracle.merged(at, at + span)
        if min(b, at + span) > max(a, at)
    ]
    assert calendar.intervals_us(at, at + span) == expected
    forward = oracle.add(at, amount, 60 * DAY)
    if forward is not None:
        assert calendar.add_us(at, amount) == forward
    backward = oracle.subtract(at, amount, 60 * DAY) if amount else at
    if backward is not None:
        assert calendar.add_us(at, -amount) == backward
    opening = oracle.previous_opening(at, 25 * DAY)
    closing = oracle.previous_closing(at, 25 * DAY)
    if opening is not None and closing is not None:
        assert calendar.previous_opening_us(at) == opening
        assert calendar.previous_closing_us(at) == closing
    stretches = [(a, b) for a, b in oracle.merged(at, at + 30 * DAY) if b > at]
    if stretches and stretches[0][1] < at + 25 * DAY:
        assert calendar.next_opening_us(at) == max(stretches[0][0], at)
        assert calendar.next_closing_us(at) == stretches[0][1]


# Before 1970 and after 2099 every answer comes from the exact, date-by-date slow path.
far_cases = st.one_of(
    st.tuples(
        calendar_specs(CALENDAR_ZONES, first_year=1950, last_year=1969),
        aware_instants(1950, 1969, edges=False),
    ),
    st.tuples(
        calendar_specs(CALENDAR_ZONES, first_year=2100, last_year=2130),
        aware_instants(2100, 2130, edges=False),
    ),
)


@capped
@given(far_cases, amounts, st.integers(0, 20 * DAY), st.integers(-20, 20))
def test_far_outside_the_precomputed_years_matches_the_oracle(
    case: tuple[dict[str, Any], int], amount: int, span: int, days: int
) -> None:
    spec, at = case
    calendar, oracle = BusinessCalendar(**spec), Oracle(spec)
    agrees_with_the_oracle(calendar, oracle, at, amount, span)
    start = oracle.local_date(at)
    dates = [start + dt.timedelta(days=n) for n in range(span // DAY)]
    business = [d for d in dates if oracle.is_business_day(d)]
    assert list(calendar.business_days(start, start + dt.timedelta(days=len(dates)))) == business
    day, left, step = start, abs(days), 1 if days > 0 else -1
    while left:
        day += dt.timedelta(days=step)
        left -= oracle.is_business_day(day)
    assert calendar.add_business_days(start, days) == day


class CombinedOracle(Oracle):
    """The intersection or union of two oracles' working sets, interval by interval."""

    def __init__(self, operation: str, left: Oracle, right: Oracle) -> None:
        self.operation, self.left, self.right = operation, left, right

    def merged(self, lo: int, hi: int) -> list[tuple[int, int]]:
        a, b = self.left.merged(lo, hi), self.right.merged(lo, hi)
        if self.operation == "union":
            return self.union(a + b)
        starts = [u for u, _ in b]
        both = []
        for x, y in a:  # b's intervals that start before y; the last few may overlap
            for u, v in b[max(0, bisect_left(starts, x) - 1) : bisect_left(starts, y)]:
                if max(x, u) < min(y, v):
                    both.append((max(x, u), min(y, v)))
        return self.union(both)


@capped
@given(specs, specs, st.sampled_from(["intersection", "union"]), aware_instants(), amounts)
def test_intersection_and_union_match_the_oracle(
    left: dict[str, Any], right: dict[str, Any], operation: str, at: int, amount: int
) -> None:
    right = {**right, "timezone": left["timezone"]}
    try:
        calendar = getattr(BusinessCalendar(**left), operation)(BusinessCalendar(**right))
    except InvalidArgument:  # an intersection whose weekly hours never overlap
        reject()
    oracle = CombinedOracle(operation, Oracle(left), Oracle(right))
    agrees_with_the_oracle(calendar, oracle, at, amount, amount // 3)
    assert BusinessCalendar.from_dict(calendar.to_dict()) == calendar


@capped
@given(
    specs,
    specs,
    st.sampled_from(["intersection", "union"]),
    aware_instants(edges=False),
    amounts,
)
def test_combinations_across_two_zones_match_the_oracle(
    left: dict[str, Any], right: dict[str, Any], operation: str, at: int, amount: int
) -> None:
    assume(left["timezone"] != right["timezone"])
    try:
        calendar = getattr(BusinessCalendar(**left), operation)(BusinessCalendar(**right))
    except InvalidArgument:  # no overlap while some offset difference holds
        reject()
    # The oracle only meets both zones in real time: each part resolved in its own zone.
    oracle = CombinedOracle(operation, Oracle(left), Oracle(right))
    agrees_with_the_oracle(calendar, oracle, at, amount, amount // 3)
    assert BusinessCalendar.from_dict(calendar.to_dict()) == calendar
