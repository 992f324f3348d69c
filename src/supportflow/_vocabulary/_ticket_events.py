"""The events of a reactive ticket, and the conversation messages derived from them.

Each ticket event fires exactly one trigger of the ticket lifecycle, and the shared
Machine decides where it leads: :class:`TicketReplied` fires ``reply`` (new -> open),
:class:`TicketCustomerMessaged` fires ``customer_message`` (pending, on_hold, solved -> open),
:class:`TicketSolved` fires ``solve``, and :class:`TicketStatusChanged` carries the pure status
commands (``set_pending``, ``put_on_hold``, ``resume``, ``confirm``, ``auto_close``).
The status after an event is therefore always what the Machine says, in commands and
in replay alike.
"""

from __future__ import annotations

import enum
from typing import ClassVar, Final

import attrs
import pendulum

from .._kernel._event import Event
from .._kernel._serde import instant_field, optional_field
from .._kernel._time import to_datetime
from ._taxonomy import Channel, LifecyclePhase, Priority, TicketStatus, Topic

__all__ = [
    "TICKET_EVENTS",
    "Message",
    "MessageKind",
    "TicketAssigned",
    "TicketCustomerMessaged",
    "TicketLinked",
    "TicketNoteAdded",
    "TicketOpened",
    "TicketPriorityChanged",
    "TicketReplied",
    "TicketSolved",
    "TicketStatusChanged",
    "TicketTagged",
    "TicketUntagged",
]


@attrs.frozen(kw_only=True)
class TicketOpened(Event):
    """A ticket was opened; ``body`` is the customer's first message, if any.

    ``follow_up_of`` names the closed ticket this one follows up, if any.
    """

    name: ClassVar[str] = "ticket_opened"

    ticket_id: str
    customer_id: str
    subject: str
    topic: Topic
    channel: Channel
    priority: Priority
    phase: LifecyclePhase
    body: str | None = None
    tags: frozenset[str] = frozenset()
    team: str | None = None
    tier: int | None = None
    segment: str | None = None
    follow_up_of: str | None = None
    auto_close_after_us: int


@attrs.frozen(kw_only=True)
class TicketAssigned(Event):
    """The ticket was given to ``agent`` (and to ``team`` when not None); ``actor`` did it.

    ``reason`` says why this agent (a routing policy's explanation); documents carry
    it only when set.
    """

    name: ClassVar[str] = "ticket_assigned"

    agent: str
    team: str | None = None
    actor: str | None = None
    reason: str | None = optional_field()


@attrs.frozen(kw_only=True)
class TicketReplied(Event):
    """A public agent reply; ``template`` names the response template it came from."""

    name: ClassVar[str] = "ticket_replied"

    author: str
    body: str
    channel: Channel
    template: str | None = None


@attrs.frozen(kw_only=True)
class TicketNoteAdded(Event):
    """An internal note, never shown to the customer."""

    name: ClassVar[str] = "ticket_note_added"

    author: str
    body: str


@attrs.frozen(kw_only=True)
class TicketCustomerMessaged(Event):
    """A message from the customer."""

    name: ClassVar[str] = "ticket_customer_messaged"

    body: str
    channel: Channel


@attrs.frozen(kw_only=True)
class TicketStatusChanged(Event):
    """A pure status command; ``trigger``: set_pending, put_on_hold, resume, confirm, auto_close."""

    name: ClassVar[str] = "ticket_status_changed"

    from_status: TicketStatus
    to_status: TicketStatus
    trigger: str


@attrs.frozen(kw_only=True)
class TicketSolved(Event):
    """The ticket was solved with ``resolution`` (``actor`` solved it)."""

    name: ClassVar[str] = "ticket_solved"

    resolution: str
    actor: str | None = None


@attrs.frozen(kw_only=True)
class TicketPriorityChanged(Event):
    """The priority changed, optionally with the ``reason``."""

    name: ClassVar[str] = "ticket_priority_changed"

    from_priority: Priority
    to_priority: Priority
    reason: str | None = None


@attrs.frozen(kw_only=True)
class TicketTagged(Event):
    """Tags added (only those the ticket did not have)."""

    name: ClassVar[str] = "ticket_tagged"

    tags: frozenset[str]


@attrs.frozen(kw_only=True)
class TicketUntagged(Event):
    """Tags removed (only those the ticket had)."""

    name: ClassVar[str] = "ticket_untagged"

    tags: frozenset[str]


@attrs.frozen(kw_only=True)
class TicketLinked(Event):
    """The ticket was linked to a related ticket."""

    name: ClassVar[str] = "ticket_linked"

    other_id: str


TICKET_EVENTS: Final[tuple[type[Event], ...]] = (
    TicketOpened,
    TicketAssigned,
    TicketReplied,
    TicketNoteAdded,
    TicketCustomerMessaged,
    TicketStatusChanged,
    TicketSolved,
    TicketPriorityChanged,
    TicketTagged,
    TicketUntagged,
    TicketLinked,
)


class MessageKind(enum.StrEnum):
    """Who wrote a message and who sees it."""

    CUSTOMER = "customer"
    REPLY = "reply"
    NOTE = "note"


@attrs.frozen(kw_only=True)
class Message:
    """One entry of a ticket's conversation.

    ``author`` is the customer id for customer messages and the agent otherwise;
    ``channel`` is None for internal notes.
    """

    kind: MessageKind
    author: str
    body: str
    channel: Channel | None
    at_us: int = instant_field()

    @property
    def public(self) -> bool:
        """Whether the customer sees it (internal notes are not public)."""
        return self.kind is not MessageKind.NOTE

    @property
    def at(self) -> pendulum.DateTime:
        """When it was written, in UTC."""
        return to_datetime(self.at_us)
