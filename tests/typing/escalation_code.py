"""Typical host code for escalation, type-checked with mypy --strict."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pendulum

from supportflow import (
    BusinessCalendar,
    Channel,
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    Impact,
    NotifyManager,
    Priority,
    PriorityAssessment,
    PriorityMatrix,
    RaisePriority,
    Route,
    RoutingTable,
    Ticket,
    Tier,
    TierLadder,
    Topic,
    Urgency,
    WhenCustomerAsks,
    WhenOlderThan,
    WhenPriorityAtOpen,
    WhenReassignedAtLeast,
    WhenReopenedAtLeast,
    WhenSLABreached,
    WhenSLAReaches,
)
from supportflow.escalation import DueEscalation
from supportflow.events import Event, TicketDeEscalated, TicketEscalated, TicketManagerNotified


def build_policy() -> EscalationPolicy:
    office = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Paris")
    ladder = TierLadder.default(names={1: "service desk"}, teams={2: ["network", "apps"]})
    return EscalationPolicy(
        [
            EscalationRule("page", WhenPriorityAtOpen(Priority.URGENT), NotifyManager("on_call")),
            EscalationRule("late", WhenSLAReaches("resolution", 75), EscalateTo()),
            EscalationRule("breach", WhenSLABreached("resolution"), NotifyManager("manager")),
            EscalationRule("reopens", WhenReopenedAtLeast(3), EscalateTo(tier=3)),
            EscalationRule("bounced", WhenReassignedAtLeast(2), RaisePriority()),
            EscalationRule(
                "old", WhenOlderThan(timedelta(days=2), office), RaisePriority("urgent")
            ),
            EscalationRule("asked", WhenCustomerAsks(), EscalateTo(team="apps")),
        ],
        ladder,
    )


def route_and_open(routing: RoutingTable, at: datetime) -> Ticket:
    tier, team = routing.route(Topic.INSTALLATION, Channel.EMAIL, Priority.HIGH)
    level: int = tier
    name: str = team
    return Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="Cannot install",
        topic=Topic.INSTALLATION,
        channel=Channel.EMAIL,
        tier=level,
        team=name,
        escalation=build_policy(),
        at=at,
    )


def work(ticket: Ticket, ladder: TierLadder) -> list[Event]:
    at = pendulum.datetime(2026, 3, 2, 10, tz="UTC")
    up: TicketEscalated = ticket.escalate(
        ladder=ladder, reason="needs an expert", actor="ann", at=at
    )
    down: TicketDeEscalated = ticket.de_escalate(ladder=ladder, reason="fixed", actor="dev", at=at)
    told: TicketManagerNotified = ticket.notify_manager(role="lead", reason="VIP", at=at)
    ticket.request_escalation(reason="manager please", channel=Channel.PHONE, at=at)
    policy = build_policy()
    due: tuple[DueEscalation, ...] = policy.evaluate(ticket, at=at)
    when: pendulum.DateTime | None = policy.next_due(ticket)
    print(len(due), when, [d.due for d in due])
    return [up, down, told, *ticket.evaluate(at=at)]


def priorities() -> PriorityAssessment:
    matrix = PriorityMatrix()
    priority: Priority = matrix.priority(Impact.HIGH, Urgency.LOW)
    print(priority.rank)
    return matrix.assess("medium", "high", major_incident=False)


def documents() -> None:
    ladder = TierLadder([Tier(1, "desk", ["desk"]), Tier(2, "experts", ["experts"])])
    routing = RoutingTable(ladder=ladder, routes=[Route(topic=Topic.BILLING, tier=2)])
    policy = build_policy()
    text = json.dumps([ladder.to_dict(), routing.to_dict(), policy.to_dict()])
    loaded = json.loads(text)
    assert TierLadder.from_dict(loaded[0]) == ladder
    assert RoutingTable.from_dict(loaded[1]) == routing
    assert EscalationPolicy.from_dict(loaded[2]) == policy
    assert PriorityMatrix.from_dict(PriorityMatrix().to_dict()) == PriorityMatrix()
    ticket = route_and_open(RoutingTable(), datetime(2026, 3, 2, 9, tzinfo=UTC))
    print(ladder.mermaid(), work(ticket, TierLadder.default()), priorities())
