"""One SLA clock: a cycle of one metric on one ticket, measured in business time on
its policy's calendar, with its thresholds, deadline and status."""

from __future__ import annotations

from typing import Final

import attrs
import pendulum

from .._calendars._calendar import BusinessCalendar
from .._kernel._errors import (
    InvalidArgument,
)
from .._kernel._time import (
    format_duration,
    format_instant,
    readable_instant,
    to_datetime,
    to_duration,
)
from ._policy import _ACTIVE, _PAUSED, ClockState, Metric, _amount, _ClockConf

__all__ = [
    "SLAClock",
    "SLAStatus",
]


# --- clocks --------------------------------------------------------------------------

# Cache markers for SLAClock._due, outside the range of any instant.
_UNKNOWN: Final = -(2**63)  # the next due instant has not been computed
_NONE: Final = -(2**63) + 1  # nothing is due any more (until the clock changes)
_FAR: Final = 2**62


class SLAClock:
    """One cycle of one metric on one ticket.

    Time is business time on the clock's calendar. Elapsed time is the sum of the
    active stretches; a paused clock does not advance and has no deadline. ``state``
    is active, paused, fulfilled or cancelled; ``breached`` is set when the deadline
    passed while the clock ran (a clock fulfilled late is fulfilled *and* breached).
    Integer methods (``*_us``) are the fast API; :meth:`status` gives pendulum values.
    Clocks are created and driven by the ticket's :class:`SLAState`: read them, never
    set their attributes. A recorded breach stays set even if a later re-target
    loosens the target (the breach is history).
    """

    __slots__ = (
        "_conf",
        "_due",
        "_elapsed",
        "_floor_at",
        "_past",
        "_run",
        "breached",
        "cycle",
        "start_us",
        "state",
        "stopped_us",
        "warned",
    )

    def __init__(
        self,
        metric: Metric,
        cycle: int,
        start_us: int,
        target_us: int,
        calendar: BusinessCalendar,
        warnings: tuple[float, ...],
        policy: str,
        paused: bool,
        amounts: tuple[int, ...] | None = None,
        conf: _ClockConf | None = None,
    ) -> None:
        # ``conf``: the shared immutable part, when the caller has one for these values.
        self._conf = (
            _ClockConf(metric, target_us, calendar, warnings, policy, amounts)
            if conf is None
            else conf
        )
        self.cycle = cycle
        self.start_us = start_us
        self.state = _PAUSED if paused else _ACTIVE
        self.breached = False
        self.warned: tuple[float, ...] = ()
        self.stopped_us: int | None = None
        # Measured active stretches, flat: start, end, business length, start, end, ...
        self._past: tuple[int, ...] = ()
        self._elapsed = 0  # business time of the measured stretches
        self._run: int | None = None if paused else start_us  # start of the unmeasured stretch
        # Nothing is stamped before the last (re)target: (instant, elapsed then) of the
        # last re-target, None for (start_us, 0) (one slot instead of two per clock).
        self._floor_at: tuple[int, int] | None = None
        self._due = _UNKNOWN

    # -- the shared immutable part ------------------------------------------------------

    @property
    def metric(self) -> Metric:
        """The metric this clock measures."""
        return self._conf.metric

    @property
    def target_us(self) -> int:
        """The target in business microseconds."""
        return self._conf.target_us

    @property
    def calendar(self) -> BusinessCalendar:
        """The business calendar the clock measures on."""
        return self._conf.calendar

    @property
    def warnings(self) -> tuple[float, ...]:
        """The warning fractions of the target."""
        return self._conf.warnings

    @property
    def policy(self) -> str:
        """The name of the policy that set the target."""
        return self._conf.policy

    @property
    def _amounts(self) -> tuple[int, ...]:
        return self._conf.amounts

    @property
    def _index(self) -> int:
        return self._conf.index

    @property
    def _floor(self) -> int:
        """Nothing is stamped before this instant: the start or the last re-target."""
        floor_at = self._floor_at
        return self.start_us if floor_at is None else floor_at[0]

    @property
    def _floor_elapsed(self) -> int:
        """The business time elapsed at :attr:`_floor`."""
        floor_at = self._floor_at
        return 0 if floor_at is None else floor_at[1]

    @property
    def _end(self) -> int | None:
        """The end of the unmeasured stretch once stopped: the stop instant if the clock
        was running then (a stopped clock never resumes or pauses), else None. Derived
        rather than stored, to keep clocks small."""
        return self.stopped_us if self._run is not None else None

    # -- identity -------------------------------------------------------------------

    def _key(self) -> tuple[object, ...]:
        return (
            self.metric,
            self.cycle,
            self.start_us,
            self._conf.target_us,
            self._conf.calendar,
            self._conf.warnings,
            self.policy,
            self.state,
            self.breached,
            self.warned,
            self.stopped_us,
            self._past,
            self._elapsed,
            self._run,
            self._end,
            self._floor,
            self._floor_elapsed,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SLAClock):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"SLAClock({self.metric.value} #{self.cycle}, {self.state.value}"
            f"{', breached' if self.breached else ''}, start={format_instant(self.start_us)}, "
            f"target_us={self._conf.target_us})"
        )

    @property
    def running(self) -> bool:
        """Whether the clock is active or paused (not fulfilled or cancelled)."""
        state = self.state
        return state is _ACTIVE or state is _PAUSED

    @property
    def start(self) -> pendulum.DateTime:
        """When this cycle started."""
        return to_datetime(self.start_us)

    @property
    def target(self) -> pendulum.Duration:
        """The target, in business time."""
        return to_duration(self._conf.target_us)

    # -- transitions (called by SLAState) ---------------------------------------------

    def _forget(self) -> None:
        """Drop the cached next due instant: the one place the clock's cache is reset,
        by every transition below and by the SLA state's own :meth:`SLAState._forget`."""
        self._due = _UNKNOWN

    def _pause(self, at: int, other: SLAClock | None = None) -> None:
        """Pause at ``at``. ``other``: a clock that was just paused at ``at`` too; when
        it measured the same stretch on the same calendar, its measurement is reused
        (one calendar walk, and the same objects, for clocks paused together)."""
        run = self._run
        if run is not None:
            calendar = self._conf.calendar
            theirs = () if other is None or other._conf.calendar is not calendar else other._past
            if theirs and theirs[-3] == run and theirs[-2] == at:
                length = theirs[-1]
                past = self._past
                self._past = theirs if not past and len(theirs) == 3 else (*past, run, at, length)
            else:
                length = calendar.between_us(run, at)
                self._past = (*self._past, run, at, length)
            elapsed = self._elapsed
            self._elapsed = elapsed + length if elapsed else length
            self._run = None
        self.state = _PAUSED
        self._forget()

    def _resume(self, at: int) -> None:
        self._run = at
        self.state = _ACTIVE
        self._forget()

    def _stop(self, at: int, state: ClockState) -> None:
        # The last active stretch is measured lazily (see elapsed_us): no calendar call here.
        # Its end is the stop instant when the clock ran then (see _end).
        self.state = state
        self.stopped_us = at
        self._forget()

    def _retarget(
        self,
        at: int,
        target_us: int,
        calendar: BusinessCalendar,
        warnings: tuple[float, ...],
        policy: str,
        amounts: tuple[int, ...] | None = None,
        conf: _ClockConf | None = None,
    ) -> None:
        if calendar != self._conf.calendar and self._run is not None:
            # Measure what ran so far on the old calendar, continue on the new one.
            self._pause(at)
            self._resume(at)
        self._floor_at = (at, self.elapsed_us(at))
        self._conf = (
            _ClockConf(self._conf.metric, target_us, calendar, warnings, policy, amounts)
            if conf is None
            else conf
        )
        self._forget()

    # -- measurements ---------------------------------------------------------------

    def elapsed_us(self, at: int) -> int:
        """Business time this cycle has run up to ``at`` (paused stretches excluded)."""
        run = self._run
        if run is None:
            return self._elapsed
        stopped = self.stopped_us  # the end of the running stretch once stopped (_end)
        end = stopped if stopped is not None else at
        if end <= run:
            return self._elapsed
        return self._elapsed + self._conf.calendar.between_us(run, end)

    def stretches_us(self) -> list[tuple[int, int]]:
        """The active stretches ``(start, end)`` in microseconds; the running stretch of an
        active clock has end ``-1``."""
        out = [(self._past[i], self._past[i + 1]) for i in range(0, len(self._past), 3)]
        if self._run is not None:
            out.append((self._run, -1 if self._end is None else self._end))
        return out

    def _instant_of(self, amount: int) -> int | None:
        """When the elapsed business time reaches ``amount`` (> 0), or None if it does not."""
        cumulative = 0
        past = self._past
        for i in range(0, len(past), 3):
            length = past[i + 2]
            if amount <= cumulative + length:
                return self._conf.calendar.add_us(past[i], amount - cumulative)
            cumulative += length
        run = self._run
        if run is None:
            return None
        instant = self._conf.calendar.add_us(run, amount - cumulative)
        if self._end is not None and instant > self._end:
            return None
        return instant

    def deadline_us(self) -> int | None:
        """The breach instant: None while paused or once fulfilled or cancelled."""
        if self.state is not ClockState.ACTIVE:
            return None
        return self._stamp(self._conf.target_us)

    def threshold_us(self, fraction: float) -> int | None:
        """When the clock reaches ``fraction`` of its target (1.0 is the deadline).

        Future instants are given for an active clock; None while paused short of it,
        or when the clock stopped before reaching it.
        """
        if not fraction > 0.0:
            raise InvalidArgument(f"fraction must be positive (1.0 = the target), got {fraction!r}")
        amount = _amount(fraction, self._conf.target_us)
        if self.state is not ClockState.ACTIVE and amount > self._reached():
            return None
        return self._stamp(amount)

    def _reached(self) -> int:
        """Business time measured so far (exact for paused and stopped clocks)."""
        if self._run is None:
            return self._elapsed
        if self._end is not None:
            return self.elapsed_us(self._end)
        return self._elapsed

    def _stamp(self, amount: int) -> int | None:
        """The instant an event for ``amount`` is stamped at (never before the floor)."""
        floor_at = self._floor_at
        floor, floor_elapsed = (self.start_us, 0) if floor_at is None else floor_at
        if amount <= floor_elapsed:
            return floor
        instant = self._instant_of(amount)
        if instant is None:
            return None
        return instant if instant > floor else floor

    def _first_pending(self) -> int | None:
        """The smallest business time still to announce (warning or breach), or None."""
        state = self.state
        if self.breached or (state is not _ACTIVE and state is not _PAUSED):
            return None
        conf = self._conf
        warned = self.warned
        if not warned:  # the common case: nothing announced yet
            amounts = conf.amounts
            return amounts[0] if amounts else conf.target_us
        for fraction, amount in zip(conf.warnings, conf.amounts, strict=True):
            if fraction not in warned:
                return amount
        return conf.target_us

    def _pending(self) -> list[tuple[int, float | None]]:
        """Amounts still to announce: (business time, warning fraction or None for breach)."""
        if self.breached:
            return []
        warned = self.warned
        out: list[tuple[int, float | None]] = [
            (amount, f)
            for f, amount in zip(self._conf.warnings, self._conf.amounts, strict=True)
            if f not in warned
        ]
        out.append((self._conf.target_us, None))
        return out

    def next_due_us(self) -> int | None:
        """The instant of the next warning or breach still to emit (cached), or None."""
        due = self._due
        if due != _UNKNOWN:
            return None if due == _NONE else due
        first = self._first_pending()
        result = None if first is None else self._stamp(first)
        self._due = _NONE if result is None else result
        return result

    def _lower_bound(self) -> int:
        """An instant no later than :meth:`next_due_us`, without calendar calls.

        Business time never runs faster than wall time, so reaching ``amount`` takes
        at least ``amount - elapsed`` of wall time from the start of the current stretch.
        """
        first = self._first_pending()
        if first is None:
            return _FAR
        floor_at = self._floor_at
        floor, floor_elapsed = (self.start_us, 0) if floor_at is None else floor_at
        if first <= floor_elapsed:
            return floor
        run = self._run
        if run is None:
            # Paused: only an amount already reached (after a re-target) can be due.
            return floor if first <= self._elapsed else _FAR
        if self.stopped_us is not None or first <= self._elapsed:  # run is set: _end
            return floor
        bound = run + (first - self._elapsed)
        return bound if bound > floor else floor

    def _remaining_key(self) -> tuple[BusinessCalendar, int, int] | None:
        """(calendar, start of the running stretch, business time to the next amount)
        when the next due instant lies in the running stretch, else None."""
        first = self._first_pending()
        run = self._run
        if first is None or run is None or self.stopped_us is not None:  # _end, inline
            return None
        floor_at = self._floor_at
        floor, floor_elapsed = (self.start_us, 0) if floor_at is None else floor_at
        if first <= self._elapsed or first <= floor_elapsed or run < floor:
            return None
        return self._conf.calendar, run, first - self._elapsed

    def _due_events(
        self, at: int
    ) -> tuple[list[tuple[int, int, int, float | None, SLAClock]], tuple[int, int] | None]:
        """The thresholds due at ``at`` as (stamp, metric index, amount, fraction, clock),
        and (amount, stamp or _NONE) of the first one still ahead when some are due:
        its stamp is the clock's next due instant once they are recorded."""
        due = self._due
        if due != _UNKNOWN:
            if due == _NONE or due > at:
                return [], None
        elif self._lower_bound() > at:
            return [], None
        out: list[tuple[int, int, int, float | None, SLAClock]] = []
        index = self._conf.index
        for amount, fraction in self._pending():
            # The first pending amount's stamp is the cached next due instant.
            stamp = due if not out and due != _UNKNOWN else self._stamp(amount)
            if stamp is None or stamp > at:
                if out:
                    return out, (amount, _NONE if stamp is None else stamp)
                self._due = _NONE if stamp is None else stamp  # nothing due: keep it
                return out, None
            out.append((stamp, index, amount, fraction, self))
        return out, None

    def status(self, at: int) -> SLAStatus:
        """The status row of this clock at ``at`` (microseconds)."""
        elapsed = self.elapsed_us(at)
        breached = self.breached or (self.running and elapsed >= self._conf.target_us)
        due = self.deadline_us()
        remaining = self._conf.target_us - elapsed
        return SLAStatus(
            metric=self.metric,
            cycle=self.cycle,
            state=self.state,
            breached=breached,
            due_us=due,
            elapsed_us=elapsed,
            target_us=self._conf.target_us,
            remaining_us=max(remaining, 0),
            overdue_us=max(-remaining, 0),
            percent=100.0 * elapsed / self._conf.target_us,
        )


