"""Escalation policies: conditions, actions, once per cycle, exact instants, documents."""

from __future__ import annotations

import json
from datetime import timedelta

import pendulum
import pytest

from supportflow import (
    BusinessCalendar,
    Channel,
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    InvalidArgument,
    InvalidType,
    NotifyManager,
    Priority,
    RaisePriority,
    SchemaError,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    TierLadder,
    Topic,
    UnknownName,
    WhenCustomerAsks,
    WhenOlderThan,
    WhenPriorityAtOpen,
    WhenReassignedAtLeast,
    WhenReopenedAtLeast,
    WhenSLABreached,
    WhenSLAReaches,
)
from supportflow._kernel._time import at_us
from supportflow.escalation import DueEscalation
from supportflow.events import (
    SLAThresholdReached,
    TicketEscalated,
    TicketManagerNotified,
    TicketPriorityRaised,
)

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")  # a Monday
SLA = SLAPolicySet(
    [
        SLAPolicy(
            "standard",
            targets={
                "resolution": {
                    "low": timedelta(hours=16),
                    "normal": timedelta(hours=8),
                    "high": timedelta(hours=4),
                    "urgent": timedelta(hours=2),
                },
            },
        )
    ]
)


def hours(n: float) -> pendulum.DateTime:
    return T0.add(minutes=round(n * 60))


def open_ticket(
    policy: EscalationPolicy,
    *,
    priority: Priority = Priority.NORMAL,
    topic: Topic = Topic.BILLING,
    sla: SLAPolicySet | None = SLA,
) -> Ticket:
    return Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="The invoice is wrong",
        topic=topic,
        channel=Channel.EMAIL,
        priority=priority,
        tier=1,
        team="customer_service",
        sla=sla,
        escalation=policy,
        at=T0,
    )


def rule_events(ticket: Ticket) -> list[tuple[str, str | None, pendulum.DateTime]]:
    return [
        (event.name, getattr(event, "rule", None), event.at)
        for event in ticket.history
        if isinstance(event, TicketEscalated | TicketManagerNotified | TicketPriorityRaised)
        and event.rule is not None
    ]


# --- the scenarios of the issue ------------------------------------------------------


def test_an_urgent_ticket_notifies_the_on_call_manager_at_open() -> None:
    policy = EscalationPolicy(
        [EscalationRule("urgent", WhenPriorityAtOpen(Priority.URGENT), NotifyManager("on_call"))]
    )
    ticket = open_ticket(policy, priority=Priority.URGENT)
    assert policy.evaluate(ticket, at=T0) == (DueEscalation("urgent", ticket.created_at_us),)
    assert ticket.next_deadline() == T0
    (event,) = [e for e in policy.apply(ticket, at=T0) if isinstance(e, TicketManagerNotified)]
    assert (event.role, event.rule, event.at) == ("on_call", "urgent", T0)
    assert event.reason == "opened with priority urgent or higher"
    assert ticket.tier == 1
    assert policy.evaluate(ticket, at=hours(1)) == ()
    normal = open_ticket(policy)
    assert policy.evaluate(normal, at=hours(1)) == ()


def test_75_percent_of_resolution_escalates_and_a_breach_notifies_the_manager() -> None:
    policy = EscalationPolicy(
        [
            EscalationRule("75%", WhenSLAReaches("resolution", 75), EscalateTo()),
            EscalationRule(
                "breach", WhenSLABreached("resolution"), NotifyManager("support_manager")
            ),
        ]
    )
    ticket = open_ticket(policy)
    assert ticket.next_deadline() is not None
    assert policy.next_due(ticket) == hours(6)
    assert policy.evaluate(ticket, at=hours(5.9)) == ()
    policy.apply(ticket, at=hours(6))
    assert (ticket.tier, ticket.team) == (2, "technical_support")
    assert policy.next_due(ticket) == hours(8)
    policy.apply(ticket, at=hours(30))  # the host looks late
    assert rule_events(ticket) == [
        ("ticket_escalated", "75%", hours(6)),
        ("ticket_manager_notified", "breach", hours(8)),
    ]
    assert ticket.tier == 2
    assert policy.next_due(ticket) is None
    assert policy.apply(ticket, at=hours(40)) == ()


