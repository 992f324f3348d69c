"""A naive hand-written codec of the same ticket documents (the floor of issue 22).

What a host writes when it persists tickets itself: a frozen dataclass per event kind,
a ticket dataclass holding the snapshot fields and its events, and two loops over the
dataclass fields with a converter per field kind (instants, enums, tag sets). It
trusts its input: no replay, no lifecycle or argument checks, no version check. It
writes byte-identical documents to supportflow's (the benchmark asserts it).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from enum import Enum
from typing import Any

from supportflow import Channel, LifecyclePhase, Priority, TicketStatus, Topic

_UTC = _dt.UTC


def _instant_out(value: _dt.datetime) -> str:
    return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _instant_in(text: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(text)


@dataclasses.dataclass(frozen=True, slots=True)
class Opened:
    at: _dt.datetime
    ticket_id: str
    customer_id: str
    subject: str
    topic: Topic
    channel: Channel
    priority: Priority
    phase: LifecyclePhase
    body: str | None
    tags: frozenset[str]
    team: str | None
    tier: int | None
    segment: str | None
    follow_up_of: str | None
    auto_close_after_us: int


@dataclasses.dataclass(frozen=True, slots=True)
class Assigned:
    at: _dt.datetime
    agent: str
    team: str | None
    actor: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class Replied:
    at: _dt.datetime
    author: str
    body: str
    channel: Channel
    template: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class StatusChanged:
    at: _dt.datetime
    from_status: TicketStatus
    to_status: TicketStatus
    trigger: str


@dataclasses.dataclass(frozen=True, slots=True)
class CustomerMessaged:
    at: _dt.datetime
    body: str
    channel: Channel


@dataclasses.dataclass(frozen=True, slots=True)
class NoteAdded:
    at: _dt.datetime
    author: str
    body: str


@dataclasses.dataclass(frozen=True, slots=True)
class Tagged:
    at: _dt.datetime
    tags: frozenset[str]


@dataclasses.dataclass(frozen=True, slots=True)
class Solved:
    at: _dt.datetime
    resolution: str
    actor: str | None


EVENTS: dict[str, type] = {
    "ticket_opened": Opened,
    "ticket_assigned": Assigned,
    "ticket_replied": Replied,
    "ticket_status_changed": StatusChanged,
    "ticket_customer_messaged": CustomerMessaged,
    "ticket_note_added": NoteAdded,
    "ticket_tagged": Tagged,
    "ticket_solved": Solved,
}
_NAMES = {kind: name for name, kind in EVENTS.items()}
_ENUMS: dict[str, type[Enum]] = {
    "topic": Topic,
    "channel": Channel,
    "priority": Priority,
    "phase": LifecyclePhase,
    "from_status": TicketStatus,
    "to_status": TicketStatus,
}
_FIELDS = {kind: tuple(f.name for f in dataclasses.fields(kind)) for kind in EVENTS.values()}


@dataclasses.dataclass(slots=True)
class NaiveTicket:
    id: str
    customer_id: str
    status: TicketStatus
    priority: Priority
    assignee: str | None
    team: str | None
    tier: int | None
    tags: frozenset[str]
    created_at: _dt.datetime
    updated_at: _dt.datetime
    version: int
    history: list[Any]


def _out(name: str, value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, _dt.datetime):
        return _instant_out(value)
    if isinstance(value, frozenset):
        return sorted(value)
    return value


def _in(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "at":
        return _instant_in(value)
    if name == "tags":
        return frozenset(value)
    kind = _ENUMS.get(name)
    return value if kind is None else kind(value)


def to_dict(ticket: NaiveTicket) -> dict[str, Any]:
    history = []
    for event in ticket.history:
        kind = type(event)
        item: dict[str, Any] = {"event": _NAMES[kind]}
        for name in _FIELDS[kind]:
            item[name] = _out(name, getattr(event, name))
        history.append(item)
    return {
        "type": "ticket",
        "schema": 2,
        "id": ticket.id,
        "customer_id": ticket.customer_id,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "assignee": ticket.assignee,
        "team": ticket.team,
        "tier": ticket.tier,
        "tags": sorted(ticket.tags),
        "created_at": _instant_out(ticket.created_at),
        "updated_at": _instant_out(ticket.updated_at),
        "version": ticket.version,
        "history": history,
    }


def from_dict(data: dict[str, Any]) -> NaiveTicket:
    history = []
    for item in data["history"]:
        kind = EVENTS[item["event"]]
        history.append(kind(**{name: _in(name, item[name]) for name in _FIELDS[kind]}))
    return NaiveTicket(
        id=data["id"],
        customer_id=data["customer_id"],
        status=TicketStatus(data["status"]),
        priority=Priority(data["priority"]),
        assignee=data["assignee"],
        team=data["team"],
        tier=data["tier"],
        tags=frozenset(data["tags"]),
        created_at=_instant_in(data["created_at"]),
        updated_at=_instant_in(data["updated_at"]),
        version=data["version"],
        history=history,
    )
