"""Escalation policies: ordered rules, each a condition and an action.

A rule fires at most once per ticket per resolution cycle (from open, or from a
reopen, until the ticket is solved). Each condition knows the exact instant it became
true in the current cycle: an SLA clock's threshold or deadline, the creation instant,
the n-th reopen or reassignment, the creation instant plus a business duration on a
calendar, the customer's request. :meth:`EscalationPolicy.evaluate` lists the rules
due at an instant (pure); :meth:`EscalationPolicy.apply` records them, each stamped
at the instant its condition became true (never earlier than the ticket's latest
event), so a host that looks late gets the same history as one that looked on time.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Final

import attrs
import pendulum

from .._calendars._calendar import BusinessCalendar
from .._kernel._editions import LATEST, check_version, single_edition
from .._kernel._errors import (
    InvalidArgument,
    InvalidType,
    SchemaError,
    SupportflowError,
    UnknownName,
)
from .._kernel._event import Event
from .._kernel._serde import Migrations, Reader
from .._kernel._time import at_us, duration_us, format_instant, to_datetime, to_duration
from .._sla._policy import Metric, _metric
from .._sla._state import SLABreached, SLAThresholdReached
from .._tickets._tiers import (
    _LADDER,
    RULE_EVENTS,
    TicketEscalated,
    TicketEscalationRequested,
    TicketManagerNotified,
    TicketPriorityRaised,
    TierLadder,
    _read_ladder,
    _text,
)
from .._vocabulary._taxonomy import Priority, TicketStatus
from .._vocabulary._ticket_events import (
    TicketAssigned,
    TicketCustomerMessaged,
    TicketLinked,
    TicketNoteAdded,
    TicketOpened,
    TicketReplied,
    TicketSolved,
    TicketStatusChanged,
    TicketTagged,
    TicketUntagged,
)

if TYPE_CHECKING:
    from .._sla._clock import SLAClock
    from .._sla._state import SLAState
    from .._tickets._ticket import Ticket

__all__ = [
    "Condition",
    "DueEscalation",
    "EscalateTo",
    "EscalationAction",
    "EscalationPolicy",
    "EscalationRule",
    "NotifyManager",
    "RaisePriority",
    "WhenCustomerAsks",
    "WhenOlderThan",
    "WhenPriorityAtOpen",
    "WhenReassignedAtLeast",
    "WhenReopenedAtLeast",
    "WhenSLABreached",
    "WhenSLAReaches",
]


# --- what the policy reads from a ticket ---------------------------------------------


class _Facts:
    """What the ticket's history tells the conditions, kept up to date incrementally.

    The ticket holds one (``Ticket._scan``): each pass reads only the events recorded
    since the previous one, so a command costs the same whatever the history's
    length. A plain slotted class (not an attrs one): it is on every command's path.
    """

    __slots__ = (
        "_history",
        "_position",
        "calm_at",
        "calm_policy",
        "clocks",
        "cycle_end_us",
        "cycle_start_us",
        "fired",
        "horizon_us",
        "quiet_marks",
        "reassignments_us",
        "reopens_us",
        "requests_us",
        "sla_marks",
    )

    def __init__(self, created_us: int, history: list[Event]) -> None:
        # A cycle starts at the creation or at a reopen (a customer message on a solved
        # ticket) and ends when the ticket is solved.
        self.cycle_start_us = created_us
        self.cycle_end_us: int | None = None
        # The shared empty values stand until something is found (most tickets have no
        # reopen, reassignment or request): a found value gets a fresh container, so a
        # value a condition read is never changed under it.
        self.reopens_us: Sequence[int] = ()
        self.reassignments_us: Sequence[int] = ()
        self.requests_us: Sequence[int] = ()
        # Rules fired since the cycle started, and the instants of its SLA warnings and
        # breaches.
        self.fired: AbstractSet[str] = _NO_NAMES
        self.sla_marks: Mapping[tuple[Metric, float], int] = _NO_MARKS
        # Per pass: the evaluation horizon (conditions may answer None for instants
        # they can cheaply tell lie after it), and the SLA clocks, read once per pass
        # by the first SLA condition that needs them.
        self.horizon_us: int | None = None
        self.clocks: tuple[SLAClock, ...] | None = None
        # The ticket's count of SLA marks when every rule whose mark this cycle
        # recorded had fired (see EscalationPolicy._quiet); -1 until then.
        self.quiet_marks = -1
        # The history's length when ``calm_policy`` last found no rule due and the SLA
        # settled (see EscalationPolicy._calm); -1 until then.
        self.calm_at = -1
        self.calm_policy: object = None
        # The scan: the history read so far and where it stopped.
        self._history = history
        self._position = 0

    def calm_across(self, length: int) -> None:
        """The history's latest event (it is ``length`` long now) left every rule alone:
        the rules stay calm across it, if they were just before it."""
        if self.calm_at == length - 1:
            self.calm_at = length

    def _advance(self, cycles: tuple[int, ...], reassigned: tuple[int, ...]) -> None:
        """Read the events recorded since the last pass. Which events reopened the
        ticket and which reassigned it is the ticket's own record (``cycles``,
        ``reassigned``: history indexes), not decided again here."""
        history = self._history
        roles = _ROLES
        for index in range(self._position, len(history)):
            event = history[index]
            if index and index in cycles:
                # A reopen: a new cycle starts.
                self.reopens_us = [*self.reopens_us, event.at_us]
                self.cycle_start_us = event.at_us
                self.cycle_end_us = None
                self.fired = _NO_NAMES
                self.requests_us = ()
                self.sla_marks = _NO_MARKS
                continue
            if reassigned and index in reassigned:
                self.reassignments_us = [*self.reassignments_us, event.at_us]
                continue
            role = roles.get(type(event))
            if role is None:
                continue
            if role <= _STATUS:  # a solve or a status change
                if role == _SOLVED or event.to_status is _SOLVED_STATUS:  # type: ignore[attr-defined]
                    self.cycle_end_us = event.at_us
            elif role == _WARNING:
                key = (event.metric, event.threshold)  # type: ignore[attr-defined]
                if key not in self.sla_marks:
                    self.sla_marks = {**self.sla_marks, key: event.at_us}
            elif role == _BREACH:
                key = (event.metric, 1.0)  # type: ignore[attr-defined]
                if key not in self.sla_marks:
                    self.sla_marks = {**self.sla_marks, key: event.at_us}
            elif role == _RULE:
                rule = getattr(event, "rule", None)
                if rule is not None:
                    self.fired = {*self.fired, rule}
            else:
                self.requests_us = [*self.requests_us, event.at_us]
        self._position = len(history)


_SOLVED_STATUS: Final = TicketStatus.SOLVED
_CLOSED_STATUS: Final = TicketStatus.CLOSED
# What each event class means to _facts (exact classes; any other event is skipped).
_SOLVED: Final = 1
_STATUS: Final = 3
_RULE: Final = 5
_REQUEST: Final = 6
_WARNING: Final = 7
_BREACH: Final = 8
_ROLES: Final[dict[type, int]] = {  # never changed (a plain dict: the quickest get)
    TicketSolved: _SOLVED,
    TicketStatusChanged: _STATUS,
    **dict.fromkeys(RULE_EVENTS, _RULE),
    TicketEscalationRequested: _REQUEST,
    SLAThresholdReached: _WARNING,
    SLABreached: _BREACH,
}


def _facts(ticket: Ticket, horizon_us: int | None = None) -> _Facts:
    """The ticket's facts, brought up to date with its history, for one pass.

    Rules fired since the cycle started count as fired, and SLA warnings and breaches
    recorded since then are its marks. With ``horizon_us``, conditions may answer
    None for any instant they can cheaply tell lies after it (an evaluation only
    needs instants up to it). The scan lives on the ticket and is rebuilt when its
    history is not the one it read (a rewound or rebuilt ticket).
    """
    facts = _scan(ticket)
    facts.horizon_us = horizon_us
    facts.clocks = None
    return facts


def _scan(ticket: Ticket) -> _Facts:
    """The ticket's scan, brought up to date with its history (see :func:`_facts`)."""
    history = ticket._history
    facts = ticket._scan
    if type(facts) is not _Facts or facts._history is not history or facts._position > len(history):
        facts = _Facts(ticket._created_us, history)
        ticket._scan = facts
    if facts._position < len(history):
        facts._advance(ticket._cycles, ticket._reassigned)
    return facts


