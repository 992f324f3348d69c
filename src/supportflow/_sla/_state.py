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
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Final, NamedTuple, Protocol

import attrs
import pendulum

from .._calendars._calendar import BusinessCalendar
from .._kernel._errors import (
    InvalidArgument,
    InvalidType,
    SchemaError,
    SupportflowError,
    UnknownName,
)
from .._kernel._event import Event
from .._kernel._serde import Migrations, Reader, bad_document, shown
from .._kernel._time import (
    at_us,
    duration_us,
    format_duration,
    format_instant,
    readable_instant,
    to_datetime,
    to_duration,
)
from .._vocabulary._taxonomy import Channel, Domain, Priority, TicketStatus, Topic
from .._vocabulary._ticket_events import (
    TicketAssigned,
    TicketCustomerMessaged,
    TicketLinked,
    TicketNoteAdded,
    TicketReplied,
    TicketSolved,
    TicketStatusChanged,
)

__all__ = [
    "DEFAULT_PAUSES",
    "DEFAULT_WARNINGS",
    "ClockState",
    "Metric",
    "SLABreached",
    "SLAClock",
    "SLAConditions",
    "SLAPolicy",
    "SLAPolicySet",
    "SLAState",
    "SLAStatus",
    "SLATarget",
    "SLAThresholdReached",
]


class Metric(enum.StrEnum):
    """What an SLA target measures (names as help desks use them)."""

    FIRST_REPLY = "first_reply"
    NEXT_REPLY = "next_reply"
    PERIODIC_UPDATE = "periodic_update"
    REQUESTER_WAIT = "requester_wait"
    AGENT_WORK = "agent_work"
    RESOLUTION = "resolution"


class ClockState(enum.StrEnum):
    """Where a clock cycle stands; ``breached`` is a separate flag on the clock."""

    ACTIVE = "active"
    PAUSED = "paused"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


_METRICS: Final = tuple(Metric)
_METRIC_ORDER: Final = {metric: index for index, metric in enumerate(_METRICS)}
# Hot paths compare enum members by identity and index metrics by int: hashing an
# enum member runs Python code (Enum.__hash__), a measurable cost per event.
_FR, _NR, _PU, _RW, _AW, _RS = range(6)
_ACTIVE: Final = ClockState.ACTIVE
_PAUSED: Final = ClockState.PAUSED
_FULFILLED: Final = ClockState.FULFILLED
_CANCELLED: Final = ClockState.CANCELLED
_SOLVED: Final = TicketStatus.SOLVED
_CLOSED: Final = TicketStatus.CLOSED
_PAUSABLE: Final = frozenset(
    {TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD}
)
# Metrics whose cycles follow the ticket status (they run while unsolved).
_STATUS_METRICS: Final = (_RW, _AW, _RS)
# (metric index, end state) of the running clocks an event stops: solving fulfils the
# status metrics and cancels the others, closing cancels all, an agent reply fulfils the
# first reply, the next reply and the periodic update.
_ON_SOLVED: Final = tuple((i, _FULFILLED if i in _STATUS_METRICS else _CANCELLED) for i in range(6))
_ON_CLOSED: Final = tuple((i, _CANCELLED) for i in range(6))
_ON_REPLY: Final = ((_FR, _FULFILLED), (_NR, _FULFILLED), (_PU, _FULFILLED))

DEFAULT_PAUSES: Final[Mapping[Metric, frozenset[TicketStatus]]] = {
    Metric.FIRST_REPLY: frozenset(),
    Metric.NEXT_REPLY: frozenset(),
    Metric.PERIODIC_UPDATE: frozenset(),
    Metric.REQUESTER_WAIT: frozenset({TicketStatus.PENDING}),
    Metric.AGENT_WORK: frozenset({TicketStatus.PENDING, TicketStatus.ON_HOLD}),
    Metric.RESOLUTION: frozenset(),
}
"""Which statuses pause which metric unless a policy says otherwise."""

DEFAULT_WARNINGS: Final = (0.5, 0.75)
"""Warning thresholds, as fractions of the target, unless a policy says otherwise."""


# --- parsing helpers ----------------------------------------------------------------


