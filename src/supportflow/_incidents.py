"""Incident communication, status-page style: investigating -> identified -> monitoring -> resolved.

Every step is a public update (body, status, instant, notify flag) to the affected
customers and components, with an impact level. Tickets from affected customers are
linked to the incident; :meth:`Incident.resolve` solves every linked ticket that is
still unsolved with one templated reply, atomically, and says what changed.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Final

import attrs
import pendulum

from ._errors import InvalidArgument, InvalidType
from ._events import Event
from ._lifecycle import Lifecycle
from ._proactive import ProactiveAggregate, require_ids, require_text
from ._serde import Codec, Migrations, instant_field
from ._templates import flatten_values
from ._time import to_datetime

if TYPE_CHECKING:
    from ._templates import ResponseTemplate
    from ._tickets import Ticket

__all__ = [
    "INCIDENT_LIFECYCLE",
    "Incident",
    "IncidentDeclared",
    "IncidentImpact",
    "IncidentPostmortemPublished",
    "IncidentResolution",
    "IncidentResolved",
    "IncidentStatus",
    "IncidentTicketLinked",
    "IncidentUpdate",
    "IncidentUpdatePosted",
    "SkippedTicket",
]


class IncidentStatus(enum.StrEnum):
    """Where an incident stands, as a status page shows it."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"