def test_three_reopens_escalate_to_tier_3() -> None:
    policy = EscalationPolicy(
        [EscalationRule("reopens", WhenReopenedAtLeast(3), EscalateTo(tier=3))]
    )
    ticket = open_ticket(policy, sla=None)
    ticket.assign("ann", at=hours(0.1))
    for cycle in range(3):
        ticket.solve("fixed", at=hours(cycle + 0.2))
        assert policy.evaluate(ticket, at=hours(cycle + 0.3)) == ()
        ticket.customer_message("still broken", at=hours(cycle + 0.4))
    assert ticket.reopens == 3
    (due,) = policy.evaluate(ticket, at=hours(5))
    assert (due.rule, due.due) == ("reopens", hours(2.4))
    policy.apply(ticket, at=hours(5))
    assert rule_events(ticket) == [("ticket_escalated", "reopens", hours(2.4))]
    assert (ticket.tier, ticket.team) == (3, "engineering")


def test_a_threshold_the_sla_does_not_announce_is_computed_from_the_clock() -> None:
    policy = EscalationPolicy(
        [EscalationRule("90%", WhenSLAReaches("resolution", 90), NotifyManager("head"))]
    )
    ticket = open_ticket(policy)
    assert policy.next_due(ticket) == hours(7.2)
    assert ticket.next_deadline() == hours(4)  # the SLA's own 50 % warning comes first
    ticket.evaluate(at=hours(7.1))
    assert rule_events(ticket) == []
    ticket.assign("ann", at=hours(9))  # the command records what fell due before it
    assert rule_events(ticket) == [("ticket_manager_notified", "90%", hours(7.2))]
    assert [e.name for e in ticket.history][-3:] == [
        "ticket_manager_notified",
        "sla_breached",
        "ticket_assigned",
    ]


def test_an_escalation_is_stamped_when_its_condition_became_true() -> None:
    policy = EscalationPolicy(
        [EscalationRule("75%", WhenSLAReaches("resolution", 75), EscalateTo())]
    )
    timely = open_ticket(policy)
    late = open_ticket(policy)
    while (due := timely.next_deadline()) is not None and due <= hours(20):
        policy.apply(timely, at=due)
    policy.apply(late, at=hours(20))
    assert late == timely
    assert rule_events(late) == [("ticket_escalated", "75%", hours(6))]


# --- conditions ----------------------------------------------------------------------


def test_business_age_counts_on_the_calendar() -> None:
    calendar = BusinessCalendar.weekdays("09:00", "17:00", timezone="UTC")
    policy = EscalationPolicy(
        [EscalationRule("old", WhenOlderThan(timedelta(hours=12), calendar), RaisePriority())]
    )
    ticket = open_ticket(policy, sla=None)
    # 8 business hours on Monday, 4 more on Tuesday morning.
    assert policy.next_due(ticket) == pendulum.datetime(2026, 3, 3, 13, tz="UTC")
    (event,) = policy.apply(ticket, at=pendulum.datetime(2026, 3, 9, tz="UTC"))
    assert isinstance(event, TicketPriorityRaised)
    assert (event.from_priority, event.to_priority) == (Priority.NORMAL, Priority.HIGH)
    assert event.at == pendulum.datetime(2026, 3, 3, 13, tz="UTC")
    assert ticket.priority is Priority.HIGH


