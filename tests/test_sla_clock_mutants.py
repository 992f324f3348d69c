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