#: Events that change no fact the library's conditions read (cycles, reassignments,
#: requests, fired rules, SLA marks, the cycle's end) and no field its actions read
#: (tier, team, priority), unless the ticket's own record says the event reopened or
#: reassigned it, or it left the status solved or closed, or set a team.
_STEADY: Final = frozenset(
    {
        TicketAssigned,
        TicketReplied,
        TicketNoteAdded,
        TicketCustomerMessaged,
        TicketStatusChanged,
        TicketTagged,
        TicketUntagged,
        TicketLinked,
    }
)


def _leaves_rules_alone(ticket: Ticket) -> bool:
    """Whether the ticket's latest event leaves every rule of the library's conditions
    and actions due when it was before: with the SLA clocks unchanged too (the caller
    knows), each rule's instant and whether its action acts are the same."""
    history = ticket._history
    event = history[-1]
    kind = type(event)
    status = ticket._status  # an open status: not solved, not closed (identity, not a hash)
    if kind not in _STEADY or status is _SOLVED_STATUS or status is _CLOSED_STATUS:
        return False
    index = len(history) - 1
    if ticket._cycles[-1] == index or (ticket._reassigned and ticket._reassigned[-1] == index):
        return False
    return kind is not TicketAssigned or event.team is None  # type: ignore[attr-defined]


_NO_NAMES: Final[AbstractSet[str]] = frozenset()
_NO_MARKS: Final[Mapping[tuple[Metric, float], int]] = MappingProxyType({})
#: Each priority's rank (``Priority.rank`` without a property call; never changed).
_RANK: Final[dict[Priority, int]] = {p: p.rank for p in Priority}


def _opened_priority(ticket: Ticket) -> Priority:
    opened = ticket._history[0]
    assert isinstance(opened, TicketOpened)
    return opened.priority


# --- conditions ----------------------------------------------------------------------


class Condition(abc.ABC):
    """When a rule fires. Subclasses answer :meth:`since_us`."""

    kind: ClassVar[str]

    @abc.abstractmethod
    def since_us(self, ticket: Ticket, facts: _Facts) -> int | None:
        """The instant, in the current cycle, at which the condition is or will be true.

        May lie after the evaluation instant (an SLA threshold still ahead); None when
        it is not true in this cycle and no instant is known yet.
        """

    @abc.abstractmethod
    def describe(self) -> str:
        """The default reason recorded on the escalation."""

    def _data(self) -> dict[str, Any]:
        return {}


def _percent(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidType(f"percent must be a number, got {type(value).__name__}: {value!r}")
    if not 0 < value <= 100:
        raise InvalidArgument(f"percent must be in (0, 100], got {value!r}")
    return float(value)


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"n must be an int, got {type(value).__name__}: {value!r}")
    if value < 1:
        raise InvalidArgument(f"n must be at least 1, got {value!r}")
    return value


def _priority(value: object) -> Priority:
    if isinstance(value, Priority):
        return value
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return Priority(value)
    except ValueError:
        allowed = ", ".join(p.value for p in Priority)
        raise InvalidArgument(f"priority must be one of {allowed}, got {value!r}") from None


def _in_cycle(instant: int | None, facts: _Facts) -> bool:
    return (
        instant is not None
        and instant >= facts.cycle_start_us
        and (facts.cycle_end_us is None or instant < facts.cycle_end_us)
    )


def _sla_instant(ticket: Ticket, metric: Metric, fraction: float, facts: _Facts) -> int | None:
    """The earliest instant in the cycle an SLA clock of ``metric`` reached ``fraction``.

    A threshold the SLA announces itself (one of the clock's warning levels, or the
    breach) became true at the instant of its recorded ``SLAThresholdReached``/``SLABreached``
    event, which the ticket records first in the same evaluation: reading the history
    costs no calendar arithmetic. Other thresholds are computed from the clocks.
    """
    sla: SLAState | None = ticket._sla  # type: ignore[assignment]
    if sla is None:
        return None
    cycle_start = facts.cycle_start_us
    cycle_end = facts.cycle_end_us
    mark = facts.sla_marks.get((metric, fraction)) if facts.sla_marks else None
    best = (
        mark
        if mark is not None and mark >= cycle_start and (cycle_end is None or mark < cycle_end)
        else None
    )
    horizon = facts.horizon_us
    # Announced by the SLA: when due it is in the history (the mark above); only
    # next_due_us (no horizon) needs its future instant.
    announced_known = horizon is not None or mark is not None
    if announced_known and fraction in sla._policies._announced:
        return best  # every clock announces it: the mark is the answer
    clocks = facts.clocks
    if clocks is None:
        clocks = facts.clocks = sla.clocks
    for clock in clocks:
        if clock.metric is not metric:
            continue
        stopped = clock.stopped_us
        if stopped is not None and stopped <= cycle_start:
            continue  # a clock of an earlier cycle: its instants lie before this one
        if announced_known and (fraction == 1.0 or fraction in clock.warnings):
            continue
        # Business time never outruns wall time (pauses only slow it), so the clock
        # cannot reach an amount before ``start + amount``: then skip the calendar.
        if (
            horizon is not None
            and clock.start_us + max(1, math.ceil(fraction * clock.target_us)) > horizon
        ):
            continue
        instant = clock.threshold_us(fraction)
        if instant is not None and _in_cycle(instant, facts) and (best is None or instant < best):
            best = instant
    return best


