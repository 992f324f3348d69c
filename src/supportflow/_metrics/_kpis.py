"""Support KPIs computed from the objects themselves, and the report that groups them.

Every KPI is a pure function over iterables of tickets, survey responses or customers
and a period ``[start, end)`` (aware datetimes; ``start`` included, ``end`` excluded,
so consecutive periods never count a thing twice). A KPI with nothing to measure is
None, never a division error. Percentages are floats in [0, 100] (NPS in
[-100, 100]); durations are :class:`DurationStats` on integer microseconds.

Inputs are duck-typed so the module stays decoupled from where objects come from:
a ticket needs ``id``, ``history`` (events with ``name`` and ``at_us``),
``first_contact_resolution`` and the fields a ``group_by`` reads; a survey response
needs ``kind``, ``score``, ``scale_min``, ``scale_max``, ``method``, ``at_us`` (and
``ticket_id``/``channel`` for grouping); a customer needs ``phase_at_us``.
See ``docs/measuring.md`` for every formula and the convention it follows.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Protocol

import attrs
import pendulum

from .._kernel._errors import InvalidArgument, InvalidType
from .._kernel._time import (
    format_duration,
    format_instant,
    instant_us,
    readable_instant,
    to_datetime,
)
from .._kernel._time import to_duration as _to_duration
from .._tickets._ticket import TICKET_LIFECYCLE

__all__ = [
    "CESResult",
    "Dimension",
    "DurationStats",
    "KPIRow",
    "NPSCounts",
    "Ratio",
    "Report",
    "ReportTable",
    "TicketMilestones",
    "backlog",
    "churn_rate",
    "csat",
    "customer_effort_score",
    "escalation_rate",
    "first_contact_resolution",
    "first_reply_times",
    "kpi_report",
    "nps",
    "reopen_rate",
    "resolution_times",
    "retention_rate",
    "sla_compliance",
    "sla_outcomes",
    "ticket_milestones",
]

_CLOSED_STATUSES: Final = frozenset({"solved", "closed"})
# Customer phases counted as "a customer" for churn and retention (prospects still
# learning are not customers yet; churned ones are not any more).
_ACTIVE_PHASES: Final = frozenset({"buying", "using"})


class Dimension(enum.StrEnum):
    """What a report can group by (several at once give one row per combination)."""

    CHANNEL = "channel"
    DOMAIN = "domain"
    TOPIC = "topic"
    PRIORITY = "priority"
    TIER = "tier"
    TEAM = "team"
    AGENT = "agent"
    POLICY = "policy"
    SEGMENT = "segment"


# -- value objects -----------------------------------------------------------------


@attrs.frozen
class Ratio:
    """``numerator`` out of ``denominator``; :attr:`percent` is None when nothing was counted."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        """``100 * numerator / denominator``, or None for an empty denominator."""
        if self.denominator == 0:
            return None
        return 100.0 * self.numerator / self.denominator

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.numerator + other.numerator, self.denominator + other.denominator)

    def to_dict(self) -> dict[str, Any]:
        """``{"numerator", "denominator", "percent"}``."""
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "percent": self.percent,
        }


@attrs.frozen
class NPSCounts:
    """Promoters (9-10), passives (7-8) and detractors (0-6) among NPS answers."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def responses(self) -> int:
        """How many answers were counted."""
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """% promoters minus % detractors, in [-100, 100]; None without answers."""
        total = self.responses
        if total == 0:
            return None
        return 100.0 * (self.promoters - self.detractors) / total

    def to_dict(self) -> dict[str, Any]:
        """Counts and score."""
        return {
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
            "score": self.score,
        }


@attrs.frozen(kw_only=True)
class CESResult:
    """Customer Effort Score: the mean answer, with the scale and method it was asked on."""

    method: str
    scale_min: int
    scale_max: int
    responses: int
    total: int

    @property
    def mean(self) -> float:
        """The mean score (``total / responses``)."""
        return self.total / self.responses

    def to_dict(self) -> dict[str, Any]:
        """Method, scale, count and mean."""
        return {
            "method": self.method,
            "scale_min": self.scale_min,
            "scale_max": self.scale_max,
            "responses": self.responses,
            "mean": self.mean,
        }


