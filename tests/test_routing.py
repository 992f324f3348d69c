"""Routing: hand-worked choices, reasons recorded on the ticket, refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from supportflow import (
    BusinessCalendar,
    Channel,
    InvalidArgument,
    InvalidType,
    SchemaError,
    Ticket,
    Topic,
    UnknownName,
)
from supportflow.desk import Agent, Roster, RoutingPolicy, RoutingStrategy

MONDAY_10 = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
SATURDAY = dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC)
OFFICE = BusinessCalendar.weekdays("09:00", "17:00")


def desk() -> Roster:
    return Roster(
        [
            Agent(name="ana", skills={"billing"}, load=3, capacity=5),
            Agent(name="ben", skills={"billing", "installation"}, load=1, capacity=5),
            Agent(name="chen", load=0, capacity=4, schedule=OFFICE),
            Agent(name="dara", skills={"billing"}, load=4, capacity=4),
        ]
    )


def test_skills_first_picks_the_least_loaded_skilled_agent() -> None:
    decision = RoutingPolicy("skills_first").choose(
        desk(), topic="billing", channel="email", at=MONDAY_10
    )
    assert decision.agent == "ben"
    assert (
        decision.reason == "skills_first: ben is skilled in billing with the lowest load (1 of 5)"
    )
    assert decision.skipped == {"dara": "at capacity (4 of 4)"}


def test_skills_first_falls_back_to_anyone_when_nobody_skilled_is_available() -> None:
    decision = RoutingPolicy().choose(
        desk(), topic="troubleshooting", channel="email", at=MONDAY_10
    )
    assert decision.agent == "chen"
    assert "nobody skilled in troubleshooting is available" in decision.reason


def test_least_loaded_compares_the_share_of_capacity_in_use() -> None:
    roster = Roster(
        [
            Agent(name="ana", load=2, capacity=4),  # half
            Agent(name="ben", load=1, capacity=3),  # a third
            Agent(name="chen", load=1, capacity=2),  # half
        ]
    )
    decision = RoutingPolicy("least_loaded").choose(
        roster, topic="billing", channel="email", at=MONDAY_10
    )
    assert decision.agent == "ben"


def test_least_loaded_prefers_a_skilled_agent_on_a_tie() -> None:
    roster = Roster(
        [
            Agent(name="ana", load=1, capacity=2),
            Agent(name="ben", skills={"billing"}, load=2, capacity=4),
        ]
    )
    decision = RoutingPolicy("least_loaded").choose(
        roster, topic="billing", channel="email", at=MONDAY_10
    )
    assert decision.agent == "ben"


def test_round_robin_takes_the_next_available_agent_after_the_previous_one() -> None:
    policy = RoutingPolicy(RoutingStrategy.ROUND_ROBIN)
    chosen = [
        policy.choose(desk(), topic="billing", channel="email", previous=previous, at=MONDAY_10)
        for previous in (None, "ana", "ben", "chen")
    ]
    # dara is at capacity, so after chen the round comes back to ana.
    assert [d.agent for d in chosen] == ["ana", "ben", "chen", "ana"]
    assert chosen[1].reason == "round_robin: ben is next after ana"


def test_an_agent_off_shift_is_not_chosen() -> None:
    roster = Roster([Agent(name="chen", schedule=OFFICE), Agent(name="ana", load=9)])
    decision = RoutingPolicy().choose(roster, topic="billing", channel="email", at=SATURDAY)
    assert decision.agent == "ana"
    assert decision.skipped == {"chen": "off shift"}


def test_channel_and_tier_are_hard_rules() -> None:
    roster = Roster(
        [
            Agent(name="ana", channels={"phone"}),
            Agent(name="ben", tier=2),
            Agent(name="chen", tier=1, load=5),
        ]
    )
    decision = RoutingPolicy().choose(
        roster, topic="billing", channel="email", tier=1, at=MONDAY_10
    )
    assert decision.agent == "chen"
    assert decision.skipped == {"ana": "does not work email", "ben": "works tier 2, not 1"}


def test_nobody_available_is_a_decision_without_agent_that_says_why() -> None:
    roster = Roster([Agent(name="ana", load=1, capacity=1), Agent(name="chen", schedule=OFFICE)])
    decision = RoutingPolicy().choose(roster, topic="billing", channel="email", at=SATURDAY)
    assert decision.agent is None
    assert decision.reason == "no agent available: ana at capacity (1 of 1); chen off shift"
    empty = RoutingPolicy().choose(Roster([]), topic="billing", channel="email", at=SATURDAY)
    assert empty.reason == "no agent available: the roster is empty"


def test_rotation_gives_a_specialist_a_topic_they_have_not_had_for_long() -> None:
    roster = Roster(
        [
            Agent(name="ana", skills={"billing"}, last_handled={"billing": MONDAY_10}),
            Agent(
                name="ben",
                skills={"installation"},
                last_handled={"billing": MONDAY_10 - dt.timedelta(days=9)},
            ),
        ]
    )
    policy = RoutingPolicy(rotation=dt.timedelta(days=7))
    decision = policy.choose(roster, topic="billing", channel="email", at=MONDAY_10)
    assert decision.agent == "ben"
    assert decision.reason == (
        "rotation: ben last handled billing at 2025-12-27T10:00:00.000000Z (rotation every 7 days)"
    )
    # Once ben has taken it nobody is due billing: skills decide again.
    after = roster.assigned("ben", "billing", at=MONDAY_10)
    again = policy.choose(after, topic="billing", channel="email", at=MONDAY_10)
    assert again.agent == "ana"


def test_rotation_prefers_whoever_never_had_the_topic() -> None:
    roster = Roster([Agent(name="ana", last_handled={"billing": MONDAY_10}), Agent(name="ben")])
    decision = RoutingPolicy("least_loaded", rotation=dt.timedelta(hours=1)).choose(
        roster, topic="billing", channel="email", at=MONDAY_10 + dt.timedelta(hours=2)
    )
    assert decision.agent == "ben"
    assert decision.reason == "rotation: ben has never handled billing (rotation every 1 hour)"


def test_assigned_and_released_give_the_roster_after_a_choice() -> None:
    roster = desk().assigned("ben", Topic.INSTALLATION, at=MONDAY_10)
    ben = roster.agent("ben")
    assert ben.load == 2
    assert ben.last_handled("installation") == MONDAY_10
    assert roster.released("ben").agent("ben").load == 1
    with pytest.raises(InvalidArgument, match="holds no ticket"):
        roster.released("chen")
    with pytest.raises(UnknownName, match="no agent 'zoe' in the roster; agents: ana, ben"):
        roster.agent("zoe")


def test_the_same_inputs_give_the_same_choice() -> None:
    policy = RoutingPolicy("least_loaded", rotation=dt.timedelta(days=1))
    first = policy.choose(desk(), topic="installation", channel="live_chat", at=MONDAY_10)
    assert first == policy.choose(desk(), topic="installation", channel="live_chat", at=MONDAY_10)


def test_choose_for_reads_the_ticket_and_assign_records_the_reason() -> None:
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="Invoice twice",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        tier=1,
        at=MONDAY_10,
    )
    decision = RoutingPolicy().choose_for(ticket, desk(), at=MONDAY_10)
    assert decision.agent == "ben"
    ticket.assign(decision.agent, reason=decision.reason, at=MONDAY_10)
    document = ticket.to_dict()
    assert document["history"][-1]["reason"] == decision.reason
    assert Ticket.from_dict(document).history == ticket.history


def test_an_assignment_without_reason_writes_no_reason_key() -> None:
    ticket = Ticket.open(
        "T-2", customer_id="C-1", subject="s", topic="billing", channel="email", at=MONDAY_10
    )
    ticket.assign("ana", at=MONDAY_10)
    document = ticket.to_dict()
    assert "reason" not in document["history"][-1]
    assert Ticket.from_dict(document).history == ticket.history
    # A document that spells the absent reason as null loads the same.
    document["history"][-1]["reason"] = None
    assert Ticket.from_dict(document).history == ticket.history


@pytest.mark.parametrize("reason", ["", "   ", 7])
def test_a_bad_reason_is_refused_and_changes_nothing(reason: object) -> None:
    ticket = Ticket.open(
        "T-3", customer_id="C-1", subject="s", topic="billing", channel="email", at=MONDAY_10
    )
    before = ticket.to_dict()
    with pytest.raises(InvalidArgument, match="reason must be a non-empty string") as caught:
        ticket.assign("ana", reason=reason, at=MONDAY_10)  # type: ignore[arg-type]
    assert caught.value.field == "reason"
    assert ticket.to_dict() == before


@pytest.mark.parametrize("reason", ["", "   ", 7, ["x"]])
def test_a_document_with_a_bad_reason_does_not_load(reason: object) -> None:
    ticket = Ticket.open(
        "T-4", customer_id="C-1", subject="s", topic="billing", channel="email", at=MONDAY_10
    )
    ticket.assign("ana", reason="skills_first", at=MONDAY_10)
    document = ticket.to_dict()
    document["history"][1]["reason"] = reason
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(document)
    assert caught.value.path == "history[1].reason"


def test_bad_routing_inputs_are_refused_with_typed_errors() -> None:
    with pytest.raises(
        UnknownName,
        match="strategy must be one of skills_first, least_loaded, round_robin, got 'fastest'",
    ):
        RoutingPolicy("fastest")
    with pytest.raises(InvalidArgument, match="rotation must be positive"):
        RoutingPolicy(rotation=dt.timedelta(0))
    with pytest.raises(InvalidArgument, match="names agent 'ana' twice"):
        Roster([Agent(name="ana"), Agent(name="ana")])
    with pytest.raises(InvalidType, match="a roster holds Agent values"):
        Roster(["ana"])  # type: ignore[list-item]
    with pytest.raises(InvalidArgument, match="capacity must be an int >= 1"):
        Agent(name="ana", capacity=0)
    with pytest.raises(InvalidArgument, match="load must be an int >= 0"):
        Agent(name="ana", load=-1)
    with pytest.raises(UnknownName, match=r"topic must be one of billing, .*, got 'cooking'"):
        Agent(name="ana", skills={"cooking"})
    with pytest.raises(InvalidArgument, match="name must be a non-empty string"):
        Agent(name=" ")
    with pytest.raises(InvalidArgument, match="tier must be an int >= 0 or None"):
        RoutingPolicy().choose(desk(), topic="billing", channel="email", tier=-1, at=MONDAY_10)
    with pytest.raises(UnknownName, match=r"channel must be one of .*, got 'pigeon'"):
        RoutingPolicy().choose(desk(), topic="billing", channel="pigeon", at=MONDAY_10)
    with pytest.raises(InvalidType, match="roster must be a Roster"):
        RoutingPolicy().choose([], topic="billing", channel="email", at=MONDAY_10)  # type: ignore[arg-type]


def test_an_old_assignment_without_reason_and_a_bad_agent_names_the_agent() -> None:
    ticket = Ticket.open(
        "T-5", customer_id="C-1", subject="s", topic="billing", channel="email", at=MONDAY_10
    )
    ticket.assign("ana", at=MONDAY_10)
    document = ticket.to_dict()
    document["history"][1]["agent"] = 5
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(document)
    assert caught.value.path == "history[1].agent"
