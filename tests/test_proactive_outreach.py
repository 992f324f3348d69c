"""Proactive cases (outreach): signal, audience, deliveries, answers, linked tickets."""

from __future__ import annotations

import json
from datetime import timedelta

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import proactive_command_steps
from supportflow import (
    InvalidArgument,
    InvalidTransition,
    SchemaError,
    SupportflowError,
    UnknownName,
)
from supportflow._proactive._maintenance import Maintenance
from supportflow._proactive._outreach import (
    DeliveryOutcome,
    ProactiveCase,
    ProactiveCaseNoAnswer,
    Signal,
)
from supportflow._tickets._ticket import Ticket
from supportflow._vocabulary._taxonomy import Channel, Topic

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
CUSTOMERS = ("acme", "globex", "initech")


def notified_case(**kwargs: object) -> ProactiveCase:
    case = ProactiveCase.detect(
        "PC-1",
        signal=Signal.PLANNED_CHANGE,
        summary="Database upgrade on Saturday",
        customers=CUSTOMERS,
        at=T0,
    )
    case.plan(
        message="We upgrade the database on Saturday; reply if this is a problem.",
        channel=Channel.EMAIL,
        answer_within=timedelta(days=2),
        at=T0.add(minutes=1),
    )
    case.notify(at=T0.add(minutes=2), **kwargs)  # type: ignore[arg-type]
    return case


def snapshot(case: ProactiveCase) -> str:
    return json.dumps(case.to_dict(), sort_keys=True)


def test_planned_maintenance_three_notices_and_a_problem_becomes_a_linked_ticket() -> None:
    start = T0.add(days=5)
    maintenance = Maintenance.schedule(
        "MNT-9",
        title="Database upgrade",
        starts_at=start,
        ends_at=start.add(hours=3),
        customers=CUSTOMERS,
        at=T0,
    )
    case = notified_case()
    assert case.next_deadline() == T0.add(days=2, minutes=2)
    notices = maintenance.evaluate(at=start.subtract(minutes=5))
    assert [n.at for n in notices] == [start.subtract(hours=h) for h in (72, 24, 1)]
    case.acknowledge("acme", channel=Channel.EMAIL, at=T0.add(hours=3))
    ticket = case.report_problem(
        "globex",
        ticket_id="T-77",
        body="Saturday is our month-end close; can you move it?",
        at=T0.add(hours=4),
    )
    assert isinstance(ticket, Ticket)
    assert (ticket.id, ticket.customer_id, ticket.channel) == ("T-77", "globex", Channel.EMAIL)
    assert case.ticket_tag in ticket.tags
    assert ticket.related == (case.id,)  # the link is a fact of the ticket, not only a tag
    assert ticket.topic is Topic.UPGRADING
    assert ticket.created_at == T0.add(hours=4)
    assert case.tickets == ("T-77",)
    (silent,) = case.evaluate(at=T0.add(days=3))
    assert isinstance(silent, ProactiveCaseNoAnswer)
    assert (silent.customer_id, silent.at) == ("initech", T0.add(days=2, minutes=2))
    outcomes = {c: d.outcome for c, d in case.deliveries.items()}
    assert outcomes == {
        "acme": DeliveryOutcome.ACKNOWLEDGED,
        "globex": DeliveryOutcome.PROBLEM_REPORTED,
        "initech": DeliveryOutcome.NO_ANSWER,
    }
    assert case.next_deadline() is None
    case.resolve("Moved to Sunday for globex", at=T0.add(days=3))
    case.close(at=T0.add(days=4))
    assert case.status == "closed"
    with pytest.raises(InvalidTransition, match="final state"):
        case.cancel("oops", at=T0.add(days=4))


def test_a_late_answer_after_no_answer_still_counts() -> None:
    case = notified_case()
    case.evaluate(at=T0.add(days=5))
    case.acknowledge("acme", at=T0.add(days=6))
    assert case.deliveries["acme"].outcome is DeliveryOutcome.ACKNOWLEDGED
    assert case.deliveries["acme"].answered_at == T0.add(days=6)


def test_notifying_an_empty_audience_or_twice_is_refused_and_changes_nothing() -> None:
    case = ProactiveCase.detect("PC-2", signal=Signal.USAGE_DROP, summary="Usage fell", at=T0)
    case.plan(message="Can we help?", channel=Channel.PHONE, at=T0)
    before = snapshot(case)
    with pytest.raises(InvalidArgument, match="no audience"):
        case.notify(at=T0.add(minutes=1))
    assert snapshot(case) == before
    case = notified_case(customers=["acme"])
    before = snapshot(case)
    with pytest.raises(InvalidArgument, match="already notified"):
        case.notify(customers=["acme"], at=T0.add(minutes=3))
    with pytest.raises(InvalidArgument, match="not in the audience"):
        case.notify(customers=["umbrella"], at=T0.add(minutes=3))
    with pytest.raises(UnknownName, match="was not notified"):
        case.acknowledge("globex", at=T0.add(minutes=3))
    with pytest.raises(InvalidArgument, match="cannot go back in time"):
        case.acknowledge("acme", at=T0)
    assert snapshot(case) == before
    case.notify(channel=Channel.SMS, at=T0.add(minutes=4))  # the others, on another channel
    assert case.deliveries["globex"].channel is Channel.SMS