@attrs.frozen(kw_only=True)
class SLAStatus:
    """One row of :meth:`SLAState.report`: where a metric's current cycle stands.

    ``remaining``/``overdue`` are business time (one of them is zero); ``percent`` is
    elapsed over target, in percent (above 100 when overdue); ``due`` is the deadline,
    None while paused or once stopped.
    """

    metric: Metric
    cycle: int
    state: ClockState
    breached: bool
    due_us: int | None = attrs.field(repr=readable_instant)
    elapsed_us: int = attrs.field(repr=format_duration)
    target_us: int = attrs.field(repr=format_duration)
    remaining_us: int = attrs.field(repr=format_duration)
    overdue_us: int = attrs.field(repr=format_duration)
    percent: float

    @property
    def due(self) -> pendulum.DateTime | None:
        """The deadline, or None."""
        return None if self.due_us is None else to_datetime(self.due_us)

    @property
    def elapsed(self) -> pendulum.Duration:
        """Business time elapsed."""
        return to_duration(self.elapsed_us)

    @property
    def remaining(self) -> pendulum.Duration:
        """Business time left before the deadline (zero once overdue)."""
        return to_duration(self.remaining_us)

    @property
    def overdue(self) -> pendulum.Duration:
        """Business time past the target (zero while on time)."""
        return to_duration(self.overdue_us)
