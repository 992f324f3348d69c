"""Customer profiles: identities per channel, one timeline, lifecycle phase and health.

A :class:`Customer` is event-sourced like every aggregate: a command builds its
events and the handler of each checks it before changing anything, the same code
:meth:`Customer.replay` and :meth:`Customer.from_dict` run; a failing command raises
and changes nothing.
The profile never holds whole tickets, cases or incidents: the ``record_*`` commands
read the object once and keep its id and a few facts (channel, instants, counts) as
timeline entries, so any agent sees every contact without the customer repeating it.

``record_*`` commands are idempotent: they record only what the profile does not know
yet (a ticket's reopen or new SLA breach since the last call) and return the new
events, an empty tuple when there is nothing new.

Health is assessed by :func:`assess_health` from documented, configurable
:class:`HealthRules`; :func:`open_health_case` turns an at-risk assessment into a
proactive case.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol

import attrs
import pendulum

from .._kernel._errors import InvalidArgument, InvalidType
from .._kernel._event import Event
from .._kernel._lifecycle import Lifecycle
from .._kernel._serde import Codec, Migrations, instant_field
from .._kernel._time import (
    EARLIEST_US,
    US_PER_DAY,
    US_PER_HOUR,
    at_us,
    duration_us,
    format_instant,
    instant_us,
    to_datetime,
)
from .._metrics._kpis import ticket_milestones
from .._proactive._base import ProactiveAggregate, optional_text, require_member, require_text
from .._vocabulary._taxonomy import Channel, LifecyclePhase

if TYPE_CHECKING:
    from .._proactive._incidents import Incident
    from .._proactive._outreach import ProactiveCase
    from .._tickets._ticket import Ticket

__all__ = [
    "CUSTOMER_LIFECYCLE",
    "Customer",
    "CustomerActivityRecorded",
    "CustomerIdentityAdded",
    "CustomerIdentityRemoved",
    "CustomerPhaseChanged",
    "CustomerRegistered",
    "CustomerSegmentChanged",
    "CustomerSurveyAnswered",
    "CustomerUsageDropped",
    "HealthAssessment",
    "HealthLevel",
    "HealthReason",
    "HealthRules",
    "Identity",
    "PhaseChange",
    "SatisfactionRecord",
    "TimelineEntry",
    "TimelineKind",
    "assess_health",
    "find_customer",
    "open_health_case",
]


# buy: a prospect (or a user buying more) enters a purchase; use: onboarding done;
# churn: a paying customer leaves; learn / win_back: a churned customer comes back.
CUSTOMER_LIFECYCLE: Final = Lifecycle.define(
    "customer",
    states=[p.value for p in LifecyclePhase],
    transitions=[
        {"trigger": "buy", "source": ["learning", "using"], "dest": "buying"},
        {"trigger": "use", "source": ["learning", "buying"], "dest": "using"},
        {"trigger": "churn", "source": ["buying", "using"], "dest": "churned"},
        {"trigger": "learn", "source": "churned", "dest": "learning"},
        {"trigger": "win_back", "source": "churned", "dest": "buying"},
        *(
            {"trigger": trigger, "source": [p.value for p in LifecyclePhase], "dest": None}
            for trigger in ("identify", "segment", "record")
        ),
    ],
    initial="learning",
)

# The phases counted as "a customer" for churn and retention (see the metrics module).
ACTIVE_PHASES: Final = frozenset({LifecyclePhase.BUYING, LifecyclePhase.USING})


class TimelineKind(enum.StrEnum):
    """What a timeline entry records."""

    TICKET_OPENED = "ticket_opened"
    TICKET_REOPENED = "ticket_reopened"
    TICKET_SOLVED = "ticket_solved"
    TICKET_CLOSED = "ticket_closed"
    SLA_BREACHED = "sla_breached"
    OUTREACH_NOTIFIED = "outreach_notified"
    OUTREACH_ANSWERED = "outreach_answered"
    INCIDENT_AFFECTED = "incident_affected"
    INCIDENT_RESOLVED = "incident_resolved"
    SURVEY_ANSWERED = "survey_answered"
    USAGE_DROPPED = "usage_dropped"


@attrs.frozen(kw_only=True)
class Identity:
    """How the customer is reached on one channel: an address, a number, a handle."""

    channel: Channel
    value: str


@attrs.frozen(kw_only=True)
class TimelineEntry:
    """One contact in the customer's timeline; ``reference_id`` names the ticket, case..."""

    kind: TimelineKind
    reference_id: str
    channel: Channel | None
    detail: str | None
    at_us: int = instant_field()

    @property
    def at(self) -> pendulum.DateTime:
        """When it happened (not when it was recorded), in UTC."""
        return to_datetime(self.at_us)


@attrs.frozen(kw_only=True)
class PhaseChange:
    """The customer entered ``phase`` at ``at`` (the registration is the first change)."""

    phase: LifecyclePhase
    reason: str | None
    at_us: int = instant_field()

    @property
    def at(self) -> pendulum.DateTime:
        """When the phase began, in UTC."""
        return to_datetime(self.at_us)


@attrs.frozen(kw_only=True)
class SatisfactionRecord:
    """One survey answer: ``score`` on ``[scale_min, scale_max]``, asked by ``method``."""

    survey_id: str
    kind: str
    score: int
    scale_min: int
    scale_max: int
    method: str
    ticket_id: str | None
    channel: Channel | None
    at_us: int = instant_field()

    @property
    def at(self) -> pendulum.DateTime:
        """When the customer answered, in UTC."""
        return to_datetime(self.at_us)

    def on_five_point_scale(self) -> float:
        """The score rescaled linearly to 1..5 (what the CSAT health rule compares)."""
        return 1 + 4 * (self.score - self.scale_min) / (self.scale_max - self.scale_min)


