"""supportflow: customer support and service as a library.

Tickets, SLA policies and their clocks over business calendars, escalation tiers,
and the reactive and proactive support lifecycles as state machines. Pure and
deterministic: every command takes ``at=``; hosts persist the objects themselves.
"""

from __future__ import annotations

import typing as _typing

from ._calendars._calendar import BusinessCalendar, Weekday
from ._customers._customer import Customer
from ._escalation._policy import (
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    NotifyManager,
    RaisePriority,
    WhenCustomerAsks,
    WhenOlderThan,
    WhenPriorityAtOpen,
    WhenReassignedAtLeast,
    WhenReopenedAtLeast,
    WhenSLABreached,
    WhenSLAReaches,
)
from ._escalation._versions import EscalationPolicyVersions
from ._kernel._aggregate import atomic
from ._kernel._errors import (
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
from ._kernel._public import publish
from ._proactive._feedback import CESMethod, FeedbackProgram, FeedbackProgramStatus, SurveyKind
from ._proactive._incidents import Incident, IncidentImpact, IncidentStatus
from ._proactive._maintenance import Maintenance, MaintenanceStatus
from ._proactive._outreach import ProactiveCase, ProactiveCaseStatus, Signal
from ._sla._policy import ClockState, Metric, SLAConditions, SLAPolicy, SLAPolicySet, SLATarget
from ._sla._versions import SLAPolicyVersions
from ._tickets._priority_matrix import Impact, PriorityAssessment, PriorityMatrix, Urgency
from ._tickets._templates import ResponseTemplate
from ._tickets._ticket import TICKET_LIFECYCLE, Ticket
from ._tickets._tiers import Route, RoutingTable, Tier, TierLadder
from ._vocabulary._taxonomy import Channel, Domain, LifecyclePhase, Priority, TicketStatus, Topic
from ._vocabulary._ticket_events import Message, MessageKind

_SUBMODULES: _typing.Final = frozenset(
    {
        "events",
        "metrics",
        "sla",
        "escalation",
        "proactive",
        "customers",
        "desk",
        "simulation",
        "testing",
        "schemas",
    }
)


def __getattr__(name: str) -> _typing.Any:
    # The version is read from the installed metadata on first use: importing
    # importlib.metadata costs about 40 ms, a quarter of the whole import.
    if name in _SUBMODULES:  # supportflow.metrics without importing it first
        import importlib

        return importlib.import_module(f"supportflow.{name}")
    if name != "__version__":
        raise AttributeError(f"module 'supportflow' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("supportflow")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        found = "0+unknown"
    globals()["__version__"] = found
    return found


__all__ = [
    "TICKET_LIFECYCLE",
    "BusinessCalendar",
    "CESMethod",
    "Channel",
    "ClockState",
    "Customer",
    "Domain",
    "EscalateTo",
    "EscalationPolicy",
    "EscalationPolicyVersions",
    "EscalationRule",
    "FeedbackProgram",
    "FeedbackProgramStatus",
    "Impact",
    "Incident",
    "IncidentImpact",
    "IncidentStatus",
    "InvalidArgument",
    "InvalidTransition",
    "InvalidType",
    "LifecyclePhase",
    "Maintenance",
    "MaintenanceStatus",
    "Message",
    "MessageKind",
    "Metric",
    "MissingPlaceholders",
    "NaiveDatetimeError",
    "NotifyManager",
    "Priority",
    "PriorityAssessment",
    "PriorityMatrix",
    "ProactiveCase",
    "ProactiveCaseStatus",
    "RaisePriority",
    "ResponseTemplate",
    "Route",
    "RoutingTable",
    "SLAConditions",
    "SLAPolicy",
    "SLAPolicySet",
    "SLAPolicyVersions",
    "SLATarget",
    "SchemaError",
    "SchemaVersionError",
    "Signal",
    "SupportflowError",
    "SurveyKind",
    "Ticket",
    "TicketClosed",
    "TicketStatus",
    "Tier",
    "TierLadder",
    "Topic",
    "UnknownName",
    "Urgency",
    "VersionConflict",
    "Weekday",
    "WhenCustomerAsks",
    "WhenOlderThan",
    "WhenPriorityAtOpen",
    "WhenReassignedAtLeast",
    "WhenReopenedAtLeast",
    "WhenSLABreached",
    "WhenSLAReaches",
    "__version__",
    "atomic",
]

publish(globals(), __all__)