@attrs.frozen
class WhenSLAReaches(Condition):
    """An SLA clock of ``metric`` reached ``percent`` of its target (e.g. 75)."""

    kind: ClassVar[str] = "sla_reaches"

    metric: Metric = attrs.field(converter=_metric)
    percent: float = attrs.field(converter=_percent)

    def since_us(self, ticket: Ticket, facts: _Facts) -> int | None:
        return _sla_instant(ticket, self.metric, self.percent / 100, facts)

    def describe(self) -> str:
        return f"{self.metric.value} SLA reached {self.percent:g}% of its target"

    def _data(self) -> dict[str, Any]:
        return {"metric": self.metric.value, "percent": self.percent}


@attrs.frozen
class WhenSLABreached(Condition):
    """An SLA clock of ``metric`` passed its deadline (the instant is the deadline)."""

    kind: ClassVar[str] = "sla_breached"

    metric: Metric = attrs.field(converter=_metric)

    def since_us(self, ticket: Ticket, facts: _Facts) -> int | None:
        return _sla_instant(ticket, self.metric, 1.0, facts)

    def describe(self) -> str:
        return f"{self.metric.value} SLA breached"

    def _data(self) -> dict[str, Any]:
        return {"metric": self.metric.value}


@attrs.frozen
class WhenPriorityAtOpen(Condition):
    """The ticket was opened with ``priority`` (or higher, unless ``or_higher=False``).

    True at the creation instant, so it fires in the first cycle only.
    """

    kind: ClassVar[str] = "priority_at_open"

    priority: Priority = attrs.field(converter=_priority)
    or_higher: bool = True

    def since_us(self, ticket: Ticket, facts: _Facts) -> int | None:
        opened = _opened_priority(ticket)
        priority = self.priority
        hit = _RANK[opened] >= _RANK[priority] if self.or_higher else opened is priority
        created = ticket._created_us
        return created if hit and _in_cycle(created, facts) else None

    def describe(self) -> str:
        more = " or higher" if self.or_higher else ""
        return f"opened with priority {self.priority.value}{more}"

    def _data(self) -> dict[str, Any]:
        return {"priority": self.priority.value, "or_higher": self.or_higher}


@attrs.frozen
class WhenReopenedAtLeast(Condition):
    """The ticket was reopened ``n`` times; true from the n-th reopen (its cycle)."""

    kind: ClassVar[str] = "reopened_at_least"

    n: int = attrs.field(validator=lambda _, __, v: _count(v))

    def since_us(self, ticket: Ticket, facts: _Facts) -> int | None:
        if len(facts.reopens_us) < self.n:
            return None
        instant = facts.reopens_us[self.n - 1]
        return instant if _in_cycle(instant, facts) else None

    def describe(self) -> str:
        return f"reopened {self.n} time{'s' if self.n > 1 else ''}"

    def _data(self) -> dict[str, Any]:
        return {"n": self.n}


@attrs.frozen
class WhenReassignedAtLeast(Condition):
    """The ticket changed assignee ``n`` times (the first assignment does not count)."""

    kind: ClassVar[str] = "reassigned_at_least"

    n: int = attrs.field(validator=lambda _, __, v: _count(v))

    def since_us(self, ticket: Ticket, facts: _Facts) -> int | None:
        if len(facts.reassignments_us) < self.n:
            return None
        instant = facts.reassignments_us[self.n - 1]
        return instant if _in_cycle(instant, facts) else None

    def describe(self) -> str:
        return f"reassigned {self.n} time{'s' if self.n > 1 else ''}"

    def _data(self) -> dict[str, Any]:
        return {"n": self.n}


def _calendar(value: object) -> BusinessCalendar:
    if not isinstance(value, BusinessCalendar):
        raise InvalidType(f"calendar must be a BusinessCalendar, got {type(value).__name__}")
    return value


def _age_duration(value: object) -> int:
    return duration_us(value, "duration", allow_zero=False)


@attrs.frozen
class WhenOlderThan(Condition):
    """The ticket is at least ``duration`` old in business time on ``calendar``.

    The instant is ``calendar.add(created_at, duration)``: known in advance, so it
    counts in the ticket's ``next_deadline()``.
    """

    kind: ClassVar[str] = "older_than"

    duration_us: int = attrs.field(alias="duration", converter=_age_duration)
    calendar: BusinessCalendar = attrs.field(converter=_calendar)

    @property
    def duration(self) -> pendulum.Duration:
        """The business age that triggers the rule."""
        return to_duration(self.duration_us)

    def since_us(self, ticket: Ticket, facts: _Facts) -> int | None:
        created = ticket.created_at_us
        horizon = facts.horizon_us
        if horizon is not None and created + self.duration_us > horizon:
            return None  # business time never outruns wall time
        instant = self.calendar.add_us(created, self.duration_us)
        return instant if _in_cycle(instant, facts) else None

    def describe(self) -> str:
        return f"open for {to_duration(self.duration_us).in_words()} of business time"

    def _data(self) -> dict[str, Any]:
        return {"duration_us": self.duration_us, "calendar": self.calendar.to_dict()}


@attrs.frozen
class WhenCustomerAsks(Condition):
    """The customer asked for escalation (``request_escalation``) in this cycle."""

    kind: ClassVar[str] = "customer_asks"

    def since_us(self, ticket: Ticket, facts: _Facts) -> int | None:
        for instant in facts.requests_us:
            if _in_cycle(instant, facts):
                return instant
        return None

    def describe(self) -> str:
        return "the customer asked for escalation"


# --- actions -------------------------------------------------------------------------


