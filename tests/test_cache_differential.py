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
    EscalationPolicy,
    EscalationPolicyVersions,
    SLAPolicySet,
    SLAPolicyVersions,
    SupportflowError,
    Ticket,
)
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