# -- events ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CustomerRegistered(Event):
    """A customer profile was created."""

    name: ClassVar[str] = "customer_registered"

    customer_id: str
    display_name: str | None
    segment: str | None
    phase: LifecyclePhase


@attrs.frozen(kw_only=True)
class CustomerIdentityAdded(Event):
    """The customer can be recognised by ``value`` on ``channel``."""

    name: ClassVar[str] = "customer_identity_added"

    channel: Channel
    value: str


@attrs.frozen(kw_only=True)
class CustomerIdentityRemoved(Event):
    """An identity no longer belongs to the customer."""

    name: ClassVar[str] = "customer_identity_removed"

    channel: Channel
    value: str


@attrs.frozen(kw_only=True)
class CustomerPhaseChanged(Event):
    """The customer moved to another lifecycle phase."""

    name: ClassVar[str] = "customer_phase_changed"

    phase: LifecyclePhase
    reason: str | None = None


@attrs.frozen(kw_only=True)
class CustomerSegmentChanged(Event):
    """The host put the customer in another segment (None: no segment)."""

    name: ClassVar[str] = "customer_segment_changed"

    segment: str | None


@attrs.frozen(kw_only=True)
class CustomerActivityRecorded(Event):
    """A contact joined the timeline (``occurred_at`` is when it happened)."""

    name: ClassVar[str] = "customer_activity_recorded"

    kind: TimelineKind
    reference_id: str
    channel: Channel | None
    detail: str | None
    occurred_at_us: int = instant_field()

    @property
    def occurred_at(self) -> pendulum.DateTime:
        """When the contact happened (``at`` is when it was recorded), in UTC."""
        return to_datetime(self.occurred_at_us)


@attrs.frozen(kw_only=True)
class CustomerSurveyAnswered(Event):
    """A survey answer joined the satisfaction history and the timeline."""

    name: ClassVar[str] = "customer_survey_answered"

    survey_id: str
    survey_kind: str
    score: int
    scale_min: int
    scale_max: int
    method: str
    ticket_id: str | None
    channel: Channel | None
    answered_at_us: int = instant_field()


@attrs.frozen(kw_only=True)
class CustomerUsageDropped(Event):
    """The host's product analytics saw usage fall by ``drop_percent`` (0-100)."""

    name: ClassVar[str] = "customer_usage_dropped"

    drop_percent: float
    measure: str | None = None


# -- what the record commands read (duck-typed, so the profile stays decoupled) ----------


class SurveyResponseLike(Protocol):
    """What :meth:`Customer.record_survey_response` reads (a feedback ``SurveyResponse``)."""

    @property
    def survey_id(self) -> str: ...
    @property
    def customer_id(self) -> str: ...
    @property
    def kind(self) -> Any: ...
    @property
    def score(self) -> int: ...
    @property
    def scale_min(self) -> int: ...
    @property
    def scale_max(self) -> int: ...
    @property
    def method(self) -> str: ...
    @property
    def ticket_id(self) -> str | None: ...
    @property
    def channel(self) -> Channel | None: ...
    @property
    def at_us(self) -> int: ...


# The trigger that leads to each phase (from churned, buying is a win-back).
_TICKET_KINDS: Final = frozenset(
    {
        TimelineKind.TICKET_OPENED,
        TimelineKind.TICKET_REOPENED,
        TimelineKind.TICKET_SOLVED,
        TimelineKind.TICKET_CLOSED,
        TimelineKind.SLA_BREACHED,
    }
)


def _normalise_identity(channel: object, value: object) -> Identity:
    channel_ = require_member(Channel, channel, "channel")
    text = require_text(value, "value").strip()
    # Email addresses compare case-insensitively in practice; other handles keep their case.
    if channel_ is Channel.EMAIL:
        text = text.casefold()
    return Identity(channel=channel_, value=text)


