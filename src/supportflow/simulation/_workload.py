"""A seeded workload: what customers do to a help desk, drawn once, replayed under any policy.

A :class:`WorkloadProfile` describes a help desk's demand (arrivals by hour of day and
weekday, channel, topic, priority and segment mixes, how customers behave);
:meth:`WorkloadProfile.generate` draws a :class:`Workload` from it with one
``random.Random(seed)`` (never the global random state): the same seed gives an equal
workload on every run and machine. The workload holds facts about customers only;
how fast the desk answers depends on the policies and staffing a simulation runs it
under, which is what makes a what-if comparison fair.

Instants are ``int`` microseconds since the Unix epoch (UTC), durations ``int``
microseconds.
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
import random
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import accumulate, pairwise
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

import attrs
import pendulum

from .._kernel._errors import InvalidArgument
from .._kernel._time import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, instant_us, to_datetime
from .._vocabulary._taxonomy import Channel, Priority, Topic

__all__ = [
    "DEFAULT_CHANNELS",
    "DEFAULT_HOURLY",
    "DEFAULT_PRIORITIES",
    "DEFAULT_SEGMENTS",
    "DEFAULT_TOPICS",
    "DEFAULT_WEEKLY",
    "Arrival",
    "IncidentPlan",
    "MaintenancePlan",
    "NpsAnswer",
    "Workload",
    "WorkloadProfile",
]

#: Relative arrival rate per local hour of day (0..23): a business-day hump.
DEFAULT_HOURLY: Final[tuple[float, ...]] = (
    0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.45, 0.9, 1.5, 1.9, 2.0, 1.9,
    1.6, 1.8, 1.9, 1.8, 1.6, 1.3, 1.0, 0.8, 0.6, 0.45, 0.3, 0.2,
)  # fmt: skip
#: Relative arrival rate per weekday (0 = Monday): busy Mondays, quiet weekends.
DEFAULT_WEEKLY: Final[tuple[float, ...]] = (1.25, 1.15, 1.1, 1.05, 0.95, 0.35, 0.3)
#: Channel mix (values of :class:`supportflow.Channel`).
DEFAULT_CHANNELS: Final[tuple[tuple[str, float], ...]] = (
    ("email", 0.33),
    ("live_chat", 0.2),
    ("phone", 0.15),
    ("web_form", 0.1),
    ("in_app", 0.08),
    ("social", 0.05),
    ("sms", 0.03),
    ("self_service", 0.03),
    ("community", 0.02),
    ("point_of_sale", 0.01),
)
#: Topic mix (values of :class:`supportflow.Topic`): service topics, then support topics.
DEFAULT_TOPICS: Final[tuple[tuple[str, float], ...]] = (
    ("billing", 0.14),
    ("shipping", 0.08),
    ("onboarding", 0.07),
    ("account", 0.12),
    ("upsell", 0.03),
    ("feedback", 0.04),
    ("planning", 0.03),
    ("installation", 0.08),
    ("training", 0.05),
    ("troubleshooting", 0.24),
    ("maintenance", 0.05),
    ("upgrading", 0.05),
    ("disposal", 0.02),
)
#: Priority mix (values of :class:`supportflow.Priority`).
DEFAULT_PRIORITIES: Final[tuple[tuple[str, float], ...]] = (
    ("low", 0.2),
    ("normal", 0.55),
    ("high", 0.2),
    ("urgent", 0.05),
)
#: Customer segments (the ticket's ``segment``; SLA policies can match on it).
DEFAULT_SEGMENTS: Final[tuple[tuple[str, float], ...]] = (
    ("enterprise", 0.15),
    ("business", 0.35),
    ("standard", 0.5),
)

_NO_INCIDENT: Final = ""
_T = TypeVar("_T")


@attrs.frozen(kw_only=True)
class Arrival:
    """One customer contact and everything the customer will do on it.

    ``at_us`` is when the ticket is opened. Agent effort per touch is ``handle_us``
    (agent working time). If ``needs_info``, the first agent reply asks a question
    (the ticket goes pending) and the customer answers ``reply_delay_us`` later.
    ``hold_us`` > 0 means the agent waits that long on a third party (on hold) before
    solving. After the solve the customer writes back ``reopen_delay_us`` later when
    ``reopens``, else confirms ``confirm_delay_us`` later, or never (``None``: the
    ticket auto-closes). ``csat_draw`` in [0, 1) is the customer's answer to the
    satisfaction survey as a quantile (the simulator turns it into a score from how
    the ticket went), or ``None`` when they do not answer. ``incident_id`` links the
    contact to a workload incident (empty when none).
    """

    ticket_id: str
    at_us: int
    customer_id: str
    segment: str
    channel: Channel
    topic: Topic
    priority: Priority
    handle_us: int
    needs_info: bool
    reply_delay_us: int
    hold_us: int
    reopens: bool
    reopen_delay_us: int
    confirm_delay_us: int | None
    csat_draw: float | None
    incident_id: str = _NO_INCIDENT

    @property
    def at(self) -> pendulum.DateTime:
        """When the contact arrives, in UTC."""
        return to_datetime(self.at_us)


@attrs.frozen(kw_only=True)
class IncidentPlan:
    """A service incident: declared, identified, monitored, resolved at these instants."""

    incident_id: str
    title: str
    component: str
    declared_us: int
    identified_us: int
    monitoring_us: int
    resolved_us: int
    customers: tuple[str, ...]


@attrs.frozen(kw_only=True)
class MaintenancePlan:
    """A maintenance window announced at ``scheduled_us`` for ``[starts_us, ends_us)``."""

    maintenance_id: str
    title: str
    component: str
    scheduled_us: int
    starts_us: int
    ends_us: int
    verified_us: int
    customers: tuple[str, ...]


@attrs.frozen(kw_only=True)
class NpsAnswer:
    """A customer who will answer the NPS survey sent at ``at_us``, with ``score`` 0..10."""

    customer_id: str
    at_us: int
    score: int


@attrs.frozen(kw_only=True)
class Workload:
    """Everything customers do during ``[start_us, end_us)``, drawn from a profile and a seed.

    ``arrivals`` are sorted by instant. Equal seeds and profiles give equal workloads.
    """

    seed: int
    timezone: str
    start_us: int
    end_us: int
    arrivals: tuple[Arrival, ...]
    incidents: tuple[IncidentPlan, ...]
    maintenances: tuple[MaintenancePlan, ...]
    nps_answers: tuple[NpsAnswer, ...]
    customers: tuple[str, ...]

    @property
    def start(self) -> pendulum.DateTime:
        """The first instant of the workload, in UTC."""
        return to_datetime(self.start_us)

    @property
    def end(self) -> pendulum.DateTime:
        """The end of the workload (exclusive), in UTC."""
        return to_datetime(self.end_us)

    @property
    def days(self) -> int:
        """Length in whole days."""
        return (self.end_us - self.start_us) // US_PER_DAY

    def __len__(self) -> int:
        return len(self.arrivals)


def _floats(value: Iterable[float]) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidArgument(f"expected a sequence of numbers, got {value!r}") from None


def _pairs(
    value: Mapping[str, float] | Iterable[tuple[str, float]],
) -> tuple[tuple[str, float], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    pairs: list[tuple[str, float]] = []
    for item in items:
        try:
            key, weight = item
        except (TypeError, ValueError):
            raise InvalidArgument(f"expected (name, weight) pairs, got {item!r}") from None
        pairs.append((str(key), weight))
    return tuple(pairs)


def _weights(
    pairs: tuple[tuple[str, float], ...], name: str, kind: type[enum.StrEnum] | None
) -> None:
    for key, weight in pairs:
        if kind is not None and key not in kind.__members__.values():
            known = ", ".join(member.value for member in kind)
            raise InvalidArgument(f"{name}: unknown name {key!r}; known: {known}")
        if (
            not isinstance(weight, int | float)
            or isinstance(weight, bool)
            or weight < 0
            or not math.isfinite(weight)
        ):
            raise InvalidArgument(f"{name}: weight of {key!r} must be >= 0, got {weight!r}")
    if not pairs or sum(w for _, w in pairs) <= 0:
        raise InvalidArgument(f"{name} needs at least one positive weight")


def _rates(rates: tuple[float, ...], size: int, name: str) -> None:
    if len(rates) != size or any(r < 0 or not math.isfinite(r) for r in rates):
        raise InvalidArgument(f"{name} must be {size} non-negative numbers, got {rates!r}")
    if sum(rates) <= 0:
        raise InvalidArgument(f"{name} needs at least one positive rate")


def _positive(value: float, name: str) -> float:
    if not isinstance(value, int | float) or not value > 0 or not math.isfinite(value):
        raise InvalidArgument(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _share(value: float, name: str) -> float:
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidArgument(f"{name} must be between 0 and 1, got {value!r}")
    return float(value)


def _count(value: int, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidArgument(f"{name} must be a non-negative int, got {value!r}")
    return value


def _timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (KeyError, ValueError, TypeError):
        raise InvalidArgument(f"unknown IANA time zone {value!r}") from None


def _start(value: object) -> int:
    return instant_us(value, "start")


@attrs.frozen(kw_only=True)
class WorkloadProfile:
    """The demand of a help desk, to draw workloads from (see :meth:`generate`).

    ``start`` is an aware datetime (the simulated period begins there), ``days`` its
    length and ``tickets_per_day`` the mean number of contacts on an average day;
    ``hourly`` (24 numbers, local hours of ``timezone``) and ``weekly`` (7 numbers,
    Monday first) shape when they arrive. The mixes are ``(name, weight)`` pairs.
    Delays are medians in minutes or hours of wall-clock time; shares are in [0, 1].
    Raises :class:`InvalidArgument` for any bad value.
    """

    start_us: int = attrs.field(alias="start", converter=_start)
    days: int = 30
    tickets_per_day: float = 400.0
    timezone: str = "UTC"
    hourly: tuple[float, ...] = attrs.field(default=DEFAULT_HOURLY, converter=_floats)
    weekly: tuple[float, ...] = attrs.field(default=DEFAULT_WEEKLY, converter=_floats)
    channels: tuple[tuple[str, float], ...] = attrs.field(
        default=DEFAULT_CHANNELS, converter=_pairs
    )
    topics: tuple[tuple[str, float], ...] = attrs.field(default=DEFAULT_TOPICS, converter=_pairs)
    priorities: tuple[tuple[str, float], ...] = attrs.field(
        default=DEFAULT_PRIORITIES, converter=_pairs
    )
    segments: tuple[tuple[str, float], ...] = attrs.field(
        default=DEFAULT_SEGMENTS, converter=_pairs
    )
    customers: int | None = None
    handle_minutes: float = 12.0
    needs_info_share: float = 0.35
    reply_delay_hours: float = 3.0
    hold_share: float = 0.08
    hold_hours: float = 6.0
    reopen_share: float = 0.06
    confirm_share: float = 0.45
    survey_share: float = 0.3
    incidents: int = 2
    incident_tickets: int = 0
    maintenances: int = 2
    nps_share: float = 0.2

    def __attrs_post_init__(self) -> None:
        _count(self.days, "days")
        _positive(self.tickets_per_day, "tickets_per_day")
        _timezone(self.timezone)
        _rates(self.hourly, 24, "hourly")
        _rates(self.weekly, 7, "weekly")
        for name, kind in (
            ("channels", Channel),
            ("topics", Topic),
            ("priorities", Priority),
            ("segments", None),
        ):
            _weights(getattr(self, name), name, kind)
        if self.customers is not None and (_count(self.customers, "customers") == 0):
            raise InvalidArgument("customers must be positive when given")
        for name in ("handle_minutes", "reply_delay_hours", "hold_hours"):
            _positive(getattr(self, name), name)
        for name in (
            "needs_info_share",
            "hold_share",
            "reopen_share",
            "confirm_share",
            "survey_share",
            "nps_share",
        ):
            _share(getattr(self, name), name)
        for name in ("incidents", "incident_tickets", "maintenances"):
            _count(getattr(self, name), name)

    @property
    def start(self) -> pendulum.DateTime:
        """The first simulated instant, in UTC."""
        return to_datetime(self.start_us)

    def generate(self, seed: int) -> Workload:
        """Draw the workload for ``seed`` (deterministic: same seed, equal workload)."""
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise InvalidArgument(f"seed must be an int, got {seed!r}")
        return _generate(self, seed)


def _picker(
    pairs: Sequence[tuple[str, float]], kind: Callable[[str], _T]
) -> tuple[list[_T], list[float], float]:
    names = [kind(name) for name, _ in pairs]
    cumulative = list(accumulate(weight for _, weight in pairs))
    return names, cumulative, cumulative[-1]


def _hour_starts(profile: WorkloadProfile) -> list[tuple[int, float]]:
    """(start_us, relative rate) for every wall-clock hour of the period."""
    zone = ZoneInfo(profile.timezone)
    epoch = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
    hours: list[tuple[int, float]] = []
    first = profile.start_us - profile.start_us % US_PER_HOUR
    for index in range(profile.days * 24 + 1):
        us = first + index * US_PER_HOUR
        local = (epoch + _dt.timedelta(microseconds=us)).astimezone(zone)
        hours.append((us, profile.hourly[local.hour] * profile.weekly[local.weekday()]))
    return hours


def _generate(profile: WorkloadProfile, seed: int) -> Workload:
    rng = random.Random(seed)
    random_ = rng.random
    expovariate = rng.expovariate
    lognormvariate = rng.lognormvariate
    start = profile.start_us
    end = start + profile.days * US_PER_DAY
    population = profile.customers or max(10, int(profile.tickets_per_day * profile.days / 3))
    customers = tuple(f"C-{index:06d}" for index in range(1, population + 1))
    segment_names, segment_cum, segment_total = _picker(profile.segments, str)
    segments = [
        segment_names[bisect_right(segment_cum, random_() * segment_total)]
        for _ in range(population)
    ]
    channel_names, channel_cum, channel_total = _picker(profile.channels, Channel)
    topic_names, topic_cum, topic_total = _picker(profile.topics, Topic)
    priority_names, priority_cum, priority_total = _picker(profile.priorities, Priority)

    hours = _hour_starts(profile)
    mean_rate = sum(rate for _, rate in hours[:-1]) / max(1, len(hours) - 1)
    scale = profile.tickets_per_day / 24 / (mean_rate or 1.0)

    incidents = _incidents(profile, rng, start, end, customers)

    handle_mu = math.log(profile.handle_minutes * US_PER_MINUTE)
    reply_mu = math.log(profile.reply_delay_hours * US_PER_HOUR)
    hold_mu = math.log(profile.hold_hours * US_PER_HOUR)
    confirm_mu = math.log(6 * US_PER_HOUR)
    reopen_mu = math.log(20 * US_PER_HOUR)
    needs_info = profile.needs_info_share
    hold_share = profile.hold_share
    reopen_share = profile.reopen_share
    confirm_share = profile.confirm_share
    survey_share = profile.survey_share

    # First the instants (and which incident caused each, -1 for none), then the
    # contacts in time order, so ticket numbers follow arrival order.
    instants: list[tuple[int, int]] = []
    for (hour_start, rate), (hour_end, _) in pairwise(hours):
        per_us = rate * scale / US_PER_HOUR
        if per_us <= 0:
            continue
        at = hour_start + expovariate(per_us)
        while at < hour_end:
            us = int(at)
            if start <= us < end:
                instants.append((us, -1))
            at += expovariate(per_us)
    for index, plan in enumerate(incidents):
        # Affected customers write in while it lasts, most of them early.
        count = profile.incident_tickets or max(1, int(profile.tickets_per_day * 0.05))
        span = max(1, min(plan.resolved_us, end) - plan.declared_us)
        instants.extend(
            (plan.declared_us + int((random_() ** 2) * span), index) for _ in range(count)
        )
    instants.sort()
    position = {customer: index for index, customer in enumerate(customers)}
    affected = [[position[c] for c in plan.customers] for plan in incidents]

    arrivals: list[Arrival] = []
    append = arrivals.append
    for number, (us, cause) in enumerate(instants, 1):
        if cause < 0:
            customer = int(random_() * population)
            topic = topic_names[bisect_right(topic_cum, random_() * topic_total)]
            priority = priority_names[bisect_right(priority_cum, random_() * priority_total)]
            incident = _NO_INCIDENT
        else:
            pool = affected[cause]
            customer = pool[int(random_() * len(pool))]
            topic = Topic.TROUBLESHOOTING
            priority = Priority.URGENT if random_() < 0.3 else Priority.HIGH
            incident = incidents[cause].incident_id
        reopens = random_() < reopen_share
        append(
            Arrival(
                ticket_id=f"T-{number:07d}",
                at_us=us,
                customer_id=customers[customer],
                segment=segments[customer],
                channel=channel_names[bisect_right(channel_cum, random_() * channel_total)],
                topic=topic,
                priority=priority,
                handle_us=max(US_PER_MINUTE, int(lognormvariate(handle_mu, 0.6))),
                needs_info=random_() < needs_info,
                reply_delay_us=max(US_PER_MINUTE, int(lognormvariate(reply_mu, 1.0))),
                hold_us=int(lognormvariate(hold_mu, 0.7)) if random_() < hold_share else 0,
                reopens=reopens,
                reopen_delay_us=max(US_PER_MINUTE, int(lognormvariate(reopen_mu, 0.8))),
                confirm_delay_us=(
                    max(US_PER_MINUTE, int(lognormvariate(confirm_mu, 1.0)))
                    if not reopens and random_() < confirm_share
                    else None
                ),
                csat_draw=random_() if random_() < survey_share else None,
                incident_id=incident,
            )
        )

    return Workload(
        seed=seed,
        timezone=profile.timezone,
        start_us=start,
        end_us=end,
        arrivals=tuple(arrivals),
        incidents=incidents,
        maintenances=_maintenances(profile, rng, start, end, customers),
        nps_answers=_nps(profile, rng, start, end, customers),
        customers=customers,
    )


_COMPONENTS: Final = ("billing-api", "web-app", "mobile-app", "sync-service", "email-delivery")


def _sample(rng: random.Random, customers: Sequence[str], share: float) -> tuple[str, ...]:
    size = max(1, min(len(customers), int(len(customers) * share)))
    return tuple(sorted(rng.sample(customers, size)))


def _incidents(
    profile: WorkloadProfile,
    rng: random.Random,
    start: int,
    end: int,
    customers: Sequence[str],
) -> tuple[IncidentPlan, ...]:
    plans: list[IncidentPlan] = []
    if profile.days == 0:
        return ()
    for index in range(1, profile.incidents + 1):
        declared = start + int(rng.random() * (end - start) * 0.9)
        identified = declared + int(rng.uniform(0.3, 1.5) * US_PER_HOUR)
        monitoring = identified + int(rng.uniform(0.5, 3.0) * US_PER_HOUR)
        resolved = monitoring + int(rng.uniform(0.5, 2.0) * US_PER_HOUR)
        component = _COMPONENTS[int(rng.random() * len(_COMPONENTS))]
        plans.append(
            IncidentPlan(
                incident_id=f"INC-{index:03d}",
                title=f"Degraded {component}",
                component=component,
                declared_us=declared,
                identified_us=identified,
                monitoring_us=monitoring,
                resolved_us=resolved,
                customers=_sample(rng, customers, 0.1),
            )
        )
    plans.sort(key=lambda plan: plan.declared_us)
    return tuple(plans)


def _maintenances(
    profile: WorkloadProfile,
    rng: random.Random,
    start: int,
    end: int,
    customers: Sequence[str],
) -> tuple[MaintenancePlan, ...]:
    plans: list[MaintenancePlan] = []
    if profile.days < 3:
        return ()
    for index in range(1, profile.maintenances + 1):
        # Announced at least two days ahead, in a night window of two to four hours.
        scheduled = start + int(rng.random() * (end - start) * 0.5)
        day = (scheduled - start) // US_PER_DAY + 2 + int(rng.random() * 5)
        starts = start + day * US_PER_DAY + 2 * US_PER_HOUR
        if starts >= end:
            starts = scheduled + 2 * US_PER_DAY
        ends = starts + int(rng.uniform(2, 4)) * US_PER_HOUR
        component = _COMPONENTS[int(rng.random() * len(_COMPONENTS))]
        plans.append(
            MaintenancePlan(
                maintenance_id=f"MNT-{index:03d}",
                title=f"Upgrade of {component}",
                component=component,
                scheduled_us=scheduled,
                starts_us=starts,
                ends_us=ends,
                verified_us=ends + 30 * US_PER_MINUTE,
                customers=_sample(rng, customers, 0.3),
            )
        )
    plans.sort(key=lambda plan: plan.scheduled_us)
    return tuple(plans)


def _nps(
    profile: WorkloadProfile,
    rng: random.Random,
    start: int,
    end: int,
    customers: Sequence[str],
) -> tuple[NpsAnswer, ...]:
    if profile.nps_share == 0 or end <= start:
        return ()
    # A skewed 0..10 distribution: many promoters, a tail of detractors.
    scores = list(range(11))
    weights = [1, 1, 1, 1.5, 2, 4, 5, 9, 14, 17, 14]
    answers = []
    for customer in customers:
        if rng.random() < profile.nps_share:
            at = start + int(rng.random() * (end - start))
            answers.append(
                NpsAnswer(customer_id=customer, at_us=at, score=rng.choices(scores, weights)[0])
            )
    answers.sort(key=lambda answer: (answer.at_us, answer.customer_id))
    return tuple(answers)