@attrs.frozen(kw_only=True)
class DurationStats:
    """Count, mean, median and 90th percentile of durations, in microseconds.

    The mean is rounded half up to the microsecond; the median is the middle value
    (the mean of the two middle values for an even count, rounded half up); the
    90th percentile uses the nearest-rank method: the smallest value with at least
    90 % of the values at or below it, ``sorted[ceil(0.9 * n) - 1]``. Empty: count 0,
    the rest None.
    """

    count: int = 0
    mean_us: int | None = attrs.field(default=None, repr=format_duration)
    median_us: int | None = attrs.field(default=None, repr=format_duration)
    p90_us: int | None = attrs.field(default=None, repr=format_duration)

    @classmethod
    def of(cls, values_us: Iterable[int]) -> DurationStats:
        """The statistics of a collection of durations (integer microseconds)."""
        ordered = sorted(values_us)
        n = len(ordered)
        if n == 0:
            return cls()
        total = sum(ordered)
        mid = n // 2
        median = ordered[mid] if n % 2 else _half_up(ordered[mid - 1] + ordered[mid], 2)
        return cls(
            count=n,
            mean_us=_half_up(total, n),
            median_us=median,
            p90_us=ordered[math.ceil(0.9 * n) - 1],
        )

    @property
    def mean(self) -> pendulum.Duration | None:
        """The mean as a ``pendulum.Duration``."""
        return None if self.mean_us is None else _to_duration(self.mean_us)

    @property
    def median(self) -> pendulum.Duration | None:
        """The median as a ``pendulum.Duration``."""
        return None if self.median_us is None else _to_duration(self.median_us)

    @property
    def p90(self) -> pendulum.Duration | None:
        """The 90th percentile (nearest rank) as a ``pendulum.Duration``."""
        return None if self.p90_us is None else _to_duration(self.p90_us)

    def to_dict(self) -> dict[str, Any]:
        """``count``, ``mean_us``, ``median_us``, ``p90_us``."""
        return {
            "count": self.count,
            "mean_us": self.mean_us,
            "median_us": self.median_us,
            "p90_us": self.p90_us,
        }


def _half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, in exact integer arithmetic."""
    return (2 * numerator + denominator) // (2 * denominator)


# -- what a ticket's history says ---------------------------------------------------


@attrs.frozen(kw_only=True)
class TicketMilestones:
    """The instants a KPI needs, read once from a ticket's history (integer microseconds).

    ``statuses`` lists each status change as ``(at_us, new status value)``;
    ``breaches_us`` the SLA breaches (their instant is the deadline);
    ``escalations_us`` the functional escalations (``escalated`` events).
    """

    ticket_id: str
    created_us: int
    first_reply_us: int | None
    solves_us: tuple[int, ...]
    reopens_us: tuple[int, ...]
    closes_us: tuple[int, ...]
    breaches_us: tuple[int, ...]
    escalations_us: tuple[int, ...]
    statuses: tuple[tuple[int, str], ...]

    def status_at(self, us: int) -> str | None:
        """The ticket's status value at an instant (None before it was created)."""
        if us < self.created_us:
            return None
        status = "new"
        for at, value in self.statuses:
            if at > us:
                break
            status = value
        return status

    def open_at(self, us: int) -> bool:
        """Whether the ticket is in the backlog at ``us``: created and not solved or closed."""
        status = self.status_at(us)
        return status is not None and status not in _CLOSED_STATUSES


def _value(x: object) -> str:
    return str(getattr(x, "value", x))


# Ticket events that move the ticket along its lifecycle, by stable name -> trigger.
_TRIGGERS: Final[Mapping[str, str]] = {
    "ticket_replied": "reply",
    "ticket_customer_messaged": "customer_message",
    "ticket_solved": "solve",
}


def ticket_milestones(ticket: Any) -> TicketMilestones:
    """Read a ticket's history once: creation, first public reply, solves, reopens...

    Events are recognised by their stable ``name``; statuses are followed through the
    ticket lifecycle table (the same one the ticket uses), so ``statuses`` holds every
    status change, implicit ones (a reply opening a new ticket) included. A customer
    message on a solved ticket is a reopen; ``sla_breached`` and ``ticket_escalated`` events
    (from the SLA and escalation modules) are breaches and functional escalations.
    """
    history = ticket.history
    if not history:
        raise InvalidArgument(f"ticket {ticket.id} has an empty history")
    object_id = ticket.id
    # The history was checked when the ticket recorded or loaded it (guards included).
    target = TICKET_LIFECYCLE.destination
    status = TICKET_LIFECYCLE.initial
    first_reply: int | None = None
    solves: list[int] = []
    closes: list[int] = []
    breaches: list[int] = []
    escalations: list[int] = []
    statuses: list[tuple[int, str]] = []
    for event in history[1:]:
        name = event.name
        trigger = _TRIGGERS.get(name)
        if trigger is not None:
            new = target(object_id, status, trigger)
            if name == "ticket_replied":
                if first_reply is None:
                    first_reply = event.at_us
            elif name == "ticket_solved":
                solves.append(event.at_us)
        elif name == "ticket_status_changed":
            new = _value(event.to_status)
            if new == "closed":
                closes.append(event.at_us)
        else:
            if name == "sla_breached":
                breaches.append(event.at_us)
            elif name == "ticket_escalated":
                escalations.append(event.at_us)
            continue
        if new != status:
            statuses.append((event.at_us, new))
            status = new
    return TicketMilestones(
        ticket_id=object_id,
        created_us=history[0].at_us,
        first_reply_us=first_reply,
        solves_us=tuple(solves),
        reopens_us=ticket.reopens_us,  # the ticket's own record of its cycles
        closes_us=tuple(closes),
        breaches_us=tuple(breaches),
        escalations_us=tuple(escalations),
        statuses=tuple(statuses),
    )