class Customer(ProactiveAggregate):
    """One customer's profile (event-sourced; see the module doc).

    The serialized document's ``status`` field is the lifecycle phase.
    """

    __slots__ = (
        "_identities",
        "_name",
        "_phases",
        "_satisfaction",
        "_segment",
        "_timeline",
        "_usage",
    )

    kind: ClassVar[str] = "customer"
    lifecycle: ClassVar[Lifecycle] = CUSTOMER_LIFECYCLE
    created_event: ClassVar[type[Event]] = CustomerRegistered

    def _reset(self) -> None:
        super()._reset()
        self._name: str | None = None
        self._segment: str | None = None
        self._identities: dict[Identity, None] = {}
        self._phases: list[PhaseChange] = []
        self._timeline: list[TimelineEntry] = []
        self._satisfaction: list[SatisfactionRecord] = []
        self._usage: list[tuple[int, float, str | None]] = []

    # -- commands -------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        customer_id: str,
        *,
        phase: LifecyclePhase | str,
        name: str | None = None,
        segment: str | None = None,
        identities: Mapping[Channel, str] | Iterable[tuple[Channel, str]] = (),
        at: datetime | None = None,
    ) -> Customer:
        """A new profile in ``phase``, with its first identities.

        ``phase`` has no default: a prospect is ``learning``, an existing customer
        ``buying`` or ``using``, and only those two count in churn and retention.

        ``identities`` maps a channel to an address/number/handle (or is a list of
        pairs, for several identities on one channel). Email addresses are stored
        case-folded; every value is stripped.
        """
        obj = cls._blank()
        when = obj._when(at)
        pairs = identities.items() if isinstance(identities, Mapping) else identities
        found: dict[Identity, None] = {}
        for channel, value in pairs:
            identity = _normalise_identity(channel, value)
            if identity in found:
                raise InvalidArgument(
                    f"identity {identity.channel.value}:{identity.value} is given twice"
                )
            found[identity] = None
        obj._apply_all(
            [
                CustomerRegistered(
                    at_us=when,
                    customer_id=customer_id,
                    display_name=name,
                    segment=segment,
                    phase=require_member(LifecyclePhase, phase, "phase"),
                ),
                *(
                    CustomerIdentityAdded(at_us=when, channel=i.channel, value=i.value)
                    for i in found
                ),
            ]
        )
        return obj

    def add_identity(
        self, channel: Channel, value: str, *, at: datetime | None = None
    ) -> CustomerIdentityAdded:
        """Recognise the customer by ``value`` on ``channel`` from now on.

        An identity the customer already holds is an error (:class:`InvalidArgument`):
        every successful command records a fact, and a host that replays its inbox can
        check :meth:`has_identity` first. Uniqueness across customers is the host's
        index (see :func:`find_customer`).
        """
        when = self._when(at)
        identity = _normalise_identity(channel, value)
        event = CustomerIdentityAdded(at_us=when, channel=identity.channel, value=identity.value)
        self._apply(event)
        return event

    def remove_identity(
        self, channel: Channel, value: str, *, at: datetime | None = None
    ) -> CustomerIdentityRemoved:
        """Forget an identity (an old address); :class:`InvalidArgument` if it is not held."""
        when = self._when(at)
        identity = _normalise_identity(channel, value)
        event = CustomerIdentityRemoved(at_us=when, channel=identity.channel, value=identity.value)
        self._apply(event)
        return event

    def change_phase(
        self, phase: LifecyclePhase, *, reason: str | None = None, at: datetime | None = None
    ) -> CustomerPhaseChanged:
        """Move to another phase along the customer lifecycle.

        learning -> buying -> using, using -> buying (buying more), buying/using ->
        churned, churned -> learning or buying (a win-back). Anything else raises
        :class:`InvalidTransition` naming the moves allowed now.
        """
        event = CustomerPhaseChanged(
            at_us=self._when(at),
            phase=require_member(LifecyclePhase, phase, "phase"),
            reason=reason,
        )
        self._apply(event)
        return event

    def churn(self, *, reason: str, at: datetime | None = None) -> CustomerPhaseChanged:
        """The customer left (``reason`` is required: churn without a reason teaches nothing)."""
        require_text(reason, "reason")
        return self.change_phase(LifecyclePhase.CHURNED, reason=reason, at=at)

    def change_segment(
        self, segment: str | None, *, at: datetime | None = None
    ) -> CustomerSegmentChanged:
        """Put the customer in another segment (None removes it)."""
        event = CustomerSegmentChanged(at_us=self._when(at), segment=segment)
        self._apply(event)
        return event

    def record_ticket(
        self, ticket: Ticket, *, at: datetime | None = None
    ) -> tuple[CustomerActivityRecorded, ...]:
        """Add what is new about one of the customer's tickets to the timeline.

        Reads the ticket's id, channel, subject, creation, solves, reopens, closing
        and SLA breaches from its history (each entry stamped when it happened) and
        keeps only those facts. Call it after every change, or once in a while: it is
        idempotent. Raises :class:`InvalidArgument` for another customer's ticket.
        """
        when = self._when(at)
        self._target("record")
        if ticket.customer_id != self._id:
            raise InvalidArgument(
                f"ticket {ticket.id} belongs to customer {ticket.customer_id}, not {self._id}"
            )
        facts = _ticket_facts(ticket)
        known: dict[TimelineKind, int] = {}
        for entry in self._timeline:
            if entry.reference_id == ticket.id and entry.kind in _TICKET_KINDS:
                known[entry.kind] = known.get(entry.kind, 0) + 1
        events: list[CustomerActivityRecorded] = []
        for kind, instants in facts.items():
            for us in instants[known.get(kind, 0) :]:
                events.append(
                    CustomerActivityRecorded(
                        at_us=when,
                        kind=kind,
                        reference_id=ticket.id,
                        channel=ticket.channel,
                        detail=ticket.subject if kind is TimelineKind.TICKET_OPENED else None,
                        occurred_at_us=us,
                    )
                )
        events.sort(key=lambda e: e.occurred_at_us)
        return self._apply_all(events)  # type: ignore[return-value]

    def record_outreach(
        self, case: ProactiveCase, *, at: datetime | None = None
    ) -> tuple[CustomerActivityRecorded, ...]:
        """Add a proactive case's notice to this customer and their answer to the timeline.

        Idempotent like :meth:`record_ticket`. Raises :class:`InvalidArgument` when
        the customer is not in the case's audience.
        """
        when = self._when(at)
        self._target("record")
        if self._id not in case.customers:
            raise InvalidArgument(f"customer {self._id} is not in proactive case {case.id}")
        delivery = case.deliveries.get(self._id)
        facts: list[tuple[TimelineKind, int, str | None]] = []
        if delivery is not None:
            facts.append(
                (
                    TimelineKind.OUTREACH_NOTIFIED,
                    delivery.notified_at_us,
                    f"{case.signal.value}: {case.summary}",
                )
            )
            if delivery.answered_at_us is not None:
                facts.append(
                    (
                        TimelineKind.OUTREACH_ANSWERED,
                        delivery.answered_at_us,
                        delivery.outcome.value,
                    )
                )
        channel = None if delivery is None else delivery.channel
        return self._record_new(when, case.id, channel, facts)

    def record_incident(
        self, incident: Incident, *, at: datetime | None = None
    ) -> tuple[CustomerActivityRecorded, ...]:
        """Add an incident that affects the customer (declared, resolved) to the timeline.

        Idempotent like :meth:`record_ticket`. Raises :class:`InvalidArgument` when
        the incident names its affected customers and this one is not among them.
        """
        when = self._when(at)
        self._target("record")
        if incident.customers and self._id not in incident.customers:
            raise InvalidArgument(f"customer {self._id} is not affected by incident {incident.id}")
        facts: list[tuple[TimelineKind, int, str | None]] = [
            (TimelineKind.INCIDENT_AFFECTED, incident.history[0].at_us, incident.title)
        ]
        resolved = incident.resolved_at
        if resolved is not None:
            facts.append((TimelineKind.INCIDENT_RESOLVED, instant_us(resolved), None))
        return self._record_new(when, incident.id, None, facts)

    def record_survey_response(
        self, response: SurveyResponseLike, *, at: datetime | None = None
    ) -> CustomerSurveyAnswered | None:
        """Add a survey answer to the satisfaction history (None if already recorded).

        Reads a feedback ``SurveyResponse`` (or anything with its fields). Raises
        :class:`InvalidArgument` for another customer's answer.
        """
        when = self._when(at)
        self._target("record")
        if response.customer_id != self._id:
            raise InvalidArgument(
                f"survey {response.survey_id} was answered by {response.customer_id}, "
                f"not {self._id}"
            )
        if any(r.survey_id == response.survey_id for r in self._satisfaction):
            return None
        kind = response.kind
        event = CustomerSurveyAnswered(
            at_us=when,
            survey_id=response.survey_id,
            survey_kind=str(getattr(kind, "value", kind)),
            score=response.score,
            scale_min=response.scale_min,
            scale_max=response.scale_max,
            method=str(getattr(response.method, "value", response.method)),
            ticket_id=response.ticket_id,
            channel=response.channel,
            answered_at_us=response.at_us,
        )
        self._apply(event)
        return event

    def record_usage_drop(
        self, drop_percent: float, *, measure: str | None = None, at: datetime | None = None
    ) -> CustomerUsageDropped:
        """A usage-drop signal from the host's analytics: usage fell by ``drop_percent`` %.

        ``measure`` names what dropped (``"weekly logins"``). The percentage must be in
        (0, 100].
        """
        when = self._when(at)
        if isinstance(drop_percent, bool) or not isinstance(drop_percent, int | float):
            raise InvalidType(
                f"drop_percent must be a number, got {type(drop_percent).__name__}",
                field="drop_percent",
            )
        event = CustomerUsageDropped(at_us=when, drop_percent=float(drop_percent), measure=measure)
        self._apply(event)
        return event

    def _record_new(
        self,
        when: int,
        reference_id: str,
        channel: Channel | None,
        facts: list[tuple[TimelineKind, int, str | None]],
    ) -> tuple[CustomerActivityRecorded, ...]:
        known = {(e.kind, e.at_us) for e in self._timeline if e.reference_id == reference_id}
        events = [
            CustomerActivityRecorded(
                at_us=when,
                kind=kind,
                reference_id=reference_id,
                channel=channel,
                detail=detail,
                occurred_at_us=us,
            )
            for kind, us, detail in facts
            if (kind, us) not in known
        ]
        return self._apply_all(events)  # type: ignore[return-value]

    # -- queries --------------------------------------------------------------------

    @property
    def name(self) -> str | None:
        """The display name, if given."""
        return self._name

    @property
    def segment(self) -> str | None:
        """The host's segment for this customer (``"enterprise"``), or None."""
        return self._segment

    @property
    def phase(self) -> LifecyclePhase:
        """The current lifecycle phase."""
        return LifecyclePhase(self._state)

    @property
    def phase_history(self) -> tuple[PhaseChange, ...]:
        """Every phase the customer entered, oldest first (registration included)."""
        return tuple(self._phases)

    def phase_at(self, at: datetime) -> LifecyclePhase | None:
        """The phase at an instant (None before registration)."""
        return self.phase_at_us(instant_us(at))

    def phase_at_us(self, us: int) -> LifecyclePhase | None:
        """Integer twin of :meth:`phase_at`."""
        phase: LifecyclePhase | None = None
        for change in self._phases:
            if change.at_us > us:
                break
            phase = change.phase
        return phase

    @property
    def identities(self) -> tuple[Identity, ...]:
        """Every identity held, in the order they were added."""
        return tuple(self._identities)

    def identities_on(self, channel: Channel) -> tuple[str, ...]:
        """The addresses/numbers/handles held on one channel."""
        return tuple(i.value for i in self._identities if i.channel is channel)

    def has_identity(self, channel: Channel, value: str) -> bool:
        """Whether the customer holds this identity (same normalisation as when adding)."""
        return _normalise_identity(channel, value) in self._identities

    @property
    def timeline(self) -> tuple[TimelineEntry, ...]:
        """Every contact across channels in the order they happened (ties: recording order)."""
        return tuple(sorted(self._timeline, key=lambda e: e.at_us))

    @property
    def satisfaction_history(self) -> tuple[SatisfactionRecord, ...]:
        """Every survey answer, in the order they were given."""
        return tuple(sorted(self._satisfaction, key=lambda r: r.at_us))

    @property
    def usage_drops(self) -> tuple[tuple[pendulum.DateTime, float, str | None], ...]:
        """Usage-drop signals as ``(at, drop_percent, measure)``, oldest first."""
        return tuple((to_datetime(us), pct, measure) for us, pct, measure in self._usage)

    def ticket_ids(self) -> tuple[str, ...]:
        """The tickets on the timeline, in the order they were opened."""
        return tuple(e.reference_id for e in self.timeline if e.kind is TimelineKind.TICKET_OPENED)

    # -- event application ----------------------------------------------------------

    def _on_registered(self, event: CustomerRegistered) -> None:
        customer_id = require_text(event.customer_id, "customer_id")
        name = optional_text(event.display_name, "display_name")
        segment = optional_text(event.segment, "segment")
        phase = require_member(LifecyclePhase, event.phase, "phase")
        self._id, self._name, self._segment = customer_id, name, segment
        self._state = phase.value
        self._phases.append(PhaseChange(phase=phase, reason=None, at_us=event.at_us))

    def _identity(self, event: CustomerIdentityAdded | CustomerIdentityRemoved) -> Identity:
        self._target("identify")
        identity = _normalise_identity(event.channel, event.value)
        if identity.value != event.value:
            raise InvalidArgument(
                f"identities are stored normalised ({identity.value!r})", field="value"
            )
        return identity

    def _on_identity_added(self, event: CustomerIdentityAdded) -> None:
        identity = self._identity(event)
        if identity in self._identities:
            raise InvalidArgument(
                f"customer {self._id} already has identity {identity.channel.value}:"
                f"{identity.value}",
                field="value",
            )
        self._identities[identity] = None

    def _on_identity_removed(self, event: CustomerIdentityRemoved) -> None:
        identity = self._identity(event)
        if identity not in self._identities:
            raise InvalidArgument(
                f"customer {self._id} has no identity {identity.channel.value}:{identity.value}",
                field="value",
            )
        del self._identities[identity]

    def _on_phase_changed(self, event: CustomerPhaseChanged) -> None:
        phase = require_member(LifecyclePhase, event.phase, "phase")
        target = self._target(CUSTOMER_LIFECYCLE.trigger_into(self._state, phase.value))
        reason = optional_text(event.reason, "reason")
        self._state = target
        self._phases.append(PhaseChange(phase=phase, reason=reason, at_us=event.at_us))

    def _on_segment_changed(self, event: CustomerSegmentChanged) -> None:
        self._target("segment")
        segment = optional_text(event.segment, "segment")
        if segment == self._segment:
            raise InvalidArgument(
                f"customer {self._id} is already in segment {segment!r}", field="segment"
            )
        self._segment = segment

    def _on_activity(self, event: CustomerActivityRecorded) -> None:
        self._target("record")
        kind = require_member(TimelineKind, event.kind, "kind")
        if kind in _OWN_EVENT_KINDS:
            raise InvalidArgument(
                f"{kind.value} entries are recorded by their own events", field="kind"
            )
        reference = require_text(event.reference_id, "reference_id")
        if event.channel is not None:
            require_member(Channel, event.channel, "channel")
        optional_text(event.detail, "detail")
        occurred = _happened_before(event.occurred_at_us, event.at_us, "occurred_at")
        if kind not in _TICKET_KINDS and any(
            e.kind is kind and e.at_us == occurred and e.reference_id == reference
            for e in self._timeline
        ):
            raise InvalidArgument(
                f"{kind.value} of {reference} at {format_instant(occurred)} is already on "
                "the timeline",
                field="occurred_at",
            )
        self._check_source(event, kind, reference, occurred)
        self._timeline.append(
            TimelineEntry(
                kind=kind,
                reference_id=reference,
                channel=event.channel,
                detail=event.detail,
                at_us=occurred,
            )
        )

    def _check_source(
        self, event: CustomerActivityRecorded, kind: TimelineKind, reference: str, us: int
    ) -> None:
        """What the ``record_*`` command reading the source gives for ``kind``: the
        entry that comes first for the same reference (a ticket's opening, an outreach
        notice, an incident's start), the channel it has, and whether a detail is set."""
        first = _FIRST_OF.get(kind)
        opening: TimelineEntry | None = None
        if first is not None:
            opening = next(
                (e for e in self._timeline if e.kind is first and e.reference_id == reference),
                None,
            )
            if opening is None or opening.at_us > us:
                raise InvalidArgument(
                    f"{kind.value} of {reference} comes after its {first.value}",
                    field="kind",
                )
            if event.channel != opening.channel:
                raise InvalidArgument(
                    f"{kind.value} of {reference} keeps the channel of its {first.value}",
                    field="channel",
                )
        if kind in _ONCE and any(
            e.kind is kind and e.reference_id == reference for e in self._timeline
        ):
            raise InvalidArgument(
                f"{kind.value} of {reference} is on the timeline already: its source gives it once",
                field="kind",
            )
        if kind is TimelineKind.INCIDENT_AFFECTED and event.channel is not None:
            raise InvalidArgument("an incident reaches a customer on no channel", field="channel")
        if kind is TimelineKind.OUTREACH_NOTIFIED and event.channel is None:
            raise InvalidArgument(
                "an outreach notice reaches a customer on a channel", field="channel"
            )
        detailed = kind in _DETAILED
        if (event.detail is None) is detailed:
            raise InvalidArgument(
                f"a {kind.value} entry {'has' if detailed else 'has no'} detail", field="detail"
            )
        if kind is TimelineKind.OUTREACH_ANSWERED and event.detail not in _ANSWERS:
            raise InvalidArgument(
                f"an outreach answer is one of {', '.join(sorted(_ANSWERS))}", field="detail"
            )

    def _on_survey(self, event: CustomerSurveyAnswered) -> None:
        self._target("record")
        survey_id = require_text(event.survey_id, "survey_id")
        if any(r.survey_id == survey_id for r in self._satisfaction):
            raise InvalidArgument(
                f"survey {survey_id} is already in the satisfaction history", field="survey_id"
            )
        require_text(event.survey_kind, "survey_kind")
        require_text(event.method, "method")
        optional_text(event.ticket_id, "ticket_id")
        if event.channel is not None:
            require_member(Channel, event.channel, "channel")
        low, high, score = event.scale_min, event.scale_max, event.score
        for name, value in (("scale_min", low), ("scale_max", high), ("score", score)):
            if type(value) is not int:
                raise InvalidType(f"{name} must be an int, got {type(value).__name__}", field=name)
        if not low < high:
            raise InvalidArgument(
                f"survey {survey_id}: scale {low}..{high} is empty", field="scale_max"
            )
        if not low <= score <= high:
            raise InvalidArgument(
                f"survey {survey_id}: score {score} is not on the scale {low}..{high}",
                field="score",
            )
        answered = _happened_before(event.answered_at_us, event.at_us, "answered_at")
        record = SatisfactionRecord(
            survey_id=survey_id,
            kind=event.survey_kind,
            score=score,
            scale_min=low,
            scale_max=high,
            method=event.method,
            ticket_id=event.ticket_id,
            channel=event.channel,
            at_us=answered,
        )
        self._satisfaction.append(record)
        self._timeline.append(
            TimelineEntry(
                kind=TimelineKind.SURVEY_ANSWERED,
                reference_id=survey_id,
                channel=event.channel,
                detail=f"{event.survey_kind} {score}/{high}",
                at_us=answered,
            )
        )

    def _on_usage(self, event: CustomerUsageDropped) -> None:
        self._target("record")
        drop = event.drop_percent
        if type(drop) is not float or not 0 < drop <= 100:  # NaN fails the comparison too
            raise InvalidArgument(
                f"drop_percent must be a number in (0, 100], got {drop!r}", field="drop_percent"
            )
        measure = optional_text(event.measure, "measure")
        self._usage.append((event.at_us, drop, measure))
        detail = f"-{drop:g}%"
        if measure is not None:
            detail = f"{measure} {detail}"
        self._timeline.append(
            TimelineEntry(
                kind=TimelineKind.USAGE_DROPPED,
                reference_id=self._id,
                channel=None,
                detail=detail,
                at_us=event.at_us,
            )
        )


