"""The command-replay oracle itself: it reproduces what commands record, and names the
first event of a history no command records.

The impossible histories here are planted past the library's checks (appended to the
private history list), since the point is to test the oracle, not the loader.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay_oracle import Irreproducible, reproduce
from strategies import examples
from supportflow import (
    FeedbackProgram,
    Incident,
    IncidentImpact,
    IncidentStatus,
    Priority,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
)
from supportflow._vocabulary._ticket_events import TicketAssigned, TicketPriorityChanged
from supportflow.events import IncidentUpdatePosted
from supportflow.testing import (
    customers,
    escalation_policies,
    escalation_policy_versions,
    feedback_programs,
    incidents,
    maintenances,
    proactive_cases,
    sla_policy_sets,
    sla_policy_versions,
    ticket_lifecycles,
)

_AT = _dt.datetime(2026, 3, 2, 9, tzinfo=_dt.UTC)


def _us(moment: _dt.datetime) -> int:
    return (moment - _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)) // _dt.timedelta(microseconds=1)


def _ticket(**config: Any) -> Ticket:
    return Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="Login",
        topic="account",
        channel="email",
        at=_AT,
        **config,
    )


@settings(max_examples=examples(25))
@given(
    st.one_of(
        ticket_lifecycles(),
        incidents(),
        maintenances(),
        proactive_cases(),
        feedback_programs(),
        customers(),
    )
)
def test_the_oracle_reproduces_every_lifecycle_the_commands_record(aggregate: Any) -> None:
    assert reproduce(aggregate).to_dict() == aggregate.to_dict()


@settings(max_examples=examples(20))
@given(st.data())
def test_the_oracle_reproduces_tickets_with_sla_and_escalation(data: st.DataObject) -> None:
    sla = data.draw(sla_policy_sets(max_policies=2) | sla_policy_versions(max_policies=2))
    escalation = data.draw(escalation_policies() | escalation_policy_versions())
    ticket = data.draw(ticket_lifecycles(sla=st.just(sla), escalation=st.just(escalation)))
    again = reproduce(ticket, sla=sla, escalation=escalation)
    assert again.to_dict() == ticket.to_dict()
    assert again.history == ticket.history


def test_a_second_identical_assignment_is_irreproducible() -> None:
    ticket = _ticket()
    ticket.assign("ana", at=_AT)
    ticket._history.append(TicketAssigned(at_us=_us(_AT), agent="ana"))
    with pytest.raises(Irreproducible) as caught:
        reproduce(ticket)
    assert caught.value.index == 2
    assert "assign refused it" in caught.value.reason


def test_a_priority_change_from_the_wrong_priority_is_irreproducible() -> None:
    ticket = _ticket()
    ticket._history.append(
        TicketPriorityChanged(
            at_us=_us(_AT), from_priority=Priority.URGENT, to_priority=Priority.HIGH
        )
    )
    with pytest.raises(Irreproducible) as caught:
        reproduce(ticket)
    assert caught.value.index == 1
    assert "the history has" in caught.value.reason


def test_an_event_after_a_missed_sla_warning_is_irreproducible() -> None:
    policy = SLAPolicy("std", {"first_reply": {"normal": _dt.timedelta(hours=1)}}, warnings=(0.5,))
    sla = SLAPolicySet([policy])
    ticket = _ticket(sla=sla)
    ticket._history.append(TicketAssigned(at_us=_us(_AT + _dt.timedelta(hours=2)), agent="ana"))
    with pytest.raises(Irreproducible) as caught:
        reproduce(ticket, sla=sla)
    assert caught.value.index == 1
    assert "SLAThresholdReached" in caught.value.reason


def test_an_incident_update_before_the_latest_event_is_irreproducible() -> None:
    incident = Incident.declare(
        "INC-1",
        title="Down",
        body="Investigating.",
        impact=IncidentImpact.MAJOR,
        customers=["C-1"],
        at=_AT,
    )
    incident._history.append(
        IncidentUpdatePosted(
            at_us=_us(_AT - _dt.timedelta(hours=1)),
            status=IncidentStatus.INVESTIGATING,
            body="Still down.",
            impact=IncidentImpact.MAJOR,
        )
    )
    with pytest.raises(Irreproducible) as caught:
        reproduce(incident)
    assert caught.value.index == 1
    assert "cannot go back in time" in caught.value.reason


def test_a_history_that_does_not_start_with_its_creation_is_irreproducible() -> None:
    program = FeedbackProgram.create("FP-1", at=_AT)
    program.enroll("C-1", at=_AT)
    program._history.reverse()
    with pytest.raises(Irreproducible) as caught:
        reproduce(program)
    assert caught.value.index == 0
