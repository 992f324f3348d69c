"""Properties of escalation over random ticket lifecycles."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import timedelta

import pendulum
from hypothesis import given
from hypothesis import strategies as st
from tests.strategies import escalation_lifecycle_steps

from supportflow import (
    BusinessCalendar,
    Channel,
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    NotifyManager,
    Priority,
    RaisePriority,
    SLAPolicy,
    SLAPolicySet,
    SupportflowError,
    Ticket,
    TierLadder,
    Topic,
    WhenCustomerAsks,
    WhenOlderThan,
    WhenPriorityAtOpen,
    WhenReassignedAtLeast,
    WhenReopenedAtLeast,
    WhenSLABreached,
    WhenSLAReaches,
)
from supportflow.events import (
    TicketCustomerMessaged,
    TicketEscalated,
    TicketManagerNotified,
    TicketPriorityRaised,
    TicketSolved,
)

T0 = pendulum.datetime(2026, 3, 2, 8, 30, tz="UTC")
LADDER = TierLadder.default()
SLA = SLAPolicySet(
    [
        SLAPolicy(
            "standard",
            targets={
                "first_reply": {p: timedelta(hours=2 + 2 * (3 - p.rank)) for p in Priority},
                "resolution": {p: timedelta(hours=6 + 8 * (3 - p.rank)) for p in Priority},
            },
            calendar=BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Paris"),
        )
    ]
)
POLICY = EscalationPolicy(
    [
        EscalationRule("urgent", WhenPriorityAtOpen(Priority.URGENT), NotifyManager("on_call")),
        EscalationRule("reply 75%", WhenSLAReaches("first_reply", 75), RaisePriority()),
        EscalationRule("resolution 75%", WhenSLAReaches("resolution", 75), EscalateTo()),
        EscalationRule(
            "resolution breach", WhenSLABreached("resolution"), NotifyManager("manager")
        ),
        # Not one of the SLA's warning levels: computed from the clock, not read from events.
        EscalationRule("resolution 90%", WhenSLAReaches("resolution", 90), NotifyManager("head")),
        EscalationRule("reopened twice", WhenReopenedAtLeast(2), EscalateTo(tier=3)),
        EscalationRule("bounced", WhenReassignedAtLeast(2), NotifyManager("team_lead")),
        EscalationRule(
            "old",
            WhenOlderThan(
                timedelta(hours=30), BusinessCalendar.weekdays(timezone="America/New_York")
            ),
            RaisePriority(Priority.URGENT),
        ),
        EscalationRule("asked", WhenCustomerAsks(), EscalateTo(team="engineering")),
    ],
    LADDER,
)
RULE_EVENTS = (TicketEscalated, TicketManagerNotified, TicketPriorityRaised)


def _command(ticket: Ticket, name: str, param: int, at: pendulum.DateTime) -> None:
    commands: dict[str, Callable[[], object]] = {
        "assign": lambda: ticket.assign(f"agent-{param}", at=at),
        "reply": lambda: ticket.reply("agent", "Looking into it", at=at),
        "customer_message": lambda: ticket.customer_message("Any news?", at=at),
        "set_pending": lambda: ticket.set_pending(at=at),
        "resume": lambda: ticket.resume(at=at),
        "solve": lambda: ticket.solve("Fixed", at=at),
        "confirm": lambda: ticket.confirm(at=at),
        "raise_priority": lambda: ticket.change_priority(list(Priority)[param % 4], at=at),
        "request_escalation": lambda: ticket.request_escalation(reason="manager!", at=at),
        "escalate": lambda: ticket.escalate(ladder=LADDER, reason="stuck", actor="lead", at=at),
        "de_escalate": lambda: ticket.de_escalate(
            ladder=LADDER, reason="back", actor="lead", at=at
        ),
        "notify_manager": lambda: ticket.notify_manager(role="director", reason="VIP", at=at),
        "wait": lambda: None,
    }
    with contextlib.suppress(SupportflowError):
        commands[name]()


# Only thresholds the SLA announces with events: the policy's fast paths apply.
MARKS_POLICY = EscalationPolicy(
    [
        EscalationRule("reply 75%", WhenSLAReaches("first_reply", 75), RaisePriority()),
        EscalationRule("resolution 50%", WhenSLAReaches("resolution", 50), NotifyManager("lead")),
        EscalationRule("resolution breach", WhenSLABreached("resolution"), EscalateTo()),
    ],
    LADDER,
)


def _open(opening: int, policy: EscalationPolicy | None) -> Ticket:
    return Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="Printer on fire",
        topic=list(Topic)[opening % len(Topic)],
        channel=Channel.PHONE,
        priority=list(Priority)[opening % 4],
        tier=1,
        team="customer_service",
        sla=SLA,
        escalation=policy,
        at=T0,
    )


def run(
    steps: list[tuple[str, int, int]],
    *,
    timely: bool,
    opening: int,
    policy: EscalationPolicy = POLICY,
) -> Ticket:
    """Drive a ticket; ``timely`` evaluates at every due instant, otherwise only at the end
    (commands themselves still record what fell due before them)."""
    ticket = _open(opening, policy)
    now = T0
    for name, minutes, param in steps:
        now = now.add(minutes=minutes)
        if timely:
            evaluate_until(ticket, now, policy)
        _command(ticket, name, param, now)
        assert ticket.tier is None or LADDER.bottom <= ticket.tier <= LADDER.top
    end = now.add(days=10)
    if timely:
        evaluate_until(ticket, end, policy)
    policy.apply(ticket, at=end)
    return ticket


def evaluate_until(
    ticket: Ticket, until: pendulum.DateTime, policy: EscalationPolicy = POLICY
) -> None:
    until_us = until.int_timestamp * 1_000_000
    for _ in range(200):
        sla = ticket.sla
        candidates = [policy.next_due_us(ticket), None if sla is None else sla.next_deadline_us()]
        due = min((d for d in candidates if d is not None), default=None)
        if due is None or due > until_us:
            return
        policy.apply(ticket, at=pendulum.from_timestamp(due / 1_000_000))
    raise AssertionError("evaluation did not converge")


def run_as_host(
    steps: list[tuple[str, int, int]],
    *,
    opening: int,
    policy: EscalationPolicy,
    peeks: list[bool],
) -> Ticket:
    """Drive a ticket the way a host does: it reads ``next_deadline()`` after some
    commands (``peeks``, cycled), which lets later commands skip their catch-up, and
    evaluates the ticket when a deadline it read has come."""
    ticket = _open(opening, policy)
    now = T0
    for index, (name, minutes, param) in enumerate(steps):
        now = now.add(minutes=minutes)
        for _ in range(200):
            if not peeks[index % len(peeks)]:
                break
            due = ticket.next_deadline()
            if due is None or due > now or not ticket.evaluate(at=max(due, ticket.updated_at)):
                break  # not due yet, or an auto-close (the host's to decide)
        _command(ticket, name, param, now)
        if peeks[(index + 1) % len(peeks)]:
            ticket.next_deadline()
    ticket.evaluate(at=now.add(days=10))
    return ticket


def cycles(ticket: Ticket) -> list[list[str]]:
    """The rule names fired in each resolution cycle (a reopen starts a new one)."""
    out: list[list[str]] = [[]]
    solved = False
    for event in ticket.history:
        if isinstance(event, TicketSolved):
            solved = True
        elif isinstance(event, TicketCustomerMessaged) and solved:
            solved = False
            out.append([])
        elif isinstance(event, RULE_EVENTS) and event.rule is not None:
            out[-1].append(event.rule)
    return out


@given(escalation_lifecycle_steps(), st.integers(0, 51))
def test_evaluating_late_gives_the_history_of_evaluating_on_time(
    steps: list[tuple[str, int, int]], opening: int
) -> None:
    timely = run(steps, timely=True, opening=opening)
    late = run(steps, timely=False, opening=opening)
    assert late.history == timely.history
    assert late == timely


@given(escalation_lifecycle_steps(), st.integers(0, 51))
def test_no_rule_fires_twice_in_a_cycle_and_history_stays_in_time_order(
    steps: list[tuple[str, int, int]], opening: int
) -> None:
    ticket = run(steps, timely=False, opening=opening)
    for fired in cycles(ticket):
        assert len(fired) == len(set(fired)), fired
    instants = [event.at_us for event in ticket.history]
    assert instants == sorted(instants)
    assert POLICY.evaluate(ticket, at=ticket.history[-1].at.add(days=30)) == ()


@given(escalation_lifecycle_steps(), st.integers(0, 51))
def test_replay_and_documents_rebuild_the_ticket(
    steps: list[tuple[str, int, int]], opening: int
) -> None:
    ticket = run(steps, timely=False, opening=opening)
    assert Ticket.replay(ticket.history, sla=SLA, escalation=POLICY) == ticket
    data = json.loads(json.dumps(ticket.to_dict()))
    assert Ticket.from_dict(data, sla=SLA, escalation=POLICY) == ticket


@given(
    escalation_lifecycle_steps(),
    st.integers(0, 51),
    st.lists(st.booleans(), min_size=1, max_size=5),
    st.sampled_from(["all rules", "marks only"]),
)
def test_a_host_reading_next_deadline_gets_the_history_of_evaluating_late(
    steps: list[tuple[str, int, int]], opening: int, peeks: list[bool], which: str
) -> None:
    # next_deadline() is cached until the next event and lets commands skip their
    # catch-up: the history must not depend on when (or whether) the host reads it.
    policy = POLICY if which == "all rules" else MARKS_POLICY
    host = run_as_host(steps, opening=opening, policy=policy, peeks=peeks)
    late = run(steps, timely=False, opening=opening, policy=policy)
    assert host.history == late.history
    assert host == late
    assert (
        host.next_deadline_us()
        == Ticket.replay(host.history, sla=SLA, escalation=policy).next_deadline_us()
    )


@given(escalation_lifecycle_steps(), st.integers(0, 51))
def test_the_marks_only_policy_evaluates_late_as_on_time(
    steps: list[tuple[str, int, int]], opening: int
) -> None:
    timely = run(steps, timely=True, opening=opening, policy=MARKS_POLICY)
    late = run(steps, timely=False, opening=opening, policy=MARKS_POLICY)
    assert late.history == timely.history


@given(
    escalation_lifecycle_steps(),
    st.integers(0, 51),
    st.sampled_from(["all rules", "marks only", "no escalation"]),
)
def test_next_deadline_after_every_command_is_the_one_a_replay_computes(
    steps: list[tuple[str, int, int]], opening: int, which: str
) -> None:
    # The cached next deadline survives the events that move no SLA clock (while no
    # rule can be due before it): after every command, read or not before, it must be
    # what a ticket rebuilt from the same history computes afresh.
    policy = {"all rules": POLICY, "marks only": MARKS_POLICY, "no escalation": None}[which]
    ticket = _open(opening, policy)
    now = T0
    for name, minutes, param in steps:
        now = now.add(minutes=minutes)
        _command(ticket, name, param, now)
        fresh = Ticket.replay(ticket.history, sla=SLA, escalation=policy)
        assert ticket.next_deadline_us() == fresh.next_deadline_us()
