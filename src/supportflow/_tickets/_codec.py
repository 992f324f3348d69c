"""Ticket documents: the codec of ticket events and the ``"ticket"`` schema.

The SLA and escalation modules add their event classes to :data:`TICKET_CODEC_EVENTS`
(the tuple the codec is built from), so their events round-trip in a ticket's history.
"""

from __future__ import annotations

from typing import Final

from .._kernel._event import Event
from .._kernel._serde import Codec, Migrations, renamed_events
from .._sla._state import SLA_EVENTS, SLAVersionApplied
from .._vocabulary._ticket_events import TICKET_EVENTS
from ._tiers import ESCALATION_EVENTS, EscalationVersionApplied

__all__ = ["TICKET_CODEC", "TICKET_CODEC_EVENTS", "TICKET_EVENT_NAMES_1", "TICKET_MIGRATIONS"]

#: Every event class a ticket history may hold (the ticket's own, then SLA, escalation).
TICKET_CODEC_EVENTS: Final[tuple[type[Event], ...]] = (
    *TICKET_EVENTS,
    *SLA_EVENTS,
    SLAVersionApplied,
    *ESCALATION_EVENTS,
    EscalationVersionApplied,
)

TICKET_CODEC: Final = Codec(TICKET_CODEC_EVENTS)

#: Event names of schema 1: schema 2 names every event of a ticket's history by its
#: subject and what happened (``ticket_assigned``, ``sla_threshold_reached``).
TICKET_EVENT_NAMES_1: Final = {
    "assigned": "ticket_assigned",
    "replied": "ticket_replied",
    "note_added": "ticket_note_added",
    "customer_messaged": "ticket_customer_messaged",
    "status_changed": "ticket_status_changed",
    "solved": "ticket_solved",
    "priority_changed": "ticket_priority_changed",
    "tagged": "ticket_tagged",
    "untagged": "ticket_untagged",
    "linked": "ticket_linked",
    "escalated": "ticket_escalated",
    "de_escalated": "ticket_de_escalated",
    "manager_notified": "ticket_manager_notified",
    "priority_raised": "ticket_priority_raised",
    "customer_requested_escalation": "ticket_escalation_requested",
    "sla_warning": "sla_threshold_reached",
}

#: Schema 1 is the first ticket document format; schema 2 renames its events.
TICKET_MIGRATIONS: Final = Migrations("ticket", 2, {1: renamed_events(TICKET_EVENT_NAMES_1)})