class IncidentImpact(enum.StrEnum):
    """How badly customers are affected (the status-page scale)."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


INCIDENT_LIFECYCLE: Final = Lifecycle.define(
    "incident",
    states=[s.value for s in IncidentStatus],
    transitions=[
        {
            "trigger": "update",
            "source": ["investigating", "identified", "monitoring"],
            "dest": None,
        },
        {
            "trigger": "link_ticket",
            "source": ["investigating", "identified", "monitoring"],
            "dest": None,
        },
        {"trigger": "identify", "source": ["investigating", "monitoring"], "dest": "identified"},
        {"trigger": "monitor", "source": ["investigating", "identified"], "dest": "monitoring"},
        {"trigger": "investigate", "source": ["identified", "monitoring"], "dest": "investigating"},
        {
            "trigger": "resolve",
            "source": ["investigating", "identified", "monitoring"],
            "dest": "resolved",
        },
        {"trigger": "publish_postmortem", "source": "resolved", "dest": "postmortem"},
    ],
    initial="investigating",
)

# The trigger that moves an incident to a status posted in an update.
_TRIGGER_FOR: Final[Mapping[IncidentStatus, str]] = {
    IncidentStatus.INVESTIGATING: "investigate",
    IncidentStatus.IDENTIFIED: "identify",
    IncidentStatus.MONITORING: "monitor",
}


@attrs.frozen(kw_only=True)
class IncidentUpdate:
    """One public update as customers see it."""

    status: IncidentStatus
    body: str
    impact: IncidentImpact
    notify: bool
    at_us: int = instant_field()

    @property
    def at(self) -> pendulum.DateTime:
        """When it was posted, in UTC."""
        return to_datetime(self.at_us)


@attrs.frozen(kw_only=True)
class IncidentDeclared(Event):
    """The incident was opened with its first public update (status investigating)."""

    name: ClassVar[str] = "incident_declared"

    incident_id: str
    title: str
    body: str
    impact: IncidentImpact
    components: tuple[str, ...]
    customers: tuple[str, ...]
    notify: bool


@attrs.frozen(kw_only=True)
class IncidentUpdatePosted(Event):
    """A public update; ``status`` is the status after it, components/customers are added."""

    name: ClassVar[str] = "incident_update_posted"

    status: IncidentStatus
    body: str
    impact: IncidentImpact
    components: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    notify: bool = True


@attrs.frozen(kw_only=True)
class IncidentTicketLinked(Event):
    """A ticket was linked to the incident."""

    name: ClassVar[str] = "incident_ticket_linked"

    ticket_id: str


@attrs.frozen(kw_only=True)
class IncidentResolved(Event):
    """The final public update; ``solved_ticket_ids`` were solved with it."""

    name: ClassVar[str] = "incident_resolved"

    body: str
    impact: IncidentImpact
    notify: bool
    solved_ticket_ids: tuple[str, ...]


@attrs.frozen(kw_only=True)
class IncidentPostmortemPublished(Event):
    """The post-incident review was published."""

    name: ClassVar[str] = "incident_postmortem_published"

    body: str


@attrs.frozen(kw_only=True)
class SkippedTicket:
    """A ticket :meth:`Incident.resolve` left alone, and why.

    ``reason`` is ``"already_solved"``, ``"closed"`` or ``"not_linked"``.
    """

    ticket_id: str
    reason: str


@attrs.frozen(kw_only=True)
class IncidentResolution:
    """What :meth:`Incident.resolve` changed.

    ``solved`` are the ids of the tickets it solved (in the order given),
    ``skipped`` those it left alone, ``ticket_events`` the events each solved ticket
    recorded (for the host to persist and publish), ``event`` the incident's own.
    """

    event: IncidentResolved
    solved: tuple[str, ...]
    skipped: tuple[SkippedTicket, ...]
    ticket_events: Mapping[str, tuple[Event, ...]]


class Incident(ProactiveAggregate):
    """A service incident and its public updates (event-sourced, see the module doc)."""

    __slots__ = (
        "_components",
        "_customers",
        "_impact",
        "_linked",
        "_postmortem",
        "_resolved_us",
        "_solved",
        "_title",
        "_updates",
    )

    kind: ClassVar[str] = "incident"
    lifecycle: ClassVar[Lifecycle] = INCIDENT_LIFECYCLE
    created_event: ClassVar[type[Event]] = IncidentDeclared

    def _reset(self) -> None:
        super()._reset()
        self._title = ""
        self._impact = IncidentImpact.NONE
        self._components: tuple[str, ...] = ()
        self._customers: tuple[str, ...] = ()
        self._updates: tuple[IncidentUpdate, ...] = ()
        self._linked: tuple[str, ...] = ()
        self._solved: tuple[str, ...] = ()
        self._resolved_us: int | None = None
        self._postmortem: str | None = None

    # -- commands -------------------------------------------------------------------

    @classmethod
    def declare(
        cls,
        incident_id: str,
        *,
        title: str,
        body: str,
        impact: IncidentImpact,
        components: Iterable[str] = (),
        customers: Iterable[str] = (),
        notify: bool = True,
        at: datetime | None = None,
    ) -> Incident:
        """Open an incident (status ``investigating``) with its first public update.

        ``notify=True`` needs at least one affected customer to notify.
        """
        obj = cls._blank()
        when = obj._when(at)
        require_text(incident_id, "incident_id")
        require_text(title, "title")
        require_text(body, "body")
        impact = _impact(impact)
        components_ = require_ids(components, "components")
        customers_ = require_ids(customers, "customers")
        if notify and not customers_:
            raise InvalidArgument(
                f"incident {incident_id} has no affected customers to notify: "
                "pass customers=[...] or notify=False"
            )
        obj._apply(
            IncidentDeclared(
                at_us=when,
                incident_id=incident_id,
                title=title,
                body=body,
                impact=impact,
                components=components_,
                customers=customers_,
                notify=_flag(notify, "notify"),
            )
        )
        return obj

    def post_update(
        self,
        body: str,
        *,
        status: IncidentStatus | None = None,
        impact: IncidentImpact | None = None,
        components: Iterable[str] = (),
        customers: Iterable[str] = (),
        notify: bool = True,
        at: datetime | None = None,
    ) -> IncidentUpdatePosted:
        """Post a public update, optionally moving to ``status`` (not ``resolved``: use resolve).

        ``components`` and ``customers`` are added to the affected ones; ``impact``
        (default: unchanged) replaces the current level.
        """
        when = self._when(at)
        status = self.status if status is None else _status(status)
        if status is self.status:
            trigger = "update"
        elif status in _TRIGGER_FOR:
            trigger = _TRIGGER_FOR[status]
        else:
            trigger = "resolve" if status is IncidentStatus.RESOLVED else "publish_postmortem"
            self._target(trigger)
            raise InvalidArgument(
                f"use Incident.{trigger}() to move incident {self._id} to {status.value!r}"
            )
        self._target(trigger)
        require_text(body, "body")
        new_components = tuple(
            c for c in require_ids(components, "components") if c not in self._components
        )
        new_customers = tuple(
            c for c in require_ids(customers, "customers") if c not in self._customers
        )
        if notify and not (self._customers or new_customers):
            raise InvalidArgument(
                f"incident {self._id} has no affected customers to notify: "
                "pass customers=[...] or notify=False"
            )
        event = IncidentUpdatePosted(
            at_us=when,
            status=status,
            body=body,
            impact=self._impact if impact is None else _impact(impact),
            components=new_components,
            customers=new_customers,
            notify=_flag(notify, "notify"),
        )
        self._apply(event)
        return event

    def identify(self, body: str, **kwargs: object) -> IncidentUpdatePosted:
        """The cause is known: ``post_update(body, status=IDENTIFIED, ...)``."""
        return self.post_update(body, status=IncidentStatus.IDENTIFIED, **kwargs)  # type: ignore[arg-type]

    def monitor(self, body: str, **kwargs: object) -> IncidentUpdatePosted:
        """A fix is in place and watched: ``post_update(body, status=MONITORING, ...)``."""
        return self.post_update(body, status=IncidentStatus.MONITORING, **kwargs)  # type: ignore[arg-type]

    def link_ticket(self, ticket_id: str, *, at: datetime | None = None) -> IncidentTicketLinked:
        """Link a customer's ticket so that resolving the incident solves it too."""
        when = self._when(at)
        self._target("link_ticket")
        require_text(ticket_id, "ticket_id")
        if ticket_id in self._linked:
            raise InvalidArgument(f"ticket {ticket_id} is already linked to incident {self._id}")
        event = IncidentTicketLinked(at_us=when, ticket_id=ticket_id)
        self._apply(event)
        return event

    def resolve(
        self,
        body: str,
        *,
        tickets: Iterable[Ticket],
        template: ResponseTemplate,
        agent: str,
        values: Mapping[str, object] | None = None,
        impact: IncidentImpact | None = None,
        notify: bool = True,
        at: datetime | None = None,
    ) -> IncidentResolution:
        """Post the final update and solve every linked ticket that is still unsolved.

        ``tickets`` must include every linked ticket that is not solved or closed
        (others are reported in ``skipped``). Each ticket to solve gets ``template``
        as a public reply by ``agent`` (rendered with ``values`` plus ``incident.id``
        and ``incident.title``), then is solved with the incident as resolution; a
        ticket with no assignee is assigned to ``agent`` first. All or nothing: every
        ticket is checked on a copy before anything changes.
        """
        when = self._when(at)
        self._target("resolve")
        require_text(body, "body")
        require_text(agent, "agent")
        impact_ = self._impact if impact is None else _impact(impact)
        given = list(tickets)
        seen: set[str] = set()
        to_solve: list[Ticket] = []
        skipped: list[SkippedTicket] = []
        linked = set(self._linked)
        for ticket in given:
            if ticket.id in seen:
                raise InvalidArgument(f"ticket {ticket.id} was passed twice to resolve()")
            seen.add(ticket.id)
            status = str(ticket.status)
            if ticket.id not in linked:
                skipped.append(SkippedTicket(ticket_id=ticket.id, reason="not_linked"))
            elif status in ("solved", "closed"):
                reason = "closed" if status == "closed" else "already_solved"
                skipped.append(SkippedTicket(ticket_id=ticket.id, reason=reason))
            else:
                to_solve.append(ticket)
        missing = [ticket_id for ticket_id in self._linked if ticket_id not in seen]
        if missing:
            raise InvalidArgument(
                f"resolve() needs every ticket linked to incident {self._id} to solve or skip "
                f"them; missing: {', '.join(missing)}"
            )
        all_values: dict[str, object] = {"incident.id": self._id, "incident.title": self._title}
        all_values.update(flatten_values(values))
        resolution = f"resolved with incident {self._id}: {body}"
        # Dry run on copies: any refusal (template placeholders, instants, states)
        # surfaces here, before a single ticket or the incident changes.
        for ticket in to_solve:
            _solve_ticket(copy.deepcopy(ticket), template, agent, all_values, resolution, at)
        ticket_events: dict[str, tuple[Event, ...]] = {}
        for ticket in to_solve:
            before = ticket.version
            _solve_ticket(ticket, template, agent, all_values, resolution, at)
            ticket_events[ticket.id] = ticket.history[before:]
        event = IncidentResolved(
            at_us=when,
            body=body,
            impact=impact_,
            notify=_flag(notify, "notify"),
            solved_ticket_ids=tuple(ticket.id for ticket in to_solve),
        )
        self._apply(event)
        return IncidentResolution(
            event=event,
            solved=event.solved_ticket_ids,
            skipped=tuple(skipped),
            ticket_events=ticket_events,
        )

    def publish_postmortem(
        self, body: str, *, at: datetime | None = None
    ) -> IncidentPostmortemPublished:
        """Publish the post-incident review (after resolve; final)."""
        when = self._when(at)
        self._target("publish_postmortem")
        require_text(body, "body")
        event = IncidentPostmortemPublished(at_us=when, body=body)
        self._apply(event)
        return event

    # -- queries --------------------------------------------------------------------

    @property
    def status(self) -> IncidentStatus:
        """The current status."""
        return IncidentStatus(self._state)

    @property
    def title(self) -> str:
        """The incident's public title."""
        return self._title

    @property
    def impact(self) -> IncidentImpact:
        """The current impact level."""
        return self._impact

    @property
    def components(self) -> tuple[str, ...]:
        """Affected components, in the order they were added."""
        return self._components

    @property
    def customers(self) -> tuple[str, ...]:
        """Affected customers, in the order they were added."""
        return self._customers

    @property
    def updates(self) -> tuple[IncidentUpdate, ...]:
        """Every public update, oldest first (the declaration is the first)."""
        return self._updates

    @property
    def linked_tickets(self) -> tuple[str, ...]:
        """Ids of the linked tickets."""
        return self._linked

    @property
    def solved_tickets(self) -> tuple[str, ...]:
        """Ids of the tickets solved when the incident resolved."""
        return self._solved

    @property
    def resolved_at(self) -> pendulum.DateTime | None:
        """When it was resolved, or None."""
        return None if self._resolved_us is None else to_datetime(self._resolved_us)

    @property
    def postmortem(self) -> str | None:
        """The published post-incident review, or None."""
        return self._postmortem

    # -- event application ----------------------------------------------------------

    def _post(
        self, status: IncidentStatus, body: str, impact: IncidentImpact, notify: bool, us: int
    ) -> None:
        self._impact = impact
        self._updates = (
            *self._updates,
            IncidentUpdate(status=status, body=body, impact=impact, notify=notify, at_us=us),
        )

    def _on_declared(self, event: IncidentDeclared) -> None:
        self._id = event.incident_id
        self._title = event.title
        self._components = event.components
        self._customers = event.customers
        self._post(
            IncidentStatus.INVESTIGATING, event.body, event.impact, event.notify, event.at_us
        )

    def _on_update(self, event: IncidentUpdatePosted) -> None:
        current = self.status
        if event.status is current:
            self._target("update")
        else:
            trigger = _TRIGGER_FOR.get(event.status)
            if trigger is None:
                raise InvalidArgument(f"an update cannot move an incident to {event.status.value}")
            self._state = self._target(trigger)
        self._components = (*self._components, *event.components)
        self._customers = (*self._customers, *event.customers)
        self._post(event.status, event.body, event.impact, event.notify, event.at_us)

    def _on_linked(self, event: IncidentTicketLinked) -> None:
        self._target("link_ticket")
        self._linked = (*self._linked, event.ticket_id)

    def _on_resolved(self, event: IncidentResolved) -> None:
        self._state = self._target("resolve")
        self._resolved_us = event.at_us
        self._solved = event.solved_ticket_ids
        self._post(IncidentStatus.RESOLVED, event.body, event.impact, event.notify, event.at_us)

    def _on_postmortem(self, event: IncidentPostmortemPublished) -> None:
        self._state = self._target("publish_postmortem")
        self._postmortem = event.body


