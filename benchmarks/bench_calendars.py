"""Business calendars: supportflow against businesstimedelta and businesstime.

One process, one US calendar for everyone: America/New_York, Monday to Friday
09:00-17:00 with a 12:00-13:00 lunch break (businesstime has no lunch break, so it runs
09:00-17:00), closed on US public holidays 2020-2040 (from the ``holidays`` package).
Spans: 8 hours, one week and one year of wall-clock time for ``between``; for ``add``,
the business time those spans hold. Prints µs per call and ratios.

Run: ``make bench`` or ``python benchmarks/bench_calendars.py`` (needs the ``bench`` group).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import zoneinfo
from collections.abc import Callable

import holidays as holidays_package

from supportflow import BusinessCalendar

ZONE = "America/New_York"
YEARS = range(2020, 2041)
US_HOLIDAYS = sorted(holidays_package.country_holidays("US", years=list(YEARS)))
SPANS = {"8 hours": dt.timedelta(hours=8), "1 week": dt.timedelta(weeks=1)}
SPANS["1 year"] = dt.timedelta(days=365)
SPANS["10 years"] = dt.timedelta(days=3652)
# Starts on several weekdays and hours, so no library is measured on one lucky instant.
NY = zoneinfo.ZoneInfo(ZONE)
STARTS = [dt.datetime(2024, 3, 4 + i, 8 + 2 * (i % 4), 30, tzinfo=NY) for i in range(7)]


def per_call(func: Callable[[], object], *, budget: float = 0.4, repeat: int = 5) -> float:
    """Best-of-``repeat`` seconds per call, each round at least ``budget`` / repeat long."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            func()
        elapsed = time.perf_counter() - start
        if elapsed >= budget / repeat or number >= 1 << 20:
            break
        number *= 2
    best = elapsed / number
    for _ in range(repeat - 1):
        start = time.perf_counter()
        for _ in range(number):
            func()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def cycle(calls: list[Callable[[], object]]) -> Callable[[], object]:
    state = {"i": 0}

    def run() -> object:
        state["i"] = (state["i"] + 1) % len(calls)
        return calls[state["i"]]()

    return run


def supportflow_calendar() -> BusinessCalendar:
    hours = [("09:00", "12:00"), ("13:00", "17:00")]
    return BusinessCalendar(ZONE, dict.fromkeys(range(5), hours), US_HOLIDAYS)


def businesstimedelta_rules() -> object | None:
    try:
        import businesstimedelta as btd
        import pytz
    except ImportError as error:
        print(f"businesstimedelta unavailable: {error}")
        return None
    tz = pytz.timezone(ZONE)
    workday = btd.WorkDayRule(
        start_time=dt.time(9), end_time=dt.time(17), working_days=[0, 1, 2, 3, 4], tz=tz
    )
    lunch = btd.LunchTimeRule(
        start_time=dt.time(12), end_time=dt.time(13), working_days=[0, 1, 2, 3, 4], tz=tz
    )
    holidays = btd.HolidayRule(US_HOLIDAYS, tz=tz)
    return btd.Rules([workday, lunch, holidays])


def businesstime_calendar() -> object | None:
    try:
        import businesstime
    except ImportError as error:
        print(f"businesstime unavailable: {error}")
        return None
    return businesstime.BusinessTime(
        business_hours=(dt.time(9), dt.time(17)), holidays=list(US_HOLIDAYS)
    )


def row(label: str, ours: float, theirs: dict[str, float | None]) -> None:
    cells = [f"{label:<24}", f"{ours * 1e6:>10.2f} µs"]
    for name, value in theirs.items():
        if value is None:
            cells.append(f"{name}: n/a")
        else:
            cells.append(f"{name} {value * 1e6:>12.1f} µs ({value / ours:>10,.0f}x)")
    print("  ".join(cells), flush=True)


def main() -> int:
    calendar = supportflow_calendar()
    rules = businesstimedelta_rules()
    bt = businesstime_calendar()
    print(f"Python {sys.version.split()[0]}; calendar: {calendar!r}")
    for label, span in SPANS.items():
        pairs = [(s, s + span) for s in STARTS]
        ours = per_call(cycle([lambda a=a, b=b: calendar.between(a, b) for a, b in pairs]))
        theirs: dict[str, float | None] = {}
        if rules is not None and span <= dt.timedelta(days=365):
            theirs["businesstimedelta"] = per_call(
                cycle([lambda a=a, b=b: rules.difference(a, b) for a, b in pairs]),  # type: ignore[attr-defined]
                repeat=3,
            )
        if bt is not None and span <= dt.timedelta(days=365):
            naive = [(a.replace(tzinfo=None), b.replace(tzinfo=None)) for a, b in pairs]
            theirs["businesstime"] = per_call(
                cycle([lambda a=a, b=b: bt.businesstimedelta(a, b) for a, b in naive]),  # type: ignore[attr-defined]
                repeat=3,
            )
        row(f"between, {label}", ours, theirs)
    for label, span in SPANS.items():
        work = [calendar.between(s, s + span) for s in STARTS]
        cases = list(zip(STARTS, work, strict=True))
        ours = per_call(cycle([lambda s=s, w=w: calendar.add(s, w) for s, w in cases]))
        starts_us = [calendar_us(s) for s in STARTS]
        span_us = span // dt.timedelta(microseconds=1)
        int_cases = [(s, calendar.between_us(s, s + span_us)) for s in starts_us]
        ours_us = per_call(cycle([lambda s=s, w=w: calendar.add_us(s, w) for s, w in int_cases]))
        theirs = {}
        if rules is not None and span <= dt.timedelta(days=365):
            import businesstimedelta as btd

            deltas = [(s, btd.BusinessTimeDelta(rules, timedelta=w)) for s, w in cases]
            theirs["businesstimedelta"] = per_call(
                cycle([lambda s=s, d=d: s + d for s, d in deltas]), repeat=3
            )
        row(f"add, {label}", ours, theirs)
        row(f"add_us (ints), {label}", ours_us, {})
    return 0


def calendar_us(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


if __name__ == "__main__":
    raise SystemExit(main())
