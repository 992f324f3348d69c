"""SLA clock behaviour that the mutation run (docs/quality.md) found untested.

Each test states one rule of the clock with hand-computed expectations on a Monday to
Friday, 09:00-17:00 UTC calendar (2026-01-05 is a Monday).
"""

from __future__ import annotations

import pendulum
import pytest

from supportflow import BusinessCalendar, InvalidArgument
from supportflow._kernel._time import US_PER_HOUR, instant_us
from supportflow._sla._clock import _NONE, SLAClock
from supportflow._sla._policy import _METRIC_ORDER, ClockState, Metric

WEEKDAYS = BusinessCalendar.weekdays("09:00", "17:00", timezone="UTC")


def us(*args: int) -> int:
    return instant_us(pendulum.datetime(*args, tz="UTC"))


def clock_of(start: int, target_hours: float, warnings: tuple[float, ...] = (0.5,)) -> SLAClock:
    return SLAClock(
        Metric.RESOLUTION,
        1,
        start,
        int(target_hours * US_PER_HOUR),
        WEEKDAYS,
        warnings,
        "standard",
        False,
    )


def test_a_clock_paused_twice_measures_both_pauses() -> None:
    clock = clock_of(us(2026, 1, 5, 9), 8)
    clock._pause(us(2026, 1, 5, 11))  # 2 h
    clock._resume(us(2026, 1, 5, 13))
    clock._pause(us(2026, 1, 5, 16))  # 3 h more
    assert clock.elapsed_us(us(2026, 1, 6, 12)) == 5 * US_PER_HOUR
    assert clock.stretches_us() == [
        (us(2026, 1, 5, 9), us(2026, 1, 5, 11)),
        (us(2026, 1, 5, 13), us(2026, 1, 5, 16)),
    ]
    clock._resume(us(2026, 1, 6, 9))
    # 3 h remain from Tuesday 09:00.
    assert clock.deadline_us() == us(2026, 1, 6, 12)
    assert clock.elapsed_us(us(2026, 1, 6, 10)) == 6 * US_PER_HOUR


def test_thresholds_reached_in_earlier_stretches_are_found_when_read_late() -> None:
    # Three stretches: Monday 09-11 (2 h) and 13-16 (3 h), Tuesday 09-10 (1 h).
    clock = clock_of(us(2026, 1, 5, 9), 8)
    clock._pause(us(2026, 1, 5, 11))
    clock._resume(us(2026, 1, 5, 13))
    clock._pause(us(2026, 1, 5, 16))
    clock._resume(us(2026, 1, 6, 9))
    clock._pause(us(2026, 1, 6, 10))
    # Exactly at the end of the first stretch: reached there, not when the second began.
    assert clock.threshold_us(0.25) == us(2026, 1, 5, 11)
    assert clock.threshold_us(0.5) == us(2026, 1, 5, 15)  # 2 h into the second
    # In the third stretch: the first two add up to 5 h.
    assert clock.threshold_us(0.6875) == us(2026, 1, 6, 9, 30)
    assert clock.threshold_us(0.75) == us(2026, 1, 6, 10)
    assert clock.threshold_us(0.8) is None  # paused short of 6.4 h


def test_next_due_is_remembered_both_when_due_and_when_nothing_is() -> None:
    clock = clock_of(us(2026, 1, 5, 9), 4)
    assert clock.next_due_us() == us(2026, 1, 5, 11)  # the 50 % warning
    assert clock.next_due_us() == us(2026, 1, 5, 11)  # from the cache
    clock._pause(us(2026, 1, 5, 10))
    assert clock.next_due_us() is None  # paused short of every threshold
    assert clock.next_due_us() is None  # the cached "nothing"
    assert clock._due_events(us(2026, 1, 9, 17)) == ([], None)  # nor due when swept
    clock._resume(us(2026, 1, 5, 13))
    assert clock.next_due_us() == us(2026, 1, 5, 14)


