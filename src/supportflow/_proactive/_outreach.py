"""Proactive cases (outreach): the business reaches out before the customer has to.

A case starts from a signal (an alert, a usage drop or health risk, a planned change,
a renewal, an onboarding milestone, feedback due) for an audience of customers:
detected -> planned -> notified -> resolved -> closed, cancellable before resolution.
Each customer's notice is a delivery on a channel with an answer deadline; the
customer acknowledges, reports a problem (which opens a reactive ticket linked to the
case) or, when the deadline passes, is marked "no answer" by :meth:`ProactiveCase.evaluate`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import ClassVar, Final

import attrs
import pendulum

from .._kernel._errors import InvalidArgument, UnknownName
from .._kernel._event import Event
from .._kernel._lifecycle import Lifecycle
from .._kernel._serde import Codec, Migrations, instant_field
from .._kernel._time import (
    bounded_duration_us,
    duration_us,
    format_instant,
    to_datetime,
    to_duration,
)
from .._tickets._ticket import Ticket
from .._vocabulary._taxonomy import Channel, Priority, Topic
from ._base import (
    ProactiveAggregate,
    check_ids,
    command,
    require_ids,
    require_member,
    require_text,
    transition,
)

__all__ = [
    "PROACTIVE_CASE_LIFECYCLE",
    "Delivery",
    "DeliveryOutcome",
    "ProactiveCase",
    "ProactiveCaseAcknowledged",
    "ProactiveCaseCancelled",
    "ProactiveCaseClosed",
    "ProactiveCaseDetected",
    "ProactiveCaseNoAnswer",
    "ProactiveCaseNotified",
    "ProactiveCasePlanned",
    "ProactiveCaseProblemReported",
    "ProactiveCaseResolved",
    "ProactiveCaseStatus",
    "ProactiveCaseTargeted",
    "Signal",
]


class Signal(enum.StrEnum):
    """Why the business reaches out."""

    ALERT = "alert"
    USAGE_DROP = "usage_drop"
    HEALTH_RISK = "health_risk"
    PLANNED_CHANGE = "planned_change"
    RENEWAL = "renewal"
    ONBOARDING_MILESTONE = "onboarding_milestone"
    FEEDBACK_DUE = "feedback_due"


# The topic of the reactive ticket a customer's problem report opens, by signal.
DEFAULT_TOPIC: Final[Mapping[Signal, Topic]] = {
    Signal.ALERT: Topic.TROUBLESHOOTING,
    Signal.USAGE_DROP: Topic.TRAINING,
    Signal.HEALTH_RISK: Topic.TROUBLESHOOTING,
    Signal.PLANNED_CHANGE: Topic.UPGRADING,
    Signal.RENEWAL: Topic.BILLING,
    Signal.ONBOARDING_MILESTONE: Topic.ONBOARDING,
    Signal.FEEDBACK_DUE: Topic.FEEDBACK,
}


class DeliveryOutcome(enum.StrEnum):
    """What became of one customer's notice."""

    AWAITING = "awaiting"
    ACKNOWLEDGED = "acknowledged"
    PROBLEM_REPORTED = "problem_reported"
    NO_ANSWER = "no_answer"


class ProactiveCaseStatus(enum.StrEnum):
    """Where a proactive case stands."""

    DETECTED = "detected"
    PLANNED = "planned"
    NOTIFIED = "notified"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


PROACTIVE_CASE_LIFECYCLE: Final = Lifecycle.define(
    "proactive case",
    states=[s.value for s in ProactiveCaseStatus],
    transitions=[
        {"trigger": "target", "source": ["detected", "planned"], "dest": None},
        {"trigger": "plan", "source": "detected", "dest": "planned"},
        {"trigger": "notify", "source": "planned", "dest": "notified"},
        {"trigger": "notify", "source": "notified", "dest": None},
        {"trigger": "acknowledge", "source": "notified", "dest": None},
        {"trigger": "report_problem", "source": "notified", "dest": None},
        {"trigger": "mark_no_answer", "source": "notified", "dest": None},
        {"trigger": "resolve", "source": "notified", "dest": "resolved"},
        {"trigger": "close", "source": "resolved", "dest": "closed"},
        {"trigger": "cancel", "source": ["detected", "planned", "notified"], "dest": "cancelled"},
    ],
    initial="detected",
)


