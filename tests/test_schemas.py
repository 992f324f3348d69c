"""Every document the library writes validates against its published JSON Schema, and
the schema refuses what a load refuses for its shape."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from schema_instances import schema_instances
from strategies import examples
from supportflow import (
    BusinessCalendar,
    Channel,
    Customer,
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    FeedbackProgram,
    Impact,
    Incident,
    InvalidArgument,
    Maintenance,
    Metric,
    NotifyManager,
    Priority,
    PriorityMatrix,
    ProactiveCase,
    RaisePriority,
    ResponseTemplate,
    Route,
    RoutingTable,
    SchemaError,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    TierLadder,
    Topic,
    Urgency,
    WhenCustomerAsks,
    WhenOlderThan,
    WhenPriorityAtOpen,
    WhenReassignedAtLeast,
    WhenReopenedAtLeast,
    WhenSLABreached,
    WhenSLAReaches,
)
from supportflow.schemas import SCHEMA_KINDS, json_schema, schema_file_name
from supportflow.testing import (
    business_calendars,
    customers,
    feedback_programs,
    incidents,
    maintenances,
    proactive_cases,
    sla_policies,
    sla_policy_sets,
    sla_policy_versions,
    ticket_lifecycles,
    tier_ladders,
)

_WORDS = st.from_regex(r"[a-z]{1,8}", fullmatch=True)


def _combined(pair: tuple[BusinessCalendar, BusinessCalendar, bool]) -> BusinessCalendar:
    left, right, union = pair
    try:
        return left | right if union else left & right
    except InvalidArgument:  # hours that never overlap: the union always exists
        return left | right


CALENDARS = st.one_of(
    business_calendars(),
    st.tuples(business_calendars(), business_calendars(), st.booleans()).map(_combined),
)

CONDITIONS = st.one_of(
    st.builds(WhenSLAReaches, st.sampled_from(list(Metric)), st.integers(1, 100) | st.just(62.5)),
    st.builds(WhenSLABreached, st.sampled_from(list(Metric))),
    st.builds(WhenPriorityAtOpen, st.sampled_from(list(Priority)), st.booleans()),
    st.builds(WhenReopenedAtLeast, st.integers(1, 5)),
    st.builds(WhenReassignedAtLeast, st.integers(1, 5)),
    st.builds(
        WhenOlderThan,
        st.integers(1, 500).map(lambda h: dt.timedelta(hours=h)),
        business_calendars(),
    ),
    st.just(WhenCustomerAsks()),
)
ACTIONS = st.one_of(
    st.just(EscalateTo()),
    st.sampled_from(
        [
            EscalateTo(tier=2),
            EscalateTo(team="technical_support"),
            EscalateTo(tier=3, team="engineering"),
        ]
    ),
    st.builds(NotifyManager, _WORDS),
    st.builds(RaisePriority, st.none() | st.sampled_from(list(Priority))),
)


@st.composite
def escalation_policies(draw: st.DrawFn) -> EscalationPolicy:
    """Policies over the default ladder using every condition and action kind."""
    names = draw(st.lists(_WORDS, min_size=1, max_size=4, unique=True))
    return EscalationPolicy(
        [
            EscalationRule(name, draw(CONDITIONS), draw(ACTIONS), draw(st.none() | _WORDS))
            for name in names
        ]
    )


@st.composite
def routing_tables(draw: st.DrawFn) -> RoutingTable:
    """Tables over the default ladder (tiers 1-3) with optional fields on each route."""
    ladder = TierLadder.default()
    routes = draw(
        st.lists(
            st.builds(
                Route,
                tier=st.sampled_from([1, 2, 3]),
                team=st.none(),
                topic=st.none() | st.sampled_from(list(Topic)),
                channel=st.none() | st.sampled_from(list(Channel)),
                priority=st.none() | st.sampled_from(list(Priority)),
            ),
            max_size=4,
        )
    )
    return RoutingTable(ladder=ladder, routes=routes, service_tier=1, support_tier=2)


def _matrix(shift: int) -> PriorityMatrix:
    """A monotonic matrix: the priority rank grows with impact + urgency (+ ``shift``)."""
    order = sorted(Priority, key=lambda p: p.rank)
    cells = {
        (impact, urgency): order[min(len(order) - 1, i + u + shift)]
        for i, impact in enumerate(Impact)
        for u, urgency in enumerate(Urgency)
    }
    return PriorityMatrix(cells)


STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "ticket": ticket_lifecycles(),
    "incident": incidents(),
    "maintenance": maintenances(),
    "proactive_case": proactive_cases(),
    "feedback_program": feedback_programs(),
    "customer": customers(),
    "calendar": CALENDARS,
    "sla_policy": sla_policies(calendars=CALENDARS),
    "sla_policy_set": sla_policy_sets(max_policies=2)
    | sla_policy_versions(max_policies=2).map(lambda versions: versions.current),
    "escalation_policy": escalation_policies(),
    "tier_ladder": tier_ladders(),
    "routing_table": routing_tables(),
    "priority_matrix": st.integers(0, 2).map(_matrix) | st.just(PriorityMatrix()),
    "response_template": st.builds(
        ResponseTemplate,
        _WORDS,
        st.text(min_size=1, max_size=20)
        .filter(str.strip)
        .map(lambda t: t.replace("{", "{{").replace("}", "}}") + " {ticket.id}"),
        set_status=st.none() | st.sampled_from(["open", "pending", "on_hold", "solved"]),
        set_priority=st.none() | st.sampled_from(list(Priority)),
        add_tags=st.frozensets(_WORDS, max_size=3),
    ),
}


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _top_objects(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    """The object schemas a top-level document may match (through ``$ref`` and ``oneOf``)."""
    if "$ref" in schema:
        return _top_objects(root["$defs"][schema["$ref"].split("/")[-1]], root)
    if "oneOf" in schema:
        return [head for branch in schema["oneOf"] for head in _top_objects(branch, root)]
    return [schema]


def test_every_kind_has_a_valid_draft_2020_12_schema_pinned_to_its_schema_number() -> None:
    assert set(SCHEMA_KINDS) == set(STRATEGIES)
    for kind in SCHEMA_KINDS:
        schema = json_schema(kind)
        _validator(kind)
        for head in _top_objects(schema, schema):
            assert head["properties"]["type"] == {"const": kind}
            version = head["properties"]["schema"]["const"]
            assert schema_file_name(kind) == f"{kind}.v{version}.json"
            assert head["required"][:2] == ["type", "schema"]
        # A name the project can stand behind: a URN, not a web address nobody serves.
        assert schema["$id"] == f"urn:supportflow:schema:{schema_file_name(kind)}"


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        json_schema("invoice")


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
@settings(max_examples=examples(25))
@given(data=st.data())
def test_every_document_the_library_writes_validates(kind: str, data: st.DataObject) -> None:
    obj = data.draw(STRATEGIES[kind])
    document = json.loads(json.dumps(obj.to_dict()))
    errors = sorted(_validator(kind).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:3]]


def _policy_with_row(**deadline: object) -> dict[str, Any]:
    office = BusinessCalendar.weekdays("09:00", "17:00")
    data = SLAPolicy("days", {"first_reply": {"normal": dt.timedelta(hours=4)}}, calendar=office)
    document = json.loads(json.dumps(data.to_dict()))
    row = {"metric": "first_reply", "priority": "normal", "calendar": None, **deadline}
    document["targets"] = [row]
    return document


@pytest.mark.parametrize(
    "deadline",
    [{"target_us": 3_600_000_000}, {"business_days": 365}, {"end_of_business_day": 0}],
)
def test_a_target_row_with_one_deadline_key_validates_and_loads(deadline: Any) -> None:
    document = _policy_with_row(**deadline)
    assert _validator("sla_policy").is_valid(document)
    assert SLAPolicy.from_dict(document).to_dict()["targets"] == document["targets"]


@pytest.mark.parametrize(
    "deadline",
    [
        {},
        {"business_days": 1, "end_of_business_day": 1},
        {"target_us": 3_600_000_000, "business_days": 1},
        {"business_days": 0},
        {"business_days": 366},
        {"end_of_business_day": -1},
        {"business_days": True},
        {"end_of_business_day": "1"},
    ],
)
def test_the_schema_and_the_load_refuse_a_bad_target_row(deadline: Any) -> None:
    document = _policy_with_row(**deadline)
    assert not _validator("sla_policy").is_valid(document)
    with pytest.raises(SchemaError, match=r"^targets\[0\]"):
        SLAPolicy.from_dict(document)


@settings(max_examples=examples(15))
@given(data=st.data())
def test_a_ticket_with_sla_and_escalation_validates(data: st.DataObject) -> None:
    sla = data.draw(sla_policy_sets(max_policies=2) | sla_policy_versions(max_policies=2))
    ticket = data.draw(ticket_lifecycles(sla=st.just(sla)))
    document = json.loads(json.dumps(ticket.to_dict()))
    errors = list(_validator("ticket").iter_errors(document))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:3]]


@settings(max_examples=examples(5))
@given(ticket=ticket_lifecycles())
def test_the_schema_refuses_an_unknown_event_and_a_bad_instant(ticket: Any) -> None:
    document = json.loads(json.dumps(ticket.to_dict()))
    validator = _validator("ticket")
    unknown = json.loads(json.dumps(document))
    unknown["history"][0]["event"] = "ticket_painted"
    assert not validator.is_valid(unknown)
    stamped = json.loads(json.dumps(document))
    stamped["history"][0]["at"] = "yesterday"
    assert not validator.is_valid(stamped)


# --- documents drawn from the schemas: each loads or is refused with SchemaError ----------

_LOADS: dict[str, Any] = {
    "ticket": Ticket.from_dict,
    "calendar": BusinessCalendar.from_dict,
    "sla_policy": SLAPolicy.from_dict,
    "sla_policy_set": SLAPolicySet.from_dict,
    "escalation_policy": EscalationPolicy.from_dict,
    "tier_ladder": TierLadder.from_dict,
    "routing_table": RoutingTable.from_dict,
    "priority_matrix": PriorityMatrix.from_dict,
    "response_template": ResponseTemplate.from_dict,
    "customer": Customer.from_dict,
    "feedback_program": FeedbackProgram.from_dict,
    "incident": Incident.from_dict,
    "maintenance": Maintenance.from_dict,
    "proactive_case": ProactiveCase.from_dict,
}


def test_every_kind_has_a_loader_here() -> None:
    assert sorted(_LOADS) == sorted(SCHEMA_KINDS)


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
@settings(max_examples=examples(60))
@given(data=st.data())
def test_a_document_drawn_from_the_schema_loads_or_is_refused_with_schema_error(
    kind: str, data: st.DataObject
) -> None:
    schema = json_schema(kind)
    document = data.draw(schema_instances(schema))
    assume(jsonschema.Draft202012Validator(schema).is_valid(document))
    try:
        loaded = _LOADS[kind](document)
    except SchemaError:
        return  # refused, with the typed error: anything else fails the test
    assert loaded.to_dict()["type"] == kind  # what loads writes itself back
