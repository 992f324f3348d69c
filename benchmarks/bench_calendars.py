"""Business calendars: supportflow against businesstimedelta and businesstime.

One process, one US calendar for everyone: America/New_York, Monday to Friday
09:00-17:00 with a 12:00-13:00 lunch break (businesstime has no lunch break, so it runs
09:00-17:00), closed on US public holidays 2020-2040 (from the ``holidays`` package).
Spans: 8 hours, one week and one year of wall-clock time for ``between``; for ``add``,
the business time those spans hold. Prints µs per call and ratios. businesstimedelta's
answers are checked to be supportflow's before it is timed (its holidays given as a
set); businesstime's are not the same (no lunch, no time zone) and its column says so.

Run: ``make bench`` or ``python benchmarks/bench_calendars.py`` (needs the ``bench`` group).
``--against DIR`` also loads the supportflow package of another checkout (``DIR/src``,
e.g. ``git worktree`` or ``git archive`` of the base commit) in the same process and
measures its calendar beside this one on the same calls (before/after a change).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import zoneinfo
from collections.abc import Callable
from typing import Any

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
    """Best-of-``repeat`` CPU seconds per call, each round at least ``budget`` / repeat long
    (CPU time: the machine is shared, and waiting for a core is not the call's cost)."""
    number = 1
    while True:
        start = time.process_time()
        for _ in range(number):
            func()
        elapsed = time.process_time() - start
        if elapsed >= budget / repeat or number >= 1 << 20:
            break
        number *= 2
    best = elapsed / number
    for _ in range(repeat - 1):
        start = time.process_time()
        for _ in range(number):
            func()
        best = min(best, (time.process_time() - start) / number)
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
    # A set of dates: the rule tests membership once per day it walks (a list would be
    # scanned item by item, which is not the peer's fair cost).
    holidays = btd.HolidayRule(frozenset(US_HOLIDAYS), tz=tz)
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
    cells = [f"{label:<30}", f"{ours * 1e6:>10.2f} µs"]
    for name, value in theirs.items():
        if value is None:
            cells.append(f"{name}: n/a")
        else:
            ratio = value / ours
            shown = f"{ratio:>10,.0f}x" if ratio >= 10 else f"{ratio:>10.2f}x"
            cells.append(f"{name} {value * 1e6:>12.1f} µs ({shown})")
    print("  ".join(cells), flush=True)


def load_other(checkout: str) -> object:
    """The ``supportflow`` package of another checkout, imported as ``supportflow_other``."""
    import importlib.util
    import pathlib

    package = pathlib.Path(checkout) / "src" / "supportflow"
    spec = importlib.util.spec_from_file_location(
        "supportflow_other", package / "__init__.py", submodule_search_locations=[str(package)]
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["supportflow_other"] = module
    spec.loader.exec_module(module)
    return module


def against(checkout: str) -> None:
    """This checkout's calendar beside another's, on the same calls."""
    other_module: Any = load_other(checkout)
    hours = [("09:00", "12:00"), ("13:00", "17:00")]
    other = other_module.BusinessCalendar(ZONE, dict.fromkeys(range(5), hours), US_HOLIDAYS)
    ours = supportflow_calendar()
    print(f"this checkout against {checkout} (ratio: other / this)")
    for label, span in SPANS.items():
        pairs = [(s, s + span) for s in STARTS]
        work = [ours.between(s, s + span) for s in STARTS]
        for name, calls in (
            ("between", [lambda c, a=a, b=b: c.between(a, b) for a, b in pairs]),
            ("add", [lambda c, s=s, w=w: c.add(s, w) for s, w in zip(STARTS, work, strict=True)]),
        ):
            mine = per_call(cycle([lambda f=f: f(ours) for f in calls]))
            theirs = per_call(cycle([lambda f=f: f(other) for f in calls]))
            print(
                f"{name + ', ' + label:<30}{mine * 1e6:>10.2f} µs  other {theirs * 1e6:>8.2f} µs"
                f"  ({theirs / mine:.2f}x)",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", metavar="DIR", help="another checkout to compare with")
    args = parser.parse_args()
    if args.against:
        against(args.against)
        return 0
    calendar = supportflow_calendar()
    rules = businesstimedelta_rules()
    if rules is not None:
        check_businesstimedelta(calendar, rules)
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
            # Not the same answer (no lunch break, naive times without a zone, a span
            # of whole business days counted as 24 h each): shown for its cost only.
            theirs["businesstime, other answer"] = per_call(
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
    directions(calendar, rules)
    business_days(calendar)
    pandas_peers(calendar)
    combined(calendar)
    return 0


def check_businesstimedelta(calendar: BusinessCalendar, rules: Any) -> None:
    """businesstimedelta gives supportflow's answers on every case timed (spans up to a
    year), both ways; adding no business time at a closed instant is the one
    convention apart (it rolls to the next opening, supportflow keeps the instant), so
    those cases are compared on business time only."""
    import businesstimedelta as btd

    for span in SPANS.values():
        if span > dt.timedelta(days=365):
            continue
        for start in STARTS:
            work = calendar.between(start, start + span)
            assert rules.difference(start, start + span).timedelta == work
            theirs = start + btd.BusinessTimeDelta(rules, timedelta=work)
            if work:
                assert theirs == calendar.add(start, work)
                assert theirs - btd.BusinessTimeDelta(rules, timedelta=work) == calendar.subtract(
                    theirs, work
                )
            else:
                assert calendar.between(start, theirs) == dt.timedelta(0)


def directions(calendar: BusinessCalendar, rules: object | None) -> None:
    """Subtracting business time over each span; previous opening and closing."""
    ends = [calendar.add(s, calendar.between(s, s + SPANS["1 year"])) for s in STARTS]
    costs = []
    for label, span in SPANS.items():
        cases = [(end, calendar.between(end - span, end)) for end in ends]
        ours = per_call(cycle([lambda e=e, w=w: calendar.subtract(e, w) for e, w in cases]))
        costs.append(ours)
        theirs: dict[str, float | None] = {}
        if rules is not None and span <= dt.timedelta(days=365):
            import businesstimedelta as btd

            deltas = [(e, btd.BusinessTimeDelta(rules, timedelta=w)) for e, w in cases]
            theirs["businesstimedelta"] = per_call(
                cycle([lambda e=e, d=d: e - d for e, d in deltas]), repeat=3
            )
        row(f"subtract, {label}", ours, theirs)
    print(f"subtract flat in the span: max/min {max(costs) / min(costs):.2f}")
    for name in ("previous_opening", "previous_closing", "next_opening", "next_closing"):
        method = getattr(calendar, name)
        row(name, per_call(cycle([lambda s=s, m=method: m(s) for s in STARTS])), {})


def business_days(calendar: BusinessCalendar) -> None:
    """Counting and adding business days over one week to ten years of dates."""
    days = [s.date() for s in STARTS]
    spans = {"1 week": 7, "1 year": 365, "10 years": 3652}
    counts, adds = [], []
    for label, length in spans.items():
        pairs = [(d, d + dt.timedelta(days=length)) for d in days]
        count = per_call(
            cycle([lambda a=a, b=b: calendar.count_business_days(a, b) for a, b in pairs])
        )
        work = [(d, calendar.count_business_days(d, d + dt.timedelta(days=length))) for d in days]
        add = per_call(cycle([lambda d=d, n=n: calendar.add_business_days(d, n) for d, n in work]))
        counts.append(count)
        adds.append(add)
        row(f"count_business_days, {label}", count, {})
        row(f"add_business_days, {label}", add, {})
    print(
        f"business days flat in the span: count max/min {max(counts) / min(counts):.2f}, "
        f"add max/min {max(adds) / min(adds):.2f}"
    )


def pandas_peers(calendar: BusinessCalendar) -> None:
    """Against pandas' business offsets and numpy's business days, where they express
    the same work: adding whole business hours (``CustomBusinessHour`` with the lunch
    break and the holidays), adding and counting business days (``CustomBusinessDay``,
    ``numpy.busday_offset`` / ``busday_count`` on a prepared ``busdaycalendar``). The
    results are checked to agree first: a sum landing on a close is that close for
    supportflow and the next opening for pandas, the same business moment."""
    try:
        import numpy as np
        import pandas as pd
    except ImportError as error:
        print(f"pandas unavailable: {error}")
        return
    holidays = [day.isoformat() for day in US_HOLIDAYS]
    starts = [pd.Timestamp(s) for s in STARTS]
    for hours in (8, 35, 7 * 250):  # a day, a week, a year of these hours
        amount = dt.timedelta(hours=hours)
        offset = pd.offsets.CustomBusinessHour(
            n=hours, start=["09:00", "13:00"], end=["12:00", "17:00"], holidays=holidays
        )
        for ours_at, theirs_at in zip(STARTS, starts, strict=True):
            mine, other = calendar.add(ours_at, amount), (theirs_at + offset).to_pydatetime()
            assert calendar.between(min(mine, other), max(mine, other)) == dt.timedelta(0)
        ours = per_call(cycle([lambda s=s, w=amount: calendar.add(s, w) for s in STARTS]))
        theirs = per_call(cycle([lambda s=s, o=offset: s + o for s in starts]), repeat=3)
        row(f"add {hours} business hours", ours, {"pandas CustomBusinessHour": theirs})
    week = np.busdaycalendar(holidays=holidays)
    days = [s.date() for s in STARTS]
    for label, count in {"1 week": 5, "1 year": 250, "10 years": 2500}.items():
        business_day = pd.offsets.CustomBusinessDay(n=count, holidays=holidays)
        for day in days:
            mine = calendar.add_business_days(day, count)
            assert mine == np.busday_offset(day, count, roll="backward", busdaycal=week).item()
            assert mine == (pd.Timestamp(day) + business_day).date()
        ours = per_call(
            cycle([lambda d=d, n=count: calendar.add_business_days(d, n) for d in days])
        )
        numpy_add = per_call(
            cycle(
                [
                    lambda d=d, n=count: np.busday_offset(d, n, roll="backward", busdaycal=week)
                    for d in days
                ]
            )
        )
        pandas_add = per_call(
            cycle([lambda d=d, o=business_day: pd.Timestamp(d) + o for d in days])
        )
        row(
            f"add_business_days, {label}",
            ours,
            {"numpy": numpy_add, "pandas CustomBusinessDay": pandas_add},
        )
        # Both count the business days of [a, b).
        ends = [calendar.add_business_days(d, count) for d in days]
        for a, b in zip(days, ends, strict=True):
            assert calendar.count_business_days(a, b) == np.busday_count(a, b, busdaycal=week)
        ours = per_call(
            cycle(
                [
                    lambda a=a, b=b: calendar.count_business_days(a, b)
                    for a, b in zip(days, ends, strict=True)
                ]
            )
        )
        theirs = per_call(
            cycle(
                [
                    lambda a=a, b=b: np.busday_count(a, b, busdaycal=week)
                    for a, b in zip(days, ends, strict=True)
                ]
            )
        )
        row(f"count_business_days, {label}", ours, {"numpy": theirs})


def combined(calendar: BusinessCalendar) -> None:
    """Team hours within contract hours (``&``) and either desk (``|``): ``between`` and
    ``add`` over each span, flat in the span like a single calendar."""
    contract = BusinessCalendar.weekdays("14:00", "20:00", timezone="Europe/Paris")
    for name, mixed in (("intersection", calendar & contract), ("union", calendar | contract)):
        costs: dict[str, list[float]] = {"between": [], "add": []}
        for label, span in SPANS.items():
            pairs = [(s, s + span) for s in STARTS]
            between = per_call(cycle([lambda a=a, b=b, c=mixed: c.between(a, b) for a, b in pairs]))
            work = [mixed.between(a, b) for a, b in pairs]
            cases = list(zip(STARTS, work, strict=True))
            add = per_call(cycle([lambda s=s, w=w, c=mixed: c.add(s, w) for s, w in cases]))
            costs["between"].append(between)
            costs["add"].append(add)
            row(f"{name} between, {label}", between, {})
            row(f"{name} add, {label}", add, {})
        flat = ", ".join(f"{op} max/min {max(c) / min(c):.2f}" for op, c in costs.items())
        print(f"{name} flat in the span: {flat}")


def calendar_us(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


if __name__ == "__main__":
    raise SystemExit(main())