class _Calendar(Protocol):
    def between_us(self, start_us: int, end_us: int) -> int: ...


def sla_outcomes(ticket: Any) -> list[tuple[str, int, bool]]:
    """``(metric, instant, met)`` for each SLA clock of a ticket that ended.

    A clock ends when it breached, at the instant of its ``sla_breached`` event (the
    deadline itself: ticket commands catch up due breaches before they apply, so a
    late reply still records its breach at the deadline), or, without a breach, when
    it was fulfilled. Cancelled clocks and running clocks within target have not
    ended. A ticket without SLA has no clocks.
    """
    state = getattr(ticket, "sla", None)
    if state is None:
        return []
    breach_at: dict[tuple[str, int], int] = {}
    for event in ticket.history:
        if event.name == "sla_breached":
            breach_at.setdefault((_value(event.metric), event.cycle), event.at_us)
    outcomes: list[tuple[str, int, bool]] = []
    for clock in state.clocks:
        metric = _value(clock.metric)
        at = breach_at.get((metric, clock.cycle))
        if at is not None:
            outcomes.append((metric, at, False))
        elif _value(clock.state) == "fulfilled" and clock.stopped_us is not None:
            outcomes.append((metric, clock.stopped_us, not clock.breached))
    return outcomes


# -- the facts of one ticket, once --------------------------------------------------


class _Facts:
    __slots__ = ("clocks", "fcr", "m", "ticket")

    def __init__(self, ticket: Any) -> None:
        self.ticket = ticket
        self.m = ticket_milestones(ticket)
        self.fcr = bool(ticket.first_contact_resolution)
        self.clocks = sla_outcomes(ticket)


class _Period:
    __slots__ = ("end", "start")

    def __init__(self, start: object, end: object) -> None:
        self.start = instant_us(start, "start")
        self.end = instant_us(end, "end")
        if self.end <= self.start:
            raise InvalidArgument(
                f"end ({format_instant(self.end)}) must be after start "
                f"({format_instant(self.start)})"
            )

    def __contains__(self, us: int | None) -> bool:
        return us is not None and self.start <= us < self.end


def _facts(tickets: Iterable[Any]) -> list[_Facts]:
    if isinstance(tickets, str | bytes):
        raise InvalidType("tickets must be an iterable of tickets, not a string")
    return [_Facts(t) for t in tickets]


# -- ticket KPIs (internal forms on facts) -------------------------------------------


def _fcr(facts: Sequence[_Facts], p: _Period) -> Ratio:
    solved = [f for f in facts if f.m.solves_us and f.m.solves_us[0] in p]
    return Ratio(sum(1 for f in solved if f.fcr), len(solved))


def _reopens(facts: Sequence[_Facts], p: _Period) -> Ratio:
    solved = [f for f in facts if f.m.solves_us and f.m.solves_us[0] in p]
    return Ratio(sum(1 for f in solved if f.m.reopens_us), len(solved))


def _escalations(facts: Sequence[_Facts], p: _Period) -> Ratio:
    created = [f for f in facts if f.m.created_us in p]
    return Ratio(sum(1 for f in created if f.m.escalations_us), len(created))


def _spans(
    facts: Sequence[_Facts], p: _Period, end_of: Callable[[TicketMilestones], int | None]
) -> list[tuple[int, int]]:
    spans = []
    for f in facts:
        end = end_of(f.m)
        if end is not None and end in p:
            spans.append((f.m.created_us, end))
    return spans


def _first_reply_end(m: TicketMilestones) -> int | None:
    return m.first_reply_us


def _first_solve_end(m: TicketMilestones) -> int | None:
    return m.solves_us[0] if m.solves_us else None


def _stats(spans: Iterable[tuple[int, int]], calendar: _Calendar | None) -> DurationStats:
    if calendar is None:
        return DurationStats.of(end - start for start, end in spans)
    between = calendar.between_us
    return DurationStats.of(between(start, end) for start, end in spans)


def _sla(facts: Sequence[_Facts], p: _Period) -> dict[str, Ratio]:
    met: dict[str, int] = {}
    ended: dict[str, int] = {}
    for f in facts:
        for metric, at, ok in f.clocks:
            if at in p:
                ended[metric] = ended.get(metric, 0) + 1
                met[metric] = met.get(metric, 0) + ok
    return {metric: Ratio(met[metric], ended[metric]) for metric in sorted(ended)}