def _metric(value: object) -> Metric:
    if isinstance(value, Metric):
        return value
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return Metric(value)
    except ValueError:
        known = ", ".join(m.value for m in Metric)
        raise UnknownName(f"unknown SLA metric {value!r}; known metrics: {known}") from None


def _enum_set(enum_type: type[enum.StrEnum], what: str) -> Callable[[object], frozenset[Any]]:
    def convert(values: object) -> frozenset[Any]:
        if isinstance(values, str):
            values = (values,)
        if not isinstance(values, Iterable):
            raise InvalidType(f"{what} must be a collection, got {type(values).__name__}")
        out = set()
        for value in values:
            try:
                out.add(enum_type(value))
            except ValueError:
                known = ", ".join(m.value for m in enum_type)
                raise UnknownName(f"unknown {what} {value!r}; known: {known}") from None
        return frozenset(out)

    return convert


def _text_set(what: str) -> Callable[[object], frozenset[str]]:
    def convert(values: object) -> frozenset[str]:
        if isinstance(values, str):
            values = (values,)
        if not isinstance(values, Iterable):
            raise InvalidType(f"{what} must be a collection of strings")
        out = frozenset(values)
        for value in out:
            if not isinstance(value, str) or not value:
                raise InvalidArgument(f"{what} must be non-empty strings, got {value!r}")
        return out

    return convert


def _domains(values: object) -> frozenset[Domain]:
    return _enum_set(Domain, "domain")(values)


def _topics(values: object) -> frozenset[Topic]:
    return _enum_set(Topic, "topic")(values)


def _channels(values: object) -> frozenset[Channel]:
    return _enum_set(Channel, "channel")(values)


def _priorities(values: object) -> frozenset[Priority]:
    return _enum_set(Priority, "priority")(values)


def _segments(values: object) -> frozenset[str]:
    return _text_set("segments")(values)


def _tags(values: object) -> frozenset[str]:
    return _text_set("tags")(values)


def _excluded_tags(values: object) -> frozenset[str]:
    return _text_set("excluded_tags")(values)


# The fields of SLAConditions documents and their converters (read one item at a time
# so that a bad value is reported at its own path, ``conditions.topics[2]``).
_CONDITION_FIELDS: Final[tuple[tuple[str, Callable[[object], frozenset[Any]]], ...]] = (
    ("domains", _domains),
    ("topics", _topics),
    ("channels", _channels),
    ("priorities", _priorities),
    ("segments", _segments),
    ("tags", _tags),
    ("excluded_tags", _excluded_tags),
)


def _set_key(values: frozenset[Any]) -> list[str]:
    return sorted(str(v) for v in values)


# --- conditions, targets, policies ----------------------------------------------------


