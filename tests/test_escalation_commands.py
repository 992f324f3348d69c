"""Escalating by hand: functional, de-escalation, hierarchical, customer requests."""

from __future__ import annotations

import pendulum
import pytest

from supportflow import (
    Channel,
    EscalationPolicy,
    EscalationRule,
    InvalidArgument,
    InvalidTransition,
    NotifyManager,
    RoutingTable,
    Ticket,
    TicketClosed,
    Tier,
    TierLadder,
    Topic,
    UnknownName,
    WhenPriorityAtOpen,
)
from supportflow.events import (
    TicketDeEscalated,
    TicketEscalated,
    TicketEscalationRequested,
    TicketManagerNotified,
)

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")
LADDER = TierLadder.default()


def minutes(n: int) -> pendulum.DateTime:
    return T0.add(minutes=n)


def routed_ticket(topic: Topic = Topic.BILLING, ticket_id: str = "T-1") -> Ticket:
    tier, team = RoutingTable(ladder=LADDER).route(topic, Channel.PHONE)
    return Ticket.open(
        ticket_id,
        customer_id="C-7",
        subject="My laptop will not start",
        topic=topic,
        channel=Channel.PHONE,
        tier=tier,
        team=team,
        at=T0,
    )


def test_a_billing_ticket_that_turns_technical_goes_to_tier_2() -> None:
    # Seed 004: the service representative registers the query, then hands it over.
    ticket = routed_ticket()
    assert (ticket.tier, ticket.team) == (1, "customer_service")
    ticket.assign("rep-ann", at=minutes(1))
    event = ticket.escalate(
        ladder=LADDER, reason="the problem is technical", actor="rep-ann", at=minutes(4)
    )
    assert (ticket.tier, ticket.team) == (2, "technical_support")
    assert event == TicketEscalated(
        at_us=event.at_us,
        from_tier=1,
        from_team="customer_service",
        to_tier=2,
        to_team="technical_support",
        reason="the problem is technical",
        actor="rep-ann",
        rule=None,
    )
    assert event.at == minutes(4)
    assert ticket.history[-1] is event
    assert Ticket.replay(ticket.history) == ticket


def test_escalating_to_a_named_team_uses_its_tier() -> None:
    ladder = TierLadder.default(teams={2: ["network", "apps"]})
    ticket = routed_ticket()
    ticket.escalate(ladder=ladder, team="apps", reason="app crash", actor="ann", at=minutes(1))
    assert (ticket.tier, ticket.team) == (2, "apps")
    ticket.escalate(
        ladder=ladder, team="network", reason="it is the VPN", actor="bo", at=minutes(2)
    )
    assert (ticket.tier, ticket.team) == (2, "network")
    ticket.escalate(ladder=ladder, to_tier=4, reason="vendor bug", actor="bo", at=minutes(3))
    assert (ticket.tier, ticket.team) == (4, "vendor")


def test_de_escalation_hands_the_ticket_back_down() -> None:
    ticket = routed_ticket(Topic.TROUBLESHOOTING)
    assert ticket.tier == 2
    ticket.escalate(ladder=LADDER, reason="needs a developer", actor="tech", at=minutes(1))
    event = ticket.de_escalate(ladder=LADDER, reason="workaround found", actor="dev", at=minutes(2))
    assert isinstance(event, TicketDeEscalated)
    assert (event.from_tier, event.to_tier) == (3, 2)
    assert (ticket.tier, ticket.team) == (2, "technical_support")
    ticket.de_escalate(
        ladder=LADDER, to_tier=0, reason="self-service article", actor="dev", at=minutes(3)
    )
    assert (ticket.tier, ticket.team) == (0, "self_service")


def test_a_manager_notification_leaves_the_tier_alone() -> None:
    ticket = routed_ticket()
    event = ticket.notify_manager(
        role="on_call_manager", reason="VIP customer", actor="ann", at=minutes(1)
    )
    assert isinstance(event, TicketManagerNotified)
    assert (event.role, event.rule) == ("on_call_manager", None)
    assert (ticket.tier, ticket.team) == (1, "customer_service")
    assert ticket.version == 2