def _backlog(facts: Sequence[_Facts], at: int) -> int:
    return sum(1 for f in facts if f.m.open_at(at))


# -- survey KPIs ----------------------------------------------------------------------


def _kind(response: Any) -> str:
    return _value(response.kind).lower()


def _in(responses: Iterable[Any], kind: str, p: _Period | None) -> list[Any]:
    if isinstance(responses, str | bytes):
        raise InvalidType("responses must be an iterable of survey responses, not a string")
    return [r for r in responses if _kind(r) == kind and (p is None or r.at_us in p)]


def _satisfied_from(response: Any, satisfied_from: int | None) -> int:
    if satisfied_from is not None:
        return satisfied_from
    low: int = response.scale_min
    high: int = response.scale_max
    # Top-two-box (4-5 on 1-5, 6-7 on 1-7, 9-10 on 1-10); top box on a 3-point scale.
    return high if high - low + 1 <= 3 else high - 1


def _csat(responses: Iterable[Any], p: _Period | None, satisfied_from: int | None) -> Ratio:
    found = _in(responses, "csat", p)
    happy = sum(1 for r in found if r.score >= _satisfied_from(r, satisfied_from))
    return Ratio(happy, len(found))


def _nps(responses: Iterable[Any], p: _Period | None) -> NPSCounts:
    promoters = passives = detractors = 0
    for r in _in(responses, "nps", p):
        if (r.scale_min, r.scale_max) != (0, 10):
            raise InvalidArgument(
                f"NPS answers are on 0-10; survey {getattr(r, 'survey_id', '?')} is on "
                f"{r.scale_min}-{r.scale_max}"
            )
        if r.score >= 9:
            promoters += 1
        elif r.score >= 7:
            passives += 1
        else:
            detractors += 1
    return NPSCounts(promoters, passives, detractors)


def _ces(responses: Iterable[Any], p: _Period | None) -> tuple[CESResult, ...]:
    groups: dict[tuple[str, int, int], list[int]] = {}
    for r in _in(responses, "ces", p):
        groups.setdefault((_value(r.method), r.scale_min, r.scale_max), []).append(r.score)
    return tuple(
        CESResult(method=method, scale_min=low, scale_max=high, responses=len(s), total=sum(s))
        for (method, low, high), s in sorted(groups.items())
    )


# -- customer KPIs --------------------------------------------------------------------


def _active(customer: Any, us: int) -> bool:
    phase = customer.phase_at_us(us)
    return phase is not None and _value(phase) in _ACTIVE_PHASES


def _churn(customers: Iterable[Any], p: _Period) -> tuple[Ratio, Ratio]:
    """(churn, retention): lost / S and (E - N) / S over the start cohort S."""
    if isinstance(customers, str | bytes):
        raise InvalidType("customers must be an iterable of customers, not a string")
    start = end = new = lost = 0
    # Both ends are read at their instants, changes at that instant included: the end
    # of one period is the start of the next, so a contract ending exactly at a period
    # boundary (midnight) is lost in the period it ends, and in no other.
    for customer in customers:
        at_start = _active(customer, p.start)
        at_end = _active(customer, p.end)
        start += at_start
        end += at_end
        new += at_end and not at_start
        lost += at_start and not at_end
    return Ratio(lost, start), Ratio(end - new, start)


# -- public KPI functions -------------------------------------------------------------


def first_contact_resolution(
    tickets: Iterable[Any], *, start: datetime, end: datetime
) -> float | None:
    """% of tickets first solved in the period that were resolved on first contact.

    First contact = solved with exactly one public agent reply and never reopened
    (the ticket's ``first_contact_resolution``, as it stands now).
    """
    return _fcr(_facts(tickets), _Period(start, end)).percent


def reopen_rate(tickets: Iterable[Any], *, start: datetime, end: datetime) -> float | None:
    """% of tickets first solved in the period that were reopened at least once (so far)."""
    return _reopens(_facts(tickets), _Period(start, end)).percent


def escalation_rate(tickets: Iterable[Any], *, start: datetime, end: datetime) -> float | None:
    """% of tickets created in the period with at least one functional escalation."""
    return _escalations(_facts(tickets), _Period(start, end)).percent


def first_reply_times(
    tickets: Iterable[Any],
    *,
    start: datetime,
    end: datetime,
    calendar: _Calendar | None = None,
) -> DurationStats:
    """Creation to first public agent reply, for first replies made in the period.

    Calendar time by default; business time on ``calendar`` (``between_us``) when given.
    """
    p = _Period(start, end)
    return _stats(_spans(_facts(tickets), p, _first_reply_end), calendar)