@attrs.frozen
class SLAConditions:
    """Which tickets a policy covers. An empty field matches anything.

    ``tags`` must all be on the ticket; ``excluded_tags`` must all be absent.
    ``segments`` are the host's customer segments (``Ticket.open(segment=...)``).
    Strings are accepted for the enums; an unknown value raises :class:`UnknownName`.
    """

    domains: frozenset[Domain] = attrs.field(default=(), converter=_domains)
    topics: frozenset[Topic] = attrs.field(default=(), converter=_topics)
    channels: frozenset[Channel] = attrs.field(default=(), converter=_channels)
    priorities: frozenset[Priority] = attrs.field(default=(), converter=_priorities)
    segments: frozenset[str] = attrs.field(default=(), converter=_segments)
    tags: frozenset[str] = attrs.field(default=(), converter=_tags)
    excluded_tags: frozenset[str] = attrs.field(default=(), converter=_excluded_tags)

    def matches_fields(
        self,
        domain: Domain,
        topic: Topic,
        channel: Channel,
        priority: Priority,
        segment: str | None,
        tags: frozenset[str],
    ) -> bool:
        """Whether a ticket with these fields is covered."""
        return (
            (not self.domains or domain in self.domains)
            and (not self.topics or topic in self.topics)
            and (not self.channels or channel in self.channels)
            and (not self.priorities or priority in self.priorities)
            and (not self.segments or segment in self.segments)
            and self.tags <= tags
            and self.excluded_tags.isdisjoint(tags)
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (sorted lists)."""
        return {
            "domains": _set_key(self.domains),
            "topics": _set_key(self.topics),
            "channels": _set_key(self.channels),
            "priorities": _set_key(self.priorities),
            "segments": sorted(self.segments),
            "tags": sorted(self.tags),
            "excluded_tags": sorted(self.excluded_tags),
        }

    @classmethod
    def _read(cls, reader: Reader) -> SLAConditions:
        fields: dict[str, frozenset[Any]] = {}
        for key, convert in _CONDITION_FIELDS:
            values = reader.text_list(key)
            for index, value in enumerate(values):
                try:
                    convert((value,))
                except SupportflowError as error:
                    raise bad_document(f"{reader.at(key)}[{index}]", error) from None
            fields[key] = convert(values)
        try:
            return cls(**fields)
        except SupportflowError as error:
            raise bad_document(reader.path, error) from None


#: The longest SLA target: 366 days of business time (a promise beyond a year is
#: not a service level, and deadlines stay cheap to compute).
MAX_TARGET_US: Final = 366 * 86_400 * 1_000_000


def _positive_duration(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        us = value
    else:
        us = duration_us(value, "target", allow_negative=True)
    if us <= 0:
        raise InvalidArgument(f"an SLA target must be a positive duration, got {shown(value)}")
    if us > MAX_TARGET_US:
        raise InvalidArgument(
            f"an SLA target must be at most 366 days of business time, got {shown(value)}"
        )
    return us


@attrs.frozen
class SLATarget:
    """One target: how long a metric may run, optionally on its own calendar.

    ``duration_us`` accepts a ``timedelta``/``pendulum.Duration`` (or int
    microseconds) and must be positive (:class:`InvalidArgument` otherwise).
    ``calendar`` overrides the policy's calendar for this target.
    """

    duration_us: int = attrs.field(converter=_positive_duration)
    calendar: BusinessCalendar | None = None

    @property
    def duration(self) -> pendulum.Duration:
        """The target as a duration of business time."""
        return to_duration(self.duration_us)


def _threshold_tuple(values: object) -> tuple[float, ...]:
    if not isinstance(values, Iterable):
        raise InvalidType("warnings must be a collection of fractions such as (0.5, 0.75)")
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidType(f"a warning threshold must be a number, got {shown(value)}")
        fraction = float(value)
        if not 0.0 < fraction < 1.0:
            raise InvalidArgument(
                f"a warning threshold must be a fraction strictly between 0 and 1, got {value!r} "
                "(0.75 means 75 % of the target)"
            )
        out.append(fraction)
    return tuple(sorted(set(out)))


def _targets(value: object) -> tuple[tuple[Metric, Priority, SLATarget], ...]:
    if isinstance(value, tuple) and all(
        isinstance(item, tuple) and len(item) == 3 and isinstance(item[2], SLATarget)
        for item in value
    ):
        rows = list(value)
    else:
        if not isinstance(value, Mapping):
            raise InvalidType(
                "targets must map metric -> priority -> duration, e.g. "
                "{'first_reply': {'urgent': timedelta(hours=1)}}"
            )
        rows = []
        for metric_name, per_priority in value.items():
            metric = _metric(metric_name)
            if not isinstance(per_priority, Mapping):
                raise InvalidType(f"targets[{metric.value!r}] must map priority -> duration")
            for priority_name, spec in per_priority.items():
                try:
                    priority = Priority(priority_name)
                except ValueError:
                    known = ", ".join(p.value for p in Priority)
                    raise UnknownName(
                        f"unknown priority {priority_name!r} in targets; known: {known}"
                    ) from None
                target = spec if isinstance(spec, SLATarget) else SLATarget(spec)
                rows.append((metric, priority, target))
    rows.sort(key=lambda row: (_METRIC_ORDER[row[0]], row[1].rank))
    return tuple(rows)


def _pauses(value: object) -> tuple[tuple[Metric, frozenset[TicketStatus]], ...]:
    table = dict(DEFAULT_PAUSES)
    if isinstance(value, tuple):
        value = dict(value)
    if not isinstance(value, Mapping):
        raise InvalidType("pauses must map metric -> statuses that pause it")
    for metric_name, statuses in value.items():
        metric = _metric(metric_name)
        chosen = _enum_set(TicketStatus, "ticket status")(statuses)
        bad = chosen - _PAUSABLE
        if bad:
            raise InvalidArgument(
                f"{metric.value} cannot be paused in {', '.join(_set_key(bad))}: solved and "
                "closed end the clocks; pausable statuses are new, open, pending, on_hold"
            )
        table[metric] = chosen
    return tuple((metric, table[metric]) for metric in _METRICS)


class _ClockConf:
    """The immutable part of a clock: its metric, target, calendar, warning thresholds
    and policy name. One is built per policy row and shared by every clock started
    from it (a clock re-targeted by hand gets its own), which keeps clocks small."""

    __slots__ = ("amounts", "calendar", "index", "metric", "policy", "target_us", "warnings")

    def __init__(
        self,
        metric: Metric,
        target_us: int,
        calendar: BusinessCalendar,
        warnings: tuple[float, ...],
        policy: str,
        amounts: tuple[int, ...] | None = None,
    ) -> None:
        self.metric = metric
        self.index = _METRIC_ORDER[metric]
        self.target_us = target_us
        self.calendar = calendar
        self.warnings = warnings
        self.amounts = (
            tuple(_amount(f, target_us) for f in warnings) if amounts is None else amounts
        )
        self.policy = policy


class _Spec(NamedTuple):
    """What a clock of one metric needs under one policy and priority (precomputed)."""

    target_us: int
    calendar: BusinessCalendar
    amounts: tuple[int, ...]  # warning thresholds in business microseconds
    pauses: tuple[TicketStatus, ...]
    conf: _ClockConf


def _always_open() -> BusinessCalendar:
    return BusinessCalendar.always_open()


@attrs.frozen
class SLAPolicy:
    """A named SLA: which tickets, which calendar, which targets, what pauses.

    ``targets`` maps metric -> priority -> duration (or :class:`SLATarget` for a
    per-target calendar); names or enums are accepted. A priority without a target
    for a metric simply gets no clock for that metric. ``pauses`` overrides, per
    metric, the statuses that pause it (see :data:`DEFAULT_PAUSES`). ``warnings``
    are fractions strictly between 0 and 1. Bad input raises :class:`InvalidArgument`
    (non-positive target, threshold outside (0, 1)) or :class:`UnknownName`.
    """

    name: str = attrs.field()
    targets: tuple[tuple[Metric, Priority, SLATarget], ...] = attrs.field(converter=_targets)
    conditions: SLAConditions = attrs.field(factory=SLAConditions)
    calendar: BusinessCalendar = attrs.field(factory=_always_open)
    pauses: tuple[tuple[Metric, frozenset[TicketStatus]], ...] = attrs.field(
        factory=dict, converter=_pauses
    )
    warnings: tuple[float, ...] = attrs.field(default=DEFAULT_WARNINGS, converter=_threshold_tuple)
    _table: dict[tuple[Metric, Priority], tuple[int, BusinessCalendar]] = attrs.field(
        init=False, eq=False, repr=False
    )
    _rows: dict[Priority, tuple[_Spec | None, ...]] = attrs.field(init=False, eq=False, repr=False)
    _pause_table: dict[Metric, frozenset[TicketStatus]] = attrs.field(
        init=False, eq=False, repr=False
    )

    @name.validator
    def _check_name(self, _attribute: object, value: object) -> None:
        if not isinstance(value, str) or not value:
            raise InvalidArgument(f"an SLA policy needs a non-empty name, got {value!r}")

    def __attrs_post_init__(self) -> None:
        table = {
            (metric, priority): (target.duration_us, target.calendar or self.calendar)
            for metric, priority, target in self.targets
        }
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_pause_table", dict(self.pauses))
        rows: dict[Priority, tuple[_Spec | None, ...]] = {}
        for priority in Priority:
            row: list[_Spec | None] = []
            for metric in _METRICS:
                found = table.get((metric, priority))
                if found is None:
                    row.append(None)
                    continue
                target_us, calendar = found
                amounts = tuple(_amount(f, target_us) for f in self.warnings)
                pauses = tuple(self._pause_table[metric])
                conf = _ClockConf(metric, target_us, calendar, self.warnings, self.name, amounts)
                row.append(_Spec(target_us, calendar, amounts, pauses, conf))
            rows[priority] = tuple(row)
        object.__setattr__(self, "_rows", rows)

    def target(self, metric: Metric | str, priority: Priority | str) -> SLATarget | None:
        """The target for ``metric`` at ``priority``, or None (no clock then)."""
        wanted = (_metric(metric), Priority(priority))
        for metric_, priority_, target in self.targets:
            if (metric_, priority_) == wanted:
                return target
        return None

    def pauses_for(self, metric: Metric | str) -> frozenset[TicketStatus]:
        """The statuses that pause ``metric`` under this policy."""
        return self._pause_table[_metric(metric)]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (type ``"sla_policy"``, schema 1)."""
        return {
            "type": "sla_policy",
            "schema": 1,
            "name": self.name,
            "conditions": self.conditions.to_dict(),
            "calendar": self.calendar.to_dict(),
            "targets": [
                {
                    "metric": metric.value,
                    "priority": priority.value,
                    "target_us": target.duration_us,
                    "calendar": None if target.calendar is None else target.calendar.to_dict(),
                }
                for metric, priority, target in self.targets
            ],
            "pauses": {metric.value: _set_key(statuses) for metric, statuses in self.pauses},
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: object, path: str = "") -> SLAPolicy:
        """Rebuild a policy; bad data raises :class:`SchemaError` naming the field."""
        reader = _POLICY_MIGRATIONS.upgrade(data, path)
        calendar = _read_calendar(reader.child("calendar"))
        targets: dict[Metric, dict[Priority, SLATarget]] = {}
        for row in reader.children("targets"):
            metric = row.enum("metric", Metric)
            priority = row.enum("priority", Priority)
            if priority in targets.get(metric, {}):
                raise SchemaError(row.path, f"second target for {metric.value}/{priority.value}")
            cal = row.opt_child("calendar")
            try:
                target = SLATarget(
                    row.integer("target_us"), None if cal is None else _read_calendar(cal)
                )
            except SupportflowError as error:
                raise bad_document(row.at("target_us"), error) from None
            targets.setdefault(metric, {})[priority] = target
        pauses_reader = reader.child("pauses")
        pauses = {}
        for key in pauses_reader.data:
            try:
                metric = _metric(key)
            except UnknownName as error:
                raise bad_document(pauses_reader.at(key), error) from None
            statuses = pauses_reader.text_list(key)
            try:
                _pauses({metric: statuses})
            except SupportflowError as error:
                raise bad_document(pauses_reader.at(key), error) from None
            pauses[metric] = statuses
        warnings = reader.array("warnings")
        base = reader.at("warnings")
        for index, value in enumerate(warnings):
            try:
                _threshold_tuple((value,))
            except SupportflowError as error:
                raise bad_document(f"{base}[{index}]", error) from None
        try:
            return cls(
                reader.text("name"),
                targets,
                conditions=SLAConditions._read(reader.child("conditions")),
                calendar=calendar,
                pauses=pauses,
                warnings=warnings,
            )
        except SupportflowError as error:
            raise bad_document(reader.path, error) from None


def _read_calendar(reader: Reader) -> BusinessCalendar:
    try:
        return BusinessCalendar.from_dict(reader.data)
    except SchemaError as error:
        inner = f"{reader.path}.{error.path}" if error.path else reader.path
        raise SchemaError(inner, error.problem) from None


_POLICY_MIGRATIONS: Final = Migrations("sla_policy", 1)
_SET_MIGRATIONS: Final = Migrations("sla_policy_set", 1)


class SLAPolicySet:
    """Policies in order: the first whose conditions match a ticket applies.

    Pass it to ``Ticket.open(..., sla=policies)`` (and to ``replay``/``from_dict``).
    Policy names must be unique (:class:`InvalidArgument`).
    """

    __slots__ = ("_announced", "_policies")

    def __init__(self, policies: Iterable[SLAPolicy]) -> None:
        chosen = tuple(policies)
        seen: set[str] = set()
        for policy in chosen:
            if not isinstance(policy, SLAPolicy):
                raise InvalidType(f"expected SLAPolicy objects, got {type(policy).__name__}")
            if policy.name in seen:
                raise InvalidArgument(f"two SLA policies are named {policy.name!r}")
            seen.add(policy.name)
        self._policies: Final = chosen
        # The fractions of a target every clock announces with an event whatever its
        # policy: the breach, and the warnings all policies share (the escalation
        # policy reads those from the history instead of the calendar).
        announced = frozenset({1.0})
        if chosen:
            announced |= frozenset.intersection(*(frozenset(p.warnings) for p in chosen))
        self._announced: Final = announced

    @property
    def policies(self) -> tuple[SLAPolicy, ...]:
        """The policies, in matching order."""
        return self._policies

    def __iter__(self) -> Iterator[SLAPolicy]:
        return iter(self._policies)

    def __len__(self) -> int:
        return len(self._policies)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SLAPolicySet):
            return NotImplemented
        return self._policies == other._policies

    def __hash__(self) -> int:
        return hash(tuple(p.name for p in self._policies))

    def __repr__(self) -> str:
        return f"SLAPolicySet({[p.name for p in self._policies]!r})"

    def policy(self, name: str) -> SLAPolicy:
        """The policy named ``name`` (:class:`UnknownName` otherwise)."""
        for policy in self._policies:
            if policy.name == name:
                return policy
        known = ", ".join(p.name for p in self._policies) or "none"
        raise UnknownName(f"no SLA policy named {name!r}; policies: {known}")

    def match(self, ticket: Ticket) -> SLAPolicy | None:
        """The first policy covering ``ticket``, or None."""
        return self._match_fields(_fields(ticket))

    def _match_fields(self, fields: _Fields) -> SLAPolicy | None:
        for policy in self._policies:
            if policy.conditions.matches_fields(*fields):
                return policy
        return None

    def attach(self, ticket: Ticket) -> SLAState:
        """Start the SLA state of a ticket that was just opened (its clocks start then)."""
        return SLAState(self, ticket)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (type ``"sla_policy_set"``, schema 1)."""
        return {
            "type": "sla_policy_set",
            "schema": 1,
            "policies": [policy.to_dict() for policy in self._policies],
        }

    @classmethod
    def from_dict(cls, data: object) -> SLAPolicySet:
        """Rebuild a policy set; bad data raises :class:`SchemaError` naming the field."""
        reader = _SET_MIGRATIONS.upgrade(data)
        base = reader.at("policies")
        policies = [
            SLAPolicy.from_dict(item, f"{base}[{index}]")
            for index, item in enumerate(reader.array("policies"))
        ]
        try:
            return cls(policies)
        except SupportflowError as error:
            raise bad_document("policies", error) from None


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

    def _pause(self, at: int) -> None:
        run = self._run
        if run is not None:
            length = self._conf.calendar.between_us(run, at)
            self._past = (*self._past, run, at, length)
            self._elapsed += length
            self._run = None
        self.state = _PAUSED
        self._due = _UNKNOWN

    def _resume(self, at: int) -> None:
        self._run = at
        self.state = _ACTIVE
        self._due = _UNKNOWN

    def _stop(self, at: int, state: ClockState) -> None:
        # The last active stretch is measured lazily (see elapsed_us): no calendar call here.
        # Its end is the stop instant when the clock ran then (see _end).
        self.state = state
        self.stopped_us = at
        self._due = _UNKNOWN

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
        self._due = _UNKNOWN

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


def _amount(fraction: float, target_us: int) -> int:
    return max(1, math.ceil(fraction * target_us))


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
    }
)


class Ticket(Protocol):
    """What the SLA state reads of its ticket, the fields policy conditions match and
    the ticket's own record of its cycles (the ticket aggregate provides them; the
    SLA package never imports it)."""

    @property
    def _created_us(self) -> int: ...
    @property
    def _status(self) -> TicketStatus: ...
    @property
    def _topic(self) -> Topic: ...
    @property
    def _channel(self) -> Channel: ...
    @property
    def _priority(self) -> Priority: ...
    @property
    def _segment(self) -> str | None: ...
    @property
    def _tags(self) -> frozenset[str]: ...
    @property
    def _cycles(self) -> tuple[int, ...]: ...
    @property
    def _history(self) -> Sequence[Event]: ...


# --- the state attached to a ticket ----------------------------------------------------

_Fields = tuple[Domain, Topic, Channel, Priority, "str | None", frozenset[str]]


def _fields(ticket: Ticket) -> _Fields:
    # The ticket's slots, read directly: this runs on every event that may change one.
    topic = ticket._topic
    return (
        topic.domain,
        topic,
        ticket._channel,
        ticket._priority,
        ticket._segment,
        ticket._tags,
    )


class SLAState:
    """The SLA side of one ticket: the matched policy and every clock cycle.

    Created by :meth:`SLAPolicySet.attach` when the ticket opens and then driven by
    the ticket's events (:meth:`observe`); it is derived data, so replaying a
    ticket's history with the same policy set rebuilds an equal state.
    """

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
        self._fields = _fields(ticket)
        self._status = ticket._status
        self._clocks: list[SLAClock] = []
        # The current (latest) cycle of each metric, indexed like _METRICS.
        self._current: list[SLAClock | None] = [None] * len(_METRICS)
        self._first_open = True
        self._awaiting = False
        # (stamp, metric, amount) of the last mark recorded: marks recorded together
        # come in that order (see due_events), and a load checks it.
        self._last_key: tuple[int, int, int] = (_UNKNOWN, 0, 0)
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
        policy = policies._match_fields(self._fields)
        self._policy = policy
        self._matches: list[tuple[int, str | None]] = [
            (at, None if policy is None else policy.name)
        ]
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
        return tuple((to_datetime(at), name) for at, name in self._matches)

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
                self._next = _UNKNOWN
                old_priority = self._fields[3]
                self._fields = fields
                self._rematch(at, priority_changed=fields[3] is not old_priority)
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
        what = f"{event.name} of {event.metric.value} cycle {event.cycle}" + (
            "" if threshold is None else f" at {threshold:.0%}"
        )
        clock = self._current[_METRIC_ORDER[event.metric]]
        if (
            clock is None
            or clock.cycle != event.cycle
            or clock.policy != event.policy
            or not clock.running
        ):
            raise InvalidArgument(
                f"{what} (policy {event.policy!r}) at {format_instant(at)}: no such clock "
                "runs then under the SLA policies given"
            )
        if threshold is None:
            if clock.breached:
                raise InvalidArgument(f"{what} at {format_instant(at)}: already breached")
            amount = clock.target_us
            earlier = clock.warnings
        else:
            if threshold not in clock.warnings or threshold in clock.warned:
                raise InvalidArgument(
                    f"{what} at {format_instant(at)}: not a warning still to announce "
                    f"(the clock warns at {', '.join(f'{w:.0%}' for w in clock.warnings)})"
                )
            amount = clock._amounts[clock.warnings.index(threshold)]
            earlier = tuple(w for w in clock.warnings if w < threshold)
        # A clock reaches its thresholds in order, and the catch-up records each one.
        skipped = [w for w in earlier if w not in clock.warned]
        if skipped and not clock.breached:
            raise InvalidArgument(
                f"{what} at {format_instant(at)}: the warning at {skipped[0]:.0%} comes "
                "first and is not recorded"
            )
        stamp = clock._stamp(amount)
        if stamp is None:
            raise InvalidArgument(
                f"{what} at {format_instant(at)}: the clock does not reach it then"
            )
        expected = stamp if stamp > self._last_us else self._last_us
        if expected != at:
            raise InvalidArgument(
                f"{what} is stamped {format_instant(at)} but the SLA clocks reached it at "
                f"{format_instant(expected)}"
            )
        key = (stamp, _METRIC_ORDER[event.metric], amount)
        if follows_mark and key <= self._last_key:
            raise InvalidArgument(
                f"{what} at {format_instant(at)} comes after the SLA event it follows: marks "
                "recorded together come in the order the clocks reach them, by metric"
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
                clock._due = _UNKNOWN
                if memo is not None and memo[0] is clock and clock._first_pending() == memo[1]:
                    clock._due = memo[2]  # computed by due_events just before
                self._next = _UNKNOWN
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
        self._next = _UNKNOWN
        if not paused:
            # The clock's lower bound, inline: its first threshold in wall time.
            amounts = spec.amounts
            bound = at + (amounts[0] if amounts else spec.target_us)
            if bound < self._horizon:
                self._horizon = bound

    def _lower_horizon(self, clock: SLAClock) -> None:
        """Keep the horizon a lower bound after ``clock`` started or moved."""
        bound = clock._lower_bound()
        if bound < self._horizon:
            self._horizon = bound

    def _end_running(self, at: int, ends: tuple[tuple[int, ClockState], ...]) -> None:
        """Stop the current clock of each (metric index, end state) of ``ends``, if it
        runs, in that state."""
        current = self._current
        for index, end in ends:
            clock = current[index]
            if clock is not None:
                state = clock.state
                if state is _ACTIVE or state is _PAUSED:
                    clock._stop(at, end)
                    self._next = _UNKNOWN

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
        for index, clock in enumerate(self._current):
            if clock is None:
                continue
            spec = row[index]
            if spec is None:
                continue
            state = clock.state
            if state is _ACTIVE:
                if status in spec.pauses:
                    clock._pause(at)
                    self._lower_horizon(clock)
                    self._next = _UNKNOWN
            elif state is _PAUSED and status not in spec.pauses:
                clock._resume(at)
                self._lower_horizon(clock)
                self._next = _UNKNOWN

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

    def _rematch(self, at: int, *, priority_changed: bool) -> None:
        policy = self._policies._match_fields(self._fields)
        if policy is self._policy and not priority_changed:
            return
        if policy is not self._policy:
            self._policy = policy
            self._matches.append((at, None if policy is None else policy.name))
        row = _NO_ROW if policy is None else policy._rows[self._fields[3]]
        self._row = row
        self._horizon = _UNKNOWN
        for index, spec in enumerate(row):
            clock = self._current[index]
            if clock is not None and clock.running:
                if spec is None:
                    clock._stop(at, _CANCELLED)
                else:
                    assert policy is not None
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

    # -- equality and documents -------------------------------------------------

    def _key(self) -> tuple[object, ...]:
        return (
            self._policies,
            None if self._policy is None else self._policy.name,
            self._matches,
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
        """The clock snapshot stored inside a ticket document (JSON-safe)."""
        return {
            "policy": None if self._policy is None else self._policy.name,
            "matches": [{"at": format_instant(at), "policy": name} for at, name in self._matches],
            "clocks": [_clock_dict(clock) for clock in self._clocks],
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
        for key in ("policy", "matches", "clocks"):
            if reader.raw(key) != expected[key]:
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


_NO_ROW: Final[tuple[_Spec | None, ...]] = (None,) * len(_METRICS)


def _mistyped(stored: Any, expected: Any, path: str) -> tuple[tuple[Any, Any], str] | None:
    """The first place where an SLA snapshot equal to the expected one differs in type
    (``==`` takes ``True`` for ``1``): ((stored, expected), path), or None.

    Only numbers and booleans can be equal across types, and the snapshot holds them
    as the scalars of each clock and of its stretches (warning fractions lie strictly
    between 0 and 1, so a whole number never equals one).
    """
    for index, (clock, want) in enumerate(zip(stored["clocks"], expected["clocks"], strict=True)):
        for key, value in want.items():
            found = clock[key]
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


def _clock_dict(clock: SLAClock) -> dict[str, Any]:
    past = clock._past
    return {
        "metric": clock.metric.value,
        "cycle": clock.cycle,
        "policy": clock.policy,
        "state": clock.state.value,
        "breached": clock.breached,
        "start": format_instant(clock.start_us),
        "target_us": clock.target_us,
        "warnings": list(clock.warnings),
        "warned": list(clock.warned),
        "stopped": None if clock.stopped_us is None else format_instant(clock.stopped_us),
        "stretches": [
            {
                "start": format_instant(past[i]),
                "end": format_instant(past[i + 1]),
                "elapsed_us": past[i + 2],
            }
            for i in range(0, len(past), 3)
        ],
        "elapsed_us": clock._elapsed,
        "running_since": None if clock._run is None else format_instant(clock._run),
        "running_until": None if clock._end is None else format_instant(clock._end),
        "retargeted": format_instant(clock._floor),
        "elapsed_at_retarget_us": clock._floor_elapsed,
    }
