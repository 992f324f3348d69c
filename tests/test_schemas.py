"""Every document the library writes validates against its published JSON Schema, and
the schema refuses what a load refuses for its shape."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportflow import InvalidArgument
from supportflow.schemas import SCHEMA_KINDS, json_schema, schema_file_name
from supportflow.testing import (
    customers,
    feedback_programs,
    incidents,
    maintenances,
    proactive_cases,
    sla_policy_sets,
    ticket_lifecycles,
)

STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "ticket": ticket_lifecycles(),
    "incident": incidents(),
    "maintenance": maintenances(),
    "proactive_case": proactive_cases(),
    "feedback_program": feedback_programs(),
    "customer": customers(),
}


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_kind_has_a_valid_draft_2020_12_schema_pinned_to_its_schema_number() -> None:
    assert set(SCHEMA_KINDS) == set(STRATEGIES)
    for kind in SCHEMA_KINDS:
        schema = json_schema(kind)
        _validator(kind)
        assert schema["properties"]["type"] == {"const": kind}
        version = schema["properties"]["schema"]["const"]
        assert schema_file_name(kind) == f"{kind}.v{version}.json"


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        json_schema("invoice")


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
@settings(max_examples=25)
@given(data=st.data())
def test_every_document_the_library_writes_validates(kind: str, data: st.DataObject) -> None:
    obj = data.draw(STRATEGIES[kind])
    document = json.loads(json.dumps(obj.to_dict()))
    errors = sorted(_validator(kind).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:3]]


@settings(max_examples=15)
@given(data=st.data())
def test_a_ticket_with_sla_and_escalation_validates(data: st.DataObject) -> None:
    sla = data.draw(sla_policy_sets(max_policies=2))
    ticket = data.draw(ticket_lifecycles(sla=st.just(sla)))
    document = json.loads(json.dumps(ticket.to_dict()))
    errors = list(_validator("ticket").iter_errors(document))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:3]]


@settings(max_examples=5)
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