def resolution_times(
    tickets: Iterable[Any],
    *,
    start: datetime,
    end: datetime,
    calendar: _Calendar | None = None,
) -> DurationStats:
    """Creation to first solve, for tickets first solved in the period (see first replies)."""
    p = _Period(start, end)
    return _stats(_spans(_facts(tickets), p, _first_solve_end), calendar)


def sla_compliance(
    tickets: Iterable[Any], *, start: datetime, end: datetime
) -> dict[str, float | None]:
    """Per SLA metric: % of clocks that ended in the period without a breach.

    A clock ends when it is fulfilled, or at its breach (the deadline) when breached;
    cancelled clocks never count. Metrics with no clock ending in the period are absent.
    """
    return {m: r.percent for m, r in _sla(_facts(tickets), _Period(start, end)).items()}


def backlog(tickets: Iterable[Any], *, at: datetime) -> int:
    """How many tickets were created at or before ``at`` and not solved or closed at ``at``."""
    return _backlog(_facts(tickets), instant_us(at, "at"))


def csat(
    responses: Iterable[Any],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    satisfied_from: int | None = None,
) -> float | None:
    """CSAT: % of CSAT answers that are satisfied (4-5 on a 1-5 scale), in [0, 100].

    Other scales count their top two points (the top point on a 3-point scale);
    ``satisfied_from`` overrides the threshold. Without a period, every answer counts.
    """
    return _csat(responses, _optional_period(start, end), satisfied_from).percent