def test_reassignments_and_customer_requests_fire_at_their_instant() -> None:
    policy = EscalationPolicy(
        [
            EscalationRule("bounced", WhenReassignedAtLeast(2), NotifyManager("team_lead")),
            EscalationRule("asked", WhenCustomerAsks(), EscalateTo(team="engineering")),
        ]
    )
    ticket = open_ticket(policy, sla=None)
    ticket.assign("ann", at=hours(1))
    ticket.assign("bob", at=hours(2))
    policy.apply(ticket, at=hours(2.5))
    ticket.request_escalation(reason="I want an expert", at=hours(3))
    ticket.assign("cid", at=hours(3))
    # The assign first recorded what was due before it (the customer's request); the
    # second reassignment makes "bounced" due at its own instant.
    assert [d.rule for d in policy.evaluate(ticket, at=hours(4))] == ["bounced"]
    policy.apply(ticket, at=hours(4))
    assert rule_events(ticket) == [
        ("ticket_escalated", "asked", hours(3)),
        ("ticket_manager_notified", "bounced", hours(3)),
    ]
    assert (ticket.tier, ticket.team) == (3, "engineering")


def test_raising_the_priority_moves_the_sla_thresholds() -> None:
    policy = EscalationPolicy(
        [
            EscalationRule("urgent at open", WhenPriorityAtOpen("high"), RaisePriority("urgent")),
            EscalationRule("half", WhenSLAReaches("resolution", 50), NotifyManager("lead")),
        ]
    )
    ticket = open_ticket(policy, priority=Priority.HIGH)
    policy.apply(ticket, at=T0)
    assert ticket.priority is Priority.URGENT
    # Urgent resolution target is 2 hours: half of it is one hour after opening.
    assert policy.next_due(ticket) == hours(1)


def test_each_rule_fires_once_per_cycle_and_again_after_a_reopen() -> None:
    policy = EscalationPolicy(
        [EscalationRule("75%", WhenSLAReaches("resolution", 75), NotifyManager("lead"))]
    )
    ticket = open_ticket(policy)
    ticket.assign("ann", at=hours(0.5))
    policy.apply(ticket, at=hours(7))
    policy.apply(ticket, at=hours(7.5))
    ticket.solve("done", at=hours(7.5))
    assert policy.next_due(ticket) is None
    ticket.customer_message("no, it is not", at=hours(10))
    assert policy.next_due(ticket) == hours(16)
    policy.apply(ticket, at=hours(17))
    assert rule_events(ticket) == [
        ("ticket_manager_notified", "75%", hours(6)),
        ("ticket_manager_notified", "75%", hours(16)),
    ]


def test_a_condition_met_after_the_solve_does_not_fire() -> None:
    policy = EscalationPolicy(
        [EscalationRule("breach", WhenSLABreached("resolution"), EscalateTo())]
    )
    ticket = open_ticket(policy)
    ticket.assign("ann", at=hours(1))
    ticket.solve("done", at=hours(2))
    assert policy.evaluate(ticket, at=hours(30)) == ()
    assert policy.next_due(ticket) is None


def test_a_functional_rule_is_a_floor_for_the_cycle() -> None:
    policy = EscalationPolicy([EscalationRule("asked", WhenCustomerAsks(), EscalateTo(tier=2))])
    ticket = open_ticket(policy, sla=None)
    ladder = policy.ladder
    ticket.escalate(ladder=ladder, to_tier=3, reason="expert", actor="ann", at=hours(1))
    ticket.request_escalation(reason="faster please", at=hours(2))
    assert policy.evaluate(ticket, at=hours(3)) == ()  # already above tier 2: nothing to do
    ticket.de_escalate(
        ladder=ladder, to_tier=1, reason="back to the desk", actor="dev", at=hours(4)
    )
    (due,) = policy.evaluate(ticket, at=hours(5))
    assert due.due == hours(2)
    # Due since hours(2), stamped no earlier than the latest event: the deadline a host
    # reads is one it may evaluate at.
    assert ticket.next_deadline() == hours(4)
    ticket.evaluate(at=ticket.next_deadline())
    assert rule_events(ticket) == [("ticket_escalated", "asked", hours(4))]
    assert ticket.tier == 2


