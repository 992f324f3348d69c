"""Routing properties: hard rules always hold, choices are deterministic, rotation spreads."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from strategies import rosters, routing_policies
from supportflow import BusinessCalendar, Channel, Topic
from supportflow.desk import Agent, Roster, RoutingPolicy, RoutingStrategy

START = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
instants = st.integers(0, 14 * 24 * 60).map(lambda m: START + dt.timedelta(minutes=m))
topics = st.sampled_from(list(Topic))
channels = st.sampled_from(list(Channel))
tiers = st.one_of(st.none(), st.integers(1, 3))


@given(routing_policies(), rosters(), topics, channels, tiers, instants)
def test_an_agent_over_capacity_off_shift_or_on_the_wrong_channel_or_tier_is_never_chosen(
    policy: RoutingPolicy,
    roster: Roster,
    topic: Topic,
    channel: Channel,
    tier: int | None,
    at: dt.datetime,
) -> None:
    decision = policy.choose(roster, topic=topic, channel=channel, tier=tier, at=at)
    available = [
        a
        for a in roster.agents
        if a.load < a.capacity
        and (a.schedule is None or a.schedule.is_open(at))
        and (not a.channels or channel in a.channels)
        and (tier is None or a.tier == tier)
    ]
    if not available:
        assert decision.agent is None
        assert set(decision.skipped) == {a.name for a in roster.agents}
        return
    assert decision.agent in {a.name for a in available}
    assert decision.agent not in decision.skipped
    assert decision.reason.startswith(("rotation:", policy.strategy.value))


@given(routing_policies(), rosters(), topics, channels, tiers, instants, st.integers(0, 6))
def test_the_same_inputs_give_the_same_choice(
    policy: RoutingPolicy,
    roster: Roster,
    topic: Topic,
    channel: Channel,
    tier: int | None,
    at: dt.datetime,
    previous: int,
) -> None:
    last = f"agent-{previous}"
    first = policy.choose(roster, topic=topic, channel=channel, tier=tier, previous=last, at=at)
    rebuilt = Roster(list(roster.agents))
    again = RoutingPolicy(policy.strategy, rotation=policy.rotation).choose(
        rebuilt, topic=topic, channel=channel, tier=tier, previous=last, at=at
    )
    assert first == again
    assert first.skipped == again.skipped


@given(rosters(), topics, channels, instants)
def test_skills_first_chooses_a_skilled_agent_whenever_one_is_available(
    roster: Roster, topic: Topic, channel: Channel, at: dt.datetime
) -> None:
    decision = RoutingPolicy(RoutingStrategy.SKILLS_FIRST).choose(
        roster, topic=topic, channel=channel, at=at
    )
    skilled = {
        a.name for a in roster.agents if topic in a.skills and a.name not in decision.skipped
    }
    if skilled:
        assert decision.agent in skilled


@given(
    st.integers(1, 5),
    st.integers(1, 48),
    st.integers(1, 600),
    st.integers(1, 60),
    st.lists(st.integers(0, 100), min_size=5, max_size=5),
    st.sampled_from(list(RoutingStrategy)),
)
def test_rotation_bounds_how_long_any_agent_goes_without_a_topic(
    count: int,
    rotation_hours: int,
    gap_minutes: int,
    tickets: int,
    offsets: list[int],
    strategy: RoutingStrategy,
) -> None:
    """With a ticket of the topic every ``gap``, nobody waits more than rotation + n * gap.

    Only one agent is skilled in the topic: without rotation, the others would never
    get it.
    """
    rotation = dt.timedelta(hours=rotation_hours)
    gap = dt.timedelta(minutes=gap_minutes)
    always = BusinessCalendar.always_open()
    roster = Roster(
        Agent(
            name=f"agent-{i}",
            skills={Topic.BILLING} if i == 0 else {Topic.INSTALLATION},
            capacity=1_000,
            schedule=always,
            last_handled={Topic.BILLING: START - rotation * offsets[i] / 100},
        )
        for i in range(count)
    )
    policy = RoutingPolicy(strategy, rotation=rotation)
    bound = rotation + count * gap
    previous = None
    for index in range(tickets):
        at = START + index * gap
        for agent in roster.agents:
            last = agent.last_handled(Topic.BILLING)
            assert last is not None
            assert at - last <= bound
        decision = policy.choose(
            roster, topic=Topic.BILLING, channel=Channel.EMAIL, previous=previous, at=at
        )
        assert decision.agent is not None
        roster = roster.assigned(decision.agent, Topic.BILLING, at=at).released(decision.agent)
        previous = decision.agent


@given(st.integers(2, 5), st.integers(1, 40))
def test_without_rotation_the_specialist_keeps_the_topic(count: int, tickets: int) -> None:
    roster = Roster(
        Agent(name=f"agent-{i}", skills={Topic.BILLING} if i == 0 else set(), capacity=1_000)
        for i in range(count)
    )
    policy = RoutingPolicy(RoutingStrategy.SKILLS_FIRST)
    for index in range(tickets):
        at = START + dt.timedelta(minutes=index)
        decision = policy.choose(roster, topic=Topic.BILLING, channel=Channel.EMAIL, at=at)
        assert decision.agent == "agent-0"
        roster = roster.assigned("agent-0", Topic.BILLING, at=at).released("agent-0")
