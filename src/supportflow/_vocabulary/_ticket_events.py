"""The events of a reactive ticket, and the conversation messages derived from them.

Each ticket event fires exactly one trigger of the ticket lifecycle, and the shared
Machine decides where it leads: :class:`Replied` fires ``reply`` (new -> open),
:class:`CustomerMessaged` fires ``customer_message`` (pending, on_hold, solved -> open),
:class:`Solved` fires ``solve``, and :class:`StatusChanged` carries the pure status
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
    "Assigned",
    "CustomerMessaged",
    "Linked",
    "Message",
    "MessageKind",
    "NoteAdded",
    "PriorityChanged",
    "Replied",
    "Solved",
    "StatusChanged",
    "Tagged",
    "TicketOpened",
    "Untagged",
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
class Assigned(Event):
    """The ticket was given to ``agent`` (and to ``team`` when not None); ``actor`` did it.

    ``reason`` says why this agent (a routing policy's explanation); documents carry
    it only when set.
    """

    name: ClassVar[str] = "assigned"

    agent: str
    team: str | None = None
    actor: str | None = None
    reason: str | None = optional_field()


@attrs.frozen(kw_only=True)
class Replied(Event):
    """A public agent reply; ``template`` names the response template it came from."""

    name: ClassVar[str] = "replied"

    author: str
    body: str
    channel: Channel
    template: str | None = None


@attrs.frozen(kw_only=True)
class NoteAdded(Event):
    """An internal note, never shown to the customer."""

    name: ClassVar[str] = "note_added"

    author: str
    body: str


@attrs.frozen(kw_only=True)
class CustomerMessaged(Event):
    """A message from the customer."""

    name: ClassVar[str] = "customer_messaged"

    body: str
    channel: Channel


@attrs.frozen(kw_only=True)
class StatusChanged(Event):
    """A pure status command; ``trigger``: set_pending, put_on_hold, resume, confirm, auto_close."""

    name: ClassVar[str] = "status_changed"

    from_status: TicketStatus
    to_status: TicketStatus
    trigger: str


@attrs.frozen(kw_only=True)
class Solved(Event):
    """The ticket was solved with ``resolution`` (``actor`` solved it)."""

    name: ClassVar[str] = "solved"

    resolution: str
    actor: str | None = None


@attrs.frozen(kw_only=True)
class PriorityChanged(Event):
    """The priority changed, optionally with the ``reason``."""

    name: ClassVar[str] = "priority_changed"

    from_priority: Priority
    to_priority: Priority
    reason: str | None = None


@attrs.frozen(kw_only=True)
class Tagged(Event):
    """Tags added (only those the ticket did not have)."""

    name: ClassVar[str] = "tagged"

    tags: frozenset[str]


@attrs.frozen(kw_only=True)
class Untagged(Event):
    """Tags removed (only those the ticket had)."""

    name: ClassVar[str] = "untagged"

    tags: frozenset[str]


@attrs.frozen(kw_only=True)
class Linked(Event):
    """The ticket was linked to a related ticket."""

    name: ClassVar[str] = "linked"

    other_id: str


TICKET_EVENTS: Final[tuple[type[Event], ...]] = (
    TicketOpened,
    Assigned,
    Replied,
    NoteAdded,
    CustomerMessaged,
    StatusChanged,
    Solved,
    PriorityChanged,
    Tagged,
    Untagged,
    Linked,
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
