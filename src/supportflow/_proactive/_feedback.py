"""Feedback programs: CSAT after a ticket is solved, NPS and CES on a cadence per customer.

A :class:`FeedbackProgram` is event-sourced like every aggregate. It plans surveys
(a CSAT survey a configurable delay after a solve; NPS and CES every cadence for each
enrolled customer), sends them when the host calls :meth:`FeedbackProgram.evaluate`
(each stamped at its due instant, once; late evaluation equals timely evaluation),
and records validated responses with everything a KPI needs: score, scale, method,
customer, ticket, channel and instant.
"""

from __future__ import annotations

import enum
import heapq
from datetime import datetime, timedelta
from typing import Any, ClassVar, Final, TypeVar

import attrs
import pendulum

from .._kernel._errors import InvalidArgument, InvalidType, UnknownName
from .._kernel._event import Event
from .._kernel._lifecycle import Lifecycle
from .._kernel._serde import Codec, Migrations, instant_field
from .._kernel._time import (
    US_PER_DAY,
    bounded_duration_us,
    duration_us,
    format_instant,
    optional_at_us,
    to_datetime,
    to_duration,
)
from .._tickets._ticket import Ticket
from .._vocabulary._taxonomy import Channel, TicketStatus
from ._base import (
    ProactiveAggregate,
    command,
    optional_text,
    require_member,
    require_text,
    transition,
)

__all__ = [
    "FEEDBACK_PROGRAM_LIFECYCLE",
    "SURVEY_LIFECYCLE",
    "CESMethod",
    "FeedbackCSATScheduled",
    "FeedbackCustomerEnrolled",
    "FeedbackCustomerUnenrolled",
    "FeedbackProgram",
    "FeedbackProgramCreated",
    "FeedbackProgramPaused",
    "FeedbackProgramResumed",
    "FeedbackProgramRetired",
    "FeedbackProgramStatus",
    "FeedbackResponseRecorded",
    "FeedbackSurveyCancelled",
    "FeedbackSurveySent",
    "Survey",
    "SurveyKind",
    "SurveyResponse",
    "SurveyStatus",
]


class SurveyKind(enum.StrEnum):
    """The three survey families."""

    CSAT = "csat"
    NPS = "nps"
    CES = "ces"


class CESMethod(enum.StrEnum):
    """How a Customer Effort Score question is asked (recorded with every answer).

    ``agreement``: "The company made it easy to handle my issue", strongly disagree
    (1) to strongly agree (top of the scale), higher is better. ``effort``: "How much
    effort did you personally have to put forth?", very low (1) to very high, lower
    is better.
    """

    AGREEMENT = "agreement"
    EFFORT = "effort"