def test_a_failing_ticket_open_leaves_the_case_unchanged() -> None:
    case = notified_case()
    before = snapshot(case)
    with pytest.raises(SupportflowError):
        case.report_problem("acme", ticket_id="", body="broken", at=T0.add(hours=1))
    assert snapshot(case) == before
    assert case.deliveries["acme"].outcome is DeliveryOutcome.AWAITING


def test_out_of_order_commands_say_what_is_allowed() -> None:
    case = ProactiveCase.detect("PC-3", signal=Signal.RENEWAL, summary="Renewal", at=T0)
    with pytest.raises(InvalidTransition) as caught:
        case.notify(at=T0)
    assert caught.value.allowed == ("cancel", "plan", "target")
    assert case.topic is Topic.BILLING
    case.cancel("customer churned", at=T0)
    assert case.status == "cancelled"


def test_round_trip_and_bad_documents() -> None:
    case = notified_case()
    case.report_problem("acme", ticket_id="T-1", body="help", at=T0.add(hours=1))
    case.evaluate(at=T0.add(days=3))
    data = json.loads(json.dumps(case.to_dict()))
    assert data["type"] == "proactive_case"
    assert ProactiveCase.from_dict(data) == case
    assert ProactiveCase.replay(case.history) == case
    data["history"][2]["answer_by"] = "next tuesday"
    with pytest.raises(SchemaError) as caught:
        ProactiveCase.from_dict(data)
    assert caught.value.path == "history[2].answer_by"


COMMANDS = ("add", "plan", "notify", "ack", "problem", "evaluate", "resolve", "close", "cancel")


@given(steps=proactive_command_steps(COMMANDS, max_minutes=3 * 24 * 60))
def test_random_command_sequences_keep_the_invariants(steps: list[tuple[str, int, int]]) -> None:
    case = ProactiveCase.detect("PC-9", signal=Signal.ALERT, summary="Disk almost full", at=T0)
    now = T0
    opened = 0
    for command, minutes, param in steps:
        now = now.add(minutes=minutes)
        customer = CUSTOMERS[param % 3]
        before = snapshot(case)
        try:
            if command == "add":
                case.add_customers([customer], at=now)
            elif command == "plan":
                case.plan(
                    message="m",
                    channel=Channel.EMAIL,
                    answer_within=timedelta(hours=param % 5 + 1),
                    at=now,
                )
            elif command == "notify":
                case.notify(customers=None if param < 0 else [customer], at=now)
            elif command == "ack":
                case.acknowledge(customer, at=now)
            elif command == "problem":
                case.report_problem(customer, ticket_id=f"T-{opened}", body="broken", at=now)
                opened += 1
            elif command == "evaluate":
                case.evaluate(at=now)
                after = snapshot(case)
                assert case.evaluate(at=now) == ()
                assert snapshot(case) == after
            elif command == "resolve":
                case.resolve("done", at=now)
            elif command == "close":
                case.close(at=now)
            else:
                case.cancel("dropped", at=now)
        except SupportflowError:
            assert snapshot(case) == before
        assert case.version == len(case.history)
        assert set(case.deliveries) <= set(case.customers)
        assert len(case.tickets) == opened
        deadline = case.next_deadline()
        if deadline is not None:
            assert case.status == "notified"
        assert ProactiveCase.replay(case.history) == case
        assert ProactiveCase.from_dict(json.loads(json.dumps(case.to_dict()))) == case


@given(first=st.integers(0, 5 * 24 * 60), second=st.integers(0, 5 * 24 * 60))
def test_evaluating_at_t1_then_t2_equals_once_at_t2(first: int, second: int) -> None:
    stepwise, once = notified_case(customers=["acme"]), notified_case(customers=["acme"])
    for case in (stepwise, once):
        case.notify(customers=["globex"], at=T0.add(hours=7))
    t1, t2 = sorted((T0.add(hours=7, minutes=first), T0.add(hours=7, minutes=second)))
    stepwise.evaluate(at=t1)
    stepwise.evaluate(at=t2)
    once.evaluate(at=t2)
    assert stepwise == once


def test_no_answer_is_marked_exactly_at_the_deadline_not_before() -> None:
    case = notified_case(customers=["acme"])
    deadline = case.next_deadline()
    assert deadline == T0.add(days=2, minutes=2)
    assert case.evaluate(at=deadline.subtract(microseconds=1)) == ()
    (event,) = case.evaluate(at=deadline)
    assert event.at == deadline
    assert case.next_deadline() is None
