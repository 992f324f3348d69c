"""supportflow: customer support and service as a library.

Tickets, SLA policies and their clocks over business calendars, escalation tiers,
and the reactive and proactive support lifecycles as state machines. Pure and
deterministic: every command takes ``at=``; hosts persist the objects themselves.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._errors import (
    InvalidArgument,
    InvalidTransition,
    InvalidType,
    MissingPlaceholders,
    NaiveDatetimeError,
    SchemaError,
    SchemaVersionError,
    SupportflowError,
    TicketClosed,
    UnknownName,
    VersionConflict,
)
from ._escalation import (
    CustomerRequestedEscalation,
    DeEscalated,
    Escalated,
    ManagerNotified,
    Route,
    RoutingTable,
    Tier,
    TierLadder,
)
from ._events import Event
from ._priority_matrix import Impact, PriorityAssessment, PriorityMatrix, Urgency
from ._taxonomy import Channel, Domain, LifecyclePhase, Priority, TicketStatus, Topic
from ._templates import ResponseTemplate
from ._ticket_events import (
    Assigned,
    CustomerMessaged,
    Linked,
    Message,
    MessageKind,
    NoteAdded,
    PriorityChanged,
    Replied,
    Solved,
    StatusChanged,
    Tagged,
    TicketOpened,
    Untagged,
)
from ._tickets import TICKET_LIFECYCLE, Ticket

try:
    __version__ = version("supportflow")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "TICKET_LIFECYCLE",
    "Assigned",
    "Channel",
    "CustomerMessaged",
    "CustomerRequestedEscalation",
    "DeEscalated",
    "Domain",
    "Escalated",
    "Event",
    "Impact",
    "InvalidArgument",
    "InvalidTransition",
    "InvalidType",
    "LifecyclePhase",
    "Linked",
    "ManagerNotified",
    "Message",
    "MessageKind",
    "MissingPlaceholders",
    "NaiveDatetimeError",
    "NoteAdded",
    "Priority",
    "PriorityAssessment",
    "PriorityChanged",
    "PriorityMatrix",
    "Replied",
    "ResponseTemplate",
    "Route",
    "RoutingTable",
    "SchemaError",
    "SchemaVersionError",
    "Solved",
    "StatusChanged",
    "SupportflowError",
    "Tagged",
    "Ticket",
    "TicketClosed",
    "TicketOpened",
    "TicketStatus",
    "Tier",
    "TierLadder",
    "Topic",
    "UnknownName",
    "Untagged",
    "Urgency",
    "VersionConflict",
    "__version__",
]