def test_one_tier_up_stops_at_the_top() -> None:
    ladder = TierLadder.default()
    policy = EscalationPolicy([EscalationRule("asked", WhenCustomerAsks(), EscalateTo())], ladder)
    ticket = open_ticket(policy, sla=None)
    ticket.escalate(ladder=ladder, to_tier=4, reason="vendor", actor="ann", at=hours(1))
    ticket.request_escalation(reason="more", at=hours(2))
    assert policy.evaluate(ticket, at=hours(3)) == ()
    assert policy.next_due(ticket) is None
    assert ticket.tier == 4


def test_a_history_cut_between_a_warning_and_its_rule_catches_up_exactly() -> None:
    # A host may hold a history that ends at an SLA warning, before the escalation
    # it fires (read mid-way, or cut by hand): the next deadline it reads is the
    # rule's, and once the rule fired it is the SLA's again, as on the whole ticket.
    policy = EscalationPolicy(
        [
            EscalationRule("75%", WhenSLAReaches("resolution", 75), NotifyManager("lead")),
            EscalationRule(
                "breach", WhenSLABreached("resolution"), NotifyManager("support_manager")
            ),
        ]
    )
    ticket = open_ticket(policy)
    ticket.evaluate(at=hours(7))
    history = ticket.history
    cut = 1 + next(
        i
        for i, e in enumerate(history)
        if isinstance(e, SLAThresholdReached) and e.threshold == 0.75
    )
    assert isinstance(history[cut], TicketManagerNotified)
    partial = Ticket.replay(history[:cut], sla=SLA, escalation=policy)
    assert partial.next_deadline() == hours(6)  # the rule, due at the warning
    partial.evaluate(at=hours(7))
    assert partial.history == history
    assert partial.next_deadline() == ticket.next_deadline() == hours(8)


def test_evaluate_is_pure_and_apply_is_idempotent() -> None:
    policy = EscalationPolicy(
        [EscalationRule("urgent", WhenPriorityAtOpen("urgent"), NotifyManager("on_call"))]
    )
    ticket = open_ticket(policy, priority=Priority.URGENT)
    version = ticket.version
    assert policy.evaluate(ticket, at=hours(1)) == policy.evaluate(ticket, at=hours(1))
    assert ticket.version == version
    first = policy.apply(ticket, at=hours(1))
    assert any(isinstance(e, TicketManagerNotified) for e in first)
    assert policy.apply(ticket, at=hours(1)) == ()


def test_evaluate_sees_sla_thresholds_the_host_has_not_recorded_yet() -> None:
    policy = EscalationPolicy(
        [EscalationRule("resolution-75", WhenSLAReaches("resolution", 75), EscalateTo(tier=2))]
    )
    ticket = open_ticket(policy)  # 8 h resolution target, always open: 75 % at 15:00
    assert policy.next_due(ticket) == hours(6)
    due = DueEscalation("resolution-75", at_us(hours(6)))
    version = ticket.version
    assert policy.evaluate(ticket, at=hours(5.9)) == ()
    assert policy.evaluate(ticket, at=hours(7)) == (due,)
    assert ticket.version == version  # still pure: nothing recorded on the ticket
    ticket.evaluate(at=hours(5))  # a host that evaluated earlier sees the same
    assert policy.evaluate(ticket, at=hours(7)) == (due,)


# --- validation and documents --------------------------------------------------------


