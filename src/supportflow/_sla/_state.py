"""SLA policies, targets and clocks (DESIGN.md section 2.2).

A :class:`SLAPolicy` says which tickets it covers (:class:`SLAConditions`), on which
business calendar it counts, and how long each metric may run per priority. An
:class:`SLAPolicySet` orders policies; the first that matches a ticket applies.
Attached to a ticket, the set gives an :class:`SLAState`: one :class:`SLAClock` per
metric and cycle, driven by the ticket's events.

Clock arithmetic is on integer microseconds and on the business clock of the
calendar: a paused stretch is simply not measured, so wall-clock hold time never
reaches a business deadline. Deadlines and threshold instants are computed lazily
(only when asked, and cached), never on every event.

Metric semantics (what starts, pauses and stops each clock):

* ``first_reply``: creation to the first public agent reply. Solving or closing the
  ticket without any public reply cancels it (there was no reply to measure).
* ``next_reply``: a cycle starts at a customer message once the first reply is no
  longer running and no next_reply cycle is running; the next public agent reply
  fulfills it. Solving without replying cancels it.
* ``periodic_update``: while the ticket is unsolved, a cycle runs from each public
  agent reply to the next one (which fulfills it and starts the next cycle).
* ``requester_wait``: new, open and on_hold count; pending pauses; solved fulfills.
* ``agent_work``: new and open count; pending and on_hold pause; solved fulfills.
* ``resolution``: creation to solved; paused only in the statuses the policy names.

A reopen (a customer message on a solved ticket) starts new cycles of resolution,
requester_wait and agent_work; closing cancels whatever still runs. A change of
policy or priority re-targets running clocks from their original start; a threshold
the new target puts in the past is stamped at the instant of the change.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Final

import attrs
import pendulum

from .._calendars._calendar import BusinessCalendar
from .._kernel._errors import (
    InvalidArgument,
    SchemaError,
)
from .._kernel._event import Event
from .._kernel._serde import Reader
from .._kernel._time import (
    at_us,
    format_instant,
    to_datetime,
)
from .._vocabulary._taxonomy import TicketStatus
from .._vocabulary._ticket_events import (
    TicketAssigned,
    TicketCustomerMessaged,
    TicketLinked,
    TicketNoteAdded,
    TicketReplied,
    TicketSolved,
    TicketStatusChanged,
)
from ._clock import _FAR, _NONE, _UNKNOWN, SLAClock, SLAStatus
from ._policy import (
    _ACTIVE,
    _AW,
    _CANCELLED,
    _CLOSED,
    _FR,
    _METRIC_ORDER,
    _METRICS,
    _NR,
    _ON_CLOSED,
    _ON_REPLY,
    _ON_SOLVED,
    _PAUSED,
    _PU,
    _RS,
    _RW,
    _SOLVED,
    _STATUS_METRICS,
    ClockState,
    Metric,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    _fields,
    _metric,
    _Spec,
)

__all__ = [
    "SLA_EVENTS",
    "ReferenceSLAState",
    "SLABreached",
    "SLAState",
    "SLAThresholdReached",
    "SLAVersionApplied",
    "SLAVersionMode",
]


# --- events --------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class SLAThresholdReached(Event):
    """A clock reached a warning threshold (``threshold`` is the fraction, 0.75 = 75 %).

    Its instant is the exact instant the threshold was reached, whenever it was noticed.
    """

    name: ClassVar[str] = "sla_threshold_reached"

    metric: Metric
    cycle: int
    threshold: float
    policy: str


@attrs.frozen(kw_only=True)
class SLABreached(Event):
    """A clock passed its target; the instant is the deadline itself."""

    name: ClassVar[str] = "sla_breached"

    metric: Metric
    cycle: int
    policy: str


class SLAVersionMode(enum.StrEnum):
    """How a version of the SLA policies came to apply to a ticket."""

    #: The ticket was opened under it (recorded right after ``ticket_opened``).
    OPENED = "opened"
    #: From this instant on: running clocks re-targeted from their original start.
    FROM_NOW = "from_now"
    #: Repaired: the clocks recomputed from the history as if it had always applied.
    REPAIR = "repair"


@attrs.frozen(kw_only=True)
class SLAVersionApplied(Event):
    """The ticket's SLA policies became the set of ``version`` (see
    :class:`SLAVersionMode` for how). A ticket opened under a versioned set records
    one with mode ``opened`` right after it opens; ``Ticket.apply_sla_version`` and
    ``Ticket.repair_sla`` record the others."""

    name: ClassVar[str] = "sla_version_applied"

    version: str
    mode: SLAVersionMode


SLA_EVENTS: Final[tuple[type[Event], ...]] = (SLAThresholdReached, SLABreached)
# Events that never change a field SLA conditions read (no re-match needed).
_NO_FIELD_CHANGE: Final = frozenset(
    {
        SLAThresholdReached,
        SLABreached,
        TicketAssigned,
        TicketNoteAdded,
        TicketSolved,
        TicketLinked,
        TicketStatusChanged,
        SLAVersionApplied,
    }
)


# --- the state attached to a ticket ----------------------------------------------------


class SLAState:
    """The SLA side of one ticket: the matched policy and every clock cycle.

    Created by :meth:`SLAPolicySet.attach` when the ticket opens and then driven by
    the ticket's events (:meth:`observe`); it is derived data, so replaying a
    ticket's history with the same policy set rebuilds an equal state.
    """

    #: Whether the answers above are kept between events (False in the reference mode:
    #: the escalation policy then skips its own shortcuts too, see ReferenceSLAState).
    _caches: ClassVar[bool] = True

    __slots__ = (
        "_awaiting",
        "_clocks",
        "_created_us",
        "_current",
        "_fields",
        "_first_open",
        "_horizon",
        "_last_key",
        "_last_us",
        "_marks",
        "_matches",
        "_memo",
        "_next",
        "_policies",
        "_policy",
        "_row",
        "_status",
        "_updating",
    )

    def __init__(self, policies: SLAPolicySet, ticket: Ticket) -> None:
        at = ticket._created_us
        self._policies = policies
        self._created_us = at
        self._last_us = at
        fields, policy = policies._matched(_fields(ticket))
        self._fields = fields
        self._status = ticket._status
        self._clocks: list[SLAClock] = []
        # The current (latest) cycle of each metric, indexed like _METRICS.
        self._current: list[SLAClock | None] = [None] * len(_METRICS)
        self._first_open = True
        self._awaiting = False
        # (stamp, metric, amount) of the last mark recorded: marks recorded together
        # come in that order (see due_events), and a load checks it.
        self._last_key: tuple[int, int, int] = _NO_KEY
        self._updating = False
        # A wall-clock instant before which nothing can fall due (see _lower_bound):
        # lets every ticket command skip the SLA check with one comparison.
        self._horizon = _FAR
        self._next = _UNKNOWN  # next_deadline_us() until the next event
        # (clock, amount, stamp) due_events computed for the first event it returned:
        # the clock's next due instant once that event is recorded; valid until the
        # next event is observed.
        self._memo: tuple[SLAClock, int, int] | None = None
        # How many warnings and breaches the ticket recorded (an escalation policy
        # that only reacts to them has nothing to look at while there are none).
        self._marks = 0
        self._policy = policy
        # Every (instant, policy name) matched after the opening one; None until the
        # ticket moves to another policy (the opening match is (created, policy)).
        self._matches: list[tuple[int, str | None]] | None = None
        self._row: tuple[_Spec | None, ...] = _NO_ROW
        if policy is not None:
            self._row = policy._rows[self._fields[3]]
            for index in (_FR, _RW, _AW, _RS):
                self._begin(index, at)

    # -- reading ------------------------------------------------------------------

    @property
    def policies(self) -> SLAPolicySet:
        """The policy set this state follows."""
        return self._policies

    @property
    def policy(self) -> SLAPolicy | None:
        """The policy that applies now, or None when no policy matches the ticket."""
        return self._policy

    @property
    def matches(self) -> tuple[tuple[pendulum.DateTime, str | None], ...]:
        """Every (instant, policy name or None) the ticket was matched to, in order."""
        return tuple((to_datetime(at), name) for at, name in self._match_list())

    def _match_list(self) -> list[tuple[int, str | None]]:
        """Every (instant, policy name or None) matched, the opening one first."""
        matches = self._matches
        if matches is not None:
            return matches
        policy = self._policy
        return [(self._created_us, None if policy is None else policy.name)]

    @property
    def clocks(self) -> tuple[SLAClock, ...]:
        """Every clock cycle, in the order they started."""
        return tuple(self._clocks)

    def clock(self, metric: Metric | str) -> SLAClock | None:
        """The current (latest) cycle of ``metric``, or None if it never had a clock."""
        return self._current[_METRIC_ORDER[_metric(metric)]]

    def cycles(self, metric: Metric | str) -> tuple[SLAClock, ...]:
        """Every cycle of ``metric``, oldest first."""
        wanted = _metric(metric)
        return tuple(c for c in self._clocks if c.metric is wanted)

    def report(self, at: object | None = None) -> tuple[SLAStatus, ...]:
        """A status row per metric with a clock (its current cycle) at ``at`` (now if
        omitted). ``at`` before the ticket's last event raises :class:`InvalidArgument`.
        """
        instant = at_us(at)
        if instant < self._last_us:
            raise InvalidArgument(
                f"at={format_instant(instant)} is before the ticket's last event at "
                f"{format_instant(self._last_us)}; SLA instants only move forward"
            )
        return tuple(clock.status(instant) for clock in self._current if clock is not None)

    def next_deadline_us(self) -> int | None:
        """The earliest instant a warning or breach is due and not yet emitted, or None.

        It may equal the ticket's last event (a re-target made something due at once).
        Cached until the ticket records its next event.
        """
        cached = self._next
        if cached != _UNKNOWN:
            return None if cached == _NONE else cached
        best = self._compute_next()
        self._next = _NONE if best is None else best
        return best

    def _compute_next(self) -> int | None:
        best: int | None = None
        bounds: list[tuple[int, SLAClock]] = []
        for clock in self._current:
            if clock is None:
                continue
            state = clock.state
            if state is _PAUSED:
                due = clock.next_due_us()
                if due is not None and (best is None or due < best):
                    best = due
            elif state is _ACTIVE:
                cached = clock._due
                if cached == _UNKNOWN:
                    bounds.append((clock._lower_bound(), clock))
                elif cached != _NONE and (best is None or cached < best):
                    best = cached
        if bounds:
            # Exact instants cost calendar calls: compute them in the order of their
            # cheap lower bounds, stop once no other clock can come earlier, and skip a
            # clock dominated by one already computed (same calendar, running since no
            # earlier, no less to go: adding business time is monotonic).
            if len(bounds) > 1:
                bounds.sort(key=_first)
            # The first clock computed gives its key only when a second one needs it.
            first: SLAClock | None = None
            done: list[tuple[BusinessCalendar, int, int]] | None = None
            for bound, clock in bounds:
                if best is not None and bound >= best:
                    break
                if first is None:
                    first = clock
                else:
                    if done is None:
                        first_key = first._remaining_key()
                        done = [] if first_key is None else [first_key]
                    key = clock._remaining_key()
                    if key is not None:
                        if any(
                            cal is key[0] and run <= key[1] and left <= key[2]
                            for cal, run, left in done
                        ):
                            continue
                        done.append(key)
                due = clock.next_due_us()
                if due is not None and (best is None or due < best):
                    best = due
        return best

    def next_deadline(self) -> pendulum.DateTime | None:
        """:meth:`next_deadline_us` as a ``pendulum.DateTime``."""
        due = self.next_deadline_us()
        return None if due is None else to_datetime(due)

    def due_events(self, at: int) -> list[Event]:
        """The warnings and breaches due at or before ``at``, stamped at their own instants.

        Nothing is applied: the ticket applies them (see ``Ticket.evaluate``).
        """
        self._memo = None
        if at < self._horizon:
            return []
        # Recompute the bound (warnings recorded and clocks stopped may have raised it):
        # a clock's next due instant when it is known (_NONE: nothing until the clock
        # changes, which lowers the bound again), else its cheap lower bound.
        horizon = _FAR
        for clock in self._current:
            if clock is not None:
                bound = clock._due
                if bound == _UNKNOWN:
                    bound = clock._lower_bound()
                elif bound == _NONE:
                    continue
                if bound < horizon:
                    horizon = bound
        self._horizon = horizon
        if at < horizon:
            return []
        found: list[tuple[int, int, int, float | None, SLAClock]] = []
        ahead: dict[int, tuple[int, int]] = {}
        for clock in self._current:
            if clock is not None and (clock.state is _ACTIVE or clock.state is _PAUSED):
                due, next_one = clock._due_events(at)
                if due:
                    found.extend(due)
                    if next_one is not None:
                        ahead[id(clock)] = next_one
        if not found:
            return []
        found.sort(key=_order)
        # Recording the first event moves its clock's next due instant to the one
        # computed here (when that clock has no other event due): see _record.
        first_clock = found[0][4]
        next_one = ahead.get(id(first_clock))
        if next_one is not None and (len(found) == 1 or found[1][4] is not first_clock):
            self._memo = (first_clock, *next_one)
        floor = self._last_us
        events: list[Event] = []
        for stamp, _index, _amount_us, fraction, clock in found:
            when = stamp if stamp > floor else floor
            if fraction is None:
                events.append(
                    SLABreached(
                        at_us=when, metric=clock.metric, cycle=clock.cycle, policy=clock.policy
                    )
                )
            else:
                events.append(
                    SLAThresholdReached(
                        at_us=when,
                        metric=clock.metric,
                        cycle=clock.cycle,
                        threshold=fraction,
                        policy=clock.policy,
                    )
                )
        return events

    # -- driving ------------------------------------------------------------------

    def observe(self, ticket: Ticket, event: Event) -> bool:
        """Follow one event the ticket just applied (called by the ticket, never raises).

        Returns whether :meth:`next_deadline_us` is still the one computed before the
        event (False when it was not computed, or when the event moved a clock).
        """
        at = event.at_us
        if at > self._last_us:
            self._last_us = at
        self._memo = None
        # The next deadline (_next) stays valid until a clock starts, pauses, resumes,
        # stops or is re-targeted: whatever does that resets it (_begin, _end_running,
        # _sync_pauses, _rematch), and so does recording a warning or breach (_record).
        # Most events change no clock (an assignment, a note, a move from new to open,
        # a second reply).
        # Status moves ride on several events (a reply opens a new ticket, a customer
        # message reopens a solved one, solving solves): compare, do not dispatch.
        status = ticket._status
        if status is not self._status:
            # the ticket's record says whether this event started a new cycle (a reopen)
            self._on_status(status, at, ticket._cycles[-1] == len(ticket._history) - 1)
        kind = type(event)
        if kind is TicketReplied:
            self._on_agent_reply(at)
        elif kind is TicketCustomerMessaged:
            self._on_customer_message(at)
        elif kind not in _NO_FIELD_CHANGE:
            # Priority, tags or anything another module changes (an escalation may raise
            # the priority): re-match when a field the conditions read has changed.
            fields = _fields(ticket)
            if fields != self._fields:
                self._moved()
                old_priority = self._fields[3]
                self._fields, policy = self._policies._matched(fields)
                self._rematch(at, policy, priority_changed=fields[3] is not old_priority)
        return self._next != _UNKNOWN

    def _check_recorded(
        self, event: SLAThresholdReached | SLABreached, follows_mark: bool = False
    ) -> None:
        """Refuse a replayed warning or breach the clocks would not emit at its instant.

        Each one recorded must be one :meth:`due_events` gives at that instant: a
        threshold still to announce on the running clock of its metric, cycle and
        policy, stamped exactly when that clock reaches it (or at the latest event if
        later). So a history edited by hand does not load (:class:`InvalidArgument`).
        Only the event's own clock is looked at: one calendar step per event.
        """
        at = event.at_us
        threshold = getattr(event, "threshold", None)
        clock = self._current[_METRIC_ORDER[event.metric]]
        if (
            clock is None
            or clock.cycle != event.cycle
            or clock.policy != event.policy
            or not clock.running
        ):
            raise InvalidArgument(
                f"{_mark_name(event)} (policy {event.policy!r}) at {format_instant(at)}: no "
                "such clock runs then under the SLA policies given"
            )
        warned = clock.warned
        if threshold is None:
            if clock.breached:
                raise InvalidArgument(
                    f"{_mark_name(event)} at {format_instant(at)}: already breached"
                )
            amount = clock.target_us
            skipped = [w for w in clock.warnings if w not in warned]
        else:
            warnings = clock.warnings
            if threshold not in warnings or threshold in warned:
                raise InvalidArgument(
                    f"{_mark_name(event)} at {format_instant(at)}: not a warning still to "
                    f"announce (the clock warns at {', '.join(f'{w:.0%}' for w in warnings)})"
                )
            amount = clock._amounts[warnings.index(threshold)]
            skipped = [w for w in warnings if w < threshold and w not in warned]
        # A clock reaches its thresholds in order, and the catch-up records each one.
        if skipped and not clock.breached:
            raise InvalidArgument(
                f"{_mark_name(event)} at {format_instant(at)}: the warning at "
                f"{skipped[0]:.0%} comes first and is not recorded"
            )
        # The clock's next due instant, when known, is the stamp of its first amount.
        due = clock._due
        if due in (_UNKNOWN, _NONE) or amount != clock._first_pending():
            stamp = clock._stamp(amount)
        else:
            stamp = due
        if stamp is None:
            raise InvalidArgument(
                f"{_mark_name(event)} at {format_instant(at)}: the clock does not reach it then"
            )
        expected = stamp if stamp > self._last_us else self._last_us
        if expected != at:
            raise InvalidArgument(
                f"{_mark_name(event)} is stamped {format_instant(at)} but the SLA clocks "
                f"reached it at {format_instant(expected)}"
            )
        key = (stamp, _METRIC_ORDER[event.metric], amount)
        if follows_mark and key <= self._last_key:
            raise InvalidArgument(
                f"{_mark_name(event)} at {format_instant(at)} comes after the SLA event it "
                "follows: marks recorded together come in the order the clocks reach them, "
                "by metric"
            )
        self._last_key = key

    def _record(self, event: SLAThresholdReached | SLABreached, fraction: float | None) -> None:
        self._marks += 1
        memo = self._memo
        for clock in self._clocks:
            if clock.metric is event.metric and clock.cycle == event.cycle:
                if fraction is None:
                    clock.breached = True
                elif fraction not in clock.warned:
                    clock.warned = tuple(sorted((*clock.warned, fraction)))
                clock._forget()
                if memo is not None and memo[0] is clock and clock._first_pending() == memo[1]:
                    clock._due = memo[2]  # computed by due_events just before
                self._moved()
                return

    def _phase(self, index: int) -> bool:
        """Whether the metric at ``index`` is being measured now (whatever the targets)."""
        if index == _FR:
            return self._first_open
        if index == _NR:
            return self._awaiting
        if index == _PU:
            return self._updating
        status = self._status
        return status is not _SOLVED and status is not _CLOSED

    def _begin(self, index: int, at: int) -> None:
        spec = self._row[index]
        if spec is None:
            return
        if spec.target is not None:  # a target in business days resolves as it starts
            spec = spec._at(at)
        policy = self._policy
        assert policy is not None
        previous = self._current[index]
        paused = self._status in spec.pauses
        clock = SLAClock(
            _METRICS[index],
            1 if previous is None else previous.cycle + 1,
            at,
            spec.target_us,
            spec.calendar,
            policy.warnings,
            policy.name,
            paused,
            spec.amounts,
            spec.conf,
        )
        self._clocks.append(clock)
        self._current[index] = clock
        self._moved()
        if not paused:
            # The clock's lower bound, inline: its first threshold in wall time.
            amounts = spec.amounts
            bound = at + (amounts[0] if amounts else spec.target_us)
            if bound < self._horizon:
                self._horizon = bound

    # -- the caches: one place each is reset ----------------------------------------
    #
    # _next (next_deadline_us), _horizon (nothing is due before it), _memo (the next
    # due instant due_events computed for the clock of its first event) and each
    # clock's own _due. A clock that starts, pauses, resumes, stops, is re-targeted or
    # records a mark resets them through _moved; _forget drops them all (the uncached
    # reference mode calls it before every answer, see ReferenceSLAState).

    def _moved(self, clock: SLAClock | None = None) -> None:
        """A clock changed: forget the next deadline; with ``clock`` (one that runs on),
        keep the horizon a lower bound of what it can make due."""
        self._next = _UNKNOWN
        if clock is not None:
            bound = clock._lower_bound()
            if bound < self._horizon:
                self._horizon = bound

    def _forget(self) -> None:
        """Drop every cached answer: the next computation starts from the clocks."""
        self._next = _UNKNOWN
        self._horizon = _UNKNOWN
        self._memo = None
        for clock in self._current:
            if clock is not None:
                clock._forget()

    def _end_running(self, at: int, ends: tuple[tuple[int, ClockState], ...]) -> None:
        """Stop the current clock of each (metric index, end state) of ``ends``, if it
        runs, in that state."""
        current = self._current
        stopped = False
        for index, end in ends:
            clock = current[index]
            if clock is not None:
                state = clock.state
                if state is _ACTIVE or state is _PAUSED:
                    clock._stop(at, end)
                    stopped = True
        if stopped:
            self._moved()

    def _on_status(self, new: TicketStatus, at: int, reopened: bool) -> None:
        self._status = new
        if new is _SOLVED or new is _CLOSED:
            self._end_running(at, _ON_SOLVED if new is _SOLVED else _ON_CLOSED)
            self._first_open = self._awaiting = self._updating = False
            return
        if reopened:  # new cycles of the status metrics
            for index in _STATUS_METRICS:
                self._begin(index, at)
        self._sync_pauses(at)

    def _sync_pauses(self, at: int) -> None:
        status = self._status
        row = self._row
        paused = None  # the last clock paused here
        for index, clock in enumerate(self._current):
            if clock is None:
                continue
            spec = row[index]
            if spec is None:
                continue
            state = clock.state
            if state is _ACTIVE:
                if status in spec.pauses:
                    clock._pause(at, paused)
                    paused = clock
                    self._moved(clock)
            elif state is _PAUSED and status not in spec.pauses:
                clock._resume(at)
                self._moved(clock)

    def _on_agent_reply(self, at: int) -> None:
        self._end_running(at, _ON_REPLY)
        self._first_open = self._awaiting = False
        status = self._status
        if status is not _SOLVED and status is not _CLOSED:
            self._updating = True
            self._begin(_PU, at)

    def _on_customer_message(self, at: int) -> None:
        if self._first_open or self._awaiting:
            return
        self._awaiting = True
        self._begin(_NR, at)

    def _rematch(self, at: int, policy: SLAPolicy | None, *, priority_changed: bool) -> None:
        if policy is self._policy and not priority_changed:
            return
        if policy is not self._policy:
            matches = self._match_list()
            matches.append((at, None if policy is None else policy.name))
            self._matches = matches
            self._policy = policy
        row = _NO_ROW if policy is None else policy._rows[self._fields[3]]
        self._row = row
        self._forget()  # re-targets and cancels below may bring anything forward
        for index, spec in enumerate(row):
            clock = self._current[index]
            if clock is not None and clock.running:
                if spec is None:
                    clock._stop(at, _CANCELLED)
                else:
                    assert policy is not None
                    if spec.target is not None:  # re-targeted from its original start
                        spec = spec._at(clock.start_us)
                    clock._retarget(
                        at,
                        spec.target_us,
                        spec.calendar,
                        policy.warnings,
                        policy.name,
                        spec.amounts,
                        spec.conf,
                    )
            elif spec is not None and self._phase(index):
                self._begin(index, at)
        self._sync_pauses(at)

    # -- another version of the policies ------------------------------------------

    def _follow(self, policies: SLAPolicySet, at: int) -> None:
        """Follow ``policies`` from ``at`` on: the ticket is matched again and running
        clocks are re-targeted from their original start, as on a priority change."""
        self._policies = policies
        self._fields, policy = policies._matched(self._fields)
        self._rematch(at, policy, priority_changed=True)

    def _carry(self, before: SLAState, at: int) -> None:
        """Keep, on a repaired state, what ``before`` announced that the repaired clocks
        have also reached by ``at``, so nothing is announced twice: per metric and
        cycle, the repaired clock's warnings reached by ``at`` up to the last one
        ``before`` announced count as announced (one below an announced warning is
        not announced late), and all of them with the breach when ``before``
        announced the breach and the repaired clock has reached it. The rest is
        announced at ``at``. The count of recorded warnings and breaches is the
        ticket's (they all stay in its history)."""
        self._marks = before._marks
        old = {(clock.metric, clock.cycle): clock for clock in before._clocks}
        for clock in self._clocks:
            said = old.get((clock.metric, clock.cycle))
            if said is None or not (said.warned or said.breached):
                continue
            reached: list[float] = []
            for fraction, amount in zip(clock.warnings, clock._amounts, strict=True):
                instant = clock._instant_of(amount)
                if instant is None or instant > at:
                    break
                reached.append(fraction)
            breach = clock._instant_of(clock.target_us)
            clock.breached = said.breached and breach is not None and breach <= at
            if not clock.breached:
                announced = [i for i, fraction in enumerate(reached) if fraction in said.warned]
                reached = reached[: announced[-1] + 1] if announced else []
            clock.warned = tuple(reached)
            clock._forget()
        self._forget()

    # -- equality and documents -------------------------------------------------

    def _key(self) -> tuple[object, ...]:
        return (
            self._policies,
            None if self._policy is None else self._policy.name,
            self._match_list(),
            self._clocks,
            self._fields,
            self._status,
            self._first_open,
            self._awaiting,
            self._updating,
            self._created_us,
            self._last_us,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SLAState):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        name = None if self._policy is None else self._policy.name
        return f"SLAState(policy={name!r}, clocks={len(self._clocks)})"

    def to_dict(self) -> dict[str, Any]:
        """The clock snapshot stored inside a ticket document (JSON-safe); ``"version"``
        names the version of the policies that applies now, when they have one."""
        version = self._policies._version
        head = {} if version is None else {"version": version}
        texts = _Texts()
        return {
            **head,
            "policy": None if self._policy is None else self._policy.name,
            "matches": [{"at": texts[at], "policy": name} for at, name in self._match_list()],
            "clocks": [_clock_dict(clock, texts) for clock in self._clocks],
        }

    def verify(self, data: object, path: str = "sla") -> None:
        """Check a stored snapshot against this (replayed) state.

        Raises :class:`SchemaError` at ``path`` when they differ: the document was
        written with other SLA policies than the ones given to load it.
        """
        expected = self.to_dict()
        if data == expected:
            wrong = _mistyped(data, expected, path)
            if wrong is None:
                return
            stored, where = wrong
            raise SchemaError(
                where, f"expected {_json_type(stored[1])}, got {_json_type(stored[0])}"
            )
        reader = Reader(data, path)
        for key in ("version", "policy", "matches", "clocks"):
            found = reader.data.get(key) if key == "version" else reader.raw(key)
            if found != expected.get(key):
                raise SchemaError(
                    reader.at(key),
                    "the stored SLA clocks differ from the ones the given SLA policy set "
                    "produces; load the ticket with the policies it was written with",
                )
        raise SchemaError(path, "unexpected keys in the SLA snapshot")

    def verify_opening(self, data: object, path: str = "sla") -> None:
        """Check the policy a stored snapshot says matched at creation against this state
        of a ticket just opened: it depends on the opening event and the policies alone,
        so a difference means the document was written under other policies
        (:class:`SchemaError` at ``path.matches``). Other differences are not told apart
        here (a priority change re-targets clocks from their start).
        """
        matches = data.get("matches") if isinstance(data, dict) else None
        if isinstance(matches, list) and matches and matches[0] != self.to_dict()["matches"][0]:
            raise SchemaError(
                f"{path}.matches",
                "the stored SLA clocks differ from the ones the given SLA policy set "
                "produces; load the ticket with the policies it was written with",
            )