class SurveyStatus(enum.StrEnum):
    """Where one survey stands."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    ANSWERED = "answered"
    CANCELLED = "cancelled"


class FeedbackProgramStatus(enum.StrEnum):
    """Where a feedback program stands."""

    ACTIVE = "active"
    PAUSED = "paused"
    RETIRED = "retired"


FEEDBACK_PROGRAM_LIFECYCLE: Final = Lifecycle.define(
    "feedback program",
    states=[s.value for s in FeedbackProgramStatus],
    transitions=[
        {"trigger": "enroll", "source": ["active", "paused"], "dest": None},
        {"trigger": "unenroll", "source": ["active", "paused"], "dest": None},
        {"trigger": "schedule_csat", "source": ["active", "paused"], "dest": None},
        {"trigger": "send_survey", "source": "active", "dest": None},
        {"trigger": "cancel_survey", "source": ["active", "paused"], "dest": None},
        {"trigger": "record_response", "source": ["active", "paused"], "dest": None},
        {"trigger": "pause", "source": "active", "dest": "paused"},
        {"trigger": "resume", "source": "paused", "dest": "active"},
        {"trigger": "retire", "source": ["active", "paused"], "dest": "retired"},
    ],
    initial="active",
)

SURVEY_LIFECYCLE: Final = Lifecycle.define(
    "survey",
    states=[s.value for s in SurveyStatus],
    transitions=[
        {"trigger": "send", "source": "scheduled", "dest": "sent"},
        {"trigger": "answer", "source": "sent", "dest": "answered"},
        {"trigger": "cancel", "source": "scheduled", "dest": "cancelled"},
    ],
    initial="scheduled",
)

# The members the methods read, as module globals: loading an attribute of an enum
# class is several times slower (EnumType defines __getattr__), and so is the enum's
# ``value`` property next to a lookup in _STATE (the lifecycle state of each status).
_CSAT, _NPS, _CES = SurveyKind.CSAT, SurveyKind.NPS, SurveyKind.CES
_SCHEDULED, _SENT, _ANSWERED, _CANCELLED = (
    SurveyStatus.SCHEDULED,
    SurveyStatus.SENT,
    SurveyStatus.ANSWERED,
    SurveyStatus.CANCELLED,
)
_STATE: Final = {status: status.value for status in SurveyStatus}
_NPS_SCALE: Final = (0, 10)


@attrs.frozen(kw_only=True)
class Survey:
    """One survey to one customer (a CSAT survey also names its ticket)."""

    survey_id: str
    kind: SurveyKind
    customer_id: str
    ticket_id: str | None
    status: SurveyStatus
    due_us: int = instant_field()
    sent_at_us: int | None = instant_field(default=None)

    @property
    def due(self) -> pendulum.DateTime:
        """When it is (or was) due to go out."""
        return to_datetime(self.due_us)


@attrs.frozen(kw_only=True)
class SurveyResponse:
    """One answer, with what a KPI needs: score on ``[scale_min, scale_max]`` and method."""

    survey_id: str
    kind: SurveyKind
    customer_id: str
    ticket_id: str | None
    score: int
    scale_min: int
    scale_max: int
    method: str
    channel: Channel | None
    comment: str | None
    at_us: int = instant_field()

    @property
    def at(self) -> pendulum.DateTime:
        """When the customer answered."""
        return to_datetime(self.at_us)


@attrs.frozen(kw_only=True)
class FeedbackProgramCreated(Event):
    """A feedback program with its settings."""

    name: ClassVar[str] = "feedback_program_created"

    program_id: str
    csat_delay_us: int
    csat_scale: int
    nps_every_us: int | None
    ces_every_us: int | None
    ces_scale: int
    ces_method: CESMethod


@attrs.frozen(kw_only=True)
class FeedbackCustomerEnrolled(Event):
    """A customer joined the NPS/CES cadence (first surveys one cadence later)."""

    name: ClassVar[str] = "feedback_customer_enrolled"

    customer_id: str


@attrs.frozen(kw_only=True)
class FeedbackCustomerUnenrolled(Event):
    """A customer left the cadence (surveys already sent can still be answered)."""

    name: ClassVar[str] = "feedback_customer_unenrolled"

    customer_id: str


@attrs.frozen(kw_only=True)
class FeedbackCSATScheduled(Event):
    """A CSAT survey was planned for a solved ticket."""

    name: ClassVar[str] = "feedback_csat_scheduled"

    survey_id: str
    customer_id: str
    ticket_id: str
    due_at_us: int = instant_field()


@attrs.frozen(kw_only=True)
class FeedbackSurveySent(Event):
    """A survey went out (stamped at its due instant)."""

    name: ClassVar[str] = "feedback_survey_sent"

    survey_id: str
    kind: SurveyKind
    customer_id: str
    ticket_id: str | None = None


@attrs.frozen(kw_only=True)
class FeedbackSurveyCancelled(Event):
    """A scheduled survey will not go out (e.g. the ticket was reopened)."""

    name: ClassVar[str] = "feedback_survey_cancelled"

    survey_id: str
    reason: str


@attrs.frozen(kw_only=True)
class FeedbackResponseRecorded(Event):
    """A customer answered a survey."""

    name: ClassVar[str] = "feedback_response_recorded"

    survey_id: str
    score: int
    channel: Channel | None = None
    comment: str | None = None


@attrs.frozen(kw_only=True)
class FeedbackProgramPaused(Event):
    """No survey goes out while paused; answers are still recorded."""

    name: ClassVar[str] = "feedback_program_paused"


@attrs.frozen(kw_only=True)
class FeedbackProgramResumed(Event):
    """Surveys go out again (those due while paused go out at the next evaluation)."""

    name: ClassVar[str] = "feedback_program_resumed"


@attrs.frozen(kw_only=True)
class FeedbackProgramRetired(Event):
    """The program ended for good."""

    name: ClassVar[str] = "feedback_program_retired"


_Plain = TypeVar("_Plain", FeedbackProgramPaused, FeedbackProgramResumed, FeedbackProgramRetired)


def _moved(survey: Survey, status: SurveyStatus, sent_at_us: int | None) -> Survey:
    """``survey`` in ``status``: what ``attrs.evolve`` gives, built directly (cheaper)."""
    return Survey(
        survey_id=survey.survey_id,
        kind=survey.kind,
        customer_id=survey.customer_id,
        ticket_id=survey.ticket_id,
        status=status,
        due_us=survey.due_us,
        sent_at_us=sent_at_us,
    )


class FeedbackProgram(ProactiveAggregate):
    """Surveys and their answers for one program (event-sourced, see the module doc)."""

    __slots__ = (
        "_agenda",
        "_enrolled",
        "_responses",
        "_scales",
        "_scheduled_csat",
        "_seq",
        "_settings",
        "_since_us",
        "_surveys",
    )

    kind: ClassVar[str] = "feedback_program"
    lifecycle: ClassVar[Lifecycle] = FEEDBACK_PROGRAM_LIFECYCLE
    created_event: ClassVar[type[Event]] = FeedbackProgramCreated

    def _reset(self) -> None:
        super()._reset()
        self._settings: FeedbackProgramCreated | None = None
        # (due, family, order, ref) of every survey still to send, as a heap: family 0
        # is a scheduled CSAT survey (ref: its id), 1 a cadence survey (ref: (customer,
        # slot)); (due, family, order) is unique and is the sending order.
        self._agenda: list[tuple[int, int, int, Any]] = []
        # when the program last became active: a survey held while paused goes out then
        self._since_us = 0
        # customer -> enrollment number (orders the cadence surveys due at one instant)
        self._seq: dict[str, int] = {}
        # kind -> (lowest score, highest score, method), from the settings
        self._scales: dict[SurveyKind, tuple[int, int, str]] = {}
        self._surveys: dict[str, Survey] = {}
        # customer -> [next NPS due, next CES due] (None when that survey is off)
        self._enrolled: dict[str, tuple[int | None, int | None]] = {}
        self._responses: list[SurveyResponse] = []
        # ticket -> how many of its CSAT surveys are scheduled (not sent nor cancelled),
        # so that scheduling one more needs no scan of every survey
        self._scheduled_csat: dict[str, int] = {}

    @property
    def _config(self) -> FeedbackProgramCreated:
        assert self._settings is not None
        return self._settings

    # -- commands -------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        program_id: str,
        *,
        csat_delay: timedelta = timedelta(hours=1),
        csat_scale: int = 5,
        nps_every: timedelta | None = timedelta(days=90),
        ces_every: timedelta | None = None,
        ces_scale: int = 7,
        ces_method: CESMethod = CESMethod.AGREEMENT,
        at: datetime | None = None,
    ) -> FeedbackProgram:
        """A program: CSAT ``csat_delay`` after each solve on a 1..``csat_scale`` scale;
        NPS (0-10) every ``nps_every`` and CES (1..``ces_scale``, 5 or 7) every
        ``ces_every`` for each enrolled customer (None turns that survey off; a cadence
        is at least one day). Durations are at most 100 years."""
        obj = cls._blank()
        when = obj._when(at)
        obj._apply(
            FeedbackProgramCreated(
                at_us=when,
                program_id=program_id,
                csat_delay_us=duration_us(csat_delay, "csat_delay"),
                csat_scale=csat_scale,
                nps_every_us=None if nps_every is None else duration_us(nps_every, "nps_every"),
                ces_every_us=None if ces_every is None else duration_us(ces_every, "ces_every"),
                ces_scale=ces_scale,
                ces_method=require_member(CESMethod, ces_method, "ces_method"),
            )
        )
        return obj

    @command
    def enroll(self, customer_id: str, *, at: datetime | None = None) -> FeedbackCustomerEnrolled:
        """Put a customer on the NPS/CES cadence; their first surveys are due one cadence later."""
        event = FeedbackCustomerEnrolled(at_us=self._when(at), customer_id=customer_id)
        self._apply(event)
        return event

    @command
    def unenroll(
        self, customer_id: str, *, at: datetime | None = None
    ) -> FeedbackCustomerUnenrolled:
        """Take a customer off the cadence (answers to surveys already sent still count)."""
        event = FeedbackCustomerUnenrolled(at_us=self._when(at), customer_id=customer_id)
        self._apply(event)
        return event

    @command
    def schedule_csat(
        self,
        ticket_id: str,
        *,
        customer_id: str,
        solved_at: datetime | None = None,
        at: datetime | None = None,
    ) -> Survey:
        """Plan a CSAT survey for a solved ticket, due ``csat_delay`` after ``solved_at``.

        ``solved_at`` defaults to ``at``; one CSAT survey per ticket and solve: a
        ticket with a CSAT survey still scheduled is refused (cancel it first).
        """
        when = self._when(at)
        self._target("schedule_csat")
        solved = optional_at_us(solved_at, "solved_at")
        solved = when if solved is None else solved
        if solved > when:
            raise InvalidArgument(
                f"solved_at ({format_instant(solved)}) is after at ({format_instant(when)})"
            )
        survey_id = self._next_survey_id()
        self._apply(
            FeedbackCSATScheduled(
                at_us=when,
                survey_id=survey_id,
                customer_id=customer_id,
                ticket_id=ticket_id,
                due_at_us=max(solved + self._config.csat_delay_us, when),
            )
        )
        return self._surveys[survey_id]

    def schedule_csat_for(self, ticket: Ticket, *, at: datetime | None = None) -> Survey:
        """:meth:`schedule_csat` for a solved :class:`Ticket` (its id, customer and solve instant).

        Raises :class:`InvalidArgument` when the ticket is not solved.
        """
        solved = ticket.solved_at_us
        if ticket.status is not TicketStatus.SOLVED or solved is None:
            raise InvalidArgument(
                f"ticket {ticket.id} is {ticket.status.value}: CSAT surveys follow a solve"
            )
        return self.schedule_csat(
            ticket.id, customer_id=ticket.customer_id, solved_at=to_datetime(solved), at=at
        )

    @command
    def cancel_survey(
        self, survey_id: str, *, reason: str, at: datetime | None = None
    ) -> FeedbackSurveyCancelled:
        """Cancel a scheduled survey (a reopened ticket, a complaint in progress...)."""
        event = FeedbackSurveyCancelled(at_us=self._when(at), survey_id=survey_id, reason=reason)
        self._apply(event)
        return event

    def evaluate(self, *, at: datetime | None = None) -> tuple[Event, ...]:
        """Send every survey due at or before ``at``: returns the new events (host delivers them).

        Each is stamped at its due instant (a survey that fell due while the program
        was paused, at the instant it resumed) and sent once; a cadence missed several
        times sends one survey per missed period. Nothing is sent unless ``active``.
        Every other command sends what fell due before it first, so the history is
        the same whenever the host evaluates.
        """
        when = self._when(at)
        mark = len(self._history)
        self._catch_up(when)
        return tuple(self._history[mark:])

    def _catch_up(self, us: int) -> None:
        if self._state != "active":
            return
        agenda = self._agenda
        while agenda and agenda[0][0] <= us:
            self._apply(self._sending(agenda[0]))

    def _sending(self, entry: tuple[int, int, int, Any]) -> FeedbackSurveySent:
        """The event that sends the survey of agenda ``entry``."""
        due, family, _, ref = entry
        stamp = max(due, self._since_us)
        if family == 0:
            survey = self._surveys[ref]
            return FeedbackSurveySent(
                at_us=stamp,
                survey_id=survey.survey_id,
                kind=_CSAT,
                customer_id=survey.customer_id,
                ticket_id=survey.ticket_id,
            )
        customer, slot = ref
        return FeedbackSurveySent(
            at_us=stamp,
            survey_id=self._next_survey_id(),
            kind=_NPS if slot == 0 else _CES,
            customer_id=customer,
            ticket_id=None,
        )

    def _check_due(self, event: Event) -> None:
        agenda = self._agenda
        if (
            self._state == "active"
            and agenda
            and agenda[0][0] <= event.at_us
            and type(event) is not FeedbackSurveySent
        ):
            raise InvalidArgument(
                f"a survey of feedback program {self._id} fell due at "
                f"{format_instant(max(agenda[0][0], self._since_us))}: it is sent first",
                field="at",
            )

    def _check_complete(self) -> None:
        # evaluate() sends every survey due by its instant at once: a history does not
        # stop after a survey sent at T while another one was due by T.
        last = self._history[-1]
        agenda = self._agenda
        if (
            type(last) is FeedbackSurveySent
            and self._state == "active"
            and agenda
            and agenda[0][0] <= last.at_us
        ):
            raise InvalidArgument(
                f"a survey of feedback program {self._id} was due at "
                f"{format_instant(max(agenda[0][0], self._since_us))}, by the survey before "
                "it, and is not recorded after it: evaluate sends every survey due by then "
                "at once",
                field="event",
            )

    @command
    def record_response(
        self,
        survey_id: str,
        score: int,
        *,
        channel: Channel | None = None,
        comment: str | None = None,
        at: datetime | None = None,
    ) -> SurveyResponse:
        """Record a customer's answer to a sent survey.

        Raises :class:`UnknownName` for an unknown survey, :class:`InvalidArgument`
        for a survey not sent (or already answered, or cancelled) and for a score
        outside the survey's scale.
        """
        self._apply(
            FeedbackResponseRecorded(
                at_us=self._when(at),
                survey_id=survey_id,
                score=score,
                channel=None if channel is None else require_member(Channel, channel, "channel"),
                comment=comment,
            )
        )
        return self._responses[-1]

    def pause(self, *, at: datetime | None = None) -> FeedbackProgramPaused:
        """Stop sending surveys (answers still recorded)."""
        return self._plain(FeedbackProgramPaused, at=at)

    def resume(self, *, at: datetime | None = None) -> FeedbackProgramResumed:
        """Send surveys again; those that fell due meanwhile go out at the next evaluate."""
        return self._plain(FeedbackProgramResumed, at=at)

    def retire(self, *, at: datetime | None = None) -> FeedbackProgramRetired:
        """End the program (final)."""
        return self._plain(FeedbackProgramRetired, at=at)

    @command
    def _plain(self, cls: type[_Plain], *, at: datetime | None) -> _Plain:
        event = cls(at_us=self._when(at))
        self._apply(event)
        return event

    # -- queries --------------------------------------------------------------------

    def _survey(self, survey_id: str) -> Survey:
        survey = self._surveys.get(survey_id)
        if survey is None:
            raise UnknownName(
                f"feedback program {self._id} has no survey {survey_id!r}", field="survey_id"
            )
        return survey

    def _next_survey_id(self) -> str:
        return f"{self._id}-{len(self._surveys) + 1}"

    @property
    def status(self) -> FeedbackProgramStatus:
        """The current status."""
        return FeedbackProgramStatus(self._state)

    @property
    def csat_delay(self) -> pendulum.Duration:
        """How long after a solve the CSAT survey goes out."""
        return to_duration(self._config.csat_delay_us)

    @property
    def enrolled(self) -> tuple[str, ...]:
        """Customers on the NPS/CES cadence, in enrollment order."""
        return tuple(self._enrolled)

    @property
    def surveys(self) -> tuple[Survey, ...]:
        """Every survey planned or sent, in creation order."""
        return tuple(self._surveys.values())

    def survey(self, survey_id: str) -> Survey:
        """One survey by id (:class:`UnknownName` if there is none)."""
        return self._survey(survey_id)

    @property
    def responses(self) -> tuple[SurveyResponse, ...]:
        """Every recorded answer, oldest first."""
        return tuple(self._responses)

    def next_due(self, customer_id: str, kind: SurveyKind) -> pendulum.DateTime | None:
        """When the next NPS or CES survey for an enrolled customer is due (None if off)."""
        if customer_id not in self._enrolled:
            raise UnknownName(f"customer {customer_id!r} is not enrolled in {self._id}")
        if kind is _CSAT:
            raise InvalidArgument("CSAT follows solves, not a cadence: see surveys")
        us = self._enrolled[customer_id][0 if kind is _NPS else 1]
        return None if us is None else to_datetime(us)

    def next_deadline_us(self) -> int | None:
        """Integer twin of :meth:`next_deadline`."""
        if self._state != "active" or not self._agenda:
            return None
        return max(self._agenda[0][0], self._since_us)

    def next_deadline(self) -> pendulum.DateTime | None:
        """The earliest instant a survey falls due (call evaluate then), or None."""
        us = self.next_deadline_us()
        return None if us is None else to_datetime(us)

    # -- event application ----------------------------------------------------------

    def _on_created(self, event: FeedbackProgramCreated) -> None:
        program_id = require_text(event.program_id, "program_id")
        bounded_duration_us(event.csat_delay_us, "csat_delay_us")
        for name, every in (
            ("nps_every_us", event.nps_every_us),
            ("ces_every_us", event.ces_every_us),
        ):
            if every is not None and bounded_duration_us(every, name) < US_PER_DAY:
                raise InvalidArgument(
                    f"{name.removesuffix('_us')} must be at least one day (a survey cadence), "
                    f"got {to_duration(every).in_words()}",
                    field=name,
                )
        if _int(event.csat_scale, "csat_scale") not in (3, 5, 7, 10):
            raise InvalidArgument(
                f"csat_scale must be 3, 5, 7 or 10, got {event.csat_scale}", field="csat_scale"
            )
        if _int(event.ces_scale, "ces_scale") not in (5, 7):
            raise InvalidArgument(
                f"ces_scale must be 5 or 7, got {event.ces_scale}", field="ces_scale"
            )
        method = require_member(CESMethod, event.ces_method, "ces_method")
        self._id = program_id
        self._settings = event
        self._since_us = event.at_us
        self._scales = {
            _CSAT: (1, event.csat_scale, "satisfaction"),
            _NPS: (*_NPS_SCALE, "likelihood_to_recommend"),
            _CES: (1, event.ces_scale, method.value),
        }

    def _on_enrolled(self, event: FeedbackCustomerEnrolled) -> None:
        self._target("enroll")
        customer = require_text(event.customer_id, "customer_id")
        if customer in self._enrolled:
            raise InvalidArgument(
                f"customer {customer} is already enrolled in {self._id}", field="customer_id"
            )
        config = self._config
        nps = None if config.nps_every_us is None else event.at_us + config.nps_every_us
        ces = None if config.ces_every_us is None else event.at_us + config.ces_every_us
        # the latest enrolled customer has the highest number (dicts keep insertion order)
        seq = self._seq[customer] = next(reversed(self._seq.values()), -1) + 1
        self._enrolled[customer] = (nps, ces)
        for slot, due in enumerate((nps, ces)):
            if due is not None:
                heapq.heappush(self._agenda, (due, 1, 2 * seq + slot, (customer, slot)))

    def _on_unenrolled(self, event: FeedbackCustomerUnenrolled) -> None:
        self._target("unenroll")
        customer = event.customer_id
        if customer not in self._enrolled:
            raise UnknownName(
                f"customer {customer!r} is not enrolled in {self._id}", field="customer_id"
            )
        del self._enrolled[customer]
        del self._seq[customer]
        self._drop(lambda entry: entry[1] == 1 and entry[3][0] == customer)

    def _drop(self, unwanted: Any) -> None:
        """Take the agenda entries ``unwanted(entry)`` selects off the agenda."""
        self._agenda = [entry for entry in self._agenda if not unwanted(entry)]
        heapq.heapify(self._agenda)

    def _on_csat(self, event: FeedbackCSATScheduled) -> None:
        self._target("schedule_csat")
        survey_id = event.survey_id
        if survey_id != self._next_survey_id():
            raise InvalidArgument(
                f"survey ids are numbered in order: the next is {self._next_survey_id()}",
                field="survey_id",
            )
        customer = require_text(event.customer_id, "customer_id")
        ticket = require_text(event.ticket_id, "ticket_id")
        due = event.due_at_us
        if (
            type(due) is not int
            or not event.at_us <= due <= event.at_us + self._config.csat_delay_us
        ):
            raise InvalidArgument(
                "a CSAT survey is due within csat_delay after it is scheduled", field="due_at"
            )
        if ticket in self._scheduled_csat:
            for survey in self._surveys.values():
                if survey.ticket_id == ticket and survey.status is _SCHEDULED:
                    raise InvalidArgument(
                        f"ticket {ticket} already has CSAT survey {survey.survey_id} scheduled",
                        field="ticket_id",
                    )
        order = len(self._surveys)
        self._surveys[survey_id] = Survey(
            survey_id=survey_id,
            kind=_CSAT,
            customer_id=customer,
            ticket_id=ticket,
            status=_SCHEDULED,
            due_us=due,
        )
        scheduled = self._scheduled_csat
        scheduled[ticket] = scheduled.get(ticket, 0) + 1
        heapq.heappush(self._agenda, (due, 0, order, survey_id))

    def _on_sent(self, event: FeedbackSurveySent) -> None:
        self._target("send_survey")
        if not self._agenda:
            raise InvalidArgument(f"no survey of {self._id} is due", field="survey_id")
        entry = self._agenda[0]
        expected = self._sending(entry)
        if event != expected:
            differs = next(
                name
                for name in ("survey_id", "kind", "customer_id", "ticket_id", "at_us")
                if getattr(event, name) != getattr(expected, name)
            )
            raise InvalidArgument(
                f"the next survey due is {expected.survey_id} ({expected.kind.value} to "
                f"{expected.customer_id}, sent {format_instant(expected.at_us)})",
                field="at" if differs == "at_us" else differs,
            )
        heapq.heappop(self._agenda)
        due, family, order, ref = entry
        if family == 0:
            existing = self._surveys[ref]
            self._unschedule(existing)
            self._surveys[ref] = _moved(existing, _SENT, event.at_us)
            return
        customer, slot = ref
        config = self._config
        every = config.nps_every_us if slot == 0 else config.ces_every_us
        assert every is not None
        nexts = list(self._enrolled[customer])
        nexts[slot] = due + every
        self._enrolled[customer] = (nexts[0], nexts[1])
        heapq.heappush(self._agenda, (due + every, 1, order, ref))
        self._surveys[event.survey_id] = Survey(
            survey_id=event.survey_id,
            kind=event.kind,
            customer_id=customer,
            ticket_id=None,
            status=_SENT,
            due_us=due,
            sent_at_us=event.at_us,
        )

    def _on_cancelled(self, event: FeedbackSurveyCancelled) -> None:
        self._target("cancel_survey")
        survey = self._survey(event.survey_id)
        SURVEY_LIFECYCLE.target(event.survey_id, _STATE[survey.status], "cancel")
        require_text(event.reason, "reason")
        self._unschedule(survey)
        self._surveys[event.survey_id] = _moved(survey, _CANCELLED, survey.sent_at_us)
        self._drop(lambda entry: entry[1] == 0 and entry[3] == survey.survey_id)

    def _unschedule(self, survey: Survey) -> None:
        """A scheduled CSAT survey leaves that state (sent or cancelled)."""
        ticket_id = survey.ticket_id
        if ticket_id is None:
            return
        scheduled = self._scheduled_csat
        left = scheduled[ticket_id] - 1
        if left:
            scheduled[ticket_id] = left
        else:
            del scheduled[ticket_id]

    def _on_response(self, event: FeedbackResponseRecorded) -> None:
        self._target("record_response")
        survey = self._survey(event.survey_id)
        survey_id = survey.survey_id
        if survey.status is _SCHEDULED:
            raise InvalidArgument(
                f"survey {survey_id} was never sent (due {format_instant(survey.due_us)}): "
                "call evaluate() when it is due, then record the answer",
                field="survey_id",
            )
        if survey.status is not _SENT:
            raise InvalidArgument(
                f"survey {survey_id} is {survey.status.value}: no answer expected",
                field="survey_id",
            )
        low, high, method = self._scales[survey.kind]
        score = _int(event.score, "score")
        if not low <= score <= high:
            raise InvalidArgument(
                f"score for {survey.kind.value.upper()} survey {survey_id} must be between "
                f"{low} and {high}, got {score}",
                field="score",
            )
        if event.channel is not None:
            require_member(Channel, event.channel, "channel")
        optional_text(event.comment, "comment")
        self._surveys[survey_id] = _moved(survey, _ANSWERED, survey.sent_at_us)
        self._responses.append(
            SurveyResponse(
                survey_id=survey_id,
                kind=survey.kind,
                customer_id=survey.customer_id,
                ticket_id=survey.ticket_id,
                score=score,
                scale_min=low,
                scale_max=high,
                method=method,
                channel=event.channel,
                comment=event.comment,
                at_us=event.at_us,
            )
        )

    def _on_resumed(self, event: FeedbackProgramResumed) -> None:
        self._state = self._target("resume")
        self._since_us = event.at_us


def _int(value: object, name: str) -> int:
    if type(value) is int:
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidType(
            f"{name} must be an int, got {type(value).__name__}: {value!r}", field=name
        )
    return value


FeedbackProgram.handlers = {
    FeedbackProgramCreated: FeedbackProgram._on_created,
    FeedbackCustomerEnrolled: FeedbackProgram._on_enrolled,
    FeedbackCustomerUnenrolled: FeedbackProgram._on_unenrolled,
    FeedbackCSATScheduled: FeedbackProgram._on_csat,
    FeedbackSurveySent: FeedbackProgram._on_sent,
    FeedbackSurveyCancelled: FeedbackProgram._on_cancelled,
    FeedbackResponseRecorded: FeedbackProgram._on_response,
    FeedbackProgramPaused: transition("pause"),
    FeedbackProgramResumed: FeedbackProgram._on_resumed,
    FeedbackProgramRetired: transition("retire"),
}
FeedbackProgram.codec = Codec(
    [
        FeedbackProgramCreated,
        FeedbackCustomerEnrolled,
        FeedbackCustomerUnenrolled,
        FeedbackCSATScheduled,
        FeedbackSurveySent,
        FeedbackSurveyCancelled,
        FeedbackResponseRecorded,
        FeedbackProgramPaused,
        FeedbackProgramResumed,
        FeedbackProgramRetired,
    ]
)
FeedbackProgram.migrations = Migrations("feedback_program", 1)
