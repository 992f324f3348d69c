"""Business calendars: working hours in an IANA time zone, holidays and exceptions.

A calendar answers, for aware instants: how much business time lies between two
instants, which instant a business duration ends at, whether it is open, and when it
next opens or closes. Conventions (DESIGN.md section 2.3):

* business time is real elapsed time inside working intervals (an interval that spans
  a DST change lasts what it really lasts);
* adding zero returns the start; a positive duration that runs out exactly at a
  closing time gives that closing instant; a negative one that runs out exactly at an
  opening time gives that opening instant;
* intervals are half-open: open at the opening instant, closed at the closing instant;
* local wall-clock times that do not exist or occur twice resolve like ``zoneinfo``
  with ``fold=0``;
* an interval belongs to the date it starts on (a holiday closes the intervals that
  start on it); an exception states the whole hours of its date, holiday or not; a
  break on a date closes its real time span, whichever date's pieces it cuts;
* each working piece is resolved to real time on its own, then the pieces are merged
  (overlapping or touching ones make one stretch), so adding a piece never removes
  working time.

How it stays flat in the span. Business time is a non-decreasing function ``B(t)``
(working microseconds from an origin up to ``t``). ``between`` is ``B(t2) - B(t1)``
and ``add`` is the earliest ``t`` with ``B(t) = B(start) + d``. Away from holidays,
exceptions and zone transitions the working set is the weekly pattern shifted by a
constant UTC offset, so ``B`` is whole weeks times the weekly total plus a bisection
inside the week. Every holiday, exception and zone transition gets a *window* of whole
local days, computed exactly at construction (real UTC intervals, with prefix sums);
between windows ``B`` is the weekly formula plus a constant correction. Windows are
found by bisection. Tables are built once per calendar for local years
:data:`FAST_FIRST_YEAR` to :data:`FAST_END_YEAR` (exclusive); instants outside that
range are still answered exactly, day by day (correct, only slower).
"""

from __future__ import annotations

import datetime as _dt
import enum
import zoneinfo
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import pendulum

from .._kernel._errors import (
    InvalidArgument,
    InvalidType,
    SchemaError,
    SupportflowError,
    UnknownName,
)
from .._kernel._serde import Migrations, Reader, shown
from .._kernel._time import (
    MAX_DURATION_US,
    US_PER_DAY,
    US_PER_SECOND,
    instant_us,
    to_datetime,
    to_duration,
)

__all__ = ["FAST_END_YEAR", "FAST_FIRST_YEAR", "BusinessCalendar", "Weekday"]

FAST_FIRST_YEAR: Final = 1970
FAST_END_YEAR: Final = 2100

_DAY: Final = US_PER_DAY
_WEEK: Final = 7 * US_PER_DAY
# 1970-01-05 was a Monday: local weeks start at this local midnight (in microseconds).
_MONDAY0: Final = 4 * US_PER_DAY
_EPOCH_ORDINAL: Final = _dt.date(1970, 1, 1).toordinal()
_NAIVE_EPOCH: Final = _dt.datetime(1970, 1, 1)
_UTC_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
# Zone offsets are sampled this often (UTC seconds) to find transitions by bisection.
_SAMPLE_S: Final = 7 * 86_400
# Outside the precomputed range, exact day-by-day work proceeds in chunks of this length.
_CHUNK: Final = 28 * US_PER_DAY
_timedelta = _dt.timedelta

