"""SLA clock behaviour that the mutation run of ``_sla/_clock.py`` (docs/quality.md) found
untested.

Hand-computed expectations on a Monday to Friday, 09:00-17:00 UTC calendar (2026-01-05
is a Monday).
"""

from __future__ import annotations

import pendulum

from supportflow import BusinessCalendar
from supportflow._kernel._time import US_PER_HOUR, instant_us
from supportflow._sla._clock import _NONE, SLAClock
from supportflow._sla._policy import ClockState, Metric

WEEKDAYS = BusinessCalendar.weekdays("09:00", "17:00", timezone="UTC")


def t(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    """An instant in January 2026 (the 5th is a Monday)."""
    return pendulum.datetime(2026, 1, day, hour, minute, tz="UTC")


def test_a_clock_reads_as_its_metric_cycle_state_start_and_target() -> None:
    clock = SLAClock(
        Metric.FIRST_REPLY,
        2,
        instant_us(t(5, 9)),
        4 * US_PER_HOUR,
        WEEKDAYS,
        (0.5,),
        "standard",
        False,
    )
    assert repr(clock) == (
        "SLAClock(first_reply #2, active, start=2026-01-05T09:00:00.000000Z, target_us=14400000000)"
    )
    clock.breached = True
    clock._stop(instant_us(t(5, 14)), ClockState.FULFILLED)
    assert repr(clock) == (
        "SLAClock(first_reply #2, fulfilled, breached, start=2026-01-05T09:00:00.000000Z, "
        "target_us=14400000000)"
    )


def test_a_clock_paused_exactly_at_its_warning_still_has_it_due() -> None:
    # 2 h measured when paused at 11:00: exactly the 50 % of 4 h, reached at the pause.
    clock = SLAClock(
        Metric.AGENT_WORK,
        1,
        instant_us(t(5, 9)),
        4 * US_PER_HOUR,
        WEEKDAYS,
        (0.5,),
        "work",
        False,
    )
    clock._pause(instant_us(t(5, 11)))
    due, ahead = clock._due_events(instant_us(t(5, 12)))
    assert [(stamp, fraction) for stamp, _index, _amount, fraction, _clock in due] == [
        (instant_us(t(5, 11)), 0.5)
    ]
    assert ahead == (4 * US_PER_HOUR, _NONE)  # the breach: not while paused


def clock_from(start: pendulum.DateTime, calendar: BusinessCalendar = WEEKDAYS) -> SLAClock:
    """A running resolution clock with an 8 h target and no warnings."""
    return SLAClock(
        Metric.RESOLUTION, 1, instant_us(start), 8 * US_PER_HOUR, calendar, (), "std", False
    )


def test_a_clock_paused_beside_one_running_since_earlier_measures_its_own_stretch() -> None:
    # The resolution clock runs from 09:00, the other from 11:00; both pause at 13:00.
    earlier, later = clock_from(t(5, 9)), clock_from(t(5, 11))
    earlier._pause(instant_us(t(5, 13)))
    later._pause(instant_us(t(5, 13)), earlier)
    assert earlier.elapsed_us(instant_us(t(5, 14))) == 4 * US_PER_HOUR
    assert later.elapsed_us(instant_us(t(5, 14))) == 2 * US_PER_HOUR
    assert later.stretches_us() == [(instant_us(t(5, 11)), instant_us(t(5, 13)))]


def test_a_clock_paused_beside_one_on_another_calendar_measures_on_its_own() -> None:
    # Both run from Friday 16:00 to Monday 10:00: 2 h on weekdays, 66 h always open.
    office = clock_from(t(9, 16))
    always = clock_from(t(9, 16), BusinessCalendar.always_open())
    office._pause(instant_us(t(12, 10)))
    always._pause(instant_us(t(12, 10)), office)
    assert office.elapsed_us(instant_us(t(12, 11))) == 2 * US_PER_HOUR
    assert always.elapsed_us(instant_us(t(12, 11))) == 66 * US_PER_HOUR


def test_a_clock_paused_beside_a_newer_one_keeps_its_earlier_stretches() -> None:
    # The older clock ran 09:00-10:00, paused, and resumed at 11:00 when the newer one
    # started; both pause at 12:00.
    older, newer = clock_from(t(5, 9)), clock_from(t(5, 11))
    older._pause(instant_us(t(5, 10)))
    older._resume(instant_us(t(5, 11)))
    newer._pause(instant_us(t(5, 12)))
    older._pause(instant_us(t(5, 12)), newer)
    assert older.stretches_us() == [
        (instant_us(t(5, 9)), instant_us(t(5, 10))),
        (instant_us(t(5, 11)), instant_us(t(5, 12))),
    ]
    assert older.elapsed_us(instant_us(t(5, 13))) == 2 * US_PER_HOUR
    # 6 h still to go from Tuesday 09:00 once it resumes there: due at 15:00.
    older._resume(instant_us(t(6, 9)))
    assert older.deadline_us() == instant_us(t(6, 15))


def test_a_new_clock_paused_beside_an_older_one_has_only_its_own_stretch() -> None:
    # The older clock ran 09:00-10:00 and resumed at 11:00; the newer one starts at 11:00.
    older, newer = clock_from(t(5, 9)), clock_from(t(5, 11))
    older._pause(instant_us(t(5, 10)))
    older._resume(instant_us(t(5, 11)))
    older._pause(instant_us(t(5, 12)))
    newer._pause(instant_us(t(5, 12)), older)
    assert newer.stretches_us() == [(instant_us(t(5, 11)), instant_us(t(5, 12)))]
    newer._resume(instant_us(t(6, 9)))
    assert newer.deadline_us() == instant_us(t(6, 16))  # 7 h to go from Tuesday 09:00


def test_a_one_microsecond_target_falls_due_one_microsecond_after_the_start() -> None:
    clock = SLAClock(Metric.FIRST_REPLY, 1, instant_us(t(5, 9)), 1, WEEKDAYS, (), "instant", False)
    assert clock.deadline_us() == instant_us(t(5, 9)) + 1
