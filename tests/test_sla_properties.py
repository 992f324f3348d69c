"""Properties of SLA clocks over random ticket lifecycles at random instants."""

from __future__ import annotations

import math
from datetime import timedelta

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from strategies import sla_lifecycle_steps
from supportflow import (
    BusinessCalendar,
    Channel,
    ClockState,
    InvalidTransition,
    Priority,
    SLAConditions,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    TicketStatus,
    Topic,
)
from supportflow._kernel._time import US_PER_MINUTE, instant_us, to_datetime
from supportflow._sla._policy import DEFAULT_PAUSES
from supportflow.events import (
    SLABreached,
    SLAThresholdReached,
    TicketPriorityChanged,
    TicketTagged,
    TicketUntagged,
)
from supportflow.sla import SLAClock

CALENDAR = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Paris")
H = timedelta(hours=1)
ALL_METRICS = (
    "first_reply",
    "next_reply",
    "periodic_update",
    "requester_wait",
    "agent_work",
    "resolution",
)
POLICIES = SLAPolicySet(
    [
        SLAPolicy(
            "vip",
            {metric: {"normal": H, "high": H / 2, "urgent": H / 4} for metric in ALL_METRICS[:3]}
            | {"resolution": {"normal": 6 * H}},
            conditions=SLAConditions(tags=["vip"]),
            calendar=CALENDAR,
        ),
        SLAPolicy(
            "standard",
            {
                metric: {"low": 16 * H, "normal": 8 * H, "high": 4 * H, "urgent": 2 * H}
                for metric in ALL_METRICS
            },
            calendar=CALENDAR,
            warnings=(0.25, 0.5, 0.9),
        ),
    ]
)
START = instant_us(pendulum.datetime(2026, 3, 27, 16, 30, tz="UTC"))  # a Friday, DST on Sunday
PRIORITIES = list(Priority)
RETARGETING = (TicketPriorityChanged, TicketTagged, TicketUntagged)


def run(ticket: Ticket, command: str, at: pendulum.DateTime) -> None:
    try:
        if command == "reply":
            ticket.reply("ana", "an answer", at=at)
        elif command == "customer_message":
            ticket.customer_message("a question", at=at)
        elif command == "add_note":
            ticket.add_note("ana", "a note", at=at)
        elif command == "set_pending":
            ticket.set_pending(at=at)
        elif command == "put_on_hold":
            ticket.put_on_hold(at=at)
        elif command == "resume":
            ticket.resume(at=at)
        elif command == "solve":
            ticket.solve("done", at=at)
        elif command == "confirm":
            ticket.confirm(at=at)
        elif command in ("raise_priority", "lower_priority"):
            rank = ticket.priority.rank + (1 if command == "raise_priority" else -1)
            if 0 <= rank < len(PRIORITIES):
                ticket.change_priority(PRIORITIES[rank], at=at)
        elif command == "tag_vip":
            if "vip" not in ticket.tags:
                ticket.tag("vip", at=at)
        elif command == "untag_vip":
            if "vip" in ticket.tags:
                ticket.untag("vip", at=at)
        elif command == "evaluate":
            ticket.evaluate(at=at)
    except InvalidTransition:
        pass  # not allowed in this status: the walk goes on


def lifecycle(steps: list[tuple[str, int]]) -> tuple[Ticket, list[tuple[int, TicketStatus]], int]:
    """The ticket, its status timeline [(instant, status)], and the last instant."""
    now = START
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="broken",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        body="help",
        sla=POLICIES,
        at=to_datetime(now),
    )
    ticket.assign("ana", at=to_datetime(now))
    timeline = [(now, ticket.status)]
    for command, minutes in steps:
        now += minutes * US_PER_MINUTE
        run(ticket, command, to_datetime(now))
        if ticket.status is not timeline[-1][1]:
            timeline.append((now, ticket.status))
    return ticket, timeline, now


def expected_elapsed(clock: SLAClock, timeline: list[tuple[int, TicketStatus]], now: int) -> int:
    """Business time of the stretches where the ticket's status did not pause the metric."""
    end = now if clock.stopped_us is None else min(clock.stopped_us, now)
    paused = DEFAULT_PAUSES[clock.metric]
    total = 0
    for index, (since, status) in enumerate(timeline):
        until = timeline[index + 1][0] if index + 1 < len(timeline) else end
        lo, hi = max(since, clock.start_us), min(until, end)
        if hi > lo and status not in paused:
            total += CALENDAR.between_us(lo, hi)
    return total


@given(sla_lifecycle_steps())
def test_elapsed_time_is_the_business_time_of_the_unpaused_stretches(
    steps: list[tuple[str, int]],
) -> None:
    ticket, timeline, now = lifecycle(steps)
    assert ticket.sla is not None
    for clock in ticket.sla.clocks:
        assert clock.elapsed_us(now) == expected_elapsed(clock, timeline, now), clock
        measured = sum(
            CALENDAR.between_us(a, now if b == -1 else b) for a, b in clock.stretches_us()
        )
        assert clock.elapsed_us(now) == measured


