"""Typical host code for SLA policies and clocks, type-checked with mypy --strict."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pendulum

from supportflow import (
    BusinessCalendar,
    Channel,
    ClockState,
    Metric,
    SLAConditions,
    SLAPolicy,
    SLAPolicySet,
    SLATarget,
    Ticket,
    Topic,
)
from supportflow.events import Event, SLABreached, SLAThresholdReached
from supportflow.sla import SLAClock, SLAStatus


def build_policies() -> SLAPolicySet:
    office = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Paris")
    hour = timedelta(hours=1)
    gold = SLAPolicy(
        "gold",
        {
            Metric.FIRST_REPLY: {
                "urgent": SLATarget(hour / 2, calendar=BusinessCalendar.always_open())
            },
            "resolution": {"urgent": 4 * hour, "normal": 8 * hour},
        },
        conditions=SLAConditions(segments=["gold"], excluded_tags=["spam"]),
        calendar=office,
        pauses={"resolution": ["on_hold"]},
        warnings=(0.5, 0.9),
    )
    standard = SLAPolicy("standard", {"first_reply": {"normal": 4 * hour}}, calendar=office)
    return SLAPolicySet([gold, standard])


def store_policies(policies: SLAPolicySet) -> str:
    return json.dumps(policies.to_dict())


def load_policies(text: str) -> SLAPolicySet:
    return SLAPolicySet.from_dict(json.loads(text))


def sweep(ticket: Ticket, now: datetime) -> list[str]:
    """What a host's deadline sweep does: evaluate, then store the next deadline."""
    due: pendulum.DateTime | None = ticket.next_deadline()
    lines: list[str] = []
    if due is not None and due <= now:
        events: tuple[Event, ...] = ticket.evaluate(at=now)
        for event in events:
            if isinstance(event, SLAThresholdReached):
                lines.append(f"{event.metric.value} at {event.threshold:.0%} since {event.at}")
            elif isinstance(event, SLABreached):
                lines.append(f"{event.metric.value} breached at {event.at}")
    return lines


def dashboard(ticket: Ticket, now: datetime) -> list[tuple[str, float, bool]]:
    state = ticket.sla
    if state is None:
        return []
    rows: tuple[SLAStatus, ...] = state.report(at=now)
    return [(row.metric.value, row.percent, row.breached) for row in rows]


def running(ticket: Ticket) -> list[SLAClock]:
    state = ticket.sla
    clocks = () if state is None else state.clocks
    return [c for c in clocks if c.state in (ClockState.ACTIVE, ClockState.PAUSED)]


def main() -> None:
    policies = load_policies(store_policies(build_policies()))
    at = datetime(2026, 1, 5, 8, tzinfo=UTC)
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="Cannot log in",
        topic=Topic.ACCOUNT,
        channel=Channel.EMAIL,
        segment="gold",
        sla=policies,
        at=at,
    )
    print(sweep(ticket, at + timedelta(days=1)), dashboard(ticket, at + timedelta(days=1)))
    first = ticket.sla.clock("first_reply") if ticket.sla is not None else None
    deadline: int | None = None if first is None else first.deadline_us()
    print(deadline, len(running(ticket)))
    print(Ticket.from_dict(ticket.to_dict(), sla=policies) == ticket)
