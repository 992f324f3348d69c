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

try:
    __version__ = version("supportflow")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "Channel",
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
    "ManagerNotified",
    "MissingPlaceholders",
    "NaiveDatetimeError",
    "Priority",
    "PriorityAssessment",
    "PriorityMatrix",
    "Route",
    "RoutingTable",
    "SchemaError",
    "SchemaVersionError",
    "SupportflowError",
    "TicketClosed",
    "TicketStatus",
    "Tier",
    "TierLadder",
    "Topic",
    "UnknownName",
    "Urgency",
    "VersionConflict",
    "__version__",
]