_DAY_NAMES: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Weekday(enum.IntEnum):
    """Days of the week, Monday = 0 as in :meth:`datetime.date.weekday`."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


Interval = tuple[int, int]  # microseconds from local midnight: 0 <= start < end <= start + day
IntervalInput = tuple[_dt.time | str, _dt.time | str]


# --------------------------------------------------------------------------- parsing


def _time_us(value: object, name: str, *, is_end: bool) -> int:
    if isinstance(value, _dt.time):
        if value.tzinfo is not None:
            raise InvalidArgument(
                f"{name} must be a local wall-clock time without tzinfo (the calendar's zone "
                f"applies), got {value!r}"
            )
        return (
            (value.hour * 60 + value.minute) * 60 + value.second
        ) * US_PER_SECOND + value.microsecond
    if isinstance(value, str):
        text = value.strip()
        if is_end and text in ("24:00", "24:00:00"):
            return _DAY
        try:
            parsed = _dt.time.fromisoformat(text)
        except ValueError:
            raise InvalidArgument(
                f"{name} is not a time of day like '09:00' or '17:30:00': {value!r}"
            ) from None
        return _time_us(parsed, name, is_end=is_end)
    raise InvalidType(f"{name} must be a datetime.time or 'HH:MM' text, got {value!r}")


def _interval(value: object, name: str) -> Interval:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
        raise InvalidArgument(
            f"{name} must be a (start, end) pair like ('09:00', '17:00'), got {value!r}"
        )
    start = _time_us(value[0], f"{name} start", is_end=False)
    end = _time_us(value[1], f"{name} end", is_end=True)
    if end <= start:
        end += _DAY  # crosses midnight into the next day (equal ends: 24 hours)
    return (start, end)


def _merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    out: list[list[int]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return tuple((a, b) for a, b in out)


def _combine(
    operation: str, left: Sequence[tuple[int, int]], right: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Intersection or union of two sorted lists of disjoint intervals."""
    if operation == "union":
        return list(_merge([*left, *right]))
    out = []
    i = j = 0
    while i < len(left) and j < len(right):
        a, b = max(left[i][0], right[j][0]), min(left[i][1], right[j][1])
        if a < b:
            out.append((a, b))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def _cut(intervals: list[tuple[int, int]], cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted disjoint ``intervals`` minus sorted disjoint ``cuts``."""
    if not cuts:
        return intervals
    out = []
    j = 0
    for a, b in intervals:
        while j < len(cuts) and cuts[j][1] <= a:
            j += 1
        k = j
        while a < b and k < len(cuts) and cuts[k][0] < b:
            if cuts[k][0] > a:
                out.append((a, cuts[k][0]))
            a = max(a, cuts[k][1])
            k += 1
        if a < b:
            out.append((a, b))
    return out


def _intervals(values: object, name: str) -> tuple[Interval, ...]:
    """A day's working pieces, sorted, as given: each is resolved to real time on its
    own before pieces are merged (merging first on the wall clock would lose the time
    a piece gains when its end falls in a DST gap)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidArgument(f"{name} must be a list of (start, end) pairs, got {values!r}")
    pieces = tuple(sorted({_interval(v, f"{name}[{i}]") for i, v in enumerate(values)}))
    for start, end in _merge(pieces):
        if end - start > _DAY:
            raise InvalidArgument(
                f"{name}: overlapping intervals merge into {_format_time(start)} to "
                f"{_format_time(end - _DAY)} the next day, more than 24 hours; "
                "give the extra hours to the next day instead"
            )
    return pieces


def _weekday(value: object) -> int:
    if isinstance(value, str) and value.lower() in _DAY_NAMES:
        return _DAY_NAMES.index(value.lower())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return int(value)
    raise InvalidArgument(
        f"weekday must be 0 (Monday) to 6 (Sunday), a Weekday or a day name, got {value!r}"
    )


def _date(value: object, name: str) -> _dt.date:
    if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
        raise InvalidType(f"{name} must be a datetime.date (not a datetime), got {value!r}")
    return value


def _date_of(day: int) -> _dt.date:
    return _dt.date.fromordinal(day + _EPOCH_ORDINAL)


def _zone(name: object) -> zoneinfo.ZoneInfo:
    if not isinstance(name, str):
        raise InvalidType(f"timezone must be an IANA zone name like 'Europe/Paris', got {name!r}")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UnknownName(
            f"unknown time zone {name!r}; use an IANA name like 'America/New_York' or 'UTC'"
        ) from None


def _format_time(us: int) -> str:
    seconds, micro = divmod(us, US_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    text = f"{hour:02d}:{minute:02d}"
    if second or micro:
        text += f":{second:02d}"
    if micro:
        text += f".{micro:06d}"
    return text


def _format_interval(interval: Interval) -> tuple[str, str]:
    start, end = interval
    if end > _DAY:
        end -= _DAY  # crosses midnight: written as an end before the start
    return (_format_time(start), "24:00" if end == _DAY else _format_time(end))


# --------------------------------------------------------------------------- the calendar


class BusinessCalendar:
    """Working hours in an IANA time zone, with holidays and per-date exceptions.

    ``weekly`` maps a weekday (0 = Monday, a :class:`Weekday` or a day name) to its
    working intervals ``(start, end)`` as ``datetime.time`` or ``"HH:MM"`` text; an end
    at or before the start crosses midnight into the next day (``("22:00", "06:00")``),
    ``"24:00"`` is midnight at the end of the day and start == end means 24 hours.
    ``holidays`` are dates closed all day; ``exceptions`` map a date to the intervals it
    has instead of its weekday's (an empty list closes it); ``breaks`` map a date to
    local intervals on it when the calendar is closed, whatever hours are open then
    (the date's own, or a night shift from the day before). Pieces are kept as given;
    each is resolved to real time before overlapping ones merge.

    Raises :class:`UnknownName` for an unknown zone and :class:`InvalidArgument` for a
    malformed interval or a week without any working time. Immutable; ``==`` and
    ``hash`` compare the definition.
    """

    __slots__ = (
        "_always",
        "_break_map",
        "_breaks",
        "_exceptions",
        "_holidays",
        "_parts",
        "_pattern",
        "_special_span",
        "_specials",
        "_tables",
        "_timezone",
        "_tz",
        "_weekly",
    )

    _timezone: str
    _tz: zoneinfo.ZoneInfo
    _weekly: tuple[tuple[Interval, ...], ...]
    _holidays: frozenset[_dt.date]
    _exceptions: Mapping[_dt.date, tuple[Interval, ...]]
    _specials: dict[int, tuple[Interval, ...]]
    _breaks: dict[int, tuple[Interval, ...]]
    _break_map: Mapping[_dt.date, tuple[Interval, ...]]
    _special_span: tuple[int, int]
    _parts: tuple[str, BusinessCalendar, BusinessCalendar] | None
    _pattern: _Pattern
    _tables: _Tables
    _always: bool

    def __init__(
        self,
        timezone: str,
        weekly: Mapping[Any, Sequence[IntervalInput]],
        holidays: Iterable[_dt.date] = (),
        exceptions: Mapping[_dt.date, Sequence[IntervalInput]] | None = None,
        breaks: Mapping[_dt.date, Sequence[IntervalInput]] | None = None,
    ) -> None:
        tz = _zone(timezone)
        if not isinstance(weekly, Mapping):
            raise InvalidType(f"weekly must be a mapping of weekday to intervals, got {weekly!r}")
        days: list[list[IntervalInput]] = [[] for _ in range(7)]
        for key, values in weekly.items():
            raw: object = values  # checked at runtime: callers may pass anything
            if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
                raise InvalidArgument(f"weekly[{key!r}] must be a list of (start, end) pairs")
            days[_weekday(key)].extend(values)
        week = tuple(_intervals(d, f"weekly[{_DAY_NAMES[n]}]") for n, d in enumerate(days))
        holiday_set = frozenset(_date(d, "holiday") for d in holidays)
        exception_map: dict[_dt.date, tuple[Interval, ...]] = {}
        for key, values in (exceptions or {}).items():
            day_key = _date(key, "exception date")
            exception_map[day_key] = _intervals(values, f"exceptions[{day_key.isoformat()}]")
        break_map: dict[_dt.date, tuple[Interval, ...]] = {}
        for key, values in (breaks or {}).items():
            day_key = _date(key, "break date")
            cuts = _intervals(values, f"breaks[{day_key.isoformat()}]")
            if cuts:
                break_map[day_key] = cuts
        pattern = _Pattern(week)
        if pattern.total == 0:
            raise InvalidArgument(
                "a calendar needs working time every week: weekly has no working interval "
                "(use BusinessCalendar.always_open() for 24/7, or weekdays() for office hours)"
            )
        specials: dict[int, tuple[Interval, ...]] = {
            d.toordinal() - _EPOCH_ORDINAL: () for d in holiday_set
        }
        for d, hours in exception_map.items():
            specials[d.toordinal() - _EPOCH_ORDINAL] = hours
        cut_days = {d.toordinal() - _EPOCH_ORDINAL: cuts for d, cuts in break_map.items()}
        marked = specials.keys() | cut_days.keys()
        set_ = object.__setattr__
        set_(self, "_timezone", timezone)
        set_(self, "_tz", tz)
        set_(self, "_weekly", week)
        set_(self, "_holidays", holiday_set)
        set_(self, "_exceptions", exception_map)
        set_(self, "_specials", specials)
        set_(self, "_parts", None)
        set_(self, "_break_map", break_map)
        set_(self, "_breaks", cut_days)
        # The first and last dates with a holiday, an exception or a break.
        set_(self, "_special_span", (min(marked, default=10**9), max(marked, default=-(10**9))))
        set_(self, "_pattern", pattern)
        # Around the clock with no closed dates: B(t) = t, every operation is trivial.
        set_(self, "_always", pattern.total == _WEEK and pattern.seamless and not marked)
        set_(self, "_tables", _Tables(self) if not self._always else _Tables.empty())

    # ------------------------------------------------------------------ constructors

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> BusinessCalendar:
        """Open around the clock, every day (24/7): business time is elapsed time."""
        return cls(timezone, {day: [("00:00", "24:00")] for day in range(7)})

    @classmethod
    def weekdays(
        cls,
        start: _dt.time | str = "09:00",
        end: _dt.time | str = "17:00",
        timezone: str = "UTC",
        holidays: Iterable[_dt.date] = (),
    ) -> BusinessCalendar:
        """Monday to Friday, ``start`` to ``end`` local time, in ``timezone``."""
        return cls(timezone, {day: [(start, end)] for day in range(5)}, holidays)

    @classmethod
    def from_country_holidays(
        cls,
        country: str,
        years: int | Iterable[int],
        *,
        subdiv: str | None = None,
        timezone: str = "UTC",
        weekly: Mapping[Any, Sequence[IntervalInput]] | None = None,
        exceptions: Mapping[_dt.date, Sequence[IntervalInput]] | None = None,
    ) -> BusinessCalendar:
        """A calendar closed on a country's public holidays (``pip install supportflow[holidays]``).

        ``country`` is an ISO 3166 code (``"US"``), ``subdiv`` a subdivision (``"CA"``),
        ``years`` a year or years. ``weekly`` defaults to weekdays 09:00-17:00.
        """
        if weekly is None:
            weekly = {day: [("09:00", "17:00")] for day in range(5)}
        return cls(timezone, weekly, country_holidays(country, years, subdiv=subdiv), exceptions)

    def with_holidays(self, holidays: Iterable[_dt.date]) -> BusinessCalendar:
        """A copy of this calendar closed on ``holidays`` as well."""
        return BusinessCalendar(
            self._timezone,
            self._weekly_input(),
            self._holidays | {_date(d, "holiday") for d in holidays},
            self._exceptions_input(),
            self._breaks_input(),
        )

    def with_country_holidays(
        self, country: str, years: int | Iterable[int], *, subdiv: str | None = None
    ) -> BusinessCalendar:
        """A copy closed on a country's public holidays as well (``supportflow[holidays]``)."""
        return self.with_holidays(country_holidays(country, years, subdiv=subdiv))

    def with_exceptions(
        self, exceptions: Mapping[_dt.date, Sequence[IntervalInput]]
    ) -> BusinessCalendar:
        """A copy with these per-date hours (replacing earlier exceptions of the same dates)."""
        merged: dict[_dt.date, Sequence[IntervalInput]] = dict(self._exceptions_input())
        merged.update(exceptions)
        return BusinessCalendar(
            self._timezone, self._weekly_input(), self._holidays, merged, self._breaks_input()
        )

    def with_breaks(self, breaks: Mapping[_dt.date, Sequence[IntervalInput]]) -> BusinessCalendar:
        """A copy closed during these per-date breaks as well (added to earlier ones).

        ``breaks`` maps a date to ``(start, end)`` local times on it, like
        ``{date(2026, 5, 6): [("14:00", "15:00")]}``: closed then, whatever hours the
        date has, without restating them.
        """
        merged: dict[_dt.date, list[IntervalInput]] = self._breaks_input()
        for key, values in breaks.items():
            merged.setdefault(_date(key, "break date"), []).extend(values)
        return BusinessCalendar(
            self._timezone, self._weekly_input(), self._holidays, self._exceptions_input(), merged
        )

    def intersection(self, other: BusinessCalendar) -> BusinessCalendar:
        """Open when both calendars are open (team hours ∩ contract hours); also ``a & b``.

        The parts may read two different zones (the result takes the left one's); the
        weekly hours must overlap somewhere in the week at every offset difference the
        zones take (:class:`InvalidArgument` otherwise).
        """
        return _combined("intersection", self, other)

    def union(self, other: BusinessCalendar) -> BusinessCalendar:
        """Open when either calendar is open (two teams covering each other); also ``a | b``.

        The parts may read two different zones (the result takes the left one's); a part
        of such a combination must read one zone (:class:`InvalidArgument` otherwise).
        """
        return _combined("union", self, other)

    def __and__(self, other: object) -> BusinessCalendar:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self.intersection(other)

    def __or__(self, other: object) -> BusinessCalendar:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self.union(other)

    @property
    def parts(self) -> tuple[str, BusinessCalendar, BusinessCalendar] | None:
        """``("intersection" | "union", left, right)`` for a combined calendar, else None."""
        return self._parts

    def _definition(self, what: str) -> None:
        if self._parts is not None:
            raise InvalidArgument(
                f"{what} of a combined calendar ({self._parts[0]}) are not defined: "
                "ask or change its parts (calendar.parts) instead"
            )

    # ------------------------------------------------------------------ definition

    @property
    def timezone(self) -> str:
        """The IANA zone the working hours are read in."""
        return self._timezone

    @property
    def holidays(self) -> frozenset[_dt.date]:
        """Dates closed all day (unless an exception gives them hours)."""
        self._definition("holidays")
        return self._holidays

    @property
    def is_always_open(self) -> bool:
        """True when open around the clock with no closed dates."""
        return self._always

    def weekly_hours(self) -> dict[Weekday, list[tuple[str, str]]]:
        """The weekly pieces as ``"HH:MM"`` text (sorted, as given), per weekday with hours."""
        self._definition("weekly hours")
        return {
            Weekday(day): [_format_interval(i) for i in intervals]
            for day, intervals in enumerate(self._weekly)
            if intervals
        }

    def _weekly_input(self) -> dict[int, list[IntervalInput]]:
        self._definition("weekly hours, holidays, exceptions and breaks")
        return {
            day: [_format_interval(i) for i in intervals]
            for day, intervals in enumerate(self._weekly)
            if intervals
        }

    def _breaks_input(self) -> dict[_dt.date, list[IntervalInput]]:
        return {d: [_format_interval(i) for i in cuts] for d, cuts in self._break_map.items()}

    def _exceptions_input(self) -> dict[_dt.date, list[IntervalInput]]:
        return {
            d: [_format_interval(i) for i in intervals] for d, intervals in self._exceptions.items()
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return (
            self._timezone == other._timezone
            and self._weekly == other._weekly
            and self._holidays == other._holidays
            and self._exceptions == other._exceptions
            and self._break_map == other._break_map
            and self._parts == other._parts
        )

    def __hash__(self) -> int:
        return hash(
            (
                self._timezone,
                self._weekly,
                self._holidays,
                frozenset(self._exceptions.items()),
                frozenset(self._break_map.items()),
                self._parts,
            )
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"BusinessCalendar is immutable; cannot set {name!r}")

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # Pickled as its document (what-if grids send scenarios to worker processes):
        # the slots cannot be restored one by one on an immutable object.
        return type(self).from_dict, (self.to_dict(),)

    # Immutable: a copy is the calendar itself (Incident.resolve deep-copies tickets,
    # and with them their SLA policies, for its dry run).
    def __copy__(self) -> BusinessCalendar:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> BusinessCalendar:
        return self

    def __repr__(self) -> str:
        if self._parts is not None:
            operation, left, right = self._parts
            return f"({left!r} {'&' if operation == 'intersection' else '|'} {right!r})"
        if self._always:
            return f"BusinessCalendar.always_open({self._timezone!r})"
        hours = {_DAY_NAMES[d]: v for d, v in self._weekly_input().items()}
        return (
            f"BusinessCalendar({self._timezone!r}, {hours!r}, holidays={len(self._holidays)} "
            f"dates, exceptions={len(self._exceptions)} dates, breaks={len(self._break_map)} dates)"
        )

    # ------------------------------------------------------------------ public API

    def add(self, start: _dt.datetime, duration: _dt.timedelta) -> pendulum.DateTime:
        """The instant ``duration`` of business time after ``start`` (before, if negative).

        Zero returns ``start``; a duration that runs out exactly at a closing time gives
        that closing instant. Raises :class:`NaiveDatetimeError` for a naive ``start``.
        """
        return to_datetime(self.add_us(instant_us(start, "start"), _duration(duration)))

    def between(self, start: _dt.datetime, end: _dt.datetime) -> pendulum.Duration:
        """Business time from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        return to_duration(self.between_us(instant_us(start, "start"), instant_us(end, "end")))

    def is_open(self, at: _dt.datetime) -> bool:
        """Whether ``at`` falls inside a working interval (open at opening, closed at closing)."""
        return self.is_open_us(instant_us(at, "at"))

    def next_opening(self, at: _dt.datetime) -> pendulum.DateTime:
        """The first instant at or after ``at`` when the calendar is open (``at`` if open)."""
        return to_datetime(self.next_opening_us(instant_us(at, "at")))

    def next_closing(self, at: _dt.datetime) -> pendulum.DateTime:
        """The first closing instant after ``at`` (end of the current or next open stretch).

        Raises :class:`InvalidArgument` when the calendar never closes after ``at``.
        """
        return to_datetime(self.next_closing_us(instant_us(at, "at")))

    def intervals(
        self, start: _dt.datetime, end: _dt.datetime
    ) -> list[tuple[pendulum.DateTime, pendulum.DateTime]]:
        """The open stretches within ``[start, end)``, clipped to it, for display."""
        return [
            (to_datetime(a), to_datetime(b))
            for a, b in self.intervals_us(instant_us(start, "start"), instant_us(end, "end"))
        ]

    def subtract(self, start: _dt.datetime, duration: _dt.timedelta) -> pendulum.DateTime:
        """The instant ``duration`` of business time before ``start`` (after, if negative).

        A duration that runs out exactly at an opening time gives that opening instant.
        """
        return to_datetime(self.add_us(instant_us(start, "start"), -_duration(duration)))

    def previous_opening(self, at: _dt.datetime) -> pendulum.DateTime:
        """The last opening instant at or before ``at`` (the start of the open stretch
        ``at`` falls in, else of the last one before it).

        Raises :class:`InvalidArgument` when the calendar was open without a break
        before ``at``, as far back as its definition reaches.
        """
        return to_datetime(self.previous_opening_us(instant_us(at, "at")))

    def previous_closing(self, at: _dt.datetime) -> pendulum.DateTime:
        """The last closing instant at or before ``at`` (``at`` itself when it is one).

        Raises :class:`InvalidArgument` when the calendar never closed before ``at``.
        """
        return to_datetime(self.previous_closing_us(instant_us(at, "at")))

    # ------------------------------------------------------------------ business days

    def is_business_day(self, day: _dt.date | _dt.datetime) -> bool:
        """Whether a local date has working time (an aware datetime: its local date here).

        A business day is a date on which at least one working piece starts and lasts
        more than nothing in real time, after holidays, exceptions and breaks.
        """
        return self._is_business_day(self._day_of(day, "day"))

    def next_business_day(self, day: _dt.date | _dt.datetime) -> _dt.date:
        """The first business day after ``day``'s local date (never that date itself)."""
        return self.add_business_days(day, 1)

    def previous_business_day(self, day: _dt.date | _dt.datetime) -> _dt.date:
        """The last business day before ``day``'s local date (never that date itself)."""
        return self.add_business_days(day, -1)

    def add_business_days(self, day: _dt.date | _dt.datetime, days: int) -> _dt.date:
        """The ``days``-th business day after ``day``'s local date (before, if negative).

        The start date itself is never counted, business day or not: from a Saturday,
        one business day later is Monday, as from the Friday before. Zero returns the
        local date of ``day`` unchanged.
        """
        if not isinstance(days, int) or isinstance(days, bool):
            raise InvalidType(f"days must be an int, got {days!r}")
        return _date_of(self._add_days(self._day_of(day, "day"), days))

    def count_business_days(
        self, start: _dt.date | _dt.datetime, end: _dt.date | _dt.datetime
    ) -> int:
        """Business days with a local date from ``start``'s (included) to ``end``'s
        (excluded); negative when ``end`` is earlier. Partial days count whole."""
        first, last = self._day_of(start, "start"), self._day_of(end, "end")
        if last < first:
            return -self._count_days(last, first)
        return self._count_days(first, last)

    def business_days(
        self, start: _dt.date | _dt.datetime, end: _dt.date | _dt.datetime
    ) -> Iterator[_dt.date]:
        """The business days from ``start``'s local date (included) to ``end``'s
        (excluded), in order; what :meth:`count_business_days` counts."""
        first, last = self._day_of(start, "start"), self._day_of(end, "end")

        def days() -> Iterator[_dt.date]:
            for day in range(first, last):
                if self._is_business_day(day):
                    yield _date_of(day)

        return days()

    # ------------------------------------------------------------------ integer API

    def between_us(self, start_us: int, end_us: int) -> int:
        """Business microseconds from ``start_us`` to ``end_us`` (negative if reversed)."""
        if self._always:
            return end_us - start_us
        if end_us < start_us:
            return -self.between_us(end_us, start_us)
        t = self._tables
        lo, hi = t.lo, t.hi
        if lo <= start_us and end_us <= hi:
            return t.b(end_us) - t.b(start_us)
        total = 0
        if start_us < lo:
            total += self._slow_measure(start_us, min(end_us, lo))
        a, b = max(start_us, lo), min(end_us, hi)
        if a < b:
            total += t.b(b) - t.b(a)
        if end_us > hi:
            total += self._slow_measure(max(start_us, hi), end_us)
        return total

    def add_us(self, start_us: int, duration_us: int) -> int:
        """The instant ``duration_us`` business microseconds after (or before) ``start_us``."""
        if self._always or duration_us == 0:
            return start_us + duration_us
        if duration_us > 0:
            return self._forward(start_us, duration_us)
        return self._backward(start_us, -duration_us)

    def is_open_us(self, us: int) -> bool:
        """Whether the instant falls inside a working interval."""
        if self._always:
            return True
        t = self._tables
        if t.lo <= us < t.hi:
            return t.is_open(us)
        return any(a <= us < b for a, b in self._exact(us - _DAY, us + _DAY))

    def next_opening_us(self, us: int) -> int:
        """The first open instant at or after ``us``."""
        if self._always:
            return us
        t = self._tables
        if t.lo <= us < t.hi:
            found = t.latest(t.b(us))
            if found < t.hi:
                return found
            us = t.hi
        while True:
            for a, b in self._exact(us, us + _CHUNK):
                if b > us:
                    return max(a, us)
            us += _CHUNK
            if us >= self._tables.lo and us < self._tables.hi:
                return self.next_opening_us(us)

    def next_closing_us(self, us: int) -> int:
        """The first closing instant after ``us``; :class:`InvalidArgument` if it never closes."""
        found = self._next_closing(us, None)
        assert found is not None
        return found

    def intervals_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The open stretches within ``[start_us, end_us)``, clipped to it."""
        out: list[tuple[int, int]] = []
        at = start_us
        while at < end_us:
            opening = self.next_opening_us(at)
            if opening >= end_us:
                break
            closing = self._next_closing(opening, end_us)
            closing = end_us if closing is None else min(closing, end_us)
            out.append((opening, closing))
            at = closing
        return out

    def previous_opening_us(self, us: int) -> int:
        """The last opening instant at or before ``us``; see :meth:`previous_opening`."""
        if not self.is_open_us(us):
            us = self.previous_closing_us(us) - 1
        return self._stretch_start(us)

    def previous_closing_us(self, us: int) -> int:
        """The last closing instant at or before ``us``; see :meth:`previous_closing`."""
        if self.is_open_us(us):
            us = self._stretch_start(us)
        # Closed at ``us``: B has been flat since the last closing, where it was one
        # microsecond of work after the instant one microsecond before.
        return self._backward(us, 1) + 1

    # ------------------------------------------------------------------ internals

    def _stretch_start(self, us: int) -> int:
        """The opening of the open stretch containing ``us`` (``us`` must be open)."""
        if self._always:
            raise InvalidArgument(f"{self!r} is open around the clock: it never opens or closes")
        give_up = None
        if self._pattern.total == _WEEK:  # closes only on special dates and DST holes
            first_special = (self._special_span[0] - 3) * _DAY
            give_up = first_special
            if not self._pattern.seamless:
                give_up = min(first_special, us, self._tables.lo) - 400 * _DAY
        back = _DAY
        while True:
            at = us - back if give_up is None else max(us - back, give_up)
            if self.is_open_us(at):
                closing = self._next_closing(at, us + 1)
                if closing is None or closing > us:
                    if at == give_up:
                        raise InvalidArgument(
                            f"{self!r} was open without a break before {to_datetime(us)}: "
                            "it never opened or closed before"
                        )
                    back *= 2  # still inside the stretch: look further back
                    continue
                at = closing
            # Closed at ``at``: walk the stretches forward to the one holding ``us``.
            while True:
                opening = self.next_opening_us(at)
                closing = self._next_closing(opening, us + 1)
                if closing is None or closing > us:
                    return opening
                at = closing

    def _day_of(self, value: object, name: str) -> int:
        """The local day number (days since 1970-01-01) of a date or an aware datetime."""
        self._definition("business days")
        if isinstance(value, _dt.datetime):
            return _local_day(self._tz, instant_us(value, name))
        if isinstance(value, _dt.date):
            return value.toordinal() - _EPOCH_ORDINAL
        raise InvalidType(
            f"{name} must be a datetime.date or an aware datetime, got {type(value).__name__}"
        )

    def _is_business_day(self, day: int) -> bool:
        t = self._tables
        if self._always:
            return True
        if t.first_day <= day < t.end_day and day not in t.irregular:
            return t.business_weekday[(day + 3) % 7]
        return bool(self._day_working(day))

    def _count_days(self, first: int, last: int) -> int:
        """Business days in local days ``[first, last)`` (``first <= last``)."""
        if self._always:
            return last - first
        t = self._tables
        total = 0
        a, b = max(first, t.first_day), min(last, t.end_day)
        if a < b:
            total += t.days_before(b) - t.days_before(a)
        for day in (*range(first, min(last, t.first_day)), *range(max(first, t.end_day), last)):
            total += self._is_business_day(day)
        return total

    def _add_days(self, day: int, days: int) -> int:
        if days == 0:
            return day
        if self._always:
            return day + days
        t = self._tables
        step = 1 if days > 0 else -1
        left = abs(days)
        while True:
            inside = t.first_day <= day + step and day + step < t.end_day
            if inside and step > 0:
                # The first ``x`` with days_before(x) reaching the target; the answer is
                # the business day just before it.
                target = t.days_before(day + 1) + left
                if t.days_before(t.end_day) >= target:
                    return t.first_day_reaching(target, day + 1) - 1
                left = target - t.days_before(t.end_day)
                day = t.end_day - 1
                continue
            if inside:
                target = t.days_before(day) - left
                if t.days_before(t.first_day) <= target:
                    return t.first_day_reaching(target + 1, t.first_day) - 1
                left = t.days_before(t.first_day) - target
                day = t.first_day
                continue
            day += step
            if self._is_business_day(day):
                left -= 1
                if left == 0:
                    return day

    def _forward(self, at: int, amount: int) -> int:
        t = self._tables
        if at < t.lo:
            found, amount = self._slow_forward(at, amount, t.lo)
            if found is not None:
                return found
            at = t.lo
        if at < t.hi:
            target = t.b(at) + amount
            top = t.b_hi
            if target <= top:
                return t.earliest(target)
            amount = target - top
            at = t.hi
        found, _ = self._slow_forward(at, amount, None)
        assert found is not None
        return found

    def _backward(self, at: int, amount: int) -> int:
        t = self._tables
        if at > t.hi:
            found, amount = self._slow_backward(at, amount, t.hi)
            if found is not None:
                return found
            at = t.hi
        if at > t.lo:
            target = t.b(at) - amount
            bottom = t.b_lo
            if target >= bottom:
                return t.latest(target)
            amount = bottom - target
            at = t.lo
        found, _ = self._slow_backward(at, amount, None)
        assert found is not None
        return found

    def _next_closing(self, us: int, limit: int | None) -> int | None:
        """The next closing after ``us``; None if ``limit`` comes first (or never closes)."""
        if self._always:
            if limit is not None:
                return None
            raise InvalidArgument(f"{self!r} is open around the clock: it never closes")
        t = self._tables
        at = self.next_opening_us(us)
        # A week open around the clock closes only on special dates, and, when its pieces
        # overlap, where a DST change opens a hole between two overlapping pieces. Holes
        # recur with the zone's yearly rules, so a year past the last special date and
        # the precomputed range without one means it never closes again.
        last_special = (self._special_span[1] + 3) * _DAY
        give_up = None
        if self._pattern.total == _WEEK:
            give_up = last_special
            if not self._pattern.seamless:
                give_up = max(last_special, us, t.hi) + 400 * _DAY
        while True:
            if limit is not None and at >= limit:
                return None
            if give_up is not None and at > give_up:
                if limit is not None:
                    return None
                raise InvalidArgument(
                    f"{self!r} never closes after {to_datetime(us)}: open around the clock"
                )
            if t.lo <= at < t.hi:
                found = t.closing(at)
                if found is not None:
                    return found
                at = t.hi
                continue
            chunk_end = at + _CHUNK if at >= t.hi else min(at + _CHUNK, t.lo)
            for a, b in self._exact(at - _DAY, chunk_end):
                if a <= at < b:
                    if b < chunk_end:
                        return b
                    break
            else:
                return at  # closed at ``at`` itself
            at = chunk_end

    def _date_intervals(self, day: int) -> list[tuple[int, int]]:
        """Real UTC intervals of the working hours that start on local day ``day``."""
        intervals = self._specials.get(day)
        if intervals is None:
            intervals = self._weekly[(day + 3) % 7]
        return self._resolve(day, intervals)

    def _resolve(self, day: int, pieces: tuple[Interval, ...]) -> list[tuple[int, int]]:
        """Real UTC intervals of local pieces of day ``day``, each resolved on its own."""
        base = day * _DAY
        out = []
        for start, end in pieces:
            a = _local_to_utc(self._tz, base + start)
            b = _local_to_utc(self._tz, base + end)
            if b > a:
                out.append((a, b))
        return out

    def _cuts(self, first: int, last: int) -> list[tuple[int, int]]:
        """Real UTC intervals of the breaks of local days ``first`` to ``last``, merged."""
        raw = []
        if self._breaks:
            for day in range(first, last + 1):
                cuts = self._breaks.get(day)
                if cuts:
                    raw.extend(self._resolve(day, cuts))
        return list(_merge(raw))

    def _day_working(self, day: int) -> list[tuple[int, int]]:
        """What remains of day ``day``'s own pieces after every break over them."""
        return _cut(list(_merge(self._date_intervals(day))), self._cuts(day - 1, day + 1))

    def _window_days(self) -> set[int]:
        """Local days whose hours differ from the weekly pattern's (holidays, exceptions,
        breaks, of the parts too)."""
        if self._parts is not None:
            return self._parts[1]._window_days() | self._parts[2]._window_days()
        return self._specials.keys() | self._breaks.keys()

    def _exact(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """Merged real working intervals clipped to ``[lo, hi)``, computed day by day."""
        if self._parts is not None:
            operation, left, right = self._parts
            return _combine(operation, left._exact(lo, hi), right._exact(lo, hi))
        first = _local_day(self._tz, lo) - 2
        last = _local_day(self._tz, hi) + 1
        raw = []
        for day in range(first, last + 1):
            for a, b in self._date_intervals(day):
                a, b = max(a, lo), min(b, hi)
                if a < b:
                    raw.append((a, b))
        return _cut(list(_merge(raw)), self._cuts(first, last))

    def _slow_measure(self, lo: int, hi: int) -> int:
        total = 0
        while lo < hi:
            top = min(hi, lo + _CHUNK)
            total += sum(b - a for a, b in self._exact(lo, top))
            lo = top
        return total

    def _slow_forward(self, at: int, amount: int, limit: int | None) -> tuple[int | None, int]:
        while limit is None or at < limit:
            top = at + _CHUNK if limit is None else min(limit, at + _CHUNK)
            for a, b in self._exact(at, top):
                if b - a >= amount:
                    return a + amount, 0
                amount -= b - a
            at = top
        return None, amount

    def _slow_backward(self, at: int, amount: int, limit: int | None) -> tuple[int | None, int]:
        while limit is None or at > limit:
            bottom = at - _CHUNK if limit is None else max(limit, at - _CHUNK)
            for a, b in reversed(self._exact(bottom, at)):
                if b - a >= amount:
                    return b - amount, 0
                amount -= b - a
            at = bottom
        return None, amount

    # ------------------------------------------------------------------ serialization

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (type ``"calendar"``, schema 2); see :meth:`from_dict`.

        A combined calendar is ``{"combine": "intersection" | "union", "calendars":
        [left, right]}`` with the two parts' documents.
        """
        if self._parts is not None:
            operation, left, right = self._parts
            return {
                "type": "calendar",
                "schema": _MIGRATIONS.current,
                "combine": operation,
                "calendars": [left.to_dict(), right.to_dict()],
            }
        return {
            "type": "calendar",
            "schema": _MIGRATIONS.current,
            "timezone": self._timezone,
            "weekly": {
                _DAY_NAMES[day]: [list(_format_interval(i)) for i in intervals]
                for day, intervals in enumerate(self._weekly)
                if intervals
            },
            "holidays": sorted(d.isoformat() for d in self._holidays),
            "exceptions": [
                {"date": d.isoformat(), "intervals": [list(_format_interval(i)) for i in intervals]}
                for d, intervals in sorted(self._exceptions.items())
            ],
            "breaks": [
                {"date": d.isoformat(), "intervals": [list(_format_interval(i)) for i in cuts]}
                for d, cuts in sorted(self._break_map.items())
            ],
        }

    @classmethod
    def _from_parts(cls, reader: Reader) -> BusinessCalendar:
        operation = reader.text("combine")
        if operation not in ("intersection", "union"):
            raise SchemaError(
                reader.at("combine"), f"expected 'intersection' or 'union', got {operation!r}"
            )
        parts = []
        for row in reader.children("calendars"):
            try:
                parts.append(cls.from_dict(row.data))
            except SchemaError as error:
                path = f"{row.path}.{error.path}" if error.path else row.path
                raise SchemaError(path, error.problem) from None
        if len(parts) != 2:
            raise SchemaError(reader.at("calendars"), f"expected 2 calendars, got {len(parts)}")
        try:
            return _combined(operation, parts[0], parts[1])
        except SupportflowError as error:
            raise SchemaError(reader.path, str(error)) from None

    @classmethod
    def from_dict(cls, data: object) -> BusinessCalendar:
        """Rebuild a calendar from :meth:`to_dict` data; :class:`SchemaError` names bad fields."""
        reader = _MIGRATIONS.upgrade(data)
        if "combine" in reader.data:
            return cls._from_parts(reader)
        timezone = reader.text("timezone")
        try:
            _zone(timezone)
        except SupportflowError as error:
            raise SchemaError(reader.at("timezone"), str(error)) from None
        weekly_reader = reader.child("weekly")
        weekly: dict[int, list[IntervalInput]] = {}
        for name in weekly_reader.data:
            if name not in _DAY_NAMES:
                raise SchemaError(
                    weekly_reader.at(name), f"unknown weekday; expected one of {_DAY_NAMES}"
                )
            weekly[_DAY_NAMES.index(name)] = _read_intervals(weekly_reader, name)
        holidays = [
            _read_date(text, f"{reader.at('holidays')}[{i}]")
            for i, text in enumerate(reader.text_list("holidays"))
        ]
        exceptions: dict[_dt.date, list[IntervalInput]] = {}
        for row in reader.children("exceptions"):
            exceptions[_read_date(row.text("date"), row.at("date"))] = _read_intervals(
                row, "intervals"
            )
        breaks: dict[_dt.date, list[IntervalInput]] = {}
        for row in reader.children("breaks"):
            breaks[_read_date(row.text("date"), row.at("date"))] = _read_intervals(row, "intervals")
        try:
            return cls(timezone, weekly, holidays, exceptions, breaks)
        except SupportflowError as error:
            raise SchemaError(reader.path, str(error)) from None


def _combined(operation: str, left: BusinessCalendar, right: object) -> BusinessCalendar:
    """The intersection or union of two calendars (of one or two zones), flat-cost tables."""
    if not isinstance(right, BusinessCalendar):
        raise InvalidType(f"can only combine with a BusinessCalendar, got {type(right).__name__}")
    if left._always or right._always:  # a 24/7 part is neutral or absorbing
        keep_left = right._always if operation == "intersection" else left._always
        return left if keep_left else right
    cross = left._timezone != right._timezone
    if cross and (_cross_part(left) is not None or _cross_part(right) is not None):
        raise InvalidArgument(
            "combine at most two time zones: a part of a cross-zone combination must read "
            f"its hours in one zone, got {left!r} and {right!r}"
        )
    if cross:
        pattern = _cross_pattern(operation, left, right)
    else:
        pattern = _Pattern.combined(operation, left._pattern, right._pattern)
    if pattern.total == 0:
        raise InvalidArgument(
            f"the {operation} of {left!r} and {right!r} has no working time in a regular "
            "week: their weekly hours never overlap"
        )
    calendar = BusinessCalendar.__new__(BusinessCalendar)
    set_ = object.__setattr__
    for name, value in (
        ("_timezone", left._timezone),
        ("_tz", left._tz),
        ("_weekly", ()),
        ("_holidays", frozenset()),
        ("_exceptions", {}),
        ("_specials", {}),
        ("_breaks", {}),
        ("_break_map", {}),
        ("_parts", (operation, left, right)),
        ("_pattern", pattern),
        ("_always", False),
    ):
        set_(calendar, name, value)
    spans = (left._special_span, right._special_span)
    set_(calendar, "_special_span", (min(a for a, _ in spans), max(b for _, b in spans)))
    set_(calendar, "_tables", _Tables(calendar))
    return calendar


def _cross_part(calendar: BusinessCalendar) -> BusinessCalendar | None:
    """The right part of a combination across two zones (read in its own zone), else None."""
    parts = calendar._parts
    if parts is None or parts[2]._timezone == calendar._timezone:
        return None
    return parts[2]


def _shifted(operation: str, left: _Pattern, right: _Pattern, delta: int) -> _Pattern:
    """``left`` combined with ``right`` read ``delta`` later on the right's clock: the
    right's stretches moved onto the left's local axis (local_right = local_left + delta)."""
    moved: list[Interval] = []
    for a, b in right.stretches():
        a, b = a - delta, b - delta
        shift = -(a // _WEEK) * _WEEK
        a, b = a + shift, b + shift
        if b > _WEEK:
            moved.extend(((a, _WEEK), (0, b - _WEEK)))
        else:
            moved.append((a, b))
    return _Pattern.combined(operation, left, _Pattern.from_stretches(_merge(moved)))


def _cross_pattern(operation: str, left: BusinessCalendar, right: BusinessCalendar) -> _Pattern:
    """The combined pattern for every offset difference the two zones take in the fast
    range; refuses a combination with no working time while some difference holds. The
    one with the most working time stands for the calendar (its never-closes checks)."""
    lo_s = (_dt.date(FAST_FIRST_YEAR, 1, 1).toordinal() - _EPOCH_ORDINAL) * 86_400 - 4 * 86_400
    hi_s = (_dt.date(FAST_END_YEAR, 1, 1).toordinal() - _EPOCH_ORDINAL) * 86_400 + 4 * 86_400
    instants = [lo_s * US_PER_SECOND]
    for tz in (left._tz, right._tz):
        instants.extend(instant for instant, _, _ in _transitions(tz, lo_s, hi_s))
    deltas = {_offset_at(right._tz, at) - _offset_at(left._tz, at) for at in instants}
    best: _Pattern | None = None
    for delta in sorted(deltas):
        pattern = _shifted(operation, left._pattern, right._pattern, delta)
        if pattern.total == 0:
            return pattern
        if best is None or pattern.total > best.total:
            best = pattern
    assert best is not None
    return best


def _add_breaks(document: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 to 2: calendars gained per-date breaks (none before)."""
    return {**document, "breaks": []}


_MIGRATIONS: Final = Migrations("calendar", 2, {1: _add_breaks})


def _read_intervals(reader: Reader, key: str) -> list[IntervalInput]:
    out: list[IntervalInput] = []
    for index, item in enumerate(reader.array(key)):
        path = f"{reader.at(key)}[{index}]"
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
        ):
            raise SchemaError(
                path, f"expected a [start, end] pair of 'HH:MM' strings, got {shown(item)}"
            )
        try:
            _interval(item, path)
        except SupportflowError as error:
            raise SchemaError(path, str(error)) from None
        out.append((item[0], item[1]))
    return out


def _read_date(text: str, path: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise SchemaError(path, f"expected an ISO date like '2026-12-25', got {text!r}") from None


def _duration(value: object) -> int:
    if not isinstance(value, _timedelta):
        raise InvalidType(
            f"duration must be a timedelta or pendulum.Duration, got {type(value).__name__}"
        )
    if isinstance(value, pendulum.Duration) and (value.months or value.years):
        raise InvalidArgument(
            f"duration must be a fixed length of time, got {value!r} with months or years"
        )
    us = (value.days * 86_400 + value.seconds) * US_PER_SECOND + value.microseconds
    if abs(us) > MAX_DURATION_US:
        raise InvalidArgument(f"duration must be at most 100 years, got {value.days} days")
    return us


def country_holidays(
    country: str, years: int | Iterable[int], *, subdiv: str | None = None
) -> list[_dt.date]:
    """Public holiday dates of ``country`` (and ``subdiv``) from the ``holidays`` package."""
    try:
        import holidays as holidays_package  # optional extra, imported lazily
    except ImportError:
        raise ImportError(
            "country holidays need the optional 'holidays' package: "
            "pip install 'supportflow[holidays]'"
        ) from None
    year_list = [years] if isinstance(years, int) else list(years)
    try:
        table = holidays_package.country_holidays(country, subdiv=subdiv, years=year_list)
    except NotImplementedError:
        raise UnknownName(
            f"the holidays package knows no country {country!r} with subdivision {subdiv!r}"
        ) from None
    return sorted(table.keys())


# --------------------------------------------------------------------------- zone helpers


def _local_to_utc(tz: zoneinfo.ZoneInfo, local_us: int) -> int:
    """UTC microseconds of a local wall-clock time, resolved like zoneinfo with fold=0."""
    # ZoneInfo.utcoffset reads the wall-clock fields (fold=0) of a naive datetime.
    offset = tz.utcoffset(_NAIVE_EPOCH + _timedelta(microseconds=local_us))
    assert offset is not None
    return local_us - _td_us(offset)


def _offset_at(tz: zoneinfo.ZoneInfo, utc_us: int) -> int:
    """The zone's UTC offset (microseconds) at a UTC instant."""
    local = (_UTC_EPOCH + _timedelta(microseconds=utc_us)).astimezone(tz)
    offset = local.utcoffset()
    assert offset is not None
    return (offset.days * 86_400 + offset.seconds) * US_PER_SECOND + offset.microseconds


def _local_day(tz: zoneinfo.ZoneInfo, utc_us: int) -> int:
    return (utc_us + _offset_at(tz, utc_us)) // _DAY


def _transitions(tz: zoneinfo.ZoneInfo, lo_s: int, hi_s: int) -> list[tuple[int, int, int]]:
    """``(instant_us, offset_before, offset_after)`` of each offset change in ``[lo_s, hi_s)``.

    Samples every week and bisects to the second (tzdata transitions are whole seconds).
    Two changes less than a week apart that restore the same offset would be missed;
    tzdata has none since 1970.
    """
    out = []

    def offset(seconds: int) -> _dt.timedelta | None:
        return _dt.datetime.fromtimestamp(seconds, tz).utcoffset()

    lo_s -= lo_s % 3600  # samples on whole hours, so hour bisection hits hour marks
    here, here_offset = lo_s, offset(lo_s)
    while here < hi_s:
        nxt = min(here + _SAMPLE_S, hi_s)
        nxt_offset = offset(nxt)
        if nxt_offset == here_offset:
            here = nxt
            continue
        # Bisect on whole hours first (most transitions fall on one), then on seconds.
        low, high = here, nxt
        while high - low > 3600:
            mid = low + (high - low) // 7200 * 3600 if high - low >= 7200 else (low + high) // 2
            if offset(mid) == here_offset:
                low = mid
            else:
                high = mid
        if high % 3600 or offset(high - 1) != here_offset:
            while high - low > 1:
                mid = (low + high) // 2
                if offset(mid) == here_offset:
                    low = mid
                else:
                    high = mid
        after = offset(high)
        assert here_offset is not None
        assert after is not None
        out.append(
            (high * US_PER_SECOND, _td_us(here_offset), _td_us(after)),
        )
        here, here_offset = high, after
    return out


def _td_us(value: _dt.timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * US_PER_SECOND + value.microseconds


# --------------------------------------------------------------------------- fast tables


class _Pattern:
    """The weekly pattern on the local wall-clock axis, weeks starting Monday 00:00."""

    __slots__ = ("cum", "cumend", "ends", "seamless", "starts", "total")

    def __init__(self, week: tuple[tuple[Interval, ...], ...]) -> None:
        pieces: list[Interval] = []
        for day, intervals in enumerate(week):
            for start, end in intervals:
                a, b = day * _DAY + start, day * _DAY + end
                if b > _WEEK:
                    pieces.append((a, _WEEK))
                    pieces.append((0, b - _WEEK))
                else:
                    pieces.append((a, b))
        self._fill(_merge(pieces))
        # No two pieces overlap: the pieces resolve to real time without holes between them.
        self.seamless = sum(b - a for a, b in pieces) == self.total

    @classmethod
    def combined(cls, operation: str, left: _Pattern, right: _Pattern) -> _Pattern:
        """The intersection or union of two patterns of one zone (never seamless: the
        parts' pieces may leave holes on DST nights that the combination keeps)."""
        pattern = cls.__new__(cls)
        pattern._fill(_combine(operation, left.stretches(), right.stretches()))
        pattern.seamless = False
        return pattern

    @classmethod
    def from_stretches(cls, merged: Sequence[Interval]) -> _Pattern:
        """A pattern of merged weekly stretches (seamless: no pieces to leave holes)."""
        pattern = cls.__new__(cls)
        pattern._fill(merged)
        pattern.seamless = True
        return pattern

    def _fill(self, merged: Sequence[Interval]) -> None:
        self.starts = [a for a, _ in merged]
        self.ends = [b for _, b in merged]
        self.cum: list[int] = []
        self.cumend: list[int] = []
        total = 0
        for a, b in merged:
            self.cum.append(total)
            total += b - a
            self.cumend.append(total)
        self.total = total

    def stretches(self) -> list[Interval]:
        return list(zip(self.starts, self.ends, strict=True))

    def b(self, local: int) -> int:
        """Local working microseconds from the origin week up to ``local``."""
        k, r = divmod(local - _MONDAY0, _WEEK)
        i = bisect_right(self.starts, r) - 1
        if i < 0:
            return k * self.total
        return k * self.total + self.cum[i] + min(r, self.ends[i]) - self.starts[i]

    def earliest(self, value: int) -> int:
        """The earliest local instant where :meth:`b` reaches ``value``."""
        k, r = divmod(value, self.total)
        if r == 0:
            return _MONDAY0 + (k - 1) * _WEEK + self.ends[-1]
        i = bisect_left(self.cumend, r)
        return _MONDAY0 + k * _WEEK + self.starts[i] + r - self.cum[i]

    def latest(self, value: int) -> int:
        """The latest local instant where :meth:`b` equals ``value``."""
        k, r = divmod(value, self.total)
        i = bisect_right(self.cum, r) - 1
        return _MONDAY0 + k * _WEEK + self.starts[i] + r - self.cum[i]

    def is_open(self, local: int) -> bool:
        r = (local - _MONDAY0) % _WEEK
        i = bisect_right(self.starts, r) - 1
        return i >= 0 and r < self.ends[i]

    def closing(self, local: int) -> int | None:
        """The local closing instant of the stretch open at ``local`` (None: never closes)."""
        k, r = divmod(local - _MONDAY0, _WEEK)
        i = bisect_right(self.starts, r) - 1
        base = _MONDAY0 + k * _WEEK
        end = self.ends[i]
        if end == _WEEK and self.starts[0] == 0:
            if self.ends[0] == _WEEK:
                return None
            return base + _WEEK + self.ends[0]
        return base + end


class _Window:
    """Exact real working intervals over whole local days around a special date or a
    zone transition, with prefix sums."""

    __slots__ = ("b0", "cum", "cumend", "ends", "lo", "starts", "total")

    def __init__(self, lo: int, intervals: list[tuple[int, int]], b0: int) -> None:
        self.lo = lo
        self.starts = [a for a, _ in intervals]
        self.ends = [b for _, b in intervals]
        self.cum = []
        self.cumend = []
        total = 0
        for a, b in intervals:
            self.cum.append(total)
            total += b - a
            self.cumend.append(total)
        self.total = total
        self.b0 = b0

    def b(self, us: int) -> int:
        i = bisect_right(self.starts, us) - 1
        if i < 0:
            return self.b0
        return self.b0 + self.cum[i] + min(us, self.ends[i]) - self.starts[i]


class _Tables:
    """Precomputed windows and gaps for local years FAST_FIRST_YEAR to FAST_END_YEAR.

    Gap ``g`` lies before window ``g`` (the last gap after the last window); inside it
    the working set is the weekly pattern at constant offset ``offsets[g]`` and
    ``B(t) = pattern.b(t + offsets[g]) + corrections[g]``.
    """

    __slots__ = (
        "b_hi",
        "b_lo",
        "business_weekday",
        "corrections",
        "day_cum",
        "day_list",
        "end_day",
        "first_day",
        "hi",
        "irregular",
        "lo",
        "offsets",
        "pattern",
        "patterns",
        "per_week",
        "reach",
        "week_first",
        "week_prefix",
        "win_b0",
        "win_b1",
        "win_hi",
        "win_lo",
        "windows",
    )

    @classmethod
    def empty(cls) -> _Tables:
        tables = cls.__new__(cls)
        tables.lo = tables.hi = tables.b_lo = tables.b_hi = 0
        return tables

    def __init__(self, calendar: BusinessCalendar) -> None:
        tz = calendar._tz
        pattern = calendar._pattern
        self.pattern = pattern
        other = _cross_part(calendar)
        # A part read in another zone: its special days, in its own dates, fall within
        # two days of the same local dates here (offsets differ by at most 26 hours).
        before, after = (0, 2) if other is None else (2, 3)
        first = _dt.date(FAST_FIRST_YEAR, 1, 1).toordinal() - _EPOCH_ORDINAL
        end = _dt.date(FAST_END_YEAR, 1, 1).toordinal() - _EPOCH_ORDINAL
        range_lo, range_hi = first * _DAY, end * _DAY
        spans: list[list[int]] = []
        for day in calendar._window_days():
            if first - 2 <= day < end:
                spans.append([(day - before) * _DAY, (day + after) * _DAY])
        lo_s = (range_lo - 3 * _DAY) // US_PER_SECOND
        hi_s = (range_hi + 3 * _DAY) // US_PER_SECOND
        # Dates whose business-day status may differ from their weekday's: special
        # dates, and the dates around a zone transition (a piece may resolve empty).
        irregular = set(calendar._specials)
        for day in calendar._breaks:  # a break may cut the night before or after too
            irregular.update((day - 1, day, day + 1))
        for instant, before, after in _transitions(tz, lo_s, hi_s):
            low = (instant + min(before, after)) // _DAY * _DAY
            high = (instant + max(before, after)) // _DAY * _DAY + _DAY
            spans.append([low, high])
            irregular.update(range(low // _DAY - 1, high // _DAY + 1))
        if other is not None:  # the other zone's changes too: gaps keep both offsets fixed
            for instant, _, _ in _transitions(other._tz, lo_s, hi_s):
                local = (instant + _offset_at(tz, instant)) // _DAY * _DAY
                spans.append([local - _DAY, local + 2 * _DAY])
        if calendar._parts is None:  # combined calendars have no business days
            self._business_days(calendar, first, end, irregular)
        spans.sort()
        merged: list[list[int]] = []
        for low, high in spans:
            if merged and low <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        for low, high in merged:
            if low <= range_lo < high:
                range_lo = high
            if low < range_hi <= high:
                range_hi = low
        windows = [(a, b) for a, b in merged if a >= range_lo and b <= range_hi]
        # Local boundaries of the gaps, and their constant offsets.
        gap_starts = [range_lo] + [b for _, b in windows]
        self.offsets = [
            g - _local_to_utc(tz, g) for g in gap_starts
        ]  # offset = local - utc at a clean local midnight
        # The pattern of each gap: the calendar's own, or for a combination across two
        # zones the parts' patterns at the offset difference the gap has.
        self.patterns = [pattern] * len(gap_starts)
        if other is not None:
            operation, left, right = calendar._parts or ("", calendar, other)
            cache: dict[int, _Pattern] = {}
            for g, start in enumerate(gap_starts):
                at = start - self.offsets[g]
                delta = _offset_at(other._tz, at) - self.offsets[g]
                if delta not in cache:
                    cache[delta] = _shifted(operation, left._pattern, right._pattern, delta)
                self.patterns[g] = cache[delta]
        self.lo = range_lo - self.offsets[0]
        self.hi = range_hi - self.offsets[-1]
        self.corrections = [0]
        self.windows: list[_Window] = []
        self.win_lo: list[int] = []
        self.win_hi: list[int] = []
        self.win_b0: list[int] = []
        self.win_b1: list[int] = []
        for index, (local_lo, local_hi) in enumerate(windows):
            utc_lo = local_lo - self.offsets[index]
            utc_hi = local_hi - self.offsets[index + 1]
            b0 = self.patterns[index].b(local_lo) + self.corrections[index]
            window = _Window(utc_lo, calendar._exact(utc_lo, utc_hi), b0)
            self.windows.append(window)
            self.win_lo.append(utc_lo)
            self.win_hi.append(utc_hi)
            self.win_b0.append(b0)
            self.win_b1.append(b0 + window.total)
            self.corrections.append(b0 + window.total - self.patterns[index + 1].b(local_hi))
        # B at the ends of the range, which every add and subtract compares with.
        self.b_lo = self.b(self.lo)
        self.b_hi = self.b(self.hi)

    def _business_days(
        self, calendar: BusinessCalendar, first: int, end: int, irregular: set[int]
    ) -> None:
        """Counting business days: weekdays with pieces, corrected on irregular dates."""
        week = calendar._weekly
        self.first_day, self.end_day = first, end
        self.business_weekday = tuple(bool(hours) for hours in week)
        self.per_week = sum(self.business_weekday)
        # Day 0 (1970-01-01) was a Thursday: prefix counts over a week starting there.
        self.week_prefix = [0]
        for offset in range(7):
            self.week_prefix.append(self.week_prefix[-1] + self.business_weekday[(offset + 3) % 7])
        self.irregular = frozenset(day for day in irregular if first <= day < end)
        self.day_list = sorted(self.irregular)
        self.day_cum = [0]
        for day in self.day_list:
            actual = bool(calendar._day_working(day))
            self.day_cum.append(self.day_cum[-1] + actual - self.business_weekday[(day + 3) % 7])
        # days_before at each irregular date, and the first offset in the week at which
        # the regular count reaches 0..per_week: what first_day_reaching inverts.
        self.reach = [
            (day // 7) * self.per_week + self.week_prefix[day % 7] + self.day_cum[k]
            for k, day in enumerate(self.day_list)
        ]
        self.week_first = [
            min(i for i in range(8) if self.week_prefix[i] >= r) for r in range(self.per_week + 1)
        ]

    def days_before(self, day: int) -> int:
        """Business days in local days ``[0, day)``, signed (``first_day <= day <= end_day``)."""
        weeks, rest = divmod(day, 7)
        regular = weeks * self.per_week + self.week_prefix[rest]
        return regular + self.day_cum[bisect_left(self.day_list, day)]

    def first_day_reaching(self, target: int, low: int) -> int:
        """The first day ``x >= low`` with ``days_before(x) >= target`` (one exists up to
        ``end_day``), in constant time: ``days_before`` never decreases, so the irregular
        date before which it first reaches ``target`` is found by bisection over
        ``reach``; up to that date the correction is constant and the regular count is
        inverted by the week."""
        k = bisect_left(self.reach, target)
        if self.per_week:
            weeks, rest = divmod(target - self.day_cum[k] - 1, self.per_week)
            day = 7 * weeks + self.week_first[rest + 1]
        else:
            day = low  # nothing regular: the count only moves on irregular dates
        if k:
            day = max(day, self.day_list[k - 1] + 1)
        return max(low, day)

    def b(self, us: int) -> int:
        """Business microseconds from the origin up to ``us`` (``lo <= us <= hi``)."""
        j = bisect_right(self.win_lo, us) - 1
        if j >= 0 and us < self.win_hi[j]:
            return self.windows[j].b(us)
        return self.patterns[j + 1].b(us + self.offsets[j + 1]) + self.corrections[j + 1]

    def earliest(self, value: int) -> int:
        """The earliest instant where :meth:`b` reaches ``value`` (within the range)."""
        j = bisect_left(self.win_b1, value)
        if j == len(self.windows) or value <= self.win_b0[j]:
            return self.patterns[j].earliest(value - self.corrections[j]) - self.offsets[j]
        window = self.windows[j]
        r = value - window.b0
        i = bisect_left(window.cumend, r)
        return window.starts[i] + r - window.cum[i]

    def latest(self, value: int) -> int:
        """The latest instant where :meth:`b` equals ``value`` (may reach past ``hi``)."""
        j = bisect_right(self.win_b0, value) - 1
        if j < 0 or value >= self.win_b1[j]:
            pattern = self.patterns[j + 1]
            return pattern.latest(value - self.corrections[j + 1]) - self.offsets[j + 1]
        window = self.windows[j]
        r = value - window.b0
        i = bisect_right(window.cum, r) - 1
        return window.starts[i] + r - window.cum[i]

    def is_open(self, us: int) -> bool:
        j = bisect_right(self.win_lo, us) - 1
        if j >= 0 and us < self.win_hi[j]:
            window = self.windows[j]
            i = bisect_right(window.starts, us) - 1
            return i >= 0 and us < window.ends[i]
        return self.patterns[j + 1].is_open(us + self.offsets[j + 1])

    def closing(self, us: int) -> int | None:
        """The closing instant of the open stretch containing ``us`` (None: not before hi)."""
        while us < self.hi:
            j = bisect_right(self.win_lo, us) - 1
            if j >= 0 and us < self.win_hi[j]:
                window = self.windows[j]
                i = bisect_right(window.starts, us) - 1
                if i < 0 or us >= window.ends[i]:
                    return us
                end = window.ends[i]
                if end < self.win_hi[j]:
                    return end
                us = end
                continue
            offset = self.offsets[j + 1]
            pattern = self.patterns[j + 1]
            if not pattern.is_open(us + offset):
                return us
            local_end = pattern.closing(us + offset)
            next_lo = self.win_lo[j + 1] if j + 1 < len(self.windows) else self.hi
            if local_end is not None and local_end - offset < next_lo:
                return local_end - offset
            us = next_lo
        return None
