"""The caches change no answer: a ticket and its uncached reference twin agree.

The same random lifecycle (every ticket command, escalation and templates included,
refusals too) is issued on a :class:`Ticket` and on a
:class:`supportflow.testing.ReferenceTicket`, which keeps no cache: each command
asks the clocks and the rules what is due, and each next deadline is computed from
scratch. After every command the two must agree on what was accepted or refused (with
the same message), on the whole document, on the next deadline and on what the
escalation policy says is due, including at instants ahead of the ticket.
"""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from supportflow import (
    EscalateTo,
    EscalationPolicy,
    EscalationPolicyVersions,
    EscalationRule,
    NotifyManager,
    RaisePriority,
    SLAPolicy,
    SLAPolicySet,
    SLAPolicyVersions,
    SupportflowError,
    Ticket,
    WhenCustomerAsks,
    WhenReassignedAtLeast,
    WhenReopenedAtLeast,
    WhenSLAReaches,
)
from supportflow.escalation import Condition
from supportflow.testing import (
    ReferenceSLAState,
    ReferenceTicket,
    aware_datetimes,
    escalation_policies,
    escalation_policy_versions,
    moves,
    sla_policy_sets,
    sla_policy_versions,
    ticket_openings,
)
from supportflow.testing import _ticket_menu as ticket_menu


def outcome(action: Any) -> tuple[str, str] | None:
    try:
        action()
    except SupportflowError as error:
        return type(error).__name__, str(error)
    return None


def answers(ticket: Ticket, ahead: _dt.datetime | None) -> Any:
    """What a host reads; ``ahead``: also what the escalation policy that applies says
    of a later instant (asked after some commands only, since asking refreshes caches)."""
    due = None
    policy = ticket.escalation_policy
    if policy is not None and ahead is not None:
        due = policy.next_due(ticket), policy.evaluate(ticket, at=ahead)
    return ticket.to_dict(), ticket.next_deadline(), due


@given(
    sla=sla_policy_sets(max_policies=2) | sla_policy_versions(max_policies=2),
    escalation=st.none() | escalation_policies() | escalation_policy_versions(),
    start=aware_datetimes(min_value=_dt.datetime(2024, 1, 1)),
    opening=ticket_openings(),
    data=st.data(),
)
def test_a_ticket_and_its_uncached_reference_agree_after_every_command(
    sla: SLAPolicySet | SLAPolicyVersions,
    escalation: EscalationPolicy | EscalationPolicyVersions | None,
    start: _dt.datetime,
    opening: dict[str, Any],
    data: st.DataObject,
) -> None:
    cached = Ticket.open("T-1", sla=sla, escalation=escalation, at=start, **opening)
    reference = ReferenceTicket.open("T-1", sla=sla, escalation=escalation, at=start, **opening)
    assert isinstance(reference.sla, ReferenceSLAState)
    menus = ticket_menu(cached), ticket_menu(reference)
    steps = data.draw(moves(tuple(menus[0]), rare=("confirm", "auto_close"), max_steps=20))
    at = start
    for step in steps:
        when = at + _dt.timedelta(minutes=step.minutes)
        ahead = when + _dt.timedelta(hours=step.choice * 7 + 1) if step.choice % 2 else None
        results = [
            outcome(functools.partial(menu[step.command], when, step.choice)) for menu in menus
        ]
        assert results[0] == results[1], step
        assert answers(cached, ahead) == answers(reference, ahead), step
        if results[0] is None and when > at:
            at = when
    # The reference twin loads as what it is: the same document, the same ticket.
    assert Ticket.from_dict(reference.to_dict(), sla=sla, escalation=escalation) == cached


# --- events that leave the rules alone, and those that do not ------------------------

_T0 = _dt.datetime(2026, 3, 2, 9, tzinfo=_dt.UTC)
_SLA = SLAPolicySet([SLAPolicy("standard", {"resolution": {"normal": _dt.timedelta(hours=8)}})])
_EARLY = EscalationRule(
    "early", WhenSLAReaches("resolution", 40), EscalateTo(team="technical_support")
)
_REASSIGNED = EscalationRule("reassigned", WhenReassignedAtLeast(1), NotifyManager("lead"))
_MIXED = EscalationPolicy(
    [_EARLY, _REASSIGNED, EscalationRule("reopened", WhenReopenedAtLeast(1), RaisePriority())]
)


def _twins(
    policy: EscalationPolicy = _MIXED, sla: SLAPolicySet = _SLA, **opening: Any
) -> list[Ticket]:
    """The same ticket opened as a Ticket and as its uncached ReferenceTicket."""
    return [
        kind.open(
            "T-1",
            customer_id="C-1",
            subject="s",
            topic="billing",
            channel="email",
            sla=sla,
            escalation=policy,
            at=_T0,
            **opening,
        )
        for kind in (Ticket, ReferenceTicket)
    ]


def _same_deadlines(twins: list[Ticket]) -> _dt.datetime | None:
    cached, reference = (ticket.next_deadline() for ticket in twins)
    assert cached == reference
    return cached