class EscalationAction(abc.ABC):
    """What a rule does. Subclasses build the events, or None when there is nothing to do."""

    kind: ClassVar[str]

    @abc.abstractmethod
    def acts(self, ticket: Ticket, ladder: TierLadder) -> bool:
        """Whether the action would change anything on ``ticket`` now."""

    @abc.abstractmethod
    def events(
        self, ticket: Ticket, ladder: TierLadder, rule: str, reason: str, at_us: int
    ) -> tuple[Event, ...] | None:
        """The events of this action on ``ticket`` now, or None if it would change nothing."""

    def check(self, ladder: TierLadder) -> None:  # noqa: B027 - most actions fit any ladder
        """Refuse an action that cannot work on ``ladder`` (at policy construction)."""

    def _data(self) -> dict[str, Any]:
        return {}


def _opt_level(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"tier must be an int, got {type(value).__name__}: {value!r}")
    return value


@attrs.frozen
class EscalateTo(EscalationAction):
    """Functional escalation: to ``tier`` and/or ``team``, or one tier up when both are None.

    Nothing happens (and the rule stays unfired) when the ticket is already at that
    tier or higher, or already at the top for "one tier up": for the rest of the cycle
    the rule then acts as a floor, firing if the ticket is later moved below it. "One
    tier up" leaves a ticket without a tier alone (name a tier or team for those).
    """

    kind: ClassVar[str] = "escalate_to"

    tier: int | None = attrs.field(default=None, converter=_opt_level)
    team: str | None = attrs.field(default=None)

    def check(self, ladder: TierLadder) -> None:
        if self.tier is not None or self.team is not None:
            ladder.resolve(self.tier, self.team)

    def _target(self, ticket: Ticket, ladder: TierLadder) -> tuple[int, str] | None:
        current = ticket.tier
        if self.tier is None and self.team is None:
            if current is None or current >= ladder.top:
                return None
            return ladder.resolve(current + 1)
        tier, team = ladder.resolve(self.tier, self.team)
        if current is not None and (
            tier < current or (tier == current and (self.team is None or team == ticket.team))
        ):
            return None
        return tier, team

    def acts(self, ticket: Ticket, ladder: TierLadder) -> bool:
        return self._target(ticket, ladder) is not None

    def events(
        self, ticket: Ticket, ladder: TierLadder, rule: str, reason: str, at_us: int
    ) -> tuple[Event, ...] | None:
        target = self._target(ticket, ladder)
        if target is None:
            return None
        tier, team = target
        current = ticket.tier
        return (
            TicketEscalated(
                at_us=at_us,
                from_tier=current,
                from_team=ticket.team,
                to_tier=tier,
                to_team=team,
                reason=reason,
                actor=None,
                rule=rule,
            ),
        )

    def _data(self) -> dict[str, Any]:
        return {"tier": self.tier, "team": self.team}


@attrs.frozen
class NotifyManager(EscalationAction):
    """Hierarchical escalation: notify the manager ``role``; the tier does not change."""

    kind: ClassVar[str] = "notify_manager"

    role: str = attrs.field(validator=lambda _, __, v: _text(v, "role"))

    def acts(self, ticket: Ticket, ladder: TierLadder) -> bool:
        return True

    def events(
        self, ticket: Ticket, ladder: TierLadder, rule: str, reason: str, at_us: int
    ) -> tuple[Event, ...] | None:
        return (TicketManagerNotified(at_us=at_us, role=self.role, reason=reason, rule=rule),)

    def _data(self) -> dict[str, Any]:
        return {"role": self.role}


def _opt_priority(value: object) -> Priority | None:
    return None if value is None else _priority(value)


@attrs.frozen
class RaisePriority(EscalationAction):
    """Raise the ticket's priority to ``to``, or one step when None; never lowers it."""

    kind: ClassVar[str] = "raise_priority"

    to: Priority | None = attrs.field(default=None, converter=_opt_priority)

    def _target(self, ticket: Ticket) -> Priority | None:
        current = ticket.priority
        if self.to is None:
            if current.rank >= len(_PRIORITIES) - 1:
                return None
            return _PRIORITIES[current.rank + 1]
        return self.to if self.to.rank > current.rank else None

    def acts(self, ticket: Ticket, ladder: TierLadder) -> bool:
        return self._target(ticket) is not None

    def events(
        self, ticket: Ticket, ladder: TierLadder, rule: str, reason: str, at_us: int
    ) -> tuple[Event, ...] | None:
        target = self._target(ticket)
        if target is None:
            return None
        current = ticket.priority
        return (
            TicketPriorityRaised(
                at_us=at_us, from_priority=current, to_priority=target, reason=reason, rule=rule
            ),
        )

    def _data(self) -> dict[str, Any]:
        return {"to": None if self.to is None else self.to.value}


_PRIORITIES: Final = tuple(sorted(Priority, key=lambda p: p.rank))


# --- rules and policies --------------------------------------------------------------

_CONDITIONS: Final[dict[str, type[Condition]]] = {
    cls.kind: cls
    for cls in (
        WhenSLAReaches,
        WhenSLABreached,
        WhenPriorityAtOpen,
        WhenReopenedAtLeast,
        WhenReassignedAtLeast,
        WhenOlderThan,
        WhenCustomerAsks,
    )
}
_ACTIONS: Final[dict[str, type[EscalationAction]]] = {
    cls.kind: cls for cls in (EscalateTo, NotifyManager, RaisePriority)
}
_CONDITION_CLASSES: Final = frozenset(_CONDITIONS.values())
#: The conditions whose instant is an SLA mark (exact classes).
_MARK_CONDITIONS: Final = frozenset({WhenSLAReaches, WhenSLABreached})
_ACTION_CLASSES: Final = frozenset(_ACTIONS.values())


def _check_condition(_: object, __: object, value: Any) -> None:
    if not isinstance(value, Condition):
        raise InvalidType(f"condition must be a Condition, got {type(value).__name__}")


def _check_action(_: object, __: object, value: Any) -> None:
    if not isinstance(value, EscalationAction):
        raise InvalidType(f"action must be an EscalationAction, got {type(value).__name__}")


@attrs.frozen
class EscalationRule:
    """A named rule: when ``condition`` becomes true, do ``action``.

    ``reason`` is recorded on the escalation (default: the condition described).
    """

    name: str = attrs.field(validator=lambda _, __, v: _text(v, "rule name"))
    condition: Condition = attrs.field(validator=_check_condition)
    action: EscalationAction = attrs.field(validator=_check_action)
    reason: str | None = None

    @property
    def why(self) -> str:
        """The reason recorded when the rule fires."""
        return self.reason if self.reason is not None else self.condition.describe()


