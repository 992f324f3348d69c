"""Ticket documents: the codec of ticket events and the ``"ticket"`` schema.

The SLA and escalation modules add their event classes to :data:`TICKET_CODEC_EVENTS`
(the tuple the codec is built from), so their events round-trip in a ticket's history.
"""

from __future__ import annotations

from typing import Final

from .._kernel._event import Event
from .._kernel._serde import Codec, Migrations
from .._sla._state import SLA_EVENTS
from .._vocabulary._ticket_events import TICKET_EVENTS
from ._tiers import ESCALATION_EVENTS

__all__ = ["TICKET_CODEC", "TICKET_CODEC_EVENTS", "TICKET_MIGRATIONS"]

#: Every event class a ticket history may hold (the ticket's own, then SLA, escalation).
TICKET_CODEC_EVENTS: Final[tuple[type[Event], ...]] = (
    *TICKET_EVENTS,
    *SLA_EVENTS,
    *ESCALATION_EVENTS,
)

TICKET_CODEC: Final = Codec(TICKET_CODEC_EVENTS)

#: Schema 1 is the first ticket document format; later schemas register steps here.
TICKET_MIGRATIONS: Final = Migrations("ticket", 1)