@attrs.frozen(kw_only=True)
class Delivery:
    """One customer's notice: channel, when it went out, the answer deadline, the outcome."""

    customer_id: str
    channel: Channel
    outcome: DeliveryOutcome
    ticket_id: str | None = None
    notified_at_us: int = instant_field()
    answer_by_us: int = instant_field()
    answered_at_us: int | None = instant_field(default=None)

    @property
    def notified_at(self) -> pendulum.DateTime:
        """When the notice went out."""
        return to_datetime(self.notified_at_us)

    @property
    def answer_by(self) -> pendulum.DateTime:
        """The answer deadline."""
        return to_datetime(self.answer_by_us)

    @property
    def answered_at(self) -> pendulum.DateTime | None:
        """When the customer answered, or None."""
        return None if self.answered_at_us is None else to_datetime(self.answered_at_us)


@attrs.frozen(kw_only=True)
class ProactiveCaseDetected(Event):
    """A signal opened a proactive case."""

    name: ClassVar[str] = "proactive_case_detected"

    case_id: str
    signal: Signal
    summary: str
    topic: Topic
    customers: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ProactiveCaseTargeted(Event):
    """Customers were added to the audience."""

    name: ClassVar[str] = "proactive_case_targeted"

    customers: tuple[str, ...]


@attrs.frozen(kw_only=True)
class ProactiveCasePlanned(Event):
    """The message, channel and answer window were decided."""

    name: ClassVar[str] = "proactive_case_planned"

    message: str
    channel: Channel
    answer_within_us: int


@attrs.frozen(kw_only=True)
class ProactiveCaseNotified(Event):
    """``customers`` were sent the message on ``channel``; they may answer until ``answer_by``."""

    name: ClassVar[str] = "proactive_case_notified"

    customers: tuple[str, ...]
    channel: Channel
    answer_by_us: int = instant_field()


@attrs.frozen(kw_only=True)
class ProactiveCaseAcknowledged(Event):
    """A customer acknowledged the notice (no problem to report)."""

    name: ClassVar[str] = "proactive_case_acknowledged"

    customer_id: str
    channel: Channel | None = None


@attrs.frozen(kw_only=True)
class ProactiveCaseProblemReported(Event):
    """A customer answered with a problem; ``ticket_id`` is the reactive ticket it opened."""

    name: ClassVar[str] = "proactive_case_problem_reported"

    customer_id: str
    ticket_id: str
    channel: Channel


@attrs.frozen(kw_only=True)
class ProactiveCaseNoAnswer(Event):
    """A customer did not answer by the deadline (stamped at the deadline)."""

    name: ClassVar[str] = "proactive_case_no_answer"

    customer_id: str


@attrs.frozen(kw_only=True)
class ProactiveCaseResolved(Event):
    """The underlying situation is handled."""

    name: ClassVar[str] = "proactive_case_resolved"

    outcome: str


@attrs.frozen(kw_only=True)
class ProactiveCaseClosed(Event):
    """The case is closed (final)."""

    name: ClassVar[str] = "proactive_case_closed"


@attrs.frozen(kw_only=True)
class ProactiveCaseCancelled(Event):
    """The case was dropped before resolution (final)."""

    name: ClassVar[str] = "proactive_case_cancelled"

    reason: str