@attrs.frozen
class DueEscalation:
    """A rule due on a ticket: its ``rule`` name and the instant its condition became true."""

    rule: str
    due_us: int

    @property
    def due(self) -> pendulum.DateTime:
        """The instant the rule's condition became true (the escalation's timestamp)."""
        return to_datetime(self.due_us)


def _rules(value: Iterable[EscalationRule]) -> tuple[EscalationRule, ...]:
    rules = tuple(value)
    for rule in rules:
        if not isinstance(rule, EscalationRule):
            raise InvalidType(f"a policy holds EscalationRule objects, got {type(rule).__name__}")
    names = [rule.name for rule in rules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InvalidArgument(f"rule names must be unique; repeated: {', '.join(duplicates)}")
    return rules


@attrs.frozen
class EscalationPolicy:
    """Ordered escalation rules over a tier ladder.

    Rules referring to tiers or teams are checked against ``ladder`` at construction.
    Pass the policy to ``Ticket.open(..., escalation=policy)`` so its next due instant
    joins ``next_deadline()`` and ``Ticket.evaluate`` applies it. ``version`` names
    this edition of the policy (say ``"2026-12"``) when it is kept with the others in
    an :class:`EscalationPolicyVersions`; a policy on its own needs none.
    """

    rules: tuple[EscalationRule, ...] = attrs.field(converter=_rules)
    ladder: TierLadder = attrs.field(factory=TierLadder.default)
    version: str | None = attrs.field(default=None, kw_only=True, converter=check_version)
    # The (metric, fraction) of SLA events a rule may react to (see _apply_due).
    _sla_keys: frozenset[tuple[Metric, float]] = attrs.field(init=False, eq=False, repr=False)
    # (index, name, condition, action) of each rule: the hot loops skip attribute reads.
    _plan: tuple[tuple[int, str, Condition, EscalationAction], ...] = attrs.field(
        init=False, eq=False, repr=False
    )
    # The same without the rules whose condition is an SLA threshold or breach: what
    # a pass evaluates while the cycle has no mark the SLA announces (see _due).
    _unmarked_plan: tuple[tuple[int, str, Condition, EscalationAction], ...] = attrs.field(
        init=False, eq=False, repr=False
    )
    # The fractions of SLA targets the rules react to (their marks).
    _mark_fractions: frozenset[float] = attrs.field(init=False, eq=False, repr=False)
    # The fractions of SLA targets the rules react to, when every rule is an SLA
    # threshold or breach (None otherwise): see _marks_only.
    _sla_fractions: frozenset[float] | None = attrs.field(init=False, eq=False, repr=False)
    # (name, (metric, fraction)) of each rule, when every rule is an SLA threshold or
    # breach: the mark each one waits for (see _quiet).
    _rule_marks: tuple[tuple[str, tuple[Metric, float]], ...] = attrs.field(
        init=False, eq=False, repr=False
    )
    # Whether every condition and action is one of the library's, whose reads are
    # known (see _leaves_rules_alone); a host's own may read anything.
    _known_reads: bool = attrs.field(init=False, eq=False, repr=False)
    # The fractions of SLA targets the rules react to, when no rule's instant comes
    # from time alone but from SLA marks or the ticket's events (None otherwise): see
    # _calm.
    _calm_fractions: frozenset[float] | None = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        rule_marks = []
        for rule in self.rules:
            condition = rule.condition
            if isinstance(condition, WhenSLAReaches):
                rule_marks.append((rule.name, (condition.metric, condition.percent / 100)))
            elif isinstance(condition, WhenSLABreached):
                rule_marks.append((rule.name, (condition.metric, 1.0)))
        keys = {key for _, key in rule_marks}
        object.__setattr__(self, "_sla_keys", frozenset(keys))
        object.__setattr__(self, "_rule_marks", tuple(rule_marks))
        sla_only = all(
            isinstance(rule.condition, WhenSLAReaches | WhenSLABreached) for rule in self.rules
        )
        fractions = frozenset(fraction for _, fraction in keys) if sla_only else None
        object.__setattr__(self, "_sla_fractions", fractions)
        plan = tuple(
            (index, rule.name, rule.condition, rule.action) for index, rule in enumerate(self.rules)
        )
        object.__setattr__(self, "_plan", plan)
        # Exact classes: a subclass may compute its instant otherwise.
        unmarked = tuple(entry for entry in plan if type(entry[2]) not in _MARK_CONDITIONS)
        object.__setattr__(self, "_unmarked_plan", unmarked)
        marks = frozenset(fraction for _, fraction in keys)
        object.__setattr__(self, "_mark_fractions", marks)
        known = all(
            type(rule.condition) in _CONDITION_CLASSES and type(rule.action) in _ACTION_CLASSES
            for rule in self.rules
        )
        object.__setattr__(self, "_known_reads", known)
        calm = known and not any(isinstance(rule.condition, WhenOlderThan) for rule in self.rules)
        object.__setattr__(self, "_calm_fractions", marks if calm else None)
        if not isinstance(self.ladder, TierLadder):
            raise InvalidType(f"ladder must be a TierLadder, got {type(self.ladder).__name__}")
        for index, rule in enumerate(self.rules):
            try:
                rule.action.check(self.ladder)
            except UnknownName as error:
                raise UnknownName(f"rule {rule.name!r}: {error}") from None
            except InvalidArgument as error:
                raise InvalidArgument(f"rule {index} ({rule.name!r}): {error}") from None

    def _edition(self, version: object = LATEST) -> EscalationPolicy:
        """This policy, if ``version`` is :data:`LATEST` or its own version (the one
        edition a policy given alone holds; :class:`UnknownName` otherwise)."""
        return single_edition(self, version, "escalation policy", "EscalationPolicyVersions")

    def _marks_only(self, sla: SLAState | None) -> bool:
        """Whether every rule's condition is an SLA threshold or breach the SLA announces
        with an event on every clock: then a rule can only be due once its mark is in
        the history (a cycle without marks has nothing due, and nothing due before the
        SLA's own next deadline)."""
        fractions = self._sla_fractions
        return fractions is not None and (sla is None or fractions <= sla._policies._announced)

    def _quiet(self, ticket: Ticket, sla: SLAState | None) -> bool:
        """Whether no rule can be due before the SLA's next deadline: the rules only
        react to marks (:meth:`_marks_only`), and every rule whose mark this cycle
        recorded has fired (it fires once per cycle), so each rule left waits for a
        mark the SLA records at one of its deadlines.

        Without reading the history while the ticket has no mark at all; after that,
        the answer found is kept until the SLA records its next mark (a rule firing
        or a reopen only keeps it true).
        """
        fractions = self._sla_fractions  # _marks_only, inline: this runs after every event
        if (
            sla is None
            or fractions is None
            or not sla._caches  # the reference mode answers without shortcuts
            or not fractions <= sla._policies._announced
        ):
            return False
        marks = sla._marks
        if marks == 0:
            return True
        facts = ticket._scan
        if (
            type(facts) is _Facts
            and facts.quiet_marks == marks
            and facts._history is ticket._history
        ):
            return True
        facts = _scan(ticket)
        recorded = facts.sla_marks
        fired = facts.fired
        for name, key in self._rule_marks:
            if key in recorded and name not in fired:
                return False
        facts.quiet_marks = marks
        return True

    def _calm(self, ticket: Ticket) -> bool:
        """Whether no rule can be due before the SLA's next deadline because nothing a
        rule reads has changed since this policy last found none due: the rules are the
        library's, none waits for time alone (an age), the SLA announces every mark
        they react to, and the ticket's events since then, at most one, leave every
        rule alone (:func:`_leaves_rules_alone`) or solve the ticket. Rules that react
        to the ticket's events (priority at open, reopens, reassignments, requests)
        then keep their answers (a solve only ends the cycle their instants must lie
        in), and those that react to SLA marks wait for one."""
        facts = ticket._scan
        if type(facts) is not _Facts or facts.calm_policy is not self:
            return False  # (_found_calm records calm only where the rules can be calm)
        history = ticket._history
        if facts._history is not history:
            return False
        length = len(history)
        calm_at = facts.calm_at
        if calm_at == length:
            return True
        if calm_at == length - 1 and (
            type(history[-1]) is TicketSolved or _leaves_rules_alone(ticket)
        ):
            facts.calm_at = length  # calm across the latest event (see _Facts.calm_across)
            return True
        return False

    def _found_calm(self, ticket: Ticket) -> None:
        """Remember that no rule of this policy is due at the ticket's latest event (for
        :meth:`_calm`; only for policies that can be calm)."""
        fractions = self._calm_fractions
        sla: SLAState | None = ticket._sla  # type: ignore[assignment]
        if (
            fractions is not None
            and sla is not None
            and sla._caches
            and fractions <= sla._policies._announced
        ):
            # The SLA only changes with an event no rule is calm across (a repair or a
            # new version), so what is checked here holds until _calm is asked again.
            facts = _scan(ticket)
            facts.calm_at = len(ticket._history)
            facts.calm_policy = self

    def _keeps_due(self, ticket: Ticket, sla: SLAState, due: int | None) -> bool:
        """Whether ``due``, the ticket's next due instant from before an event that left
        the SLA's next deadline as it was, still holds after it: no rule can be due
        before that deadline, and ``due`` is that deadline (no rule came first); or the
        event changed nothing any rule reads (:func:`_leaves_rules_alone`)."""
        if (
            self._sla_fractions is not None  # (else never quiet: the call skipped)
            and self._quiet(ticket, sla)
            and (sla._marks == 0 or due == sla.next_deadline_us())
        ):
            return True
        if not (self._known_reads and sla._caches and _leaves_rules_alone(ticket)):
            return False
        facts = ticket._scan  # the rules stay calm across it too (see _calm)
        if type(facts) is _Facts:
            facts.calm_across(len(ticket._history))
        return True

    def _due(self, ticket: Ticket, facts: _Facts, now: int) -> list[tuple[int, int]]:
        """(instant, rule index) of every rule due at ``now``, earliest first.

        While the cycle has no SLA mark and the SLA announces every mark the rules
        react to, no SLA rule can be due (its mark would be in the history): only the
        other rules are evaluated."""
        plan = self._plan
        if not facts.sla_marks:
            sla: SLAState | None = ticket._sla  # type: ignore[assignment]
            if sla is None or self._mark_fractions <= sla._policies._announced:
                plan = self._unmarked_plan
                if not plan:
                    return []
        due = []
        fired = facts.fired
        ladder = self.ladder
        for index, name, condition, action in plan:
            if name in fired:
                continue
            instant = condition.since_us(ticket, facts)
            if instant is None or instant > now:
                continue
            if not action.acts(ticket, ladder):
                continue
            due.append((instant, index))
        due.sort()
        return due

    def evaluate(self, ticket: Ticket, *, at: object | None = None) -> tuple[DueEscalation, ...]:
        """The rules due on ``ticket`` at ``at`` and not yet applied this cycle (pure).

        Each comes with the instant its condition became true, earliest first. SLA
        warnings and breaches due by ``at`` count whether or not the host has recorded
        them yet (``ticket.evaluate``): they are recorded on a replayed copy first.
        """
        now = at_us(at)
        sla = ticket._sla
        if (
            sla is not None
            and now >= ticket._last_us
            and ticket._status is not _CLOSED_STATUS
            and sla.due_events(now)
        ):
            probe = type(ticket)._rebuild(
                ticket._history, ticket._sla_config, ticket._escalation_config
            )
            for event in probe._sla.due_events(now):  # type: ignore[union-attr]
                probe._apply(event)
            ticket = probe
        facts = _facts(ticket, now)
        return tuple(
            DueEscalation(self.rules[index].name, instant)
            for instant, index in self._due(ticket, facts, now)
        )

    def missed_us(self, ticket: Ticket, now_us: int) -> int | None:
        """When the earliest rule due at or before ``now_us`` and not yet recorded this
        cycle fell due, or None: what the catch-up before a command at ``now_us`` would
        record first (a load refuses a command event while one is missing)."""
        if ticket._status is _CLOSED_STATUS:
            return None
        due = self._due(ticket, _facts(ticket, now_us), now_us)
        return due[0][0] if due else None

    def apply(self, ticket: Ticket, *, at: object | None = None) -> tuple[Event, ...]:
        """Record every rule due at ``at``, earliest first; returns the events appended.

        Each escalation is stamped at the instant its condition became true, or at the
        ticket's latest event if that is later (history stays in time order). Rules are
        re-evaluated after each one, since raising the priority moves SLA thresholds.
        ``at`` earlier than the ticket's latest event raises :class:`InvalidArgument`;
        a closed ticket gets nothing. ``Ticket.evaluate`` and every ticket command call
        this first when the ticket was opened with ``escalation=``.
        """
        return self.apply_us(ticket, ticket._when(at))

    def apply_us(self, ticket: Ticket, now_us: int) -> tuple[Event, ...]:
        """:meth:`apply` at ``now_us`` (microseconds; the ticket calls this one)."""
        if ticket._status is _CLOSED_STATUS:
            return ()
        sla: SLAState | None = ticket._sla  # type: ignore[assignment]
        if sla is not None:
            if (
                self._sla_fractions is not None
                and now_us < sla._horizon
                and self._quiet(ticket, sla)
            ):
                return ()  # no SLA event is due yet, and no rule before one
            if self._calm(ticket) and (now_us < sla._horizon or not sla.due_events(now_us)):
                return ()  # the rules as they were, and no SLA event due to wake them
        return _apply_due(self, ticket, now_us)

    def _check_replayed(self, ticket: Ticket, event: Event) -> None:
        """Refuse a replayed escalation event this policy could not have produced.

        Tiers stay on the ladder; an event naming a rule must name a rule of this
        policy and be exactly the event that rule records at that instant (the rule
        due then, stamped at its condition's instant or the latest event if later).
        Raises :class:`InvalidArgument`; ``Ticket.from_dict`` reports it at the event.
        """
        ladder = self.ladder
        to_tier = getattr(event, "to_tier", None)
        if to_tier is not None and not ladder.bottom <= to_tier <= ladder.top:
            raise InvalidArgument(
                f"{event.name} to tier {to_tier} is outside the escalation policy's ladder "
                f"(tiers {ladder._range()})",
                field="to_tier",
            )
        name = getattr(event, "rule", None)
        if name is None:
            return  # a person's decision
        rule = next((rule for rule in self.rules if rule.name == name), None)
        if rule is None:
            known = ", ".join(repr(rule.name) for rule in self.rules) or "none"
            raise InvalidArgument(
                f"{event.name} by rule {name!r}, which the escalation policy does not have "
                f"(rules: {known})"
            )
        at = event.at_us
        facts = _facts(ticket, at)
        # What _due says of this one rule (the others need not be evaluated).
        if rule.name not in facts.fired:
            instant = rule.condition.since_us(ticket, facts)
            if instant is not None and instant <= at and rule.action.acts(ticket, ladder):
                stamp = max(instant, ticket._last_us)
                expected = rule.action.events(ticket, ladder, rule.name, rule.why, stamp)
                if expected and expected[0] == event:
                    _check_sla_first(ticket, event, name, instant)
                    self._check_first_rule(ticket, facts, event, rule)
                    return
        raise InvalidArgument(
            f"{event.name} by rule {name!r} at {format_instant(at)} is not what the rule "
            "records: it is not due then, or its instant or outcome differs"
        )

    def _check_first_rule(
        self, ticket: Ticket, facts: _Facts, event: Event, rule: EscalationRule
    ) -> None:
        """Refuse a replayed escalation by ``rule`` while another rule comes first: the
        catch-up fires the rules due in the order of their instants, then of the
        policy's rules."""
        due = self._due(ticket, facts, event.at_us)
        if due and self.rules[due[0][1]] is not rule:
            first = self.rules[due[0][1]]
            raise InvalidArgument(
                f"{event.name} by rule {rule.name!r} at {format_instant(event.at_us)}: rule "
                f"{first.name!r}, due at {format_instant(due[0][0])}, fires first"
            )

    def next_due_us(self, ticket: Ticket, before: int | None = None) -> int | None:
        """The next instant a rule of this policy will be due on ``ticket``, or None.

        Only conditions whose instant is known in advance (SLA thresholds and
        breaches of running clocks, business age) give one in the future. A rule
        already due is reported at the instant it will be stamped at: its condition's
        instant, or the ticket's latest event if later, so ``ticket.evaluate(at=
        ticket.next_deadline())`` is always allowed.

        ``before`` (microseconds) is for ``Ticket.next_deadline``, which passes the
        earliest of its other deadlines: rules due at or after it, or after the SLA's
        own next deadline, may then be left out. A threshold the SLA announces itself
        is never earlier than the SLA's next deadline, so it costs no arithmetic.
        """
        sla: SLAState | None = ticket._sla  # type: ignore[assignment]
        sla_next = None if sla is None else sla.next_deadline_us()
        if (before is not None or sla_next is None) and (
            (self._sla_fractions is not None and self._quiet(ticket, sla))
            or (sla is not None and self._calm(ticket))
        ):
            return None  # the fast path below, without the scan of the history
        horizon: int | None = None
        if before is not None:
            horizon = (before if sla_next is None else min(before, sla_next)) - 1
        facts = _facts(ticket, horizon)
        if (
            (horizon is not None or sla_next is None)
            and not facts.sla_marks
            and self._marks_only(sla)
        ):
            # Nothing announced this cycle, and nothing will be before the SLA's next
            # deadline (or ever, without one): no rule is due before it.
            return None
        best: int | None = None
        fired = facts.fired
        ladder = self.ladder
        for _, name, condition, action in self._plan:
            if name in fired:
                continue
            instant = condition.since_us(ticket, facts)
            if instant is None or (best is not None and instant >= best):
                continue
            if not action.acts(ticket, ladder):
                continue
            best = instant
        last = ticket._last_us
        if best is not None and best < last:
            return last
        if (best is None or best > last) and (horizon is None or horizon >= last):
            self._found_calm(ticket)  # every condition answered for the latest event
        return best

    def next_due(self, ticket: Ticket) -> pendulum.DateTime | None:
        """:meth:`next_due_us` as a ``pendulum.DateTime``."""
        us = self.next_due_us(ticket)
        return None if us is None else to_datetime(us)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (type ``"escalation_policy"``, schema 2), ladder included;
        ``"version"`` only when the policy has one."""
        data: dict[str, Any] = {"type": _POLICY.kind, "schema": _POLICY.current}
        if self.version is not None:
            data["version"] = self.version
        return data | {
            "ladder": self.ladder.to_dict(),
            "rules": [
                {
                    "name": rule.name,
                    "reason": rule.reason,
                    "condition": {"kind": rule.condition.kind, **rule.condition._data()},
                    "action": {"kind": rule.action.kind, **rule.action._data()},
                }
                for rule in self.rules
            ],
        }

    @classmethod
    def from_dict(cls, data: object) -> EscalationPolicy:
        """Load a policy written by :meth:`to_dict`; :class:`SchemaError` names the bad field."""
        reader = _POLICY.upgrade(data)
        ladder_path = reader.at("ladder")
        ladder = _read_ladder(_LADDER.upgrade(reader.raw("ladder"), ladder_path))
        rules = []
        for item in reader.children("rules"):
            action = _read_action(item.child("action"))
            try:
                action.check(ladder)
            except SupportflowError as error:
                raise SchemaError(item.at("action"), str(error)) from None
            try:
                rules.append(
                    EscalationRule(
                        item.text("name"),
                        _read_condition(item.child("condition")),
                        action,
                        item.opt_text("reason"),
                    )
                )
            except SchemaError:
                raise
            except SupportflowError as error:
                raise SchemaError(item.path, str(error)) from None
        version = reader.opt_text("version") if reader.has("version") else None
        try:
            return cls(rules, ladder, version=version)
        except SupportflowError as error:
            where = "version" if getattr(error, "field", None) == "version" else "rules"
            raise SchemaError(reader.at(where), str(error)) from None


def _kind(reader: Reader, table: Sequence[str], what: str) -> str:
    kind = reader.text("kind")
    if kind not in table:
        raise SchemaError(
            reader.at("kind"), f"unknown {what} {kind!r}; expected one of {', '.join(table)}"
        )
    return kind


def _read_condition(reader: Reader) -> Condition:
    kind = _kind(reader, list(_CONDITIONS), "condition")
    try:
        if kind == "sla_reaches":
            return WhenSLAReaches(reader.text("metric"), reader.number("percent"))
        if kind == "sla_breached":
            return WhenSLABreached(reader.text("metric"))
        if kind == "priority_at_open":
            return WhenPriorityAtOpen(
                reader.enum("priority", Priority), reader.boolean("or_higher")
            )
        if kind == "reopened_at_least":
            return WhenReopenedAtLeast(reader.integer("n"))
        if kind == "reassigned_at_least":
            return WhenReassignedAtLeast(reader.integer("n"))
        if kind == "older_than":
            calendar = _read_calendar(reader.raw("calendar"), reader.at("calendar"))
            return WhenOlderThan(to_duration(reader.duration("duration_us", minimum=1)), calendar)
        return WhenCustomerAsks()
    except SchemaError:
        raise
    except SupportflowError as error:
        raise SchemaError(reader.path, str(error)) from None


def _read_calendar(data: object, path: str) -> BusinessCalendar:
    try:
        return BusinessCalendar.from_dict(data)
    except SchemaError as error:
        inner = f"{path}.{error.path}" if error.path else path
        raise SchemaError(inner, error.problem) from None


def _read_action(reader: Reader) -> EscalationAction:
    kind = _kind(reader, list(_ACTIONS), "action")
    try:
        if kind == "escalate_to":
            return EscalateTo(reader.opt_integer("tier"), reader.opt_text("team"))
        if kind == "notify_manager":
            return NotifyManager(reader.text("role"))
        return RaisePriority(reader.opt_enum("to", Priority))
    except SchemaError:
        raise
    except SupportflowError as error:
        raise SchemaError(reader.path, str(error)) from None


#: Condition kinds as schema 1 spelled them (schema 2 names conditions ``When...``).
_CONDITION_KINDS_1: Final = {
    "sla_threshold": "sla_reaches",
    "reopens_at_least": "reopened_at_least",
    "reassignments_at_least": "reassigned_at_least",
    "age_at_least": "older_than",
    "customer_asked_for_escalation": "customer_asks",
}


def _policy_1_to_2(document: dict[str, Any]) -> dict[str, Any]:
    rules = document.get("rules")
    if isinstance(rules, list):
        document["rules"] = [_renamed_condition(rule) for rule in rules]
    return document


def _renamed_condition(rule: object) -> object:
    if not isinstance(rule, dict) or not isinstance(rule.get("condition"), dict):
        return rule
    condition = dict(rule["condition"])
    kind = condition.get("kind")
    if isinstance(kind, str):
        condition["kind"] = _CONDITION_KINDS_1.get(kind, kind)
    return {**rule, "condition": condition}


_POLICY: Final = Migrations("escalation_policy", 2, {1: _policy_1_to_2})


def _apply_due(policy: EscalationPolicy, ticket: Ticket, now: int) -> tuple[Event, ...]:
    """Apply SLA events and escalations due up to ``now``, merged in time order.

    Step by step: the SLA warnings and breaches due not after the earliest due rule
    (up to the first one a rule reacts to), else that rule; rules are looked at again
    after every step, since an SLA event can make a rule due and raising the priority
    moves SLA thresholds. An SLA event and an escalation at the same instant keep that
    order. Every step records SLA events (each is announced once) or fires a rule
    (once per cycle), so the loop ends.
    """
    applied: list[Event] = []
    sla: SLAState | None = ticket._sla  # type: ignore[assignment]
    keys = policy._sla_keys
    settled = sla is None  # whether the SLA has nothing left to record up to ``now``
    while True:
        if policy._sla_fractions is not None and policy._quiet(ticket, sla):
            due = []
        else:
            due = policy._due(ticket, _facts(ticket, now), now)
        if not settled:
            assert sla is not None
            until = due[0][0] if due else now
            pending = sla.due_events(until)
            if pending:
                # An SLA event no rule reacts to changes no rule's instant: record the
                # next ones together, up to the first a rule may react to.
                for event in pending:
                    ticket._apply(event)
                    applied.append(event)
                    if _sla_key(event) in keys:
                        break
                else:
                    # Everything due up to ``until`` is recorded (recording moves no
                    # other threshold): only a rule firing can make more due.
                    settled = until == now
                continue
        if not due:
            policy._found_calm(ticket)
            return tuple(applied)
        instant, index = due[0]
        rule = policy.rules[index]
        stamp = max(instant, ticket._last_us)
        for event in rule.action.events(ticket, policy.ladder, rule.name, rule.why, stamp) or ():
            ticket._apply(event)
            applied.append(event)
        settled = sla is None  # an escalation may re-target the clocks


def _check_sla_first(ticket: Ticket, event: Event, rule: str, instant: int) -> None:
    """Refuse a replayed escalation while an SLA warning or breach due by its rule's
    instant is not recorded: the catch-up (:func:`_apply_due`) records those first."""
    sla: SLAState | None = ticket._sla  # type: ignore[assignment]
    if sla is None:
        return
    pending = sla.due_events(instant)
    if pending:
        missing = pending[0]
        raise InvalidArgument(
            f"{event.name} by rule {rule!r} at {format_instant(event.at_us)}: "
            f"{missing.name} for {missing.metric.value} fell due at "  # type: ignore[attr-defined]
            f"{format_instant(missing.at_us)}, by the rule's instant, and is recorded first"
        )


def _sla_key(event: Event) -> tuple[Metric, float] | None:
    if isinstance(event, SLAThresholdReached):
        return (event.metric, event.threshold)
    if isinstance(event, SLABreached):
        return (event.metric, 1.0)
    return None