def _solve_ticket(
    ticket: Ticket,
    template: ResponseTemplate,
    agent: str,
    values: Mapping[str, object],
    resolution: str,
    at: datetime | None,
) -> None:
    if ticket.assignee is None:
        ticket.assign(agent, at=at)
    ticket.apply_template(template, agent=agent, values=values, resolution=resolution, at=at)
    if str(ticket.status) != "solved":
        ticket.solve(resolution, actor=agent, at=at)


def _impact(value: str) -> IncidentImpact:
    try:
        return IncidentImpact(value)
    except ValueError:
        allowed = ", ".join(i.value for i in IncidentImpact)
        raise InvalidArgument(f"impact must be one of {allowed}, got {value!r}") from None


def _status(value: str) -> IncidentStatus:
    try:
        return IncidentStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in IncidentStatus)
        raise InvalidArgument(f"status must be one of {allowed}, got {value!r}") from None


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidType(f"{name} must be a bool, got {type(value).__name__}")
    return value


Incident.handlers = {
    IncidentDeclared: Incident._on_declared,
    IncidentUpdatePosted: Incident._on_update,
    IncidentTicketLinked: Incident._on_linked,
    IncidentResolved: Incident._on_resolved,
    IncidentPostmortemPublished: Incident._on_postmortem,
}
Incident.codec = Codec(
    [
        IncidentDeclared,
        IncidentUpdatePosted,
        IncidentTicketLinked,
        IncidentResolved,
        IncidentPostmortemPublished,
    ]
)
Incident.migrations = Migrations("incident", 1)
