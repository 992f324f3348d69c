"""Host configuration shared by the persistence tests: business hours, SLA and escalation.

A calendar with a lunch break, a holiday, a Saturday opened by an exception and a
Monday closed by one; an SLA policy set of two policies (one matched by segment, with
its own warnings and a target on another calendar; one with every metric and a
pause); an escalation policy with every condition and every action kind.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pendulum

from supportflow import (
    BusinessCalendar,
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    NotifyManager,
    Priority,
    RaisePriority,
    SLAConditions,
    SLAPolicy,
    SLAPolicySet,
    SLATarget,
    TierLadder,
    WhenCustomerAsks,
    WhenOlderThan,
    WhenPriorityAtOpen,
    WhenReassignedAtLeast,
    WhenReopenedAtLeast,
    WhenSLABreached,
    WhenSLAReaches,
)

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")  # a Monday
H = timedelta(hours=1)


def office() -> BusinessCalendar:
    """Paris office hours with a lunch break, a holiday and two exceptions."""
    return BusinessCalendar(
        "Europe/Paris",
        {day: [("09:00", "12:30"), ("13:30", "18:00")] for day in range(5)},
        holidays=[dt.date(2026, 3, 4)],
        exceptions={dt.date(2026, 3, 7): [("10:00", "14:00")], dt.date(2026, 3, 9): []},
    )


def night_shift() -> BusinessCalendar:
    """Intervals that cross midnight, on the weekend only."""
    return BusinessCalendar("America/New_York", {5: [("22:00", "06:00")], 6: [("20:00", "02:00")]})


def sla_policies() -> SLAPolicySet:
    calendar = office()
    vip = SLAPolicy(
        "vip",
        {
            "first_reply": {
                "normal": H,
                "urgent": SLATarget(H / 4, calendar=BusinessCalendar.always_open()),
            },
            "resolution": {"normal": 8 * H, "urgent": 4 * H},
        },
        conditions=SLAConditions(segments=["enterprise"]),
        calendar=calendar,
        warnings=(0.5, 0.9),
    )
    standard = SLAPolicy(
        "standard",
        {
            "first_reply": {"low": 16 * H, "normal": 4 * H, "high": 2 * H, "urgent": H},
            "next_reply": {"normal": 4 * H, "high": 2 * H},
            "periodic_update": {"normal": 8 * H},
            "requester_wait": {"normal": 16 * H, "high": 8 * H},
            "agent_work": {"normal": 8 * H, "high": 4 * H},
            "resolution": {"normal": 24 * H, "high": 12 * H, "urgent": 6 * H},
        },
        calendar=calendar,
        pauses={"resolution": ["on_hold", "pending"]},
    )
    return SLAPolicySet([vip, standard])


def escalation_policy() -> EscalationPolicy:
    """Every condition kind and every action kind, over the default ladder."""
    return EscalationPolicy(
        [
            EscalationRule("first-reply-75", WhenSLAReaches("first_reply", 75), EscalateTo(tier=2)),
            EscalationRule(
                "resolution-breach",
                WhenSLABreached("resolution"),
                NotifyManager("support_manager"),
                reason="resolution overdue",
            ),
            EscalationRule(
                "urgent-at-open", WhenPriorityAtOpen(Priority.URGENT), NotifyManager("on_call")
            ),
            EscalationRule(
                "exactly-high", WhenPriorityAtOpen(Priority.HIGH, or_higher=False), RaisePriority()
            ),
            EscalationRule("reopened", WhenReopenedAtLeast(1), RaisePriority(to=Priority.URGENT)),
            EscalationRule("reassigned", WhenReassignedAtLeast(2), EscalateTo()),
            EscalationRule(
                "old", WhenOlderThan(timedelta(hours=20), office()), EscalateTo(team="engineering")
            ),
            EscalationRule("asked", WhenCustomerAsks(), NotifyManager("team_lead")),
        ],
        TierLadder.default(teams={2: ["technical_support", "network"]}),
    )