class ReferenceSLAState(SLAState):
    """An :class:`SLAState` that keeps no answer between calls: the uncached reference
    mode. Every due event and next deadline is computed from the clocks themselves,
    and the escalation policy skips its shortcuts on the ticket. Slow, and exactly as
    correct as the clocks: differential tests compare the cached state against it
    (see ``supportflow.testing.ReferenceTicket``)."""

    __slots__ = ()
    _caches: ClassVar[bool] = False

    def next_deadline_us(self) -> int | None:
        self._forget()
        return super().next_deadline_us()

    def due_events(self, at: int) -> list[Event]:
        self._forget()
        events = super().due_events(at)
        self._memo = None  # recording one computes its clock's next instant afresh
        return events

    def observe(self, ticket: Ticket, event: Event) -> bool:
        super().observe(ticket, event)
        self._forget()
        return False


_NO_ROW: Final[tuple[_Spec | None, ...]] = (None,) * len(_METRICS)


def _mark_name(event: SLAThresholdReached | SLABreached) -> str:
    """How an error names a warning or breach: its event, metric, cycle and threshold."""
    threshold = getattr(event, "threshold", None)
    return f"{event.name} of {event.metric.value} cycle {event.cycle}" + (
        "" if threshold is None else f" at {threshold:.0%}"
    )


