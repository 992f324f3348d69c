"""Proactive aggregates load only histories their commands could have recorded.

Each case takes a real document, changes one thing a command would never produce,
and checks that loading it raises SchemaError naming the changed field.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pendulum
import pytest

from supportflow import InvalidType, SchemaError
from supportflow._customers._customer import Customer, LifecyclePhase
from supportflow._proactive._feedback import FeedbackProgram, SurveyKind
from supportflow._proactive._incidents import Incident, IncidentImpact
from supportflow._proactive._maintenance import Maintenance
from supportflow._proactive._outreach import ProactiveCase, Signal
from supportflow._tickets._templates import ResponseTemplate
from supportflow._tickets._ticket import Ticket
from supportflow._vocabulary._taxonomy import Channel, Topic

T0 = pendulum.datetime(2026, 4, 1, 9, tz="UTC")
Doc = dict[str, Any]


def incident_doc() -> Doc:
    incident = Incident.declare(
        "INC-1",
        title="API errors",
        body="Investigating.",
        impact=IncidentImpact.MAJOR,
        components=["api"],
        customers=["acme"],
        at=T0,
    )
    incident.identify("Bad deploy.", at=T0.add(minutes=10))
    incident.link_ticket("T-1", at=T0.add(minutes=20))
    incident.monitor("Rolled back.", at=T0.add(minutes=30))
    return incident.to_dict()


def maintenance_doc() -> Doc:
    maintenance = Maintenance.schedule(
        "M-1",
        title="Database upgrade",
        starts_at=T0.add(days=4),
        ends_at=T0.add(days=4, hours=2),
        customers=["acme"],
        at=T0,
    )
    maintenance.evaluate(at=T0.add(days=4))
    maintenance.start(at=T0.add(days=4))
    return maintenance.to_dict()


def case_doc() -> Doc:
    case = ProactiveCase.detect(
        "P-1", signal=Signal.PLANNED_CHANGE, summary="New page", customers=["a", "b"], at=T0
    )
    case.plan(message="Heads up", channel=Channel.EMAIL, answer_within=timedelta(days=1), at=T0)
    case.notify(at=T0.add(hours=1))
    case.acknowledge("a", at=T0.add(hours=2))
    case.resolve("done", at=T0.add(days=2))  # b's no-answer is recorded first
    return case.to_dict()


def program_doc() -> Doc:
    program = FeedbackProgram.create("FB", nps_every=timedelta(days=30), at=T0)
    program.enroll("acme", at=T0)
    program.schedule_csat("T-1", customer_id="acme", at=T0.add(hours=1))
    program.evaluate(at=T0.add(days=31))
    (csat,) = (s for s in program.surveys if s.kind is SurveyKind.CSAT)
    program.record_response(csat.survey_id, 4, at=T0.add(days=31))
    return program.to_dict()


def customer_doc() -> Doc:
    customer = Customer.register(
        "C-1", phase=LifecyclePhase.USING, identities={Channel.EMAIL: "ada@example.com"}, at=T0
    )
    customer.record_usage_drop(40.0, measure="weekly logins", at=T0.add(days=1))
    customer.change_segment("enterprise", at=T0.add(days=2))
    return customer.to_dict()


def load(kind: type, doc: Doc) -> object:
    return kind.from_dict(json.loads(json.dumps(doc)))


def event(doc: Doc, name: str, nth: int = 0) -> tuple[int, Doc]:
    found = [(i, e) for i, e in enumerate(doc["history"]) if e["event"] == name]
    return found[nth]


def refused(kind: type, doc: Doc, path: str) -> None:
    with pytest.raises(SchemaError) as caught:
        load(kind, doc)
    assert caught.value.path == path, str(caught.value)


def duplicated(doc: Doc, name: str) -> tuple[Doc, int]:
    """``doc`` with the first ``name`` event recorded twice in a row."""
    doc = copy.deepcopy(doc)
    index, item = event(doc, name)
    doc["history"].insert(index + 1, copy.deepcopy(item))
    doc["version"] += 1
    return doc, index + 1


Edit = Callable[[Doc], str]


def edit(name: str, field: str, value: object, nth: int = 0) -> Edit:
    def change(doc: Doc) -> str:
        index, item = event(doc, name, nth)
        item[field] = value
        return f"history[{index}].{field}"

    return change


def restamp(name: str, at: str, nth: int = 0) -> Edit:
    def change(doc: Doc) -> str:
        index, item = event(doc, name, nth)
        item["at"] = at
        return f"history[{index}].at"

    return change


CASES: list[tuple[type, Callable[[], Doc], Edit]] = [
    # incident: out of time order, duplicate link, blank body, unknown solved ticket
    (Incident, incident_doc, restamp("incident_ticket_linked", "2026-03-01T00:00:00Z")),
    (Incident, incident_doc, edit("incident_update_posted", "body", "  ")),
    (Incident, incident_doc, edit("incident_update_posted", "components", ["api"])),
    (Incident, incident_doc, edit("incident_declared", "notify", 1)),
    (Incident, incident_doc, edit("incident_declared", "customers", ["acme", "acme"])),
    # maintenance: a notice stamped off its due instant, a window ending before it starts
    (Maintenance, maintenance_doc, restamp("maintenance_notice_sent", "2026-04-02T10:00:00Z")),
    (
        Maintenance,
        maintenance_doc,
        edit("maintenance_scheduled", "ends_at", "2026-04-05T08:00:00Z"),
    ),
    (Maintenance, maintenance_doc, edit("maintenance_scheduled", "lead_times_us", [-1])),
    (Maintenance, maintenance_doc, edit("maintenance_scheduled", "lead_times_us", [10**30])),
    (Maintenance, maintenance_doc, edit("maintenance_started", "body", "")),
    # proactive case: a no-answer before its deadline, a wrong answer deadline
    (ProactiveCase, case_doc, restamp("proactive_case_no_answer", "2026-04-01T12:00:00Z")),
    (ProactiveCase, case_doc, edit("proactive_case_notified", "answer_by", "2026-04-09T10:00:00Z")),
    (ProactiveCase, case_doc, edit("proactive_case_planned", "answer_within_us", 0)),
    (ProactiveCase, case_doc, edit("proactive_case_planned", "answer_within_us", 2**63)),
    (ProactiveCase, case_doc, edit("proactive_case_acknowledged", "customer_id", "zed")),
    # feedback program: bad settings, a response off the scale, a survey sent early
    (FeedbackProgram, program_doc, edit("feedback_program_created", "csat_scale", 4)),
    (FeedbackProgram, program_doc, edit("feedback_program_created", "nps_every_us", 1)),
    (FeedbackProgram, program_doc, edit("feedback_response_recorded", "score", 9)),
    (FeedbackProgram, program_doc, restamp("feedback_survey_sent", "2026-04-01T09:30:00Z")),
    # customer: NaN, infinite or out-of-range usage drop, the same segment again
    (Customer, customer_doc, edit("customer_usage_dropped", "drop_percent", 100.5)),
    (Customer, customer_doc, edit("customer_usage_dropped", "drop_percent", -3.0)),
    (Customer, customer_doc, edit("customer_segment_changed", "segment", None)),
    (Customer, customer_doc, edit("customer_identity_added", "value", "Ada@Example.com")),
]


@pytest.mark.parametrize(("kind", "make", "change"), CASES)
def test_a_history_no_command_records_is_refused_at_the_changed_field(
    kind: type, make: Callable[[], Doc], change: Edit
) -> None:
    doc = make()
    assert load(kind, doc) is not None  # the real document loads
    doc = copy.deepcopy(doc)
    path = change(doc)
    refused(kind, doc, path)


@pytest.mark.parametrize(
    ("kind", "make", "name"),
    [
        (Incident, incident_doc, "incident_ticket_linked"),
        (FeedbackProgram, program_doc, "feedback_customer_enrolled"),
        (FeedbackProgram, program_doc, "feedback_response_recorded"),
        (Customer, customer_doc, "customer_identity_added"),
        (ProactiveCase, case_doc, "proactive_case_acknowledged"),
    ],
)
def test_the_same_fact_twice_is_refused(kind: type, make: Callable[[], Doc], name: str) -> None:
    doc, index = duplicated(make(), name)
    with pytest.raises(SchemaError) as caught:
        load(kind, doc)
    assert caught.value.path.startswith(f"history[{index}]"), str(caught.value)


def test_nan_and_infinity_in_a_document_are_refused() -> None:
    for value in (float("nan"), float("inf")):
        doc = customer_doc()
        index, item = event(doc, "customer_usage_dropped")
        item["drop_percent"] = value
        with pytest.raises(SchemaError) as caught:
            Customer.from_dict(doc)
        assert caught.value.path.startswith(f"history[{index}]")


def test_every_aggregate_refuses_an_empty_history() -> None:
    for kind, make in [
        (Incident, incident_doc),
        (Maintenance, maintenance_doc),
        (ProactiveCase, case_doc),
        (FeedbackProgram, program_doc),
        (Customer, customer_doc),
    ]:
        doc = make()
        doc["history"] = []
        with pytest.raises(SchemaError):
            load(kind, doc)


def test_a_no_answer_is_recorded_before_a_later_command_whenever_the_host_evaluates() -> None:
    def run(evaluate_first: bool) -> Doc:
        case = ProactiveCase.detect(
            "P-1", signal=Signal.ALERT, summary="Disk full", customers=["a", "b"], at=T0
        )
        case.plan(
            message="We saw it", channel=Channel.EMAIL, answer_within=timedelta(hours=1), at=T0
        )
        case.notify(at=T0.add(minutes=1))
        if evaluate_first:
            case.evaluate(at=T0.add(hours=2))
        case.acknowledge("a", at=T0.add(hours=2))
        return case.to_dict()

    assert run(True) == run(False)
    names = [e["event"] for e in run(False)["history"]]
    assert names[-3:] == [
        "proactive_case_no_answer",
        "proactive_case_no_answer",
        "proactive_case_acknowledged",
    ]


TEMPLATE = ResponseTemplate("resolved", "Incident {incident.id} is resolved.")


def test_resolving_an_incident_with_a_bad_argument_changes_no_ticket() -> None:
    incident = Incident.declare(
        "INC-1", title="API", body="Down.", impact=IncidentImpact.MAJOR, customers=["a"], at=T0
    )
    tickets = [
        Ticket.open(
            f"T-{n}",
            customer_id="a",
            subject="down",
            topic=Topic.TROUBLESHOOTING,
            channel=Channel.EMAIL,
            at=T0,
        )
        for n in range(3)
    ]
    for ticket in tickets:
        incident.link_ticket(ticket.id, at=T0.add(minutes=1))
    before = [json.dumps(x.to_dict()) for x in (incident, *tickets)]
    with pytest.raises(InvalidType):
        incident.resolve(
            "Fixed.",
            tickets=tickets,
            template=TEMPLATE,
            agent="bot",
            notify="yes",  # type: ignore[arg-type]
            at=T0.add(hours=1),
        )
    assert [json.dumps(x.to_dict()) for x in (incident, *tickets)] == before
    assert [t.version for t in tickets] == [1, 1, 1]