def test_a_clock_exactly_at_its_target_is_breached_with_nothing_left_or_overdue() -> None:
    clock = clock_of(us(2026, 1, 5, 9), 4)
    before = clock.status(us(2026, 1, 5, 13) - 1)
    assert not before.breached
    assert before.remaining_us == 1
    status = clock.status(us(2026, 1, 5, 13))
    assert status.breached
    assert status.elapsed_us == 4 * US_PER_HOUR
    assert status.remaining_us == 0
    assert status.overdue_us == 0
    assert status.percent == 100.0
    assert status.due_us == us(2026, 1, 5, 13)
    late = clock.status(us(2026, 1, 5, 14))
    assert (late.remaining_us, late.overdue_us, late.percent) == (0, US_PER_HOUR, 125.0)


H = US_PER_HOUR
RESOLUTION = _METRIC_ORDER[Metric.RESOLUTION]


def test_a_sweep_after_a_pause_counts_the_time_measured_before_it() -> None:
    # 1 h before the pause, resumed at 13:00: the 2 h warning falls at 14:00, not later.
    clock = clock_of(us(2026, 1, 5, 9), 4)
    clock._pause(us(2026, 1, 5, 10))
    clock._resume(us(2026, 1, 5, 13))
    assert clock._due_events(us(2026, 1, 5, 14) - 1) == ([], None)
    due, ahead = clock._due_events(us(2026, 1, 5, 14))
    assert due == [(us(2026, 1, 5, 14), RESOLUTION, 2 * H, 0.5, clock)]
    assert ahead == (4 * H, us(2026, 1, 5, 16))  # the breach, still ahead


def test_a_threshold_passed_while_running_is_due_when_swept_after_a_pause() -> None:
    # Re-targeted to 4 h at 10:00 (1 h in), paused at 12:00 (3 h in): the 2 h warning
    # fell at 11:00, unseen; the breach cannot come while paused.
    clock = clock_of(us(2026, 1, 5, 9), 8)
    clock._retarget(us(2026, 1, 5, 10), 4 * H, WEEKDAYS, (0.5,), "urgent")
    clock._pause(us(2026, 1, 5, 12))
    due, ahead = clock._due_events(us(2026, 1, 5, 12, 30))
    assert due == [(us(2026, 1, 5, 11), RESOLUTION, 2 * H, 0.5, clock)]
    assert ahead == (4 * H, _NONE)


def test_a_clock_keeps_its_policy_name_and_a_retarget_replaces_it() -> None:
    clock = clock_of(us(2026, 1, 5, 9), 4)
    assert clock.policy == "standard"
    clock._retarget(us(2026, 1, 5, 10), 2 * H, WEEKDAYS, (0.5,), "urgent")
    assert clock.policy == "urgent"
    assert clock.target_us == 2 * H
    # Same calendar: the running stretch goes on unbroken.
    assert clock.stretches_us() == [(us(2026, 1, 5, 9), -1)]
    assert clock.deadline_us() == us(2026, 1, 5, 11)


def test_a_threshold_must_be_a_positive_fraction() -> None:
    clock = clock_of(us(2026, 1, 5, 9), 4)
    for fraction in (0.0, -0.5, float("nan")):
        with pytest.raises(InvalidArgument, match="fraction must be positive"):
            clock.threshold_us(fraction)


def test_a_status_row_names_its_metric_cycle_state_and_target() -> None:
    clock = clock_of(us(2026, 1, 5, 9), 4)
    clock._pause(us(2026, 1, 5, 10))
    status = clock.status(us(2026, 1, 5, 12))
    assert (status.metric, status.cycle, status.state) == (
        Metric.RESOLUTION,
        1,
        ClockState.PAUSED,
    )
    assert (status.target_us, status.elapsed_us, status.due_us) == (4 * H, H, None)
    assert (status.remaining_us, status.percent, status.breached) == (3 * H, 25.0, False)