def test_bad_rules_and_policies_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="percent must be in"):
        WhenSLAReaches("resolution", 0)
    with pytest.raises(UnknownName, match=r"metric must be one of first_reply, .*, got 'speed'"):
        WhenSLABreached("speed")
    with pytest.raises(InvalidArgument, match="n must be at least 1"):
        WhenReopenedAtLeast(0)
    with pytest.raises(InvalidArgument, match="duration must be positive"):
        WhenOlderThan(timedelta(0), BusinessCalendar.always_open())
    with pytest.raises(InvalidType, match="calendar must be a BusinessCalendar"):
        WhenOlderThan(timedelta(hours=1), "UTC")  # type: ignore[arg-type]
    with pytest.raises(InvalidType, match="condition must be a Condition"):
        EscalationRule("x", "priority", NotifyManager("lead"))  # type: ignore[arg-type]
    rule = EscalationRule("x", WhenCustomerAsks(), NotifyManager("lead"))
    with pytest.raises(InvalidArgument, match="repeated: x"):
        EscalationPolicy([rule, rule])
    with pytest.raises(InvalidArgument, match="tier 9 is outside the ladder"):
        EscalationPolicy([EscalationRule("x", WhenReopenedAtLeast(1), EscalateTo(tier=9))])
    with pytest.raises(UnknownName, match="rule 'x': unknown team 'legal'"):
        EscalationPolicy([EscalationRule("x", WhenReopenedAtLeast(1), EscalateTo(team="legal"))])


def full_policy() -> EscalationPolicy:
    calendar = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Paris")
    return EscalationPolicy(
        [
            EscalationRule(
                "urgent", WhenPriorityAtOpen("urgent", or_higher=False), NotifyManager("on_call")
            ),
            EscalationRule("75%", WhenSLAReaches("resolution", 75), EscalateTo(), reason="late"),
            EscalationRule("breach", WhenSLABreached("first_reply"), RaisePriority("urgent")),
            EscalationRule(
                "reopens", WhenReopenedAtLeast(3), EscalateTo(tier=3, team="engineering")
            ),
            EscalationRule("bounced", WhenReassignedAtLeast(2), RaisePriority()),
            EscalationRule(
                "old", WhenOlderThan(timedelta(hours=20), calendar), NotifyManager("head")
            ),
            EscalationRule("asked", WhenCustomerAsks(), EscalateTo(team="vendor")),
        ],
        TierLadder.default(names={1: "service desk"}),
    )


def test_a_policy_survives_json() -> None:
    policy = full_policy()
    data = json.loads(json.dumps(policy.to_dict()))
    assert data["type"] == "escalation_policy"
    assert data["schema"] == 2
    assert EscalationPolicy.from_dict(data) == policy


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda d: d["rules"][1]["condition"].update(percent="75"), "rules[1].condition.percent"),
        (lambda d: d["rules"][2]["condition"].update(kind="moon"), "rules[2].condition.kind"),
        (lambda d: d["rules"][4]["action"].update(to="critical"), "rules[4].action.to"),
        (lambda d: d["rules"][3]["action"].update(tier=9), "rules[3].action"),
        (lambda d: d["rules"][0].pop("name"), "rules[0].name"),
        (lambda d: d["ladder"]["tiers"][1].update(teams=[]), "ladder.tiers[1]"),
        (lambda d: d.update(schema=3), "schema"),
    ],
)
def test_a_bad_policy_document_names_the_field(edit: object, path: str) -> None:
    data = full_policy().to_dict()
    edit(data)  # type: ignore[operator]
    with pytest.raises(SchemaError) as caught:
        EscalationPolicy.from_dict(data)
    assert caught.value.path == path


def test_a_ticket_with_escalations_survives_its_document() -> None:
    policy = full_policy()
    ticket = open_ticket(policy, priority=Priority.URGENT)
    ticket.request_escalation(reason="manager!", at=hours(0.5))
    policy.apply(ticket, at=hours(3))
    assert any(isinstance(e, TicketEscalated) for e in ticket.history)
    data = json.loads(json.dumps(ticket.to_dict()))
    assert Ticket.from_dict(data, sla=SLA, escalation=policy) == ticket
    assert Ticket.replay(ticket.history, sla=SLA, escalation=policy) == ticket