def test_a_customer_request_is_recorded() -> None:
    ticket = routed_ticket()
    event = ticket.request_escalation(reason="I want a manager", channel="phone", at=minutes(1))
    assert event == TicketEscalationRequested(
        at_us=event.at_us, reason="I want a manager", channel=Channel.PHONE
    )
    assert ticket.tier == 1


def _unchanged(ticket: Ticket) -> Ticket:
    return Ticket.replay(ticket.history)


def test_escalating_beyond_the_top_raises_and_changes_nothing() -> None:
    ticket = routed_ticket()
    ticket.escalate(ladder=LADDER, to_tier=4, reason="vendor", actor="ann", at=minutes(1))
    before = _unchanged(ticket)
    with pytest.raises(InvalidArgument, match=r"already at the top tier 4 \(external vendor\)"):
        ticket.escalate(ladder=LADDER, reason="more", actor="ann", at=minutes(2))
    with pytest.raises(InvalidArgument, match="tier 5 is outside the ladder: valid tiers are 0-4"):
        ticket.escalate(ladder=LADDER, to_tier=5, reason="more", actor="ann", at=minutes(2))
    assert ticket == before


def test_de_escalating_below_the_bottom_raises_and_changes_nothing() -> None:
    ticket = routed_ticket()
    ticket.de_escalate(ladder=LADDER, reason="FAQ answers it", actor="ann", at=minutes(1))
    assert ticket.tier == 0
    before = _unchanged(ticket)
    with pytest.raises(InvalidArgument, match=r"already at the bottom tier 0 \(self-service\)"):
        ticket.de_escalate(ladder=LADDER, reason="less", actor="ann", at=minutes(2))
    with pytest.raises(InvalidArgument, match="tier -1 is outside the ladder"):
        ticket.de_escalate(ladder=LADDER, to_tier=-1, reason="less", actor="ann", at=minutes(2))
    assert ticket == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"team": "legal"}, UnknownName, "unknown team 'legal'"),
        ({"to_tier": 0}, InvalidArgument, "use de_escalate"),
        ({"team": "customer_service"}, InvalidArgument, "already with 'customer_service'"),
        ({"to_tier": 3, "team": "vendor"}, InvalidArgument, "team 'vendor' is in tier 4"),
        ({"reason": ""}, InvalidArgument, "reason must be a non-empty string"),
        ({"actor": "  "}, InvalidArgument, "actor must be a non-empty string"),
        ({"at": T0.subtract(minutes=1)}, InvalidArgument, "cannot go back in time"),
    ],
)
def test_a_bad_escalation_raises_and_changes_nothing(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    ticket = routed_ticket()
    before = _unchanged(ticket)
    arguments: dict[str, object] = {"reason": "why", "actor": "ann", "at": minutes(1), **kwargs}
    with pytest.raises(error, match=message):
        ticket.escalate(ladder=LADDER, **arguments)  # type: ignore[arg-type]
    assert ticket == before


def test_de_escalation_must_go_down() -> None:
    ticket = routed_ticket()
    with pytest.raises(InvalidArgument, match="de-escalation goes to a lower tier"):
        ticket.de_escalate(ladder=LADDER, to_tier=2, reason="x", actor="ann", at=minutes(1))


def test_a_ticket_without_a_tier_needs_a_target() -> None:
    ticket = Ticket.open(
        "T-9", customer_id="C", subject="s", topic=Topic.BILLING, channel=Channel.EMAIL, at=T0
    )
    with pytest.raises(InvalidArgument, match="has no tier: name to_tier= or team="):
        ticket.escalate(ladder=LADDER, reason="x", actor="ann", at=minutes(1))
    ticket.escalate(ladder=LADDER, to_tier=2, reason="x", actor="ann", at=minutes(1))
    assert (ticket.tier, ticket.team) == (2, "technical_support")
    assert ticket.history[-1].from_tier is None  # type: ignore[attr-defined]


def test_a_solved_ticket_is_not_escalated_and_a_closed_one_refuses_everything() -> None:
    ticket = routed_ticket()
    ticket.assign("ann", at=minutes(1))
    ticket.solve("refunded", at=minutes(2))
    with pytest.raises(InvalidTransition, match="cannot escalate ticket T-1 in status 'solved'"):
        ticket.escalate(ladder=LADDER, reason="x", actor="ann", at=minutes(3))
    with pytest.raises(InvalidTransition, match=r"allowed now: .*customer_message"):
        ticket.request_escalation(reason="x", at=minutes(3))
    ticket.notify_manager(role="team_lead", reason="refund over limit", at=minutes(3))
    ticket.confirm(at=minutes(4))
    before = _unchanged(ticket)
    with pytest.raises(TicketClosed):
        ticket.notify_manager(role="team_lead", reason="x", at=minutes(5))
    with pytest.raises(TicketClosed, match="follow-up"):
        ticket.de_escalate(ladder=LADDER, reason="x", actor="ann", at=minutes(5))
    assert ticket == before


def test_a_failing_command_takes_back_what_it_caught_up() -> None:
    policy = EscalationPolicy(
        [EscalationRule("urgent", WhenPriorityAtOpen("urgent"), NotifyManager("on_call"))]
    )
    ticket = Ticket.open(
        "T-5",
        customer_id="C-7",
        subject="Site down",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.PHONE,
        priority="urgent",
        tier=4,
        team="vendor",
        escalation=policy,
        at=T0,
    )
    before = Ticket.replay(ticket.history, escalation=policy)
    assert ticket.version == 1  # the on-call manager is due, not yet recorded
    with pytest.raises(InvalidArgument, match="top tier"):
        ticket.escalate(ladder=LADDER, reason="more", actor="ann", at=minutes(5))
    assert ticket == before
    assert ticket.version == 1
    event = ticket.notify_manager(role="cto", reason="still down", at=minutes(6))
    assert [e.name for e in ticket.history] == [
        "ticket_opened",
        "ticket_manager_notified",  # the rule, stamped at the opening
        "ticket_manager_notified",
    ]
    assert ticket.history[1].at == T0
    assert ticket.history[-1] is event


def test_a_team_named_by_another_ladder_of_the_same_tiers_loads_under_the_policy() -> None:
    """The policy's ladder bounds the tiers, not the team names: a command given another
    ladder records its team, and the load takes that history back (only a tier outside
    the policy's ladder is refused, by the command as by the load)."""
    policy = EscalationPolicy([], ladder=LADDER)
    wider = TierLadder.default(teams={3: ["vendor_desk"]})
    ticket = Ticket.open(
        "T-9",
        customer_id="C-7",
        subject="Printer jam",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.PHONE,
        tier=2,
        team="technical_support",
        escalation=policy,
        at=T0,
    )
    event = ticket.escalate(
        ladder=wider, team="vendor_desk", reason="vendor part", actor="ann", at=minutes(2)
    )
    assert (event.to_tier, event.to_team) == (3, "vendor_desk")
    assert "vendor_desk" not in {t.level: t.teams for t in LADDER.tiers}[3]
    assert Ticket.replay(ticket.history, escalation=policy) == ticket
    assert Ticket.from_dict(ticket.to_dict(), escalation=policy) == ticket
    beyond = TierLadder([*LADDER.tiers, Tier(5, "partners", ["partner_desk"])])
    before = Ticket.replay(ticket.history, escalation=policy)
    with pytest.raises(InvalidArgument, match=r"outside the escalation policy's ladder"):
        ticket.escalate(ladder=beyond, to_tier=5, reason="r", actor="ann", at=minutes(3))
    assert ticket == before