def nps(
    responses: Iterable[Any], *, start: datetime | None = None, end: datetime | None = None
) -> float | None:
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6), in [-100, 100]."""
    return _nps(responses, _optional_period(start, end)).score


def customer_effort_score(
    responses: Iterable[Any],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> CESResult | None:
    """CES: the mean answer, with its scale and method; None without answers.

    Means over different methods or scales do not mix: answers on more than one raise
    :class:`InvalidArgument` (filter them first, or read the report's per-method list).
    """
    found = _ces(responses, _optional_period(start, end))
    if not found:
        return None
    if len(found) > 1:
        kinds = ", ".join(f"{c.method} {c.scale_min}-{c.scale_max}" for c in found)
        raise InvalidArgument(f"CES answers use several methods or scales ({kinds}); filter them")
    return found[0]


def churn_rate(customers: Iterable[Any], *, start: datetime, end: datetime) -> float | None:
    """% of the customers active at ``start`` who are no longer active at ``end``.

    Active = phase buying or using (a churned customer won back within the period
    is still there at the end, so not lost). Both instants include the phase changes
    made at them: a customer churned exactly at ``end`` (a contract ending at
    midnight) is lost in this period, and is not in the next period's start cohort.
    """
    return _churn(customers, _Period(start, end))[0].percent


def retention_rate(customers: Iterable[Any], *, start: datetime, end: datetime) -> float | None:
    """Customer retention rate ``(E - N) / S x 100``.

    S customers active at the start, E at the end, N of those new in the period
    (active at the end, not at the start). Always ``100 - churn_rate``.
    """
    return _churn(customers, _Period(start, end))[1].percent


def _optional_period(start: datetime | None, end: datetime | None) -> _Period | None:
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise InvalidArgument("give both start and end, or neither")
    return _Period(start, end)


# -- the report -----------------------------------------------------------------------

GroupKey = tuple[tuple[str, str | None], ...]


@attrs.frozen(kw_only=True)
class KPIRow:
    """Every KPI for one group (or for everything, with an empty ``group``).

    Counts (``tickets_created``, ratios' numerators and denominators, answers,
    ``backlog``) add up across the rows of a report to the overall row. Business-time
    statistics are None when the report had no calendar; ``churn``/``retention`` are
    set on the overall row only (they describe the customer base, not tickets).
    """

    group: GroupKey
    tickets_created: int
    tickets_solved: int
    first_contact_resolution: Ratio
    reopens: Ratio
    escalations: Ratio
    csat: Ratio
    nps: NPSCounts
    ces: tuple[CESResult, ...]
    first_reply: DurationStats
    first_reply_business: DurationStats | None
    resolution: DurationStats
    resolution_business: DurationStats | None
    sla: Mapping[str, Ratio]
    backlog: int
    churn: Ratio | None = None
    retention: Ratio | None = None

    @property
    def label(self) -> str:
        """``channel=email, priority=high`` (``all`` for the overall row)."""
        if not self.group:
            return "all"
        return ", ".join(
            f"{dim}={'(none)' if value is None else value}" for dim, value in self.group
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (durations in ``*_us`` integer microseconds)."""
        return {
            "group": dict(self.group),
            "tickets_created": self.tickets_created,
            "tickets_solved": self.tickets_solved,
            "first_contact_resolution": self.first_contact_resolution.to_dict(),
            "reopens": self.reopens.to_dict(),
            "escalations": self.escalations.to_dict(),
            "csat": self.csat.to_dict(),
            "nps": self.nps.to_dict(),
            "ces": [c.to_dict() for c in self.ces],
            "first_reply": self.first_reply.to_dict(),
            "first_reply_business": _opt_dict(self.first_reply_business),
            "resolution": self.resolution.to_dict(),
            "resolution_business": _opt_dict(self.resolution_business),
            "sla": {metric: ratio.to_dict() for metric, ratio in self.sla.items()},
            "backlog": self.backlog,
            "churn": _opt_dict(self.churn),
            "retention": _opt_dict(self.retention),
        }


def _opt_dict(value: Any) -> Any:
    return None if value is None else value.to_dict()


@attrs.frozen(kw_only=True)
class Report:
    """KPIs over a period: an ``overall`` row and one row per group, in key order."""

    start_us: int
    end_us: int
    backlog_at_us: int
    group_by: tuple[Dimension, ...]
    calendar: str | None
    overall: KPIRow
    rows: tuple[KPIRow, ...]

    @property
    def start(self) -> pendulum.DateTime:
        """The first instant of the period."""
        return to_datetime(self.start_us)

    @property
    def end(self) -> pendulum.DateTime:
        """The instant the period ends (excluded)."""
        return to_datetime(self.end_us)

    def row(self, **group: str | None) -> KPIRow:
        """The row of one group: ``report.row(channel="email")`` (LookupError if absent)."""
        wanted = {str(k): v for k, v in group.items()}
        for row in self.rows:
            if dict(row.group) == wanted:
                return row
        raise LookupError(f"no row for {wanted} in this report")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (type ``kpi_report``, schema 1)."""
        return {
            "type": "kpi_report",
            "schema": 1,
            "start": format_instant(self.start_us),
            "end": format_instant(self.end_us),
            "backlog_at": format_instant(self.backlog_at_us),
            "group_by": [d.value for d in self.group_by],
            "calendar": self.calendar,
            "overall": self.overall.to_dict(),
            "rows": [row.to_dict() for row in self.rows],
        }

    @property
    def heading(self) -> str:
        """One line naming the groups and the window: ``Support KPIs by priority: ...``."""
        grouped = f" by {', '.join(d.value for d in self.group_by)}" if self.group_by else ""
        return f"Support KPIs{grouped}, {self.window}"

    @property
    def window(self) -> str:
        """The period in words: ``2026-03-02 00:00 UTC to 2026-04-01 00:00 UTC (end excluded)``."""
        return (
            f"{readable_instant(self.start_us)} to {readable_instant(self.end_us)} (end excluded)"
        )

    def tables(self) -> tuple[ReportTable, ...]:
        """The report as text tables (volume and quality, times, SLA), for any renderer."""
        return _tables(self)

    def notes(self) -> tuple[str, ...]:
        """Lines that follow the tables: survey-only groups, customer effort, customers."""
        return _notes(self)

    def summary(self) -> tuple[tuple[str, str], ...]:
        """``(label, value)`` of the overall row's headline KPIs, for side-by-side views."""
        return _summary(self)

    def render_text(self) -> str:
        """Plain text within 100 columns: the heading, :meth:`tables`, then :meth:`notes`."""
        out = [self.heading]
        for table in self.tables():
            out += ["", *table.lines()]
        notes = self.notes()
        if notes:
            out += ["", *notes]
        return "\n".join(out) + "\n"


def _dimensions(group_by: Dimension | str | Iterable[Dimension | str]) -> tuple[Dimension, ...]:
    items = [group_by] if isinstance(group_by, str) else list(group_by)
    dims: list[Dimension] = []
    for item in items:
        try:
            dim = Dimension(item)
        except ValueError:
            allowed = ", ".join(d.value for d in Dimension)
            raise InvalidArgument(f"cannot group by {item!r}; choose among {allowed}") from None
        if dim in dims:
            raise InvalidArgument(f"group_by names {dim.value} twice")
        dims.append(dim)
    return tuple(dims)


def _ticket_value(ticket: Any, dim: Dimension) -> str | None:
    if dim is Dimension.AGENT:
        value = ticket.assignee
    elif dim is Dimension.POLICY:
        state = getattr(ticket, "sla", None)
        policy = None if state is None else state.policy
        value = None if policy is None else policy.name
    else:
        value = getattr(ticket, dim.value)
    return None if value is None else _value(value)


def _response_value(response: Any, dim: Dimension, tickets: Mapping[str, Any]) -> str | None:
    ticket = tickets.get(getattr(response, "ticket_id", None) or "")
    if ticket is not None:
        return _ticket_value(ticket, dim)
    if dim is Dimension.CHANNEL:
        channel = getattr(response, "channel", None)
        return None if channel is None else _value(channel)
    return None


def _sort_key(key: GroupKey) -> tuple[tuple[int, str], ...]:
    # None ("no team", "no agent") sorts after every named group.
    return tuple((1, "") if value is None else (0, value) for _, value in key)


def kpi_report(
    tickets: Iterable[Any] = (),
    *,
    start: datetime,
    end: datetime,
    responses: Iterable[Any] = (),
    customers: Iterable[Any] = (),
    group_by: Dimension | str | Iterable[Dimension | str] = (),
    calendar: Any | None = None,
    backlog_at: datetime | None = None,
    satisfied_from: int | None = None,
) -> Report:
    """Every KPI over ``[start, end)``, overall and per group.

    ``group_by`` takes one or several of channel, domain, topic, priority, tier, team,
    agent (the current assignee), policy (the SLA policy that applies) and segment.
    A survey answer joins the group of its ticket when that ticket is among
    ``tickets`` (else only its channel is known). Backlog is counted at
    ``backlog_at`` (default: the end of the period). With a ``calendar``
    (a ``BusinessCalendar``), reply and resolution times are also given in business
    time. Churn and retention come from ``customers`` and sit on the overall row.
    """
    p = _Period(start, end)
    dims = _dimensions(group_by)
    facts = _facts(tickets)
    if isinstance(responses, str | bytes):
        raise InvalidType("responses must be an iterable of survey responses, not a string")
    answers = list(responses)
    at = p.end if backlog_at is None else instant_us(backlog_at, "backlog_at")
    churn, retention = _churn(customers, p)
    overall = _row((), facts, answers, p, calendar, at, satisfied_from)
    overall = attrs.evolve(overall, churn=churn, retention=retention)
    rows: list[KPIRow] = []
    if dims:
        by_id = {f.ticket.id: f.ticket for f in facts}
        ticket_groups: dict[GroupKey, list[_Facts]] = {}
        answer_groups: dict[GroupKey, list[Any]] = {}
        for f in facts:
            key = tuple((d.value, _ticket_value(f.ticket, d)) for d in dims)
            ticket_groups.setdefault(key, []).append(f)
        for r in answers:
            key = tuple((d.value, _response_value(r, d, by_id)) for d in dims)
            answer_groups.setdefault(key, []).append(r)
        keys = sorted(set(ticket_groups) | set(answer_groups), key=_sort_key)
        rows = [
            _row(
                key,
                ticket_groups.get(key, []),
                answer_groups.get(key, []),
                p,
                calendar,
                at,
                satisfied_from,
            )
            for key in keys
        ]
    return Report(
        start_us=p.start,
        end_us=p.end,
        backlog_at_us=at,
        group_by=dims,
        calendar=None if calendar is None else str(getattr(calendar, "timezone", calendar)),
        overall=overall,
        rows=tuple(rows),
    )


def _row(
    key: GroupKey,
    facts: Sequence[_Facts],
    answers: Sequence[Any],
    p: _Period,
    calendar: Any | None,
    backlog_at: int,
    satisfied_from: int | None,
) -> KPIRow:
    replies = _spans(facts, p, _first_reply_end)
    solves = _spans(facts, p, _first_solve_end)
    fcr = _fcr(facts, p)
    return KPIRow(
        group=key,
        tickets_created=sum(1 for f in facts if f.m.created_us in p),
        tickets_solved=fcr.denominator,
        first_contact_resolution=fcr,
        reopens=_reopens(facts, p),
        escalations=_escalations(facts, p),
        csat=_csat(answers, p, satisfied_from),
        nps=_nps(answers, p),
        ces=_ces(answers, p),
        first_reply=_stats(replies, None),
        first_reply_business=None if calendar is None else _stats(replies, calendar),
        resolution=_stats(solves, None),
        resolution_business=None if calendar is None else _stats(solves, calendar),
        sla=_sla(facts, p),
        backlog=_backlog(facts, backlog_at),
    )


# -- text rendering -------------------------------------------------------------------


@attrs.frozen
class ReportTable:
    """One table of a report in text: a title, column headers and rows of cells.

    The first column is a label (left-aligned); the others are figures (right-aligned).
    """

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def lines(self) -> list[str]:
        """The table as aligned plain-text lines: title, header, rule, rows."""
        widths = [
            max(len(h), *(len(row[i]) for row in self.rows)) for i, h in enumerate(self.headers)
        ]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()

        return [
            self.title,
            line(self.headers),
            "  ".join("-" * w for w in widths),
            *(line(row) for row in self.rows),
        ]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _has_tickets(row: KPIRow) -> bool:
    return bool(row.tickets_created or row.tickets_solved or row.backlog or row.first_reply.count)


def _durations(stats: DurationStats | None) -> list[str]:
    if stats is None:
        return ["-", "-", "-"]
    return [format_duration(v) for v in (stats.mean_us, stats.median_us, stats.p90_us)]


_VOLUME_HEADERS: Final = (
    "group",
    "created",
    "solved",
    "backlog",
    "FCR %",
    "reopen %",
    "escal. %",
    "CSAT %",
    "NPS",
)
_TIME_HEADERS: Final = (
    "group",
    "reply mean",
    "reply med",
    "reply p90",
    "resol. mean",
    "resol. med",
    "resol. p90",
)


def _tables(report: Report) -> tuple[ReportTable, ...]:
    rows = [*report.rows, report.overall]
    ticket_rows = [row for row in rows if row is report.overall or _has_tickets(row)]
    tables = [
        ReportTable(
            "Volume and quality (created and solved in the period; backlog at "
            f"{readable_instant(report.backlog_at_us)})",
            _VOLUME_HEADERS,
            tuple(
                (
                    row.label,
                    str(row.tickets_created),
                    str(row.tickets_solved),
                    str(row.backlog),
                    _pct(row.first_contact_resolution.percent),
                    _pct(row.reopens.percent),
                    _pct(row.escalations.percent),
                    _pct(row.csat.percent),
                    _pct(row.nps.score),
                )
                for row in rows
            ),
        ),
        ReportTable(
            "Calendar time from creation to first reply and to first solve",
            _TIME_HEADERS,
            tuple(
                (row.label, *_durations(row.first_reply), *_durations(row.resolution))
                for row in ticket_rows
            ),
        ),
    ]
    if report.calendar is not None:
        tables.append(
            ReportTable(
                f"Business time (calendar {report.calendar})",
                _TIME_HEADERS,
                tuple(
                    (
                        row.label,
                        *_durations(row.first_reply_business),
                        *_durations(row.resolution_business),
                    )
                    for row in ticket_rows
                ),
            )
        )
    metrics = sorted({m for row in rows for m in row.sla})
    if metrics:
        tables.append(
            ReportTable(
                "SLA compliance % (clocks met / clocks that ended in the period)",
                ("group", *metrics),
                tuple(
                    (
                        row.label,
                        *(
                            "-"
                            if m not in row.sla
                            else f"{_pct(row.sla[m].percent)} ({row.sla[m].numerator}/"
                            f"{row.sla[m].denominator})"
                            for m in metrics
                        ),
                    )
                    for row in ticket_rows
                ),
            )
        )
    return tuple(tables)


def _notes(report: Report) -> tuple[str, ...]:
    out = [
        f"{row.label}: survey answers not linked to a ticket of the report"
        for row in report.rows
        if not _has_tickets(row)
    ]
    ces = [(row.label, c) for row in (*report.rows, report.overall) for c in row.ces]
    if ces:
        out.append("Customer effort (mean on scale, by method):")
        out.extend(
            f"  {label}: {c.mean:.2f} on {c.scale_min}-{c.scale_max} ({c.method}, "
            f"{c.responses} answers)"
            for label, c in ces
        )
    churn, retention = report.overall.churn, report.overall.retention
    # No customer active at the start means no customers were given: say nothing.
    if churn is not None and retention is not None and churn.denominator:
        out.append(
            f"Customers: {churn.denominator} active at start, {churn.numerator} lost; "
            f"churn {_pct(churn.percent)} %, retention {_pct(retention.percent)} %"
        )
    return tuple(out)


def _percent_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} %"


def _summary(report: Report) -> tuple[tuple[str, str], ...]:
    row = report.overall
    out = [
        ("Tickets created", f"{row.tickets_created:,}"),
        ("Tickets solved (first solve)", f"{row.tickets_solved:,}"),
        (f"Backlog at {readable_instant(report.backlog_at_us)}", f"{row.backlog:,}"),
        ("First reply, median", format_duration(row.first_reply.median_us)),
        ("First reply, 90th percentile", format_duration(row.first_reply.p90_us)),
        ("Resolution, median", format_duration(row.resolution.median_us)),
        ("Resolution, 90th percentile", format_duration(row.resolution.p90_us)),
    ]
    out += [
        (f"SLA {metric} met (clocks ended)", _percent_text(ratio.percent))
        for metric, ratio in row.sla.items()
    ]
    out += [
        ("First-contact resolution", _percent_text(row.first_contact_resolution.percent)),
        ("Reopen rate", _percent_text(row.reopens.percent)),
        ("Escalation rate", _percent_text(row.escalations.percent)),
        ("CSAT (satisfied answers)", _percent_text(row.csat.percent)),
        ("NPS", "-" if row.nps.score is None else f"{row.nps.score:+.0f}"),
    ]
    return tuple(out)
