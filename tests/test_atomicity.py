"""Atomicity: a refused command changes nothing, on every aggregate and every command.

Each test draws an aggregate after a random lifecycle (``supportflow.testing``, whose
strategies already check every refusal met on the way, in whatever state), then issues
every command of that aggregate in ways it must refuse (a bad argument, an instant
before the latest event, an instant or duration past the ends of time), later than
any deadline so that due SLA events and escalations are recorded first and must be
taken back. The refusal is a :class:`SupportflowError` (never an OverflowError or a
TypeError) and ``to_dict()``, version and history stay as they were.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import examples
from supportflow import (
    Customer,
    FeedbackProgram,
    Incident,
    Maintenance,
    ProactiveCase,
    ResponseTemplate,
    SupportflowError,
    SurveyKind,
    Ticket,
)
from supportflow.proactive import SurveyResponse
from supportflow.testing import (
    customers,
    escalation_policies,
    feedback_programs,
    incidents,
    maintenances,
    proactive_cases,
    sla_policy_sets,
    ticket_lifecycles,
)

_END = _dt.datetime(9999, 12, 31, tzinfo=_dt.UTC)
_HUGE = _dt.timedelta.max
_TEMPLATE = ResponseTemplate("ack", "We are on it.")

Call = Callable[[], object]


def _state(aggregate: Any) -> tuple[Any, int, tuple[Any, ...]]:
    return (aggregate.to_dict(), aggregate.version, aggregate.history)


def assert_refused_unchanged(aggregates: list[Any], name: str, call: Call) -> None:
    """``call`` raises a SupportflowError and leaves every aggregate as it was."""
    before = [_state(aggregate) for aggregate in aggregates]
    with pytest.raises(SupportflowError):
        call()
    for aggregate, then in zip(aggregates, before, strict=True):
        assert _state(aggregate) == then, f"refused {name} changed {aggregate!r}"


def _instants(aggregate: Any) -> tuple[_dt.datetime, _dt.datetime]:
    """Just before the latest event, and well after every deadline."""
    last = aggregate.updated_at
    return last - _dt.timedelta(microseconds=1), last + _dt.timedelta(days=60)


def check_refusals(aggregate: Any, calls: dict[str, Call]) -> None:
    for name, call in calls.items():
        assert_refused_unchanged([aggregate], name, call)


# --- tickets -----------------------------------------------------------------------------


def ticket_refusals(ticket: Ticket) -> dict[str, Call]:
    earlier, later = _instants(ticket)
    return {
        "assign blank": lambda: ticket.assign(" ", at=later),
        "assign earlier": lambda: ticket.assign("zed", at=earlier),
        "reply blank": lambda: ticket.reply("ana", "", at=later),
        "reply bad channel": lambda: ticket.reply("ana", "Hi", channel="pigeon", at=later),
        "add_note blank": lambda: ticket.add_note("ana", " ", at=later),
        "customer_message bad channel": lambda: ticket.customer_message(
            "Hi", channel="pigeon", at=later
        ),
        "customer_message earlier": lambda: ticket.customer_message("Hi", at=earlier),
        "set_pending earlier": lambda: ticket.set_pending(at=earlier),
        "put_on_hold earlier": lambda: ticket.put_on_hold(at=earlier),
        "resume earlier": lambda: ticket.resume(at=earlier),
        "solve blank": lambda: ticket.solve("", at=later),
        "solve at the end of time": lambda: ticket.solve("fixed", at=_END),
        "confirm earlier": lambda: ticket.confirm(at=earlier),
        "auto_close earlier": lambda: ticket.auto_close(at=earlier),
        "change_priority unknown": lambda: ticket.change_priority("highest", at=later),
        "tag with a space": lambda: ticket.tag("two words", at=later),
        "tag nothing": lambda: ticket.tag(at=later),
        "untag with a space": lambda: ticket.untag("two words", at=later),
        "link itself": lambda: ticket.link(ticket.id, at=later),
        "link blank": lambda: ticket.link("", at=later),
        "escalate blank reason": lambda: ticket.escalate(reason="", actor="ana", at=later),
        "escalate off the ladder": lambda: ticket.escalate(
            reason="r", actor="ana", to_tier=99, at=later
        ),
        "de_escalate off the ladder": lambda: ticket.de_escalate(
            reason="r", actor="ana", to_tier=-1, at=later
        ),
        "notify_manager blank role": lambda: ticket.notify_manager(role="", reason="r", at=later),
        "request_escalation blank": lambda: ticket.request_escalation(reason=" ", at=later),
        "apply_template not a template": lambda: ticket.apply_template(
            "ack",  # type: ignore[arg-type]
            agent="ana",
            at=later,
        ),
        "apply_template blank agent": lambda: ticket.apply_template(_TEMPLATE, agent="", at=later),
        "evaluate earlier": lambda: ticket.evaluate(at=earlier),
        "follow_up blank id": lambda: ticket.follow_up("", body="Again", at=later),
    }


@given(ticket_lifecycles())
def test_refused_ticket_commands_change_nothing(ticket: Ticket) -> None:
    check_refusals(ticket, ticket_refusals(ticket))


@settings(max_examples=examples(30))
@given(st.data())
def test_refused_ticket_commands_with_sla_and_escalation_change_nothing(
    data: st.DataObject,
) -> None:
    ticket = data.draw(
        ticket_lifecycles(
            sla=sla_policy_sets(max_policies=2), escalation=st.none() | escalation_policies()
        )
    )
    check_refusals(ticket, ticket_refusals(ticket))


def test_opening_a_ticket_that_never_auto_closes_is_refused() -> None:
    with pytest.raises(SupportflowError):
        Ticket.open(
            "T-1",
            customer_id="C-1",
            subject="Help",
            topic="billing",
            channel="email",
            auto_close_after=_HUGE,
            at=_dt.datetime(2026, 1, 5, tzinfo=_dt.UTC),
        )


# --- incidents ---------------------------------------------------------------------------


def _tickets_for(incident: Incident) -> list[Ticket]:
    at = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
    return [
        Ticket.open(
            ticket_id, customer_id="C-1", subject="Down", topic="billing", channel="email", at=at
        )
        for ticket_id in incident.linked_tickets
    ]


@given(incidents())
def test_refused_incident_commands_change_nothing(incident: Incident) -> None:
    earlier, later = _instants(incident)
    tickets = _tickets_for(incident)

    def resolve(**overrides: Any) -> Call:
        arguments: dict[str, Any] = {
            "tickets": tickets,
            "template": _TEMPLATE,
            "agent": "ana",
            "at": later,
        }
        arguments.update(overrides)
        return lambda: incident.resolve(arguments.pop("body", "Fixed."), **arguments)

    check_refusals(
        incident,
        {
            "post_update blank": lambda: incident.post_update(" ", at=later),
            "post_update to resolved": lambda: incident.post_update(
                "x", status="resolved", at=later
            ),  # type: ignore[arg-type]
            "post_update unknown impact": lambda: incident.post_update(
                "x", impact="huge", at=later
            ),  # type: ignore[arg-type]
            "post_update bare string": lambda: incident.post_update(
                "x", components="api", at=later
            ),
            "post_update notify not a bool": lambda: incident.post_update(
                "x", notify="yes", at=later
            ),  # type: ignore[arg-type]
            "post_update earlier": lambda: incident.post_update("x", at=earlier),
            "identify earlier": lambda: incident.identify("x", at=earlier),
            "monitor earlier": lambda: incident.monitor("x", at=earlier),
            "link_ticket blank": lambda: incident.link_ticket(" ", at=later),
            "resolve blank body": resolve(body=""),
            "resolve blank agent": resolve(agent=""),
            "resolve earlier": resolve(at=earlier),
            "resolve unknown impact": resolve(impact="huge"),
            "publish_postmortem blank": lambda: incident.publish_postmortem("", at=later),
        },
    )


def test_resolving_an_incident_with_a_bad_argument_changes_neither_it_nor_its_tickets() -> None:
    at = _dt.datetime(2026, 3, 2, 9, tzinfo=_dt.UTC)
    incident = Incident.declare(
        "INC-1", title="API down", body="Investigating.", impact="major", customers=["C-1"], at=at
    )  # type: ignore[arg-type]
    tickets = []
    for number in range(3):
        ticket = Ticket.open(
            f"T-{number}",
            customer_id="C-1",
            subject="Down",
            topic="billing",
            channel="email",
            at=at,
        )
        if number:
            ticket.assign("ben", at=at)
        incident.link_ticket(ticket.id, at=at)
        tickets.append(ticket)
    incident.monitor("Fix deployed.", at=at + _dt.timedelta(hours=1))
    assert_refused_unchanged(
        [incident, *tickets],
        "resolve(notify='yes')",
        lambda: incident.resolve(
            "Fixed.",
            tickets=tickets,
            template=_TEMPLATE,
            agent="ana",
            notify="yes",  # type: ignore[arg-type]
            at=at + _dt.timedelta(hours=2),
        ),
    )
    assert [str(ticket.status) for ticket in tickets] == ["new", "new", "new"]


# --- maintenance ---------------------------------------------------------------------------


@given(maintenances())
def test_refused_maintenance_commands_change_nothing(maintenance: Maintenance) -> None:
    earlier, later = _instants(maintenance)
    check_refusals(
        maintenance,
        {
            "evaluate earlier": lambda: maintenance.evaluate(at=earlier),
            "start blank body": lambda: maintenance.start(body=" ", at=later),
            "start earlier": lambda: maintenance.start(at=earlier),
            "verify blank body": lambda: maintenance.verify(body=" ", at=later),
            "verify earlier": lambda: maintenance.verify(at=earlier),
            "complete blank body": lambda: maintenance.complete(body="", at=later),
            "complete earlier": lambda: maintenance.complete(at=earlier),
            "cancel blank": lambda: maintenance.cancel("", at=later),
            "cancel earlier": lambda: maintenance.cancel("Postponed.", at=earlier),
        },
    )


def test_scheduling_maintenance_with_a_lead_time_past_the_ends_of_time_is_refused() -> None:
    at = _dt.datetime(2026, 3, 2, 9, tzinfo=_dt.UTC)
    with pytest.raises(SupportflowError):
        Maintenance.schedule(
            "MNT-1",
            title="Upgrade",
            starts_at=at + _dt.timedelta(days=2),
            ends_at=at + _dt.timedelta(days=3),
            customers=["C-1"],
            lead_times=[_HUGE],
            at=at,
        )


# --- proactive cases -------------------------------------------------------------------------


@given(proactive_cases())
def test_refused_proactive_case_commands_change_nothing(case: ProactiveCase) -> None:
    earlier, later = _instants(case)
    check_refusals(
        case,
        {
            "add_customers bare string": lambda: case.add_customers("C-9", at=later),
            "add_customers blank": lambda: case.add_customers([" "], at=later),
            "add_customers earlier": lambda: case.add_customers(["C-9"], at=earlier),
            "plan blank message": lambda: case.plan(message="", channel="email", at=later),
            "plan unknown channel": lambda: case.plan(
                message="Hi",
                channel="pigeon",  # type: ignore[arg-type]
                at=later,
            ),
            "plan endless answer window": lambda: case.plan(
                message="Hi",
                channel="email",  # type: ignore[arg-type]
                answer_within=_HUGE,
                at=later,
            ),
            "notify outsider": lambda: case.notify(customers=["C-nobody"], at=later),
            "notify earlier": lambda: case.notify(at=earlier),
            "acknowledge outsider": lambda: case.acknowledge("C-nobody", at=later),
            "report_problem outsider": lambda: case.report_problem(
                "C-nobody", ticket_id="T-9", body="Broken", at=later
            ),
            "evaluate earlier": lambda: case.evaluate(at=earlier),
            "resolve blank": lambda: case.resolve("", at=later),
            "close earlier": lambda: case.close(at=earlier),
            "cancel blank": lambda: case.cancel(" ", at=later),
        },
    )


# --- feedback programs -----------------------------------------------------------------------


@given(feedback_programs())
def test_refused_feedback_program_commands_change_nothing(program: FeedbackProgram) -> None:
    earlier, later = _instants(program)
    sent = [survey.survey_id for survey in program.surveys if str(survey.status) == "sent"]
    calls: dict[str, Call] = {
        "enroll blank": lambda: program.enroll(" ", at=later),
        "enroll earlier": lambda: program.enroll("C-new", at=earlier),
        "unenroll unknown": lambda: program.unenroll("C-nobody", at=later),
        "schedule_csat blank ticket": lambda: program.schedule_csat(
            "", customer_id="C-1", at=later
        ),
        "schedule_csat solved later": lambda: program.schedule_csat(
            "T-9", customer_id="C-1", solved_at=later + _dt.timedelta(hours=1), at=later
        ),
        "cancel_survey unknown": lambda: program.cancel_survey("S-none", reason="x", at=later),
        "evaluate earlier": lambda: program.evaluate(at=earlier),
        "record_response unknown": lambda: program.record_response("S-none", 3, at=later),
        "pause earlier": lambda: program.pause(at=earlier),
        "resume earlier": lambda: program.resume(at=earlier),
        "retire earlier": lambda: program.retire(at=earlier),
    }
    if sent:
        survey_id = sent[0]
        calls["record_response huge score"] = lambda: program.record_response(
            survey_id, 10**30, at=later
        )
        calls["record_response True"] = lambda: program.record_response(survey_id, True, at=later)
    check_refusals(program, calls)


@pytest.mark.parametrize("setting", ["csat_delay", "nps_every", "ces_every"])
def test_creating_a_feedback_program_with_durations_past_the_ends_of_time_is_refused(
    setting: str,
) -> None:
    with pytest.raises(SupportflowError):
        FeedbackProgram.create(
            "FP-1", at=_dt.datetime(2026, 3, 2, tzinfo=_dt.UTC), **{setting: _HUGE}
        )


# --- customers ------------------------------------------------------------------------------


def _response(customer: Customer, low: int, high: int, score: int) -> SurveyResponse:
    return SurveyResponse(
        survey_id="S-odd",
        kind=SurveyKind.CSAT,
        customer_id=customer.id,
        ticket_id=None,
        score=score,
        scale_min=low,
        scale_max=high,
        method="satisfaction",
        channel=None,
        comment=None,
        at_us=0,
    )


@given(customers())
def test_refused_customer_commands_change_nothing(customer: Customer) -> None:
    earlier, later = _instants(customer)
    other = Ticket.open(
        "T-other", customer_id="C-other", subject="Hi", topic="billing", channel="email", at=later
    )
    incident = Incident.declare(
        "INC-other", title="Down", body="x", impact="minor", customers=["C-other"], at=later
    )  # type: ignore[arg-type]
    check_refusals(
        customer,
        {
            "add_identity unknown channel": lambda: customer.add_identity(
                "pigeon",  # type: ignore[arg-type]
                "x",
                at=later,
            ),
            "add_identity blank": lambda: customer.add_identity(
                "email",  # type: ignore[arg-type]
                " ",
                at=later,
            ),
            "add_identity earlier": lambda: customer.add_identity(
                "sms",  # type: ignore[arg-type]
                "+1 999",
                at=earlier,
            ),
            "remove_identity not held": lambda: customer.remove_identity(
                "email",  # type: ignore[arg-type]
                "nobody@example.com",
                at=later,
            ),
            "change_phase unknown": lambda: customer.change_phase(
                "retired",  # type: ignore[arg-type]
                at=later,
            ),
            "churn without reason": lambda: customer.churn(reason="", at=later),
            "change_segment unchanged": lambda: customer.change_segment(customer.segment, at=later),
            "change_segment earlier": lambda: customer.change_segment("other-seg", at=earlier),
            "record_ticket of another customer": lambda: customer.record_ticket(other, at=later),
            "record_incident not affected": lambda: customer.record_incident(incident, at=later),
            "record_survey_response upside-down scale": lambda: customer.record_survey_response(
                _response(customer, 5, 1, 3), at=later
            ),
            "record_usage_drop NaN": lambda: customer.record_usage_drop(float("nan"), at=later),
            "record_usage_drop zero": lambda: customer.record_usage_drop(0, at=later),
            "record_usage_drop True": lambda: customer.record_usage_drop(True, at=later),
            "record_usage_drop earlier": lambda: customer.record_usage_drop(50, at=earlier),
        },
    )
