"""How the store reads each aggregate type: load a document, find its next deadline, run
what is due.

Every aggregate is stored through its own ``to_dict()``/``from_dict()``; the document's
``"type"`` names the kind. Tickets need the host's SLA and escalation configuration to
load, the others load alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol, cast

import attrs

from .. import (
    Customer,
    EscalationPolicy,
    EscalationPolicyVersions,
    FeedbackProgram,
    Incident,
    Maintenance,
    ProactiveCase,
    SLAPolicySet,
    SLAPolicyVersions,
    Ticket,
    TicketStatus,
)
from .._kernel._aggregate import Aggregate
from .._kernel._errors import UnknownName
from .._tickets._codec import TICKET_MIGRATIONS

__all__ = ["Kind", "Kinds", "Stored", "document_type", "stored"]


class Stored(Protocol):
    """What the store reads from every aggregate besides the kernel's surface."""

    @property
    def id(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


def document_type(aggregate: Aggregate) -> str:
    """The ``"type"`` of the aggregate's documents (``"ticket"``, ``"proactive_case"``)."""
    return _TYPE_OF[type(aggregate)]


def stored(aggregate: Aggregate) -> Stored:
    """The aggregate as the store reads it (every aggregate type has an id and documents)."""
    return cast(Stored, aggregate)


def _no_deadline(aggregate: Any) -> int | None:
    return None


def _nothing_due(aggregate: Any, at: datetime) -> None:
    return None


def _ticket_due(ticket: Ticket, at: datetime) -> None:
    """SLA warnings and breaches and escalations due by ``at``; the auto-close once due."""
    ticket.evaluate(at=at)
    close = ticket.auto_close_at
    if ticket.status is TicketStatus.SOLVED and close is not None and close <= at:
        ticket.auto_close(at=at)


def _evaluate(aggregate: Any, at: datetime) -> None:
    aggregate.evaluate(at=at)


def _deadline(aggregate: Any) -> int | None:
    due: int | None = aggregate.next_deadline_us()
    return due


def _notice(maintenance: Maintenance) -> int | None:
    return maintenance.next_notice_us()


@attrs.frozen
class Kind:
    """One aggregate type: how to load its documents, when it is next due, what is due."""

    name: str
    cls: type[Aggregate]
    load: Callable[[Any], Aggregate]
    #: The next instant the sweep has something to do (recorded as ``next_due_us``).
    next_due_us: Callable[[Any], int | None]
    run_due: Callable[[Any, datetime], None]


class Kinds:
    """The aggregate types a store knows, by document type."""

    def __init__(
        self,
        *,
        sla: SLAPolicySet | SLAPolicyVersions | None = None,
        escalation: EscalationPolicy | EscalationPolicyVersions | None = None,
    ) -> None:
        def load_ticket(document: Any) -> Aggregate:
            return Ticket.from_dict(document, sla=sla, escalation=escalation)

        kinds = [
            Kind(_TYPE_OF[Ticket], Ticket, load_ticket, _deadline, _ticket_due),
            # A maintenance's planned start is the host's to act on: the sweep waits
            # for its notices only.
            Kind(_TYPE_OF[Maintenance], Maintenance, Maintenance.from_dict, _notice, _evaluate),
            *(
                Kind(_TYPE_OF[cls], cls, cls.from_dict, _deadline, _evaluate)
                for cls in (ProactiveCase, FeedbackProgram)
            ),
            *(
                Kind(_TYPE_OF[cls], cls, cls.from_dict, _no_deadline, _nothing_due)
                for cls in (Incident, Customer)
            ),
        ]
        self._by_type: Mapping[str, Kind] = {kind.name: kind for kind in kinds}

    def of(self, name: str | type[Aggregate]) -> Kind:
        """The kind for a document type (``"ticket"``) or an aggregate class."""
        key = _TYPE_OF.get(name, name) if isinstance(name, type) else name
        kind = self._by_type.get(key)  # type: ignore[arg-type]
        if kind is None:
            raise UnknownName(
                f"unknown aggregate type {name!r}; the store keeps: {', '.join(self._by_type)}"
            )
        return kind


_TYPE_OF: Mapping[type, str] = {
    Ticket: TICKET_MIGRATIONS.kind,
    **{
        cls: cls.migrations.kind
        for cls in (Incident, Maintenance, ProactiveCase, FeedbackProgram, Customer)
    },
}
