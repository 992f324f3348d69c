"""SLA policies: which tickets a policy covers, its calendar and targets, and the
ordered policy set whose first match applies (DESIGN.md section 2.2)."""

from __future__ import annotations

import datetime as _dt
import enum
import math
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol

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
from .._kernel._fields import require_member
from .._kernel._serde import Migrations, Reader, bad_document, shown
from .._kernel._time import (
    duration_us,
    instant_us,
    to_duration,
)
from .._vocabulary._taxonomy import Channel, Domain, Priority, TicketStatus, Topic

if TYPE_CHECKING:
    from ._state import SLAState

__all__ = [
    "DEFAULT_PAUSES",
    "DEFAULT_WARNINGS",
    "MAX_TARGET_DAYS",
    "MAX_TARGET_US",
    "ClockState",
    "Metric",
    "SLAConditions",
    "SLAPolicy",
    "SLAPolicySet",
    "SLATarget",
    "TargetKind",
    "Ticket",
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
    return require_member(Metric, value, "metric")


def _enum_set(enum_type: type[enum.StrEnum], what: str) -> Callable[[object], frozenset[Any]]:
    def convert(values: object) -> frozenset[Any]:
        if isinstance(values, str):
            values = (values,)
        if not isinstance(values, Iterable):
            raise InvalidType(f"{what} must be a collection, got {type(values).__name__}")
        out = set()
        for value in values:
            out.add(require_member(enum_type, value, what))
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


def _amount(fraction: float, target_us: int) -> int:
    return max(1, math.ceil(fraction * target_us))


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
_DAY_US: Final = 86_400 * 1_000_000


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


class TargetKind(enum.StrEnum):
    """How an SLA target sets its deadline (see docs/sla.md, "Targets in business days")."""

    DURATION = "duration"
    BUSINESS_DAYS = "business_days"
    END_OF_BUSINESS_DAY = "end_of_business_day"


#: The most business days a day-based target may count (a year of working days).
MAX_TARGET_DAYS: Final = 365


def _optional_duration(value: object) -> int | None:
    return None if value is None else _positive_duration(value)


def _day_count(value: object, kind: TargetKind) -> int:
    lowest = 1 if kind is TargetKind.BUSINESS_DAYS else 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(
            f"{kind.value} must be a whole number of business days, got {shown(value)}"
        )
    if not lowest <= value <= MAX_TARGET_DAYS:
        raise InvalidArgument(
            f"{kind.value} must be between {lowest} and {MAX_TARGET_DAYS} business days, "
            f"got {value!r}"
        )
    return value


_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def _local(us: int, zone: zoneinfo.ZoneInfo) -> _dt.datetime:
    return (_EPOCH + _dt.timedelta(microseconds=us)).astimezone(zone)


def _local_instant(zone: zoneinfo.ZoneInfo, day: _dt.date, time: _dt.time) -> int:
    """UTC microseconds of a local wall-clock time (fold=0, as the calendars read hours)."""
    wall = _dt.datetime.combine(day, time.replace(fold=0), tzinfo=zone)
    return instant_us(wall, "deadline")


def _end_of_day(calendar: BusinessCalendar, zone: zoneinfo.ZoneInfo, day: _dt.date) -> int:
    """The last closing of a local date: its working time ends there (a stretch running
    past midnight counts up to the next local midnight only)."""
    midnight = _local_instant(zone, day + _dt.timedelta(days=1), _dt.time())
    if calendar.is_open_us(midnight - 1):
        return midnight
    return calendar.previous_closing_us(midnight)


@attrs.frozen
class SLATarget:
    """One target: how long a metric may run, optionally on its own calendar.

    ``duration_us`` accepts a ``timedelta``/``pendulum.Duration`` (or int
    microseconds) and must be positive (:class:`InvalidArgument` otherwise).
    ``calendar`` overrides the policy's calendar for this target. Targets counted in
    business days are built with :meth:`business_days` and
    :meth:`end_of_business_day`; they resolve to business time when a clock starts.
    """

    duration_us: int | None = attrs.field(converter=_optional_duration)
    calendar: BusinessCalendar | None = None
    kind: TargetKind = attrs.field(default=TargetKind.DURATION, kw_only=True)
    days: int = attrs.field(default=0, kw_only=True)

    def __attrs_post_init__(self) -> None:
        kind = require_member(TargetKind, self.kind, "target kind")
        object.__setattr__(self, "kind", kind)
        if kind is TargetKind.DURATION:
            if self.duration_us is None:
                raise InvalidType("an SLA target must be a positive duration, got None")
            if self.days != 0:
                raise InvalidArgument("a duration target needs a duration and no days")
            return
        if self.duration_us is not None:
            raise InvalidArgument(f"a {kind.value} target counts days, it takes no duration")
        _day_count(self.days, kind)
        if self.calendar is not None:
            _check_day_calendar(self.calendar)

    @classmethod
    def business_days(cls, days: int, calendar: BusinessCalendar | None = None) -> SLATarget:
        """Due ``days`` business days (1 to 365) after the clock's first working
        instant, at that instant's local time of day (a start outside working hours
        counts from the next opening)."""
        return cls(None, calendar, kind=TargetKind.BUSINESS_DAYS, days=days)

    @classmethod
    def end_of_business_day(
        cls, days: int = 1, calendar: BusinessCalendar | None = None
    ) -> SLATarget:
        """Due at the last closing of the ``days``-th business day after the start's
        local date (0 to 365; 0: the start's own business day, or the next one when its
        working time is over)."""
        return cls(None, calendar, kind=TargetKind.END_OF_BUSINESS_DAY, days=days)

    @property
    def duration(self) -> pendulum.Duration | None:
        """The target as a duration of business time (None for a day-based target)."""
        return None if self.duration_us is None else to_duration(self.duration_us)

    def _target_us(self, start_us: int, calendar: BusinessCalendar) -> int:
        """Business microseconds from ``start_us`` to this target's deadline on
        ``calendar``; always positive (docs/sla.md, "Targets in business days")."""
        if self.duration_us is not None:
            return self.duration_us
        zone = zoneinfo.ZoneInfo(calendar.timezone)
        if self.kind is TargetKind.BUSINESS_DAYS:
            # Counted from the clock's first working instant, at its local time of day.
            first = calendar.next_opening_us(start_us)
            local = _local(first, zone)
            day = calendar.add_business_days(local.date(), self.days)
            return calendar.between_us(start_us, _local_instant(zone, day, local.time()))
        start_day = _local(start_us, zone).date()
        day = calendar.add_business_days(start_day, self.days)
        if not calendar.is_business_day(day):  # zero days from a non-business day
            day = calendar.next_business_day(day)
        found = calendar.between_us(start_us, _end_of_day(calendar, zone, day))
        if found > 0:
            return found
        # Zero days after the start's working time is over: the next business day's end.
        day = calendar.next_business_day(day)
        return calendar.between_us(start_us, _end_of_day(calendar, zone, day))

    def _to_row(self) -> dict[str, Any]:
        if self.duration_us is not None:
            return {"target_us": self.duration_us}
        return {self.kind.value: self.days}


def _check_day_calendar(calendar: BusinessCalendar) -> None:
    if calendar.parts is not None:
        raise InvalidArgument(
            "a target in business days needs a calendar with its own business days, "
            f"not a combined one ({calendar.parts[0]})"
        )


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
    """What a clock of one metric needs under one policy and priority (precomputed;
    a day-based target's is resolved per clock start by :meth:`_at`)."""

    target_us: int
    calendar: BusinessCalendar
    amounts: tuple[int, ...]  # warning thresholds in business microseconds
    pauses: tuple[TicketStatus, ...]
    conf: _ClockConf
    target: SLATarget | None = None  # set for a target in business days only

    def _at(self, start_us: int) -> _Spec:
        """The spec of a clock of this target in business days that starts at
        ``start_us`` (callers skip duration targets, whose spec is final)."""
        target = self.target
        assert target is not None
        conf = self.conf
        target_us = target._target_us(start_us, self.calendar)
        amounts = tuple(_amount(f, target_us) for f in conf.warnings)
        clock_conf = _ClockConf(
            conf.metric, target_us, self.calendar, conf.warnings, conf.policy, amounts
        )
        return _Spec(target_us, self.calendar, amounts, self.pauses, clock_conf)


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
    _table: dict[tuple[Metric, Priority], tuple[SLATarget, BusinessCalendar]] = attrs.field(
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
            (metric, priority): (target, target.calendar or self.calendar)
            for metric, priority, target in self.targets
        }
        for target, calendar in table.values():
            if target.duration_us is None:
                _check_day_calendar(calendar)
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
                target, calendar = found
                pauses = tuple(self._pause_table[metric])
                if target.duration_us is None:
                    # Resolved when each clock starts: a nominal one-day spec until then.
                    nominal = _ClockConf(metric, _DAY_US, calendar, self.warnings, self.name)
                    spec = _Spec(_DAY_US, calendar, nominal.amounts, pauses, nominal, target)
                    row.append(spec)
                    continue
                target_us = target.duration_us
                amounts = tuple(_amount(f, target_us) for f in self.warnings)
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
                    **target._to_row(),
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
            target = _read_target(row, None if cal is None else _read_calendar(cal))
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


# The keys a document's target row may set its deadline with, one per row.
_TARGET_KEYS: Final = (
    "target_us",
    TargetKind.BUSINESS_DAYS.value,
    TargetKind.END_OF_BUSINESS_DAY.value,
)


def _read_target(row: Reader, calendar: BusinessCalendar | None) -> SLATarget:
    given = [key for key in _TARGET_KEYS if row.has(key)]
    if len(given) != 1:
        raise SchemaError(
            row.path,
            f"a target needs exactly one of {', '.join(_TARGET_KEYS)}, got {given or 'none'}",
        )
    key = given[0]
    value = row.integer(key)
    try:
        if key == "target_us":
            return SLATarget(value, calendar)
        return SLATarget(None, calendar, kind=TargetKind(key), days=value)
    except SupportflowError as error:
        raise bad_document(row.at(key), error) from None


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
    Policy names must be unique (:class:`InvalidArgument`). ``version`` names this
    edition of the set (say ``"2026-12"``) when it is kept with the others in an
    :class:`SLAPolicyVersions`; a set on its own needs none.
    """

    __slots__ = ("_announced", "_matched_fields", "_policies", "_version")

    def __init__(self, policies: Iterable[SLAPolicy], *, version: str | None = None) -> None:
        chosen = tuple(policies)
        seen: set[str] = set()
        for policy in chosen:
            if not isinstance(policy, SLAPolicy):
                raise InvalidType(f"expected SLAPolicy objects, got {type(policy).__name__}")
            if policy.name in seen:
                raise InvalidArgument(f"two SLA policies are named {policy.name!r}")
            seen.add(policy.name)
        version = check_version(version)
        self._policies: Final = chosen
        self._version: Final = version
        # The fractions of a target every clock announces with an event whatever its
        # policy: the breach, and the warnings all policies share (the escalation
        # policy reads those from the history instead of the calendar).
        announced = frozenset({1.0})
        if chosen:
            announced |= frozenset.intersection(*(frozenset(p.warnings) for p in chosen))
        self._announced: Final = announced
        # fields -> (the same fields, their policy), see _matched.
        self._matched_fields: Final[dict[_Fields, tuple[_Fields, SLAPolicy | None]]] = {}

    @property
    def version(self) -> str | None:
        """The name of this edition of the set, or None (an unversioned set)."""
        return self._version

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
        return self._version == other._version and self._policies == other._policies

    def __hash__(self) -> int:
        return hash((self._version, tuple(p.name for p in self._policies)))

    def __repr__(self) -> str:
        names = [p.name for p in self._policies]
        if self._version is None:
            return f"SLAPolicySet({names!r})"
        return f"SLAPolicySet({names!r}, version={self._version!r})"

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

    def _matched(self, fields: _Fields) -> tuple[_Fields, SLAPolicy | None]:
        """``fields`` (as one tuple shared by every ticket with those values, to keep
        tickets small) and the policy that covers them. The first
        ``_MATCHED_FIELDS`` combinations are kept; beyond, each is matched again."""
        known = self._matched_fields.get(fields)
        if known is not None:
            return known
        found = (fields, self._match_fields(fields))
        if len(self._matched_fields) < _MATCHED_FIELDS:
            self._matched_fields[fields] = found
        return found

    def _edition(self, version: object = LATEST) -> SLAPolicySet:
        """The set of ``version`` (:data:`LATEST`: the one new tickets open under):
        this set itself, if that is its version (:class:`UnknownName` otherwise)."""
        return single_edition(self, version, "SLA policy", "SLAPolicyVersions")

    def attach(self, ticket: Ticket) -> SLAState:
        """Start the SLA state of a ticket that was just opened (its clocks start then)."""
        return _state.SLAState(self, ticket)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (type ``"sla_policy_set"``, schema 1); ``"version"``
        only when the set has one."""
        data: dict[str, Any] = {"type": "sla_policy_set", "schema": 1}
        if self._version is not None:
            data["version"] = self._version
        data["policies"] = [policy.to_dict() for policy in self._policies]
        return data

    @classmethod
    def from_dict(cls, data: object) -> SLAPolicySet:
        """Rebuild a policy set; bad data raises :class:`SchemaError` naming the field."""
        reader = _SET_MIGRATIONS.upgrade(data)
        base = reader.at("policies")
        policies = [
            SLAPolicy.from_dict(item, f"{base}[{index}]")
            for index, item in enumerate(reader.array("policies"))
        ]
        version = reader.opt_text("version") if reader.has("version") else None
        try:
            return cls(policies, version=version)
        except SupportflowError as error:
            where = reader.at("version") if getattr(error, "field", None) == "version" else base
            raise bad_document(where, error) from None


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


_Fields = tuple[Domain, Topic, Channel, Priority, "str | None", frozenset[str]]
# How many combinations of the fields above a policy set remembers (see _matched).
_MATCHED_FIELDS: Final = 4_096


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


# The state module builds on this one, so it is imported last (a function-level import
# would cost every ticket opened a microsecond).
from . import _state  # noqa: E402
