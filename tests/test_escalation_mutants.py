"""Escalation policy behaviour that the mutation run of ``_escalation/_policy.py``
(docs/quality.md) found untested: the errors a policy and its documents give, the
default reasons, which rule acts when, and what loading an edited history refuses.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import attrs
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
    SLAConditions,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    Tier,
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
from supportflow.escalation import DueEscalation
from supportflow.events import (
    TicketEscalated,
    TicketManagerNotified,
    TicketNoteAdded,
    TicketPriorityRaised,
)

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")  # a Monday
ALWAYS = BusinessCalendar.always_open()
H = timedelta(hours=1)


def hours(n: float) -> pendulum.DateTime:
    return T0.add(minutes=round(n * 60))


def open_ticket(
    policy: EscalationPolicy,
    *,
    priority: Priority = Priority.NORMAL,
    team: str = "customer_service",
) -> Ticket:
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="The invoice is wrong",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        priority=priority,
        tier=1,
        team=team,
        escalation=policy,
        at=T0,
    )
    ticket.assign("ana", at=T0)
    return ticket


def policy_of(condition: Any, action: Any, name: str = "rule") -> EscalationPolicy:
    return EscalationPolicy([EscalationRule(name, condition, action)])


def fired(ticket: Ticket) -> list[tuple[str, str | None, pendulum.DateTime]]:
    return [
        (event.name, getattr(event, "rule", None), event.at)
        for event in ticket.history
        if isinstance(event, TicketEscalated | TicketManagerNotified | TicketPriorityRaised)
    ]


# --- what a policy accepts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (
            lambda: WhenSLAReaches("resolution", True),
            InvalidType,
            "percent must be a number, got bool: True",
        ),
        (
            lambda: WhenSLAReaches("resolution", "75"),
            InvalidType,
            "percent must be a number, got str: '75'",
        ),
        (
            lambda: WhenSLAReaches("resolution", 100.5),
            InvalidArgument,
            "percent must be in (0, 100], got 100.5",
        ),
        (
            lambda: WhenSLAReaches("resolution", 0),
            InvalidArgument,
            "percent must be in (0, 100], got 0",
        ),
        (lambda: WhenReopenedAtLeast(True), InvalidType, "n must be an int, got bool: True"),
        (lambda: WhenReassignedAtLeast(0), InvalidArgument, "n must be at least 1, got 0"),
        (
            lambda: WhenPriorityAtOpen("critical"),
            InvalidArgument,
            "priority must be one of low, normal, high, urgent, got 'critical'",
        ),
        (
            lambda: WhenPriorityAtOpen(3),
            InvalidArgument,
            "priority must be one of low, normal, high, urgent, got 3",
        ),
        (
            lambda: WhenOlderThan(H, "weekdays"),
            InvalidType,
            "calendar must be a BusinessCalendar, got str",
        ),
        (lambda: EscalateTo(tier=True), InvalidType, "tier must be an int, got bool: True"),
        (lambda: EscalateTo(tier="2"), InvalidType, "tier must be an int, got str: '2'"),
        (
            lambda: EscalationRule("r", "soon", NotifyManager("lead")),
            InvalidType,
            "condition must be a Condition, got str",
        ),
        (
            lambda: EscalationRule("r", WhenCustomerAsks(), "call someone"),
            InvalidType,
            "action must be an EscalationAction, got str",
        ),
        (
            lambda: EscalationPolicy(["r"]),
            InvalidType,
            "a policy holds EscalationRule objects, got str",
        ),
        (
            lambda: EscalationPolicy(
                [
                    EscalationRule(name, WhenCustomerAsks(), NotifyManager("lead"))
                    for name in ("b", "a", "b", "a")
                ]
            ),
            InvalidArgument,
            "rule names must be unique; repeated: a, b",
        ),
        (
            lambda: EscalationPolicy([], ladder="default"),
            InvalidType,
            "ladder must be a TierLadder, got str",
        ),
    ],
)
def test_a_bad_condition_action_rule_or_policy_is_refused_saying_why(
    build: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        build()
    assert str(raised.value) == message


def test_the_percent_of_an_sla_condition_may_be_a_fraction_or_the_whole_target() -> None:
    assert WhenSLAReaches("resolution", 0.5).percent == 0.5
    assert WhenSLAReaches("resolution", 100).percent == 100.0
    assert RaisePriority(to="high").to is Priority.HIGH
    assert RaisePriority().to is None


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        (WhenReopenedAtLeast(1), "reopened 1 time"),
        (WhenReopenedAtLeast(2), "reopened 2 times"),
        (WhenReassignedAtLeast(1), "reassigned 1 time"),
        (WhenReassignedAtLeast(2), "reassigned 2 times"),
        (WhenReassignedAtLeast(3), "reassigned 3 times"),
        (WhenCustomerAsks(), "the customer asked for escalation"),
        (WhenPriorityAtOpen("high"), "opened with priority high or higher"),
        (WhenPriorityAtOpen("high", or_higher=False), "opened with priority high"),
    ],
)
def test_each_condition_gives_a_readable_default_reason(condition: Any, reason: str) -> None:
    assert EscalationRule("rule", condition, NotifyManager("lead")).why == reason


# --- policy documents ------------------------------------------------------------------


def document(condition: dict[str, Any], action: dict[str, Any] | None = None) -> dict[str, Any]:
    data = policy_of(WhenCustomerAsks(), NotifyManager("lead")).to_dict()
    data["rules"][0]["condition"] = condition
    data["rules"][0]["action"] = action or {"kind": "notify_manager", "role": "lead"}
    return data


def schema_error(data: object) -> tuple[str, str]:
    with pytest.raises(SchemaError) as raised:
        EscalationPolicy.from_dict(data)
    return raised.value.path, raised.value.problem


def test_a_policy_document_with_an_unknown_kind_names_the_known_ones() -> None:
    assert schema_error(document({"kind": "sla_late"})) == (
        "rules[0].condition.kind",
        "unknown condition 'sla_late'; expected one of sla_reaches, sla_breached, "
        "priority_at_open, reopened_at_least, reassigned_at_least, older_than, customer_asks",
    )
    assert schema_error(document({"kind": "customer_asks"}, {"kind": "page"})) == (
        "rules[0].action.kind",
        "unknown action 'page'; expected one of escalate_to, notify_manager, raise_priority",
    )


def test_a_policy_document_with_a_bad_value_names_its_condition_action_or_rule() -> None:
    reaches = {"kind": "sla_reaches", "metric": "resolution", "percent": 150}
    assert schema_error(document(reaches)) == (
        "rules[0].condition",
        "percent must be in (0, 100], got 150.0",
    )
    up = {"kind": "escalate_to", "tier": 9, "team": None}
    assert schema_error(document({"kind": "customer_asks"}, up)) == (
        "rules[0].action",
        "tier 9 is outside the ladder: valid tiers are 0-4",
    )
    nobody = {"kind": "notify_manager", "role": ""}
    assert schema_error(document({"kind": "customer_asks"}, nobody)) == (
        "rules[0].action",
        "role must not be empty",
    )
    unnamed = document({"kind": "customer_asks"})
    unnamed["rules"][0]["name"] = " "
    assert schema_error(unnamed) == ("rules[0]", "rule name must not be empty")
    twice = document({"kind": "customer_asks"})
    twice["rules"].append(copy.deepcopy(twice["rules"][0]))
    assert schema_error(twice) == ("rules", "rule names must be unique; repeated: rule")


def test_an_age_condition_document_needs_a_positive_duration_and_a_valid_calendar() -> None:
    older = policy_of(WhenOlderThan(H, ALWAYS), NotifyManager("lead")).to_dict()
    condition = older["rules"][0]["condition"]
    one = copy.deepcopy(older)
    one["rules"][0]["condition"]["duration_us"] = 1
    assert EscalationPolicy.from_dict(one).rules[0].condition.duration_us == 1  # type: ignore[attr-defined]
    zero = copy.deepcopy(older)
    zero["rules"][0]["condition"]["duration_us"] = 0
    assert schema_error(zero) == ("rules[0].condition.duration_us", "must be >= 1, got 0")
    mars = copy.deepcopy(older)
    mars["rules"][0]["condition"]["calendar"] = {**condition["calendar"], "timezone": "Mars/Base"}
    assert schema_error(mars) == (
        "rules[0].condition.calendar.timezone",
        "unknown time zone 'Mars/Base'; use an IANA name like 'America/New_York' or 'UTC'",
    )
    flat = copy.deepcopy(older)
    flat["rules"][0]["condition"]["calendar"] = "always open"
    assert schema_error(flat) == ("rules[0].condition.calendar", "expected an object, got str")


# --- which rule acts, and when --------------------------------------------------------


def asked_with(
    action: Any, priority: Priority = Priority.NORMAL, team: str = "customer_service"
) -> tuple[EscalationPolicy, Ticket]:
    policy = policy_of(WhenCustomerAsks(), action)
    ticket = open_ticket(policy, priority=priority, team=team)
    ticket.request_escalation(reason="We are losing sales.", at=hours(1))
    ticket.evaluate(at=hours(1))
    return policy, ticket


@pytest.mark.parametrize(
    ("action", "priority", "raised_to"),
    [
        (RaisePriority(), Priority.HIGH, Priority.URGENT),
        (RaisePriority(), Priority.URGENT, None),  # already at the top
        (RaisePriority(to="high"), Priority.URGENT, None),  # never lowers
        (RaisePriority(to="high"), Priority.HIGH, None),  # already there
        (RaisePriority(to="high"), Priority.NORMAL, Priority.HIGH),
    ],
)
def test_raising_the_priority_goes_up_only(
    action: RaisePriority, priority: Priority, raised_to: Priority | None
) -> None:
    _, ticket = asked_with(action, priority)
    assert ticket.priority is (raised_to or priority)
    assert fired(ticket) == ([("ticket_priority_raised", "rule", hours(1))] if raised_to else [])


@pytest.mark.parametrize(
    ("action", "team", "moved_to"),
    [
        (EscalateTo(tier=1), "customer_service", None),  # already there
        (EscalateTo(tier=2), "customer_service", (2, "technical_support")),
    ],
)
def test_escalating_to_a_named_tier_moves_up_only(
    action: EscalateTo, team: str, moved_to: tuple[int, str] | None
) -> None:
    _, ticket = asked_with(action, team=team)
    assert (ticket.tier, ticket.team) == (moved_to or (1, team))


def test_escalating_to_another_team_of_the_same_tier_moves_the_ticket() -> None:
    ladder = TierLadder(
        [
            Tier(0, "self-service", ("self_service",)),
            Tier(1, "front line", ("customer_service", "billing")),
            Tier(2, "technical support", ("technical_support",)),
        ]
    )
    for action, moved in (
        (EscalateTo(tier=1, team="billing"), True),
        (EscalateTo(tier=1), False),  # its default team: the ticket is in tier 1 already
        (EscalateTo(team="customer_service"), False),  # there already
    ):
        policy = EscalationPolicy([EscalationRule("rule", WhenCustomerAsks(), action)], ladder)
        ticket = open_ticket(policy, team="customer_service")
        ticket.request_escalation(reason="Wrong desk.", at=hours(1))
        ticket.evaluate(at=hours(1))
        assert ticket.team == ("billing" if moved else "customer_service"), action


def test_the_default_tier_rule_leaves_a_ticket_on_another_team_of_the_tier_alone() -> None:
    ladder = TierLadder(
        [
            Tier(0, "self-service", ("self_service",)),
            Tier(1, "front line", ("customer_service", "billing")),
        ]
    )
    policy = EscalationPolicy(
        [EscalationRule("rule", WhenCustomerAsks(), EscalateTo(tier=1))], ladder
    )
    ticket = open_ticket(policy, team="billing")
    ticket.request_escalation(reason="Wrong desk.", at=hours(1))
    ticket.evaluate(at=hours(1))
    assert (ticket.tier, ticket.team) == (1, "billing")
    assert fired(ticket) == []


@pytest.mark.parametrize(
    ("opened", "or_higher", "due"),
    [
        (Priority.URGENT, True, True),
        (Priority.URGENT, False, False),
        (Priority.HIGH, False, True),
        (Priority.NORMAL, True, False),
    ],
)
def test_a_priority_at_open_rule_matches_exactly_or_from_that_priority_up(
    opened: Priority, or_higher: bool, due: bool
) -> None:
    policy = policy_of(WhenPriorityAtOpen("high", or_higher=or_higher), NotifyManager("lead"))
    ticket = open_ticket(policy, priority=opened)
    ticket.evaluate(at=hours(1))
    assert fired(ticket) == ([("ticket_manager_notified", "rule", T0)] if due else [])


def test_count_and_age_rules_fire_in_the_cycle_their_instant_falls_in_only() -> None:
    # Reassigned at 09:30 (first cycle); solved at 10:00 and 12:00, reopened at 11:00 and
    # 13:00; two hours old at 11:00 (the second cycle). None fires again in the third.
    policy = EscalationPolicy(
        [
            EscalationRule("old", WhenOlderThan(2 * H, ALWAYS), NotifyManager("lead")),
            EscalationRule("reopened", WhenReopenedAtLeast(1), NotifyManager("head")),
            EscalationRule("moved", WhenReassignedAtLeast(1), NotifyManager("desk")),
        ]
    )
    ticket = open_ticket(policy)
    ticket.assign("bo", at=hours(0.5))
    ticket.solve("Credited.", at=hours(1))
    ticket.customer_message("Still wrong.", at=hours(2))
    ticket.solve("Credited again.", at=hours(3))
    ticket.customer_message("Still wrong!", at=hours(4))
    ticket.add_note("bo", "Looking again.", at=hours(5))
    assert fired(ticket) == [
        ("ticket_manager_notified", "moved", hours(0.5)),
        ("ticket_manager_notified", "old", hours(2)),
        ("ticket_manager_notified", "reopened", hours(2)),
    ]


def test_a_reassignment_count_rule_is_due_at_the_nth_reassignment() -> None:
    policy = policy_of(WhenReassignedAtLeast(2), NotifyManager("lead"))
    ticket = open_ticket(policy)
    ticket.assign("bo", at=hours(1))
    ticket.assign("cy", at=hours(2))
    assert policy.evaluate(ticket, at=hours(3)) == (
        DueEscalation("rule", hours(2).int_timestamp * 1_000_000),
    )


# --- what loading an edited history refuses --------------------------------------------

ASKED = EscalationPolicy(
    [
        EscalationRule("asked", WhenCustomerAsks(), NotifyManager("support_lead")),
        EscalationRule("reopened", WhenReopenedAtLeast(1), EscalateTo(tier=2)),
    ]
)


def asked_history() -> list[Any]:
    """Opened at 09:00 in tier 1; the customer asks at 10:00, the rule notifies the lead
    at 10:00 (recorded by the note at 11:00); handed down to tier 0 at 12:00."""
    ticket = open_ticket(ASKED)
    ticket.request_escalation(reason="We are losing sales.", at=hours(1))
    ticket.add_note("ana", "Called them back.", at=hours(2))
    ticket.de_escalate(reason="Self-service can do it.", actor="ana", at=hours(3))
    history = list(ticket.history)
    assert [type(e).__name__ for e in history[2:]] == [
        "TicketEscalationRequested",
        "TicketManagerNotified",
        "TicketNoteAdded",
        "TicketDeEscalated",
    ]
    return history


def refused(history: list[Any], policy: EscalationPolicy = ASKED) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as raised:
        Ticket.replay(history, escalation=policy)
    return raised.value


def test_the_asked_history_loads_down_to_the_bottom_tier() -> None:
    history = asked_history()
    assert Ticket.replay(history, escalation=ASKED).tier == 0


def test_an_escalation_outside_the_ladder_is_refused() -> None:
    history = asked_history()
    up = TicketEscalated(
        at_us=history[-1].at_us,
        from_tier=0,
        from_team="self_service",
        to_tier=9,
        to_team="vendor",
        reason="Vendor bug.",
        actor="ana",
        rule=None,
    )
    error = refused([*history, up])
    assert str(error) == (
        "ticket_escalated to tier 9 is outside the escalation policy's ladder (tiers 0-4)"
    )
    assert error.field == "to_tier"


def test_an_event_by_a_rule_the_policy_lacks_names_the_rules_it_has() -> None:
    history = asked_history()
    other = attrs.evolve(history[3], rule="vip")
    assert str(refused([*history[:3], other, *history[4:]])) == (
        "ticket_manager_notified by rule 'vip', which the escalation policy does not have "
        "(rules: 'asked', 'reopened')"
    )
    assert str(refused(history, EscalationPolicy([]))) == (
        "ticket_manager_notified by rule 'asked', which the escalation policy does not have "
        "(rules: none)"
    )


def test_a_rule_event_that_differs_from_what_the_rule_records_is_refused() -> None:
    history = asked_history()
    notified = history[3]
    not_what = (
        "ticket_manager_notified by rule 'asked' at 2026-03-02T10:00:00.000000Z is not what "
        "the rule records: it is not due then, or its instant or outcome differs"
    )
    for edited in (
        attrs.evolve(notified, role="ceo"),
        attrs.evolve(notified, reason="They shouted."),
    ):
        assert str(refused([*history[:3], edited, *history[4:]])) == not_what
    early = attrs.evolve(notified, at_us=history[2].at_us - 1)
    assert "is not what the rule records" in str(refused([*history[:2], early, *history[4:]]))
    never = TicketEscalated(
        at_us=history[-1].at_us,
        from_tier=0,
        from_team="self_service",
        to_tier=2,
        to_team="technical_support",
        reason="reopened 1 time",
        actor=None,
        rule="reopened",  # never reopened
    )
    assert str(refused([*history, never])) == (
        "ticket_escalated by rule 'reopened' at 2026-03-02T12:00:00.000000Z is not what the "
        "rule records: it is not due then, or its instant or outcome differs"
    )


def test_a_command_recorded_past_a_due_rule_is_refused() -> None:
    history = asked_history()
    note = history[4]
    assert isinstance(note, TicketNoteAdded)
    error = refused([*history[:3], *history[4:]])
    assert str(error) == (
        "an escalation rule fell due at 2026-03-02T10:00:00.000000Z, before this event, and "
        "is not recorded: every command records what fell due before it first"
    )
    assert error.field == "at"


def test_a_breach_rule_fires_right_after_the_breach_before_later_warnings() -> None:
    sla = SLAPolicySet(
        [
            SLAPolicy(
                "standard",
                {"first_reply": {"normal": 2 * H}, "resolution": {"normal": 6 * H}},
                warnings=(0.5,),
            )
        ]
    )
    policy = policy_of(WhenSLABreached("first_reply"), NotifyManager("lead"), "late")
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="The invoice is wrong",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        tier=1,
        team="customer_service",
        sla=sla,
        escalation=policy,
        at=T0,
    )
    emitted = ticket.evaluate(at=hours(4))
    assert [
        (type(e).__name__, getattr(e, "metric", None) and e.metric.value, e.at)  # type: ignore[attr-defined]
        for e in emitted
    ] == [
        ("SLAThresholdReached", "first_reply", hours(1)),
        ("SLABreached", "first_reply", hours(2)),
        ("TicketManagerNotified", None, hours(2)),
        ("SLAThresholdReached", "resolution", hours(3)),
    ]


# --- cycles, thresholds and the next deadline ---------------------------------------------

RESOLUTION_8H = SLAPolicySet(
    [
        SLAPolicy(
            "standard",
            {"first_reply": {"normal": 4 * H}, "resolution": {"normal": 8 * H}},
            warnings=(0.5,),
        )
    ]
)


def sla_ticket(policy: EscalationPolicy, sla: SLAPolicySet = RESOLUTION_8H) -> Ticket:
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="The invoice is wrong",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        tier=1,
        team="customer_service",
        sla=sla,
        escalation=policy,
        at=T0,
    )
    ticket.assign("ana", at=T0)
    return ticket


def kinds(events: tuple[Any, ...]) -> list[tuple[str, pendulum.DateTime]]:
    return [(event.name, event.at) for event in events]


def test_a_rule_on_the_first_warning_fires_after_an_early_evaluation() -> None:
    # The evaluation at 10:00 finds nothing; the warning at 13:00 is the ticket's first.
    sla = SLAPolicySet([SLAPolicy("standard", {"resolution": {"normal": 8 * H}}, warnings=(0.5,))])
    policy = policy_of(WhenSLAReaches("resolution", 50), NotifyManager("lead"))
    ticket = sla_ticket(policy, sla)
    assert policy.evaluate(ticket, at=hours(1)) == ()
    assert kinds(ticket.evaluate(at=hours(5))) == [
        ("sla_threshold_reached", hours(4)),
        ("ticket_manager_notified", hours(4)),
    ]


def test_a_rule_due_at_the_latest_event_is_listed_by_an_evaluation_then() -> None:
    # Raised to high at 11:00: the 1 h first reply is breached at once.
    sla = SLAPolicySet(
        [SLAPolicy("standard", {"first_reply": {"normal": 4 * H, "high": H}}, warnings=())]
    )
    policy = policy_of(WhenSLABreached("first_reply"), NotifyManager("lead"), "late")
    ticket = sla_ticket(policy, sla)
    ticket.change_priority(Priority.HIGH, at=hours(2))
    assert policy.evaluate(ticket, at=hours(2)) == (
        DueEscalation("late", hours(2).int_timestamp * 1_000_000),
    )
    applied = policy.apply(ticket, at=hours(2))
    assert kinds(applied) == [("sla_breached", hours(2)), ("ticket_manager_notified", hours(2))]


def test_a_rule_fired_earlier_in_the_cycle_does_not_hold_back_the_next() -> None:
    policy = EscalationPolicy(
        [
            EscalationRule("asked", WhenCustomerAsks(), NotifyManager("lead")),
            EscalationRule("old", WhenOlderThan(3 * H, ALWAYS), NotifyManager("head")),
        ]
    )
    ticket = open_ticket(policy)
    ticket.request_escalation(reason="We are losing sales.", at=hours(1))
    ticket.set_pending(at=hours(2))  # a status change, not a request
    ticket.evaluate(at=hours(4))
    assert fired(ticket) == [
        ("ticket_manager_notified", "asked", hours(1)),
        ("ticket_manager_notified", "old", hours(3)),
    ]


def test_a_rule_at_a_threshold_the_sla_does_not_announce_fires_at_its_instant() -> None:
    policy = policy_of(WhenSLAReaches("resolution", 90), NotifyManager("lead"))
    ticket = sla_ticket(policy)
    ticket.reply("ana", "On it.", at=hours(1))  # first reply fulfilled: its clock stops
    emitted = ticket.evaluate(at=hours(8))
    assert ("ticket_manager_notified", T0.add(minutes=432)) in kinds(emitted)  # 7.2 h
    assert fired(ticket) == [("ticket_manager_notified", "rule", T0.add(minutes=432))]


def test_an_age_rule_counts_through_pending_but_not_past_the_solve() -> None:
    policy = policy_of(WhenOlderThan(2 * H, ALWAYS), NotifyManager("lead"))
    waiting = open_ticket(policy)
    waiting.set_pending(at=hours(1))
    assert kinds(waiting.evaluate(at=hours(3))) == [("ticket_manager_notified", hours(2))]
    solved = open_ticket(policy)
    solved.solve("Credited.", at=hours(1))
    assert solved.evaluate(at=hours(3)) == ()


def test_a_customer_can_ask_again_after_a_reopen() -> None:
    ticket = open_ticket(ASKED)
    ticket.solve("Credited.", at=hours(1))
    ticket.customer_message("Still wrong.", at=hours(2))  # reopens: tier 2 by rule
    ticket.request_escalation(reason="Please hurry.", at=hours(3))
    ticket.evaluate(at=hours(3))
    assert fired(ticket) == [
        ("ticket_escalated", "reopened", hours(2)),
        ("ticket_manager_notified", "asked", hours(3)),
    ]


def test_an_age_rule_and_an_earlier_sla_warning_are_recorded_in_time_order() -> None:
    policy = policy_of(WhenOlderThan(3 * H, ALWAYS), NotifyManager("lead"))
    ticket = sla_ticket(policy)
    assert kinds(ticket.evaluate(at=hours(3))) == [
        ("sla_threshold_reached", hours(2)),  # first reply at 50 %
        ("ticket_manager_notified", hours(3)),
    ]


def test_the_next_deadline_and_the_evaluation_look_past_rules_that_cannot_act() -> None:
    policy = EscalationPolicy(
        [
            EscalationRule("reopened", WhenReopenedAtLeast(1), NotifyManager("head")),
            EscalationRule("front", WhenOlderThan(2 * H, ALWAYS), EscalateTo(tier=1)),
            EscalationRule("old", WhenOlderThan(3 * H, ALWAYS), NotifyManager("lead")),
        ]
    )
    ticket = open_ticket(policy)
    assert ticket.next_deadline() == hours(3)
    ticket.evaluate(at=hours(4))
    assert fired(ticket) == [("ticket_manager_notified", "old", hours(3))]


def test_a_solved_ticket_without_sla_is_next_due_to_auto_close() -> None:
    policy = policy_of(WhenOlderThan(30 * 24 * H, ALWAYS), NotifyManager("lead"))
    ticket = open_ticket(policy)
    ticket.solve("Credited.", at=hours(1))
    assert ticket.next_deadline() == hours(1).add(days=4)


def test_a_status_change_is_no_customer_request() -> None:
    policy = policy_of(WhenCustomerAsks(), NotifyManager("lead"))
    ticket = open_ticket(policy)
    ticket.set_pending(at=hours(1))
    ticket.put_on_hold(at=hours(2))
    assert ticket.evaluate(at=hours(3)) == ()
    assert fired(ticket) == []


def test_a_schema_1_policy_document_loads_with_its_conditions_renamed() -> None:
    policy = EscalationPolicy(
        [
            EscalationRule("late", WhenSLAReaches("resolution", 75), NotifyManager("lead")),
            EscalationRule("breached", WhenSLABreached("resolution"), NotifyManager("lead")),
            EscalationRule("reopened", WhenReopenedAtLeast(2), EscalateTo(tier=2)),
            EscalationRule("moved", WhenReassignedAtLeast(3), NotifyManager("desk")),
            EscalationRule("old", WhenOlderThan(2 * H, ALWAYS), RaisePriority()),
            EscalationRule("asked", WhenCustomerAsks(), NotifyManager("lead")),
        ]
    )
    data = policy.to_dict()
    data["schema"] = 1
    old_names = {
        "sla_reaches": "sla_threshold",
        "reopened_at_least": "reopens_at_least",
        "reassigned_at_least": "reassignments_at_least",
        "older_than": "age_at_least",
        "customer_asks": "customer_asked_for_escalation",
    }
    for rule in data["rules"]:
        kind = rule["condition"]["kind"]
        rule["condition"]["kind"] = old_names.get(kind, kind)
    assert [rule["condition"]["kind"] for rule in data["rules"]] == [
        "sla_threshold",
        "sla_breached",
        "reopens_at_least",
        "reassignments_at_least",
        "age_at_least",
        "customer_asked_for_escalation",
    ]
    assert EscalationPolicy.from_dict(data) == policy
    # What is not a rule with a condition object is left for the reader to refuse.
    odd = {**data, "rules": [7]}
    assert schema_error(odd)[0] == "rules[0]"
    no_condition = copy.deepcopy(data)
    no_condition["rules"][0]["condition"] = "sla_threshold"
    assert schema_error(no_condition)[0] == "rules[0].condition"
    no_kind = copy.deepcopy(data)
    no_kind["rules"][0]["condition"]["kind"] = 3
    assert schema_error(no_kind)[0] == "rules[0].condition.kind"


# --- a policy calm between SLA marks ---------------------------------------------------
# With the library's own rules, none of them an age, and every mark they read announced by
# the SLA, a policy that found nothing due stays calm until an event a rule reads: these
# tests check that each such event wakes it at the event's own instant.

CALM = EscalationPolicy(
    [
        EscalationRule("reopened", WhenReopenedAtLeast(1), NotifyManager("head")),
        EscalationRule("moved", WhenReassignedAtLeast(1), NotifyManager("lead")),
        EscalationRule("asked", WhenCustomerAsks(), NotifyManager("desk")),
        EscalationRule("half", WhenSLAReaches("resolution", 50), NotifyManager("lead")),
    ]
)


def test_a_calm_policy_acts_at_a_reopen_a_reassignment_and_a_request() -> None:
    ticket = sla_ticket(CALM)
    ticket.reply("ana", "On it.", at=hours(1))
    ticket.add_note("ana", "Credit issued.", at=hours(1.5))  # leaves every rule alone
    ticket.solve("Credited.", at=hours(2))
    ticket.customer_message("Still wrong.", at=hours(2.5))  # reopens
    ticket.add_note("ana", "Checking again.", at=hours(2.75))
    ticket.assign("bo", team="billing", at=hours(3))  # reassigns
    ticket.request_escalation(reason="Please hurry.", at=hours(3.5))
    ticket.evaluate(at=hours(12))
    assert fired(ticket) == [
        ("ticket_manager_notified", "reopened", hours(2.5)),
        ("ticket_manager_notified", "moved", hours(3)),
        ("ticket_manager_notified", "asked", hours(3.5)),
        ("ticket_manager_notified", "half", hours(6.5)),  # 4 h of resolution from 2:30
    ]


def test_a_calm_policy_names_a_reopen_as_due_at_once() -> None:
    ticket = sla_ticket(CALM)
    ticket.solve("Credited.", at=hours(1))
    assert ticket.next_deadline() == hours(1).add(days=4)  # only the auto-close
    ticket.customer_message("Still wrong.", at=hours(2))  # reopens: the rule is due now
    assert ticket.next_deadline() == hours(2)
    assert kinds(ticket.evaluate(at=hours(2))) == [("ticket_manager_notified", hours(2))]
    assert ticket.next_deadline() == hours(6)  # the resolution's 50 % mark, from the reopen


def test_a_threshold_rule_reads_the_clock_of_the_cycle_after_a_reopen() -> None:
    # Resolution 8 h: solved at 1 h (short of 90 %), reopened at 2 h: 7.2 h later.
    policy = policy_of(WhenSLAReaches("resolution", 90), NotifyManager("lead"))
    ticket = sla_ticket(policy)
    ticket.reply("ana", "On it.", at=hours(0.5))
    ticket.solve("Credited.", at=hours(1))
    ticket.customer_message("Still wrong.", at=hours(2))
    ticket.evaluate(at=hours(12))
    assert fired(ticket) == [("ticket_manager_notified", "rule", hours(9.2))]


def test_a_threshold_rule_reads_a_later_next_reply_clock_with_a_shorter_target() -> None:
    # Next reply: 4 h at normal, 1 h at high. The first clock (from 1 h, 4 h) would reach
    # 90 % at 4.6 h; after the raise to high, the second (from 3 h, 1 h) does at 3.9 h.
    sla = SLAPolicySet(
        [SLAPolicy("standard", {"next_reply": {"normal": 4 * H, "high": H}}, warnings=(0.5,))]
    )
    policy = policy_of(WhenSLAReaches("next_reply", 90), NotifyManager("lead"))
    ticket = sla_ticket(policy, sla)
    ticket.reply("ana", "On it.", at=hours(0.5))
    ticket.customer_message("Any news?", at=hours(1))
    ticket.reply("ana", "Soon.", at=hours(1.5))
    ticket.change_priority(Priority.HIGH, at=hours(2))
    ticket.customer_message("Hello?", at=hours(3))
    ticket.evaluate(at=hours(4))
    assert fired(ticket) == [("ticket_manager_notified", "rule", hours(3.9))]


def test_a_rule_event_replayed_before_the_sla_mark_that_fell_due_first_is_refused() -> None:
    # The first reply's 50 % mark (11:00) is recorded before the age rule's note (12:00).
    policy = policy_of(WhenOlderThan(3 * H, ALWAYS), NotifyManager("lead"), "old")
    ticket = sla_ticket(policy)
    ticket.add_note("ana", "Looking.", at=hours(3.5))
    history = list(ticket.history)
    assert kinds(tuple(history[2:4])) == [
        ("sla_threshold_reached", hours(2)),
        ("ticket_manager_notified", hours(3)),
    ]
    with pytest.raises(InvalidArgument) as raised:
        Ticket.replay([*history[:2], *history[3:]], sla=RESOLUTION_8H, escalation=policy)
    assert str(raised.value) == (
        "ticket_manager_notified by rule 'old' at 2026-03-02T12:00:00.000000Z: "
        "sla_threshold_reached for first_reply fell due at 2026-03-02T11:00:00.000000Z, "
        "by the rule's instant, and is recorded first"
    )
    assert Ticket.replay(history, sla=RESOLUTION_8H, escalation=policy) == ticket


def test_a_rule_event_replayed_before_an_earlier_due_rule_names_that_rule_and_instant() -> None:
    policy = EscalationPolicy(
        [
            EscalationRule("early", WhenOlderThan(2 * H, ALWAYS), NotifyManager("lead")),
            EscalationRule("late", WhenOlderThan(3 * H, ALWAYS), NotifyManager("head")),
        ]
    )
    ticket = open_ticket(policy)
    ticket.add_note("ana", "Looking.", at=hours(3.5))  # records both rules first
    history = list(ticket.history)
    assert fired(ticket) == [
        ("ticket_manager_notified", "early", hours(2)),
        ("ticket_manager_notified", "late", hours(3)),
    ]
    assert str(refused([*history[:2], *history[3:]], policy)) == (
        "ticket_manager_notified by rule 'late' at 2026-03-02T12:00:00.000000Z: rule 'early', "
        "due at 2026-03-02T11:00:00.000000Z, fires first"
    )


def test_a_threshold_rule_reads_a_later_clock_of_a_policy_without_that_warning() -> None:
    # The first next-reply clock ran under "vip", which announces 50 %, and was answered
    # in time; the second runs under "standard", which does not: 50 % of 4 h from 12:00.
    sla = SLAPolicySet(
        [
            SLAPolicy(
                "vip",
                {"next_reply": {"normal": 4 * H}},
                conditions=SLAConditions(tags={"vip"}),
                warnings=(0.5,),
            ),
            SLAPolicy("standard", {"next_reply": {"normal": 4 * H}}, warnings=()),
        ]
    )
    policy = policy_of(WhenSLAReaches("next_reply", 50), NotifyManager("lead"))
    ticket = sla_ticket(policy, sla)
    ticket.tag("vip", at=T0)
    ticket.reply("ana", "On it.", at=hours(0.5))
    ticket.customer_message("Any news?", at=hours(1))
    ticket.reply("ana", "Soon.", at=hours(1.5))
    ticket.untag("vip", at=hours(2))
    ticket.customer_message("Hello?", at=hours(3))
    ticket.evaluate(at=hours(6))
    assert [clock.policy for clock in ticket.sla.cycles("next_reply")] == ["vip", "standard"]
    assert fired(ticket) == [("ticket_manager_notified", "rule", hours(5))]


NEXT_REPLY_4H = SLAPolicySet(
    [SLAPolicy("standard", {"next_reply": {"normal": 4 * H}}, warnings=())]
)


@pytest.mark.parametrize("second_reply", [None, 4.5])
def test_a_threshold_rule_that_could_not_act_fires_at_the_earliest_clock_once_it_can(
    second_reply: float | None,
) -> None:
    # The first next-reply clock (from 10:00) reached 50 % at 12:00 while the ticket was
    # already in tier 2; the second (from 13:00) reaches it at 15:00, or never when
    # answered at 13:30. Handed down at 14:00, the rule moves it up again at once.
    policy = policy_of(WhenSLAReaches("next_reply", 50), EscalateTo(tier=2))
    ticket = sla_ticket(policy, NEXT_REPLY_4H)
    ticket.escalate(reason="Needs billing.", actor="ana", at=T0)
    ticket.reply("ana", "On it.", at=hours(0.5))
    ticket.customer_message("Any news?", at=hours(1))
    ticket.reply("ana", "Soon.", at=hours(3.5))
    ticket.customer_message("Hello?", at=hours(4))
    if second_reply is not None:
        ticket.reply("ana", "Done soon.", at=hours(second_reply))
    ticket.de_escalate(reason="Back to the front line.", actor="ana", at=hours(5))
    ticket.evaluate(at=hours(7))
    assert fired(ticket)[1:] == [("ticket_escalated", "rule", hours(5))]
    assert ticket.tier == 2