@given(sla_lifecycle_steps(), st.integers(1, 10 * 24 * 60))
def test_no_clock_advances_while_paused_or_stopped(
    steps: list[tuple[str, int]], later_minutes: int
) -> None:
    ticket, _, now = lifecycle(steps)
    assert ticket.sla is not None
    later = now + later_minutes * US_PER_MINUTE
    for clock in ticket.sla.clocks:
        if clock.state is not ClockState.ACTIVE:
            assert clock.elapsed_us(later) == clock.elapsed_us(now)
            assert clock.deadline_us() is None
        else:
            assert clock.elapsed_us(later) >= clock.elapsed_us(now)


@given(sla_lifecycle_steps())
def test_breached_if_and_only_if_the_elapsed_time_reached_the_target(
    steps: list[tuple[str, int]],
) -> None:
    ticket, _, now = lifecycle(steps)
    if ticket.status is not TicketStatus.CLOSED:
        ticket.evaluate(at=to_datetime(now))
    assert ticket.sla is not None
    retargets = [e.at_us for e in ticket.history if isinstance(e, RETARGETING)]
    for clock in ticket.sla.clocks:
        end = clock.stopped_us if clock.stopped_us is not None else now
        reached = clock.elapsed_us(end) >= clock.target_us
        breaches = [
            e
            for e in ticket.history
            if isinstance(e, SLABreached) and (e.metric, e.cycle) == (clock.metric, clock.cycle)
        ]
        assert len(breaches) == (1 if clock.breached else 0)
        if reached:
            assert clock.breached, clock
        elif clock.breached:
            # A breach is history: it stays recorded when a later re-target (priority or
            # policy change) loosens the target.
            assert any(at >= breaches[0].at_us for at in retargets), clock


@given(sla_lifecycle_steps(), st.integers(0, 3 * 24 * 60), st.integers(0, 3 * 24 * 60))
def test_evaluate_is_idempotent_and_order_insensitive(
    steps: list[tuple[str, int]], gap1: int, gap2: int
) -> None:
    ticket, _, now = lifecycle(steps)
    t1 = to_datetime(now + gap1 * US_PER_MINUTE)
    t2 = to_datetime(now + (gap1 + gap2) * US_PER_MINUTE)
    once = Ticket.replay(ticket.history, sla=POLICIES)
    twice = Ticket.replay(ticket.history, sla=POLICIES)
    if ticket.status is TicketStatus.CLOSED:
        assert once.evaluate(at=t2) == ()
        return
    once.evaluate(at=t2)
    twice.evaluate(at=t1)
    twice.evaluate(at=t2)
    assert twice.evaluate(at=t2) == ()
    assert once.history == twice.history
    assert once == twice
    # Each warning threshold and each breach at most once per clock cycle.
    seen = [
        (e.metric, e.cycle, e.threshold if isinstance(e, SLAThresholdReached) else None)
        for e in once.history
        if isinstance(e, SLAThresholdReached | SLABreached)
    ]
    assert len(seen) == len(set(seen))
    # Nothing is due any more at t2; what is due next lies after it.
    assert once.sla is not None
    due = once.sla.next_deadline()
    assert due is None or due > t2


@given(sla_lifecycle_steps())
def test_replay_and_documents_give_an_equal_ticket(steps: list[tuple[str, int]]) -> None:
    ticket, _, _ = lifecycle(steps)
    assert Ticket.replay(ticket.history, sla=POLICIES) == ticket
    assert Ticket.from_dict(ticket.to_dict(), sla=POLICIES) == ticket
    instants = [e.at_us for e in ticket.history]
    assert instants == sorted(instants)


@given(sla_lifecycle_steps())
def test_next_deadline_is_the_first_instant_evaluate_emits_something(
    steps: list[tuple[str, int]],
) -> None:
    ticket, _, _ = lifecycle(steps)
    assert ticket.sla is not None
    due = ticket.sla.next_deadline_us()
    if due is None or ticket.status is TicketStatus.CLOSED:
        return
    probe = Ticket.replay(ticket.history, sla=POLICIES)
    last = ticket.history[-1].at_us
    if due - 1 >= last:
        assert probe.evaluate(at=to_datetime(due - 1)) == ()
    emitted = probe.evaluate(at=to_datetime(due))
    assert emitted
    assert emitted[0].at_us == due


@given(sla_lifecycle_steps())
def test_warnings_and_breaches_are_stamped_at_the_exact_instants(
    steps: list[tuple[str, int]],
) -> None:
    ticket, timeline, now = lifecycle(steps)
    if ticket.status is not TicketStatus.CLOSED:
        ticket.evaluate(at=to_datetime(now))
    if any(isinstance(e, RETARGETING) for e in ticket.history):
        return  # a re-target may stamp at the change instead (tested in the scenarios)
    assert ticket.sla is not None
    clocks = {(c.metric, c.cycle): c for c in ticket.sla.clocks}
    for event in ticket.history:
        if isinstance(event, SLAThresholdReached | SLABreached):
            clock = clocks[event.metric, event.cycle]
            fraction = event.threshold if isinstance(event, SLAThresholdReached) else 1.0
            amount = math.ceil(fraction * clock.target_us)
            # The first instant the unpaused business time reaches the amount.
            assert expected_elapsed(clock, timeline, event.at_us) >= amount
            assert expected_elapsed(clock, timeline, event.at_us - 1) < amount
            assert event.at_us == clock.threshold_us(fraction)
