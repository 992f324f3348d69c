"""Incident communication, status-page style: investigating -> identified -> monitoring -> resolved.

Every step is a public update (body, status, instant, notify flag) to the affected
customers and components, with an impact level. Tickets from affected customers are
linked to the incident; :meth:`Incident.resolve` solves every linked ticket that is
still unsolved with one templated reply, atomically, and says what changed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Final

import attrs
import pendulum

from .._kernel._aggregate import atomic
from .._kernel._errors import InvalidArgument
from .._kernel._event import Event
from .._kernel._lifecycle import Lifecycle
from .._kernel._serde import Codec, Migrations, instant_field
from .._kernel._time import to_datetime
from .._tickets._templates import flatten_values
from ._base import (
    ProactiveAggregate,
    check_ids,
    require_flag,
    require_ids,
    require_member,
    require_text,
)

if TYPE_CHECKING:
    from .._tickets._templates import ResponseTemplate
    from .._tickets._ticket import Ticket

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

# The moves a public update may make (resolving and the postmortem have their own
# commands and events).
_UPDATE_MOVES: Final = frozenset({"identify", "monitor", "investigate"})


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
        obj._apply(
            IncidentDeclared(
                at_us=obj._when(at),
                incident_id=incident_id,
                title=title,
                body=body,
                impact=require_member(IncidentImpact, impact, "impact"),
                components=require_ids(components, "components"),
                customers=require_ids(customers, "customers"),
                notify=notify,
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
        event = IncidentUpdatePosted(
            at_us=when,
            status=self.status
            if status is None
            else require_member(IncidentStatus, status, "status"),
            body=body,
            impact=self._impact
            if impact is None
            else require_member(IncidentImpact, impact, "impact"),
            components=tuple(
                c for c in require_ids(components, "components") if c not in self._components
            ),
            customers=tuple(
                c for c in require_ids(customers, "customers") if c not in self._customers
            ),
            notify=notify,
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
        event = IncidentTicketLinked(at_us=self._when(at), ticket_id=ticket_id)
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
        ticket with no assignee is assigned to ``agent`` first. All or nothing: when
        anything is refused, the incident and every ticket are left as they were
        (:func:`~supportflow.atomic`).
        """
        when = self._when(at)
        self._target("resolve")
        require_text(agent, "agent")
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
        event = IncidentResolved(
            at_us=when,
            body=body,
            impact=self._impact
            if impact is None
            else require_member(IncidentImpact, impact, "impact"),
            notify=notify,
            solved_ticket_ids=tuple(ticket.id for ticket in to_solve),
        )
        all_values: dict[str, object] = {"incident.id": self._id, "incident.title": self._title}
        all_values.update(flatten_values(values))
        resolution = f"resolved with incident {self._id}: {body}"
        ticket_events: dict[str, tuple[Event, ...]] = {}
        with atomic(self, *to_solve):
            for ticket in to_solve:
                before = ticket.version
                _solve_ticket(ticket, template, agent, all_values, resolution, at)
                ticket_events[ticket.id] = ticket.history[before:]
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
        event = IncidentPostmortemPublished(at_us=self._when(at), body=body)
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

    def _update(
        self,
        status: IncidentStatus,
        event: IncidentDeclared | IncidentUpdatePosted | IncidentResolved,
        customers: tuple[str, ...],
    ) -> IncidentUpdate:
        """The public update ``event`` posts (checked), for an incident whose affected
        customers will be ``customers``."""
        require_text(event.body, "body")
        impact = require_member(IncidentImpact, event.impact, "impact")
        notify = require_flag(event.notify, "notify")
        if notify and not customers:
            raise InvalidArgument(
                f"incident {self._id} has no affected customers to notify: "
                "pass customers=[...] or notify=False",
                field="notify",
            )
        return IncidentUpdate(
            status=status, body=event.body, impact=impact, notify=notify, at_us=event.at_us
        )

    def _post(self, update: IncidentUpdate) -> None:
        self._impact = update.impact
        self._updates = (*self._updates, update)

    def _on_declared(self, event: IncidentDeclared) -> None:
        incident_id = require_text(event.incident_id, "incident_id")
        title = require_text(event.title, "title")
        components = check_ids(event.components, "components")
        customers = check_ids(event.customers, "customers")
        update = self._update(IncidentStatus.INVESTIGATING, event, customers)
        self._id, self._title = incident_id, title
        self._components, self._customers = components, customers
        self._post(update)

    def _on_update(self, event: IncidentUpdatePosted) -> None:
        status = require_member(IncidentStatus, event.status, "status")
        if status is self.status:
            target = self._target("update")
        else:
            trigger = INCIDENT_LIFECYCLE.trigger_into(self._state, status.value)
            target = self._target(trigger)
            if trigger not in _UPDATE_MOVES:
                raise InvalidArgument(
                    f"use Incident.{trigger}() to move incident {self._id} to {status.value!r}",
                    field="status",
                )
        components = (
            *self._components,
            *self._added(event.components, self._components, "components"),
        )
        customers = (*self._customers, *self._added(event.customers, self._customers, "customers"))
        update = self._update(status, event, customers)
        self._state = target
        self._components, self._customers = components, customers
        self._post(update)

    def _added(self, new: tuple[str, ...], known: tuple[str, ...], name: str) -> tuple[str, ...]:
        check_ids(new, name)
        again = [value for value in new if value in known]
        if again:
            raise InvalidArgument(
                f"{name} already affected by incident {self._id}: {', '.join(again)}", field=name
            )
        return new

    def _on_linked(self, event: IncidentTicketLinked) -> None:
        self._target("link_ticket")
        ticket_id = require_text(event.ticket_id, "ticket_id")
        if ticket_id in self._linked:
            raise InvalidArgument(
                f"ticket {ticket_id} is already linked to incident {self._id}", field="ticket_id"
            )
        self._linked = (*self._linked, ticket_id)

    def _on_resolved(self, event: IncidentResolved) -> None:
        target = self._target("resolve")
        solved = check_ids(event.solved_ticket_ids, "solved_ticket_ids")
        unlinked = [ticket_id for ticket_id in solved if ticket_id not in self._linked]
        if unlinked:
            raise InvalidArgument(
                f"incident {self._id} solved tickets it was not linked to: {', '.join(unlinked)}",
                field="solved_ticket_ids",
            )
        update = self._update(IncidentStatus.RESOLVED, event, self._customers)
        self._state = target
        self._post(update)
        self._resolved_us = event.at_us
        self._solved = solved

    def _on_postmortem(self, event: IncidentPostmortemPublished) -> None:
        target = self._target("publish_postmortem")
        self._postmortem = require_text(event.body, "body")
        self._state = target


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