# SLAState._last_key before any mark is recorded (one tuple shared by every ticket).
_NO_KEY: Final[tuple[int, int, int]] = (_UNKNOWN, 0, 0)


# The keys of a clock's snapshot (_clock_dict) that hold a number or a boolean: the only
# values that can compare equal to one of another type.
_CLOCK_NUMBERS: Final = ("cycle", "breached", "target_us", "elapsed_us", "elapsed_at_retarget_us")


def _mistyped(stored: Any, expected: Any, path: str) -> tuple[tuple[Any, Any], str] | None:
    """The first place where an SLA snapshot equal to the expected one differs in type
    (``==`` takes ``True`` for ``1``): ((stored, expected), path), or None.

    Only numbers and booleans can be equal across types, and the snapshot holds them
    as the scalars of each clock and of its stretches (warning fractions lie strictly
    between 0 and 1, so a whole number never equals one).
    """
    for index, (clock, want) in enumerate(zip(stored["clocks"], expected["clocks"], strict=True)):
        for key in _CLOCK_NUMBERS:
            found, value = clock[key], want[key]
            if type(found) is not type(value):
                return (found, value), f"{path}.clocks[{index}].{key}"
        for number, (stretch, goal) in enumerate(
            zip(clock["stretches"], want["stretches"], strict=True)
        ):
            if type(stretch["elapsed_us"]) is not int:
                where = f"{path}.clocks[{index}].stretches[{number}].elapsed_us"
                return (stretch["elapsed_us"], goal["elapsed_us"]), where
    return None