def _happened_before(us: object, recorded_us: int, name: str) -> int:
    """An instant a fact happened: one supportflow records, not after it was recorded."""
    if type(us) is not int or not EARLIEST_US <= us <= recorded_us:
        raise InvalidArgument(
            f"{name} must be an instant no later than when it was recorded", field=name
        )
    return us


# The entry each kind follows for the same reference (the record_* commands give it
# first), the kinds that carry a detail, and the answers an outreach records.
_FIRST_OF: Final = {
    TimelineKind.TICKET_REOPENED: TimelineKind.TICKET_OPENED,
    TimelineKind.TICKET_SOLVED: TimelineKind.TICKET_OPENED,
    TimelineKind.TICKET_CLOSED: TimelineKind.TICKET_OPENED,
    TimelineKind.SLA_BREACHED: TimelineKind.TICKET_OPENED,
    TimelineKind.OUTREACH_ANSWERED: TimelineKind.OUTREACH_NOTIFIED,
    TimelineKind.INCIDENT_RESOLVED: TimelineKind.INCIDENT_AFFECTED,
}
# The facts a source gives at most once: a ticket opens once, a case notifies a customer
# once and records one answer, an incident affects and is resolved once.
_ONCE: Final = frozenset(
    {
        TimelineKind.TICKET_OPENED,
        TimelineKind.OUTREACH_NOTIFIED,
        TimelineKind.OUTREACH_ANSWERED,
        TimelineKind.INCIDENT_AFFECTED,
        TimelineKind.INCIDENT_RESOLVED,
    }
)
_DETAILED: Final = frozenset(
    {
        TimelineKind.TICKET_OPENED,
        TimelineKind.OUTREACH_NOTIFIED,
        TimelineKind.OUTREACH_ANSWERED,
        TimelineKind.INCIDENT_AFFECTED,
    }
)
_ANSWERS: Final = frozenset({"acknowledged", "problem_reported"})