def test_a_note_or_a_reply_keeps_the_next_rule_due() -> None:
    twins = _twins(tier=2, team="l2")
    assert _same_deadlines(twins) == _T0 + _dt.timedelta(hours=3, minutes=12)  # 40 % of 8 h
    for ticket in twins:
        ticket.add_note("ana", "looking", at=_T0 + _dt.timedelta(minutes=5))
        ticket.tag("vip", at=_T0 + _dt.timedelta(minutes=6))
    assert _same_deadlines(twins) == _T0 + _dt.timedelta(hours=3, minutes=12)


def test_an_assignment_to_the_rules_team_makes_its_escalation_not_due() -> None:
    twins = _twins(tier=2, team="l2")
    _same_deadlines(twins)
    for ticket in twins:
        ticket.assign("ana", team="technical_support", at=_T0 + _dt.timedelta(minutes=5))
    # At tier 2 with that team, the rule would change nothing: the SLA's 50 % is next.
    assert _same_deadlines(twins) == _T0 + _dt.timedelta(hours=4)


def test_a_reassignment_makes_its_rule_due_now() -> None:
    twins = _twins(tier=2, team="l2")
    for ticket in twins:
        ticket.assign("ana", at=_T0 + _dt.timedelta(minutes=5))
    _same_deadlines(twins)
    for ticket in twins:
        ticket.assign("bob", at=_T0 + _dt.timedelta(minutes=6))
    assert _same_deadlines(twins) == _T0 + _dt.timedelta(minutes=6)


def test_a_reopen_makes_the_rules_of_the_new_cycle_due() -> None:
    twins = _twins(tier=2, team="l2")
    for ticket in twins:
        ticket.assign("ana", at=_T0 + _dt.timedelta(minutes=5))
        ticket.solve("done", at=_T0 + _dt.timedelta(minutes=10))
    _same_deadlines(twins)
    for ticket in twins:
        ticket.customer_message("not fixed", at=_T0 + _dt.timedelta(minutes=20))
    assert _same_deadlines(twins) == _T0 + _dt.timedelta(minutes=20)


class _WhenNoteAsks(Condition):
    """A host's own condition: true from the first internal note asking to escalate (it
    reads the notes, which no library condition does)."""

    kind = "note_asks"

    def since_us(self, ticket: Any, facts: Any) -> int | None:
        notes = [e for e in ticket.history if e.name == "ticket_note_added"]
        asked = [e.at_us for e in notes if "escalate" in e.body]
        return asked[0] if asked else None

    def describe(self) -> str:
        return "a note asks to escalate"


def test_a_hosts_own_condition_is_asked_again_after_any_event() -> None:
    # A note leaves every library condition alone, not this one: the cached next due
    # instant must not survive it for a policy holding a host's own condition.
    policy = EscalationPolicy(
        [_EARLY, EscalationRule("asked", _WhenNoteAsks(), NotifyManager("lead"))]
    )
    twins = _twins(policy)
    assert _same_deadlines(twins) == _T0 + _dt.timedelta(hours=3, minutes=12)
    for ticket in twins:
        ticket.add_note("ana", "please escalate", at=_T0 + _dt.timedelta(minutes=5))
    assert _same_deadlines(twins) == _T0 + _dt.timedelta(minutes=5)


def test_a_policy_of_only_a_hosts_own_conditions_is_asked_again_too() -> None:
    policy = EscalationPolicy([EscalationRule("asked", _WhenNoteAsks(), NotifyManager("lead"))])
    twins = _twins(policy)
    _same_deadlines(twins)
    for ticket in twins:
        ticket.add_note("ana", "please escalate", at=_T0 + _dt.timedelta(minutes=5))
    assert _same_deadlines(twins) == _T0 + _dt.timedelta(minutes=5)


def test_a_request_after_a_note_makes_its_rule_due_now() -> None:
    asked = EscalationRule("asked", WhenCustomerAsks(), NotifyManager("lead"))
    policy = EscalationPolicy([_EARLY, asked])
    twins = _twins(policy)
    for ticket in twins:
        ticket.add_note("ana", "looking", at=_T0 + _dt.timedelta(minutes=5))
    _same_deadlines(twins)
    for ticket in twins:
        ticket.request_escalation(reason="urgent for us", at=_T0 + _dt.timedelta(minutes=6))
    assert _same_deadlines(twins) == _T0 + _dt.timedelta(minutes=6)


def test_a_reopen_the_sla_clocks_do_not_see_still_makes_the_new_cycles_rules_due() -> None:
    # Only a first-reply clock, fulfilled before the solve: the reopen moves no clock,
    # so only the ticket's own record of its cycles says the rules start over.
    first_reply = SLAPolicySet(
        [SLAPolicy("standard", {"first_reply": {"normal": _dt.timedelta(hours=4)}})]
    )
    policy = EscalationPolicy(
        [_EARLY, EscalationRule("reopened", WhenReopenedAtLeast(1), RaisePriority())]
    )
    twins = _twins(policy, sla=first_reply)
    for ticket in twins:
        ticket.assign("ana", at=_T0 + _dt.timedelta(minutes=1))
        ticket.reply("ana", "done", at=_T0 + _dt.timedelta(minutes=2))
        ticket.solve("done", at=_T0 + _dt.timedelta(minutes=3))
    _same_deadlines(twins)
    for ticket in twins:
        ticket.customer_message("not fixed", at=_T0 + _dt.timedelta(minutes=20))
    assert _same_deadlines(twins) == _T0 + _dt.timedelta(minutes=20)