class ProactiveCase(ProactiveAggregate):
    """An outreach to customers from a signal (event-sourced, see the module doc)."""

    __slots__ = (
        "_answer_within_us",
        "_channel",
        "_customers",
        "_deliveries",
        "_message",
        "_outcome",
        "_signal",
        "_summary",
        "_topic",
    )

    kind: ClassVar[str] = "proactive case"
    lifecycle: ClassVar[Lifecycle] = PROACTIVE_CASE_LIFECYCLE
    created_event: ClassVar[type[Event]] = ProactiveCaseDetected

    def _reset(self) -> None:
        super()._reset()
        self._signal = Signal.ALERT
        self._summary = ""
        self._topic = Topic.TROUBLESHOOTING
        self._customers: tuple[str, ...] = ()
        self._message: str | None = None
        self._channel: Channel | None = None
        self._answer_within_us = 0
        self._deliveries: dict[str, Delivery] = {}
        self._outcome: str | None = None

    # -- commands -------------------------------------------------------------------

    @classmethod
    def detect(
        cls,
        case_id: str,
        *,
        signal: Signal,
        summary: str,
        customers: Iterable[str] = (),
        topic: Topic | None = None,
        at: datetime | None = None,
    ) -> ProactiveCase:
        """Open a case from a signal for an audience (which can grow until notified).

        ``topic`` is the topic of tickets opened from problem reports (default: by
        signal, e.g. alert -> troubleshooting, renewal -> billing).
        """
        obj = cls._blank()
        when = obj._when(at)
        signal = require_member(Signal, signal, "signal")
        topic_ = DEFAULT_TOPIC[signal] if topic is None else require_member(Topic, topic, "topic")
        obj._apply(
            ProactiveCaseDetected(
                at_us=when,
                case_id=case_id,
                signal=signal,
                summary=summary,
                topic=topic_,
                customers=require_ids(customers, "customers"),
            )
        )
        return obj

    @command
    def add_customers(
        self, customers: Iterable[str], *, at: datetime | None = None
    ) -> ProactiveCaseTargeted:
        """Add customers to the audience (before and while planning)."""
        when = self._when(at)
        new = tuple(c for c in require_ids(customers, "customers") if c not in self._customers)
        event = ProactiveCaseTargeted(at_us=when, customers=new)
        self._apply(event)
        return event

    @command
    def plan(
        self,
        *,
        message: str,
        channel: Channel,
        answer_within: timedelta = timedelta(days=3),
        at: datetime | None = None,
    ) -> ProactiveCasePlanned:
        """Decide the message, the default channel and how long customers have to answer."""
        when = self._when(at)
        window = duration_us(answer_within, "answer_within", allow_zero=False)
        event = ProactiveCasePlanned(
            at_us=when,
            message=message,
            channel=require_member(Channel, channel, "channel"),
            answer_within_us=window,
        )
        self._apply(event)
        return event

    @command
    def notify(
        self,
        *,
        customers: Iterable[str] | None = None,
        channel: Channel | None = None,
        at: datetime | None = None,
    ) -> ProactiveCaseNotified:
        """Send the message to ``customers`` (default: everyone not yet notified).

        Each gets a delivery on ``channel`` (default: the planned one) with an answer
        deadline ``answer_within`` from now. Raises :class:`InvalidArgument` for an
        empty audience, a customer outside it or one already notified.
        """
        when = self._when(at)
        self._target("notify")
        if customers is None:
            chosen = tuple(c for c in self._customers if c not in self._deliveries)
            if self._customers and not chosen:
                raise InvalidArgument(
                    f"every customer of proactive case {self._id} was already notified"
                )
        else:
            chosen = require_ids(customers, "customers")
        event = ProactiveCaseNotified(
            at_us=when,
            customers=chosen,
            channel=require_member(
                Channel, self._channel if channel is None else channel, "channel"
            ),
            answer_by_us=when + self._answer_within_us,
        )
        self._apply(event)
        return event

    @command
    def acknowledge(
        self, customer_id: str, *, channel: Channel | None = None, at: datetime | None = None
    ) -> ProactiveCaseAcknowledged:
        """The customer acknowledged the notice (late answers after "no answer" count too)."""
        event = ProactiveCaseAcknowledged(
            at_us=self._when(at),
            customer_id=customer_id,
            channel=None if channel is None else require_member(Channel, channel, "channel"),
        )
        self._apply(event)
        return event

    @command
    def report_problem(
        self,
        customer_id: str,
        *,
        ticket_id: str,
        body: str,
        subject: str | None = None,
        channel: Channel | None = None,
        priority: Priority = Priority.NORMAL,
        at: datetime | None = None,
    ) -> Ticket:
        """The customer answered with a problem: open a reactive ticket linked to the case.

        The ticket (returned for the host to store) carries the customer's ``body``
        as its first message, the case's topic, the tag ``proactive-<case id>``, the
        case in :attr:`Ticket.related <supportflow.Ticket.related>` (a ``ticket_linked``
        event) and, by default, the subject ``Re: <case summary>`` and the delivery's
        channel.
        """
        when = self._when(at)
        self._target("report_problem")
        delivery = self._answerable(customer_id)
        channel_ = (
            delivery.channel if channel is None else require_member(Channel, channel, "channel")
        )
        ticket = Ticket.open(
            ticket_id,
            customer_id=customer_id,
            subject=f"Re: {self._summary}" if subject is None else subject,
            topic=self._topic,
            channel=channel_,
            priority=priority,
            body=body,
            tags=(self.ticket_tag,),
            at=at if at is not None else to_datetime(when),
        )
        ticket.link(self._id, at=to_datetime(when))
        self._apply(
            ProactiveCaseProblemReported(
                at_us=when, customer_id=customer_id, ticket_id=ticket.id, channel=channel_
            )
        )
        return ticket

    def evaluate(self, *, at: datetime | None = None) -> tuple[Event, ...]:
        """Mark every customer still silent at their deadline as "no answer".

        Each event is stamped at the deadline itself. Idempotent: evaluating again
        changes nothing; evaluating at t1 then t2 equals one evaluation at t2.
        """
        when = self._when(at)
        mark = len(self._history)
        self._catch_up(when)
        return tuple(self._history[mark:])

    def _due_answers(self, until: int) -> list[tuple[int, int, str]]:
        """(answer deadline, delivery order, customer) of every delivery still awaiting
        an answer whose deadline is at or before ``until``, in the order they fall due."""
        return sorted(self._awaiting(until))

    def _awaiting(self, until: int) -> Iterator[tuple[int, int, str]]:
        return (
            (d.answer_by_us, index, d.customer_id)
            for index, d in enumerate(self._deliveries.values())
            if d.outcome is DeliveryOutcome.AWAITING and d.answer_by_us <= until
        )

    def _catch_up(self, us: int) -> None:
        """Mark "no answer" for every deadline passed by ``us``, stamped at the deadline."""
        if self._state == "notified":
            for deadline, _, customer in self._due_answers(us):
                self._apply(ProactiveCaseNoAnswer(at_us=deadline, customer_id=customer))

    def _check_due(self, event: Event) -> None:
        if self._state != "notified":
            return
        first = min(self._awaiting(event.at_us), default=None)  # what the catch-up does first
        if first is None:
            return
        deadline, _, customer = first
        if (
            type(event) is ProactiveCaseNoAnswer
            and event.customer_id == customer
            and event.at_us == deadline
        ):
            return
        raise InvalidArgument(
            f"the answer deadline of customer {customer} in proactive case {self._id} "
            f"passed at {format_instant(deadline)}: its no-answer comes first, stamped then",
            field="at",
        )

    def _check_complete(self) -> None:
        # evaluate() marks every deadline passed by its instant at once: a history does
        # not stop after a no-answer at T while another deadline at or before T waits.
        last = self._history[-1]
        if type(last) is not ProactiveCaseNoAnswer or self._state != "notified":
            return
        first = min(self._awaiting(last.at_us), default=None)
        if first is not None:
            deadline, _, customer = first
            raise InvalidArgument(
                f"the answer deadline of customer {customer} in proactive case {self._id} "
                f"passed at {format_instant(deadline)}, by the no-answer before it, and is "
                "not recorded after it: evaluate marks every deadline passed by then at once",
                field="event",
            )

    @command
    def resolve(self, outcome: str, *, at: datetime | None = None) -> ProactiveCaseResolved:
        """The situation behind the signal is handled (``outcome`` says how)."""
        event = ProactiveCaseResolved(at_us=self._when(at), outcome=outcome)
        self._apply(event)
        return event

    @command
    def close(self, *, at: datetime | None = None) -> ProactiveCaseClosed:
        """Close a resolved case (final)."""
        event = ProactiveCaseClosed(at_us=self._when(at))
        self._apply(event)
        return event

    @command
    def cancel(self, reason: str, *, at: datetime | None = None) -> ProactiveCaseCancelled:
        """Drop the case before it is resolved (final)."""
        event = ProactiveCaseCancelled(at_us=self._when(at), reason=reason)
        self._apply(event)
        return event

    def _answerable(self, customer_id: str) -> Delivery:
        delivery = self._deliveries.get(customer_id)
        if delivery is None:
            raise UnknownName(
                f"customer {customer_id!r} was not notified in proactive case {self._id}",
                field="customer_id",
            )
        if delivery.outcome not in (DeliveryOutcome.AWAITING, DeliveryOutcome.NO_ANSWER):
            raise InvalidArgument(
                f"customer {customer_id} already answered proactive case {self._id} "
                f"({delivery.outcome.value})",
                field="customer_id",
            )
        return delivery

    # -- queries --------------------------------------------------------------------

    @property
    def status(self) -> ProactiveCaseStatus:
        """The current status."""
        return ProactiveCaseStatus(self._state)

    @property
    def signal(self) -> Signal:
        """The signal that opened the case."""
        return self._signal

    @property
    def summary(self) -> str:
        """What the case is about."""
        return self._summary

    @property
    def topic(self) -> Topic:
        """The topic of tickets opened from problem reports."""
        return self._topic

    @property
    def customers(self) -> tuple[str, ...]:
        """The audience, in the order customers were added."""
        return self._customers

    @property
    def message(self) -> str | None:
        """The planned message, once planned."""
        return self._message

    @property
    def answer_within(self) -> pendulum.Duration | None:
        """How long customers have to answer, once planned."""
        return None if self._message is None else to_duration(self._answer_within_us)

    @property
    def deliveries(self) -> Mapping[str, Delivery]:
        """Each notified customer's delivery, by customer id (a read-only copy)."""
        return dict(self._deliveries)

    @property
    def tickets(self) -> tuple[str, ...]:
        """Ids of the reactive tickets opened from problem reports."""
        return tuple(d.ticket_id for d in self._deliveries.values() if d.ticket_id is not None)

    @property
    def ticket_tag(self) -> str:
        """The tag put on tickets opened from this case."""
        return f"proactive-{self._id}"

    @property
    def outcome(self) -> str | None:
        """How the case was resolved, or None."""
        return self._outcome

    def next_deadline_us(self) -> int | None:
        """Integer twin of :meth:`next_deadline`."""
        if self._state != "notified":
            return None
        return min(
            (
                d.answer_by_us
                for d in self._deliveries.values()
                if d.outcome is DeliveryOutcome.AWAITING
            ),
            default=None,
        )

    def next_deadline(self) -> pendulum.DateTime | None:
        """The earliest answer deadline still pending (call evaluate then), or None."""
        us = self.next_deadline_us()
        return None if us is None else to_datetime(us)

    # -- event application ----------------------------------------------------------

    def _on_detected(self, event: ProactiveCaseDetected) -> None:
        case_id = require_text(event.case_id, "case_id")
        signal = require_member(Signal, event.signal, "signal")
        summary = require_text(event.summary, "summary")
        topic = require_member(Topic, event.topic, "topic")
        customers = check_ids(event.customers, "customers")
        self._id, self._signal, self._summary = case_id, signal, summary
        self._topic, self._customers = topic, customers

    def _on_targeted(self, event: ProactiveCaseTargeted) -> None:
        self._target("target")
        new = check_ids(event.customers, "customers")
        if not new:
            raise InvalidArgument(
                f"no new customers to add to proactive case {self._id}", field="customers"
            )
        again = [c for c in new if c in self._customers]
        if again:
            raise InvalidArgument(
                f"already in the audience of proactive case {self._id}: {', '.join(again)}",
                field="customers",
            )
        self._customers = (*self._customers, *new)

    def _on_planned(self, event: ProactiveCasePlanned) -> None:
        target = self._target("plan")
        message = require_text(event.message, "message")
        channel = require_member(Channel, event.channel, "channel")
        window = bounded_duration_us(event.answer_within_us, "answer_within_us")
        if window == 0:
            raise InvalidArgument("answer_within_us must be positive", field="answer_within_us")
        self._state = target
        self._message, self._channel, self._answer_within_us = message, channel, window

    def _on_notified(self, event: ProactiveCaseNotified) -> None:
        target = self._target("notify")
        if not self._customers:
            raise InvalidArgument(
                f"proactive case {self._id} has no audience to notify: add customers first",
                field="customers",
            )
        chosen = check_ids(event.customers, "customers")
        if not chosen:
            raise InvalidArgument("customers is empty: nobody to notify", field="customers")
        outside = [c for c in chosen if c not in self._customers]
        if outside:
            raise InvalidArgument(
                f"not in the audience of proactive case {self._id}: {', '.join(outside)}",
                field="customers",
            )
        again = [c for c in chosen if c in self._deliveries]
        if again:
            raise InvalidArgument(
                f"already notified in proactive case {self._id}: {', '.join(again)}",
                field="customers",
            )
        channel = require_member(Channel, event.channel, "channel")
        if event.answer_by_us != event.at_us + self._answer_within_us:
            raise InvalidArgument(
                "answer_by is the notice's instant plus the planned answer window",
                field="answer_by",
            )
        self._state = target
        for customer in chosen:
            self._deliveries[customer] = Delivery(
                customer_id=customer,
                channel=channel,
                outcome=DeliveryOutcome.AWAITING,
                notified_at_us=event.at_us,
                answer_by_us=event.answer_by_us,
            )

    def _answered(
        self,
        trigger: str,
        customer: str,
        outcome: DeliveryOutcome,
        us: int | None,
        ticket: str | None,
    ) -> None:
        self._target(trigger)
        delivery = self._answerable(customer)
        self._deliveries[customer] = attrs.evolve(
            delivery, outcome=outcome, answered_at_us=us, ticket_id=ticket
        )

    def _on_acknowledged(self, event: ProactiveCaseAcknowledged) -> None:
        if event.channel is not None:
            require_member(Channel, event.channel, "channel")
        self._answered(
            "acknowledge", event.customer_id, DeliveryOutcome.ACKNOWLEDGED, event.at_us, None
        )

    def _on_problem(self, event: ProactiveCaseProblemReported) -> None:
        ticket_id = require_text(event.ticket_id, "ticket_id")
        if ticket_id in self.tickets:
            raise InvalidArgument(
                f"ticket {ticket_id} was already opened from proactive case {self._id}",
                field="ticket_id",
            )
        require_member(Channel, event.channel, "channel")
        self._answered(
            "report_problem",
            event.customer_id,
            DeliveryOutcome.PROBLEM_REPORTED,
            event.at_us,
            ticket_id,
        )

    def _on_no_answer(self, event: ProactiveCaseNoAnswer) -> None:
        self._target("mark_no_answer")
        delivery = self._deliveries.get(event.customer_id)
        if delivery is None or delivery.outcome is not DeliveryOutcome.AWAITING:
            raise InvalidArgument(
                f"customer {event.customer_id!r} is not awaiting an answer", field="customer_id"
            )
        if event.at_us != delivery.answer_by_us:
            raise InvalidArgument(
                "a no-answer is stamped at the answer deadline "
                f"({format_instant(delivery.answer_by_us)})",
                field="at",
            )
        self._deliveries[event.customer_id] = attrs.evolve(
            delivery, outcome=DeliveryOutcome.NO_ANSWER
        )

    def _on_resolved(self, event: ProactiveCaseResolved) -> None:
        target = self._target("resolve")
        self._outcome = require_text(event.outcome, "outcome")
        self._state = target


def _on_cancelled(self: ProactiveCase, event: ProactiveCaseCancelled) -> None:
    target = self._target("cancel")
    require_text(event.reason, "reason")
    self._state = target


ProactiveCase.handlers = {
    ProactiveCaseDetected: ProactiveCase._on_detected,
    ProactiveCaseTargeted: ProactiveCase._on_targeted,
    ProactiveCasePlanned: ProactiveCase._on_planned,
    ProactiveCaseNotified: ProactiveCase._on_notified,
    ProactiveCaseAcknowledged: ProactiveCase._on_acknowledged,
    ProactiveCaseProblemReported: ProactiveCase._on_problem,
    ProactiveCaseNoAnswer: ProactiveCase._on_no_answer,
    ProactiveCaseResolved: ProactiveCase._on_resolved,
    ProactiveCaseClosed: transition("close"),
    ProactiveCaseCancelled: _on_cancelled,
}
ProactiveCase.codec = Codec(list(ProactiveCase.handlers))
ProactiveCase.migrations = Migrations("proactive_case", 1)
