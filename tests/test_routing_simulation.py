"""The simulator routes with a RoutingPolicy; a what-if compares specialisation and rotation."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest

from supportflow import Domain, InvalidArgument, Topic
from supportflow.desk import RoutingPolicy
from supportflow.events import TicketAssigned
from supportflow.simulation import (
    Scenario,
    Staffing,
    Workload,
    WorkloadProfile,
    compare_routing,
    simulate,
)

SERVICE = Topic.of(Domain.SERVICE)
SUPPORT = Topic.of(Domain.SUPPORT)


@cache
def workload() -> Workload:
    profile = WorkloadProfile(
        start=dt.datetime(2026, 3, 2, tzinfo=dt.UTC), days=3, tickets_per_day=80
    )
    return profile.generate(seed=11)


def staffing() -> Staffing:
    return Staffing.rotation({1: 6, 2: 3}).with_skills(
        {1: [SERVICE[:3], SERVICE[3:]], 2: [SUPPORT[:4], SUPPORT[4:]]}
    )


def scenarios() -> list[Scenario]:
    return [
        Scenario(name="specialised", staffing=staffing(), routing=RoutingPolicy("skills_first")),
        Scenario(
            name="rotation",
            staffing=staffing(),
            routing=RoutingPolicy("skills_first", rotation=dt.timedelta(hours=12)),
        ),
    ]


def test_with_skills_deals_the_skill_sets_over_each_tier_in_turn() -> None:
    agents = {agent.agent_id: agent.skills for agent in staffing().agents}
    assert agents["A1-01"] == frozenset(SERVICE[:3])
    assert agents["A1-02"] == frozenset(SERVICE[3:])
    assert agents["A1-03"] == frozenset(SERVICE[:3])
    assert agents["A2-02"] == frozenset(SUPPORT[4:])
    with pytest.raises(InvalidArgument, match="skills must be topics"):
        Staffing.rotation({1: 1}).with_skills({1: [["cooking"]]})


def test_every_routed_assignment_records_its_reason_and_stays_under_capacity() -> None:
    scenario = scenarios()[1]
    run = simulate(workload(), scenario, keep_tickets=True)
    capacity = {agent.agent_id: agent.capacity for agent in scenario.staffing.agents}
    routed = [
        event
        for ticket in run.tickets
        for event in ticket.history
        if isinstance(event, TicketAssigned) and event.reason is not None
    ]
    assert routed
    assert {event.agent for event in routed} <= set(capacity)
    assert all((e.reason or "").startswith(("skills_first:", "rotation:")) for e in routed)
    assert any((e.reason or "").startswith("rotation:") for e in routed)
    # A reason quotes the chosen agent's load, never at or over their capacity.
    for event in routed:
        assert event.reason is not None
        if "(" in event.reason and " of " in event.reason:
            load, _, limit = event.reason.rsplit("(", 1)[1].rstrip(")").partition(" of ")
            assert int(load) < int(limit) == capacity[event.agent]


def test_the_what_if_is_deterministic_and_rotation_spreads_topics() -> None:
    first = compare_routing(workload(), scenarios())
    assert first == compare_routing(workload(), scenarios())
    specialised, rotation = first.rows
    assert specialised.scenario == "specialised"
    assert specialised.tickets == rotation.tickets == len(workload().arrivals)
    assert rotation.topics_per_agent > specialised.topics_per_agent
    assert specialised.first_reply_median is not None
    assert [name for name, _ in specialised.tickets_per_agent] == [
        agent.agent_id for agent in staffing().agents
    ]
    assert sum(count for _, count in specialised.tickets_per_agent) <= specialised.tickets
    lines = first.table().splitlines()
    assert lines[0].split() == [
        "scenario",
        "tickets",
        "first",
        "reply",
        "FCR",
        "spread",
        "topics/agent",
    ]
    assert lines[1].startswith("specialised")


def test_bad_routing_scenarios_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="routing must be a RoutingPolicy or None"):
        Scenario(name="x", staffing=staffing(), routing="skills_first")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="at least one scenario"):
        compare_routing(workload(), [])
    with pytest.raises(InvalidArgument, match="scenario names must be distinct"):
        compare_routing(workload(), [scenarios()[0], scenarios()[0]])