def _json_type(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    return names.get(type(value), type(value).__name__)


def _first(item: tuple[int, SLAClock]) -> int:
    return item[0]


def _order(item: tuple[int, int, int, float | None, SLAClock]) -> tuple[int, int, int]:
    return item[0], item[1], item[2]


class _Texts(dict[int, str]):
    """The texts of the instants of one snapshot, each formatted once: the clocks of a
    ticket start, pause and stop at the few instants of its events."""

    __slots__ = ()

    def __missing__(self, us: int) -> str:
        text = self[us] = format_instant(us)
        return text


def _clock_dict(clock: SLAClock, texts: _Texts) -> dict[str, Any]:
    conf = clock._conf
    past = clock._past
    stopped = clock.stopped_us
    return {
        "metric": conf.metric._value_,
        "cycle": clock.cycle,
        "policy": conf.policy,
        "state": clock.state._value_,
        "breached": clock.breached,
        "start": texts[clock.start_us],
        "target_us": conf.target_us,
        "warnings": list(conf.warnings),
        "warned": list(clock.warned),
        "stopped": None if stopped is None else texts[stopped],
        "stretches": [
            {"start": texts[past[i]], "end": texts[past[i + 1]], "elapsed_us": past[i + 2]}
            for i in range(0, len(past), 3)
        ],
        "elapsed_us": clock._elapsed,
        "running_since": None if clock._run is None else texts[clock._run],
        "running_until": None if clock._end is None else texts[clock._end],
        "retargeted": texts[clock._floor],
        "elapsed_at_retarget_us": clock._floor_elapsed,
    }