# Timeline entries that have their own event (not CustomerActivityRecorded).
_OWN_EVENT_KINDS: Final = frozenset({TimelineKind.SURVEY_ANSWERED, TimelineKind.USAGE_DROPPED})


Customer.handlers = {
    CustomerRegistered: Customer._on_registered,
    CustomerIdentityAdded: Customer._on_identity_added,
    CustomerIdentityRemoved: Customer._on_identity_removed,
    CustomerPhaseChanged: Customer._on_phase_changed,
    CustomerSegmentChanged: Customer._on_segment_changed,
    CustomerActivityRecorded: Customer._on_activity,
    CustomerSurveyAnswered: Customer._on_survey,
    CustomerUsageDropped: Customer._on_usage,
}
Customer.codec = Codec(list(Customer.handlers))
Customer.migrations = Migrations("customer", 1)


def _ticket_facts(ticket: Any) -> dict[TimelineKind, tuple[int, ...]]:
    m = ticket_milestones(ticket)
    return {
        TimelineKind.TICKET_OPENED: (m.created_us,),
        TimelineKind.TICKET_REOPENED: m.reopens_us,
        TimelineKind.TICKET_SOLVED: m.solves_us,
        TimelineKind.TICKET_CLOSED: m.closes_us,
        TimelineKind.SLA_BREACHED: m.breaches_us,
    }


def find_customer(customers: Iterable[Customer], channel: Channel, value: str) -> Customer | None:
    """The customer holding an identity (the first one found), or None.

    A linear scan for small sets and examples; a host with many customers keeps its
    own index from ``customer.identities``.
    """
    identity = _normalise_identity(channel, value)
    for customer in customers:
        if identity in customer._identities:
            return customer
    return None


# -- health ---------------------------------------------------------------------------


class HealthLevel(enum.StrEnum):
    """How the customer relationship looks from the support side."""

    HEALTHY = "healthy"
    AT_RISK = "at_risk"
    HIGH_RISK = "high_risk"
    CHURNED = "churned"


@attrs.frozen(kw_only=True)
class HealthReason:
    """One rule that fired: its name, what was seen, and the points it took off."""

    rule: str
    detail: str
    weight: int


def _positive_int(name: str) -> Any:
    def check(instance: object, attribute: object, value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidType(f"{name} must be an int, got {value!r}")
        if value < 0:
            raise InvalidArgument(f"{name} must not be negative, got {value}")

    return check


@attrs.frozen(kw_only=True)
class HealthRules:
    """The churn-risk rules :func:`assess_health` applies, each with its weight.

    Over the ``window`` that ends at the assessment instant, a rule fires when:

    * ``breaches``: the customer's tickets breached an SLA target at least
      ``max_breaches`` times;
    * ``low_csat``: a CSAT answer was at or below ``low_csat_at_most`` on a 5-point scale
      (answers on other scales are rescaled linearly to 1..5 first);
    * ``detractor``: an NPS answer was at or below ``detractor_at_most`` (0-10);
    * ``reopen_streak``: the customer's last ``reopen_streak`` tickets opened in the
      window were all reopened at least once;
    * ``usage_drop``: a usage-drop signal of at least ``usage_drop_percent`` % arrived.

    The score starts at 100 and each fired rule takes its weight off (floor 0). The
    level is ``high_risk`` at or below ``high_risk_at_most``, ``at_risk`` at or below
    ``at_risk_at_most``, else ``healthy``; a churned customer is ``churned``. A weight
    of 0 switches a rule off.
    """

    window: timedelta = timedelta(days=90)
    max_breaches: int = attrs.field(default=2, validator=_positive_int("max_breaches"))
    low_csat_at_most: float = 2
    detractor_at_most: int = 6
    reopen_streak: int = attrs.field(default=2, validator=_positive_int("reopen_streak"))
    usage_drop_percent: float = 30.0
    breaches_weight: int = attrs.field(default=30, validator=_positive_int("breaches_weight"))
    low_csat_weight: int = attrs.field(default=25, validator=_positive_int("low_csat_weight"))
    detractor_weight: int = attrs.field(default=20, validator=_positive_int("detractor_weight"))
    reopen_streak_weight: int = attrs.field(
        default=25, validator=_positive_int("reopen_streak_weight")
    )
    usage_drop_weight: int = attrs.field(default=30, validator=_positive_int("usage_drop_weight"))
    at_risk_at_most: int = 80
    high_risk_at_most: int = 50

    def __attrs_post_init__(self) -> None:
        duration_us(self.window, "window", allow_zero=False)
        if not 0 <= self.high_risk_at_most <= self.at_risk_at_most <= 100:
            raise InvalidArgument(
                "need 0 <= high_risk_at_most <= at_risk_at_most <= 100, got "
                f"{self.high_risk_at_most} and {self.at_risk_at_most}"
            )
        if self.max_breaches == 0 or self.reopen_streak == 0:
            raise InvalidArgument("max_breaches and reopen_streak must be at least 1")
        if not 0 < self.usage_drop_percent <= 100:
            raise InvalidArgument(
                f"usage_drop_percent must be in (0, 100], got {self.usage_drop_percent}"
            )


@attrs.frozen(kw_only=True)
class HealthAssessment:
    """The outcome of :func:`assess_health`: score 0-100, level, and the rules that fired."""

    customer_id: str
    score: int
    level: HealthLevel
    reasons: tuple[HealthReason, ...]
    at_us: int = instant_field()

    @property
    def at(self) -> pendulum.DateTime:
        """The instant the assessment describes."""
        return to_datetime(self.at_us)

    @property
    def at_risk(self) -> bool:
        """True for ``at_risk`` and ``high_risk`` (what warrants a proactive case)."""
        return self.level in (HealthLevel.AT_RISK, HealthLevel.HIGH_RISK)


def assess_health(
    customer: Customer, rules: HealthRules | None = None, *, at: datetime | None = None
) -> HealthAssessment:
    """Apply ``rules`` (default :class:`HealthRules`) to the profile as it stood at ``at``.

    Only facts that happened in ``(at - window, at]`` count. Pure: nothing is recorded.
    """
    rules = HealthRules() if rules is None else rules
    now = at_us(at)
    since = now - duration_us(rules.window, "window")
    reasons: list[HealthReason] = []
    window_text = f"in the last {_window_text(since, now)}"

    def recent(us: int) -> bool:
        return since < us <= now

    breaches = [
        e for e in customer._timeline if e.kind is TimelineKind.SLA_BREACHED and recent(e.at_us)
    ]
    if rules.breaches_weight and len(breaches) >= rules.max_breaches:
        tickets = sorted({e.reference_id for e in breaches})
        reasons.append(
            HealthReason(
                rule="breaches",
                detail=f"{len(breaches)} SLA breaches {window_text} ({', '.join(tickets)})",
                weight=rules.breaches_weight,
            )
        )
    answers = [r for r in customer._satisfaction if recent(r.at_us)]
    low = [
        r for r in answers if r.kind == "csat" and r.on_five_point_scale() <= rules.low_csat_at_most
    ]
    if rules.low_csat_weight and low:
        worst = min(low, key=lambda r: r.on_five_point_scale())
        reasons.append(
            HealthReason(
                rule="low_csat",
                detail=f"CSAT {worst.score}/{worst.scale_max} on survey {worst.survey_id}",
                weight=rules.low_csat_weight,
            )
        )
    detractors = [r for r in answers if r.kind == "nps" and r.score <= rules.detractor_at_most]
    if rules.detractor_weight and detractors:
        last = detractors[-1]
        reasons.append(
            HealthReason(
                rule="detractor",
                detail=f"NPS {last.score}/10 on survey {last.survey_id}",
                weight=rules.detractor_weight,
            )
        )
    streak = _reopen_streak(customer, since, now)
    if rules.reopen_streak_weight and streak >= rules.reopen_streak:
        reasons.append(
            HealthReason(
                rule="reopen_streak",
                detail=f"the last {streak} tickets were all reopened",
                weight=rules.reopen_streak_weight,
            )
        )
    drops = [d for d in customer._usage if recent(d[0]) and d[1] >= rules.usage_drop_percent]
    if rules.usage_drop_weight and drops:
        _, pct, measure = max(drops, key=lambda d: d[1])
        reasons.append(
            HealthReason(
                rule="usage_drop",
                detail=f"{measure or 'usage'} fell by {pct:g}%",
                weight=rules.usage_drop_weight,
            )
        )
    score = max(0, 100 - sum(r.weight for r in reasons))
    phase = customer.phase_at_us(now)
    if phase is LifecyclePhase.CHURNED:
        level = HealthLevel.CHURNED
    elif score <= rules.high_risk_at_most:
        level = HealthLevel.HIGH_RISK
    elif score <= rules.at_risk_at_most:
        level = HealthLevel.AT_RISK
    else:
        level = HealthLevel.HEALTHY
    return HealthAssessment(
        customer_id=customer.id, score=score, level=level, reasons=tuple(reasons), at_us=now
    )


def _window_text(since: int, now: int) -> str:
    span = now - since
    if span % US_PER_DAY == 0:
        days = span // US_PER_DAY
        return "day" if days == 1 else f"{days} days"
    hours = span / US_PER_HOUR
    return f"{hours:g} hours"


def _reopen_streak(customer: Customer, since: int, until: int) -> int:
    """How many of the customer's latest tickets opened in the window were all reopened."""
    opened: dict[str, int] = {}
    reopened: set[str] = set()
    for entry in customer._timeline:
        if entry.at_us > until:
            continue
        if entry.kind is TimelineKind.TICKET_OPENED and entry.at_us > since:
            opened[entry.reference_id] = entry.at_us
        elif entry.kind is TimelineKind.TICKET_REOPENED:
            reopened.add(entry.reference_id)
    streak = 0
    for ticket_id, _ in sorted(opened.items(), key=lambda item: item[1], reverse=True):
        if ticket_id not in reopened:
            break
        streak += 1
    return streak


def open_health_case(
    customer: Customer,
    assessment: HealthAssessment,
    *,
    case_id: str,
    at: datetime | None = None,
) -> ProactiveCase | None:
    """Open a proactive case for an at-risk customer, or return None when healthy/churned.

    The case's signal is ``usage_drop`` when that is the only rule that fired, else
    ``health_risk``; its summary lists the reasons. The host stores the case, plans
    and notifies it, then calls :meth:`Customer.record_outreach`.
    """
    from .._proactive._outreach import ProactiveCase, Signal  # the outreach module needs tickets

    if assessment.customer_id != customer.id:
        raise InvalidArgument(
            f"assessment is for customer {assessment.customer_id}, not {customer.id}"
        )
    if not assessment.at_risk:
        return None
    rules = {r.rule for r in assessment.reasons}
    signal = Signal.USAGE_DROP if rules == {"usage_drop"} else Signal.HEALTH_RISK
    summary = (
        f"{customer.name or customer.id} is {assessment.level.value.replace('_', ' ')} "
        f"(health {assessment.score}/100): " + "; ".join(r.detail for r in assessment.reasons)
    )
    return ProactiveCase.detect(
        case_id,
        signal=signal,
        summary=summary,
        customers=[customer.id],
        at=at if at is not None else to_datetime(assessment.at_us),
    )
