"""Documents of every persisted type: exact round trips, replay, schema checks and fuzzing.

Each entry of :data:`SAMPLES` builds real objects through their public commands. For
every one of them:

* ``to_dict()`` is plain JSON-safe data with ``type`` and ``schema``, and
  ``from_dict(json.loads(json.dumps(doc)))`` gives back an equal object whose own
  document is the same (round trip exact, history included);
* an aggregate rebuilt with ``replay(history)`` equals the original;
* a document from a newer schema raises :class:`SchemaVersionError` naming ``schema``;
* random JSON and mutated real documents (keys dropped, values of the wrong type,
  values replaced by random JSON, list items dropped or swapped) either load into an
  object that round-trips, or raise :class:`SchemaError`: nothing else ever comes out.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportflow import (
    FeedbackProgram,
    Incident,
    IncidentImpact,
    Maintenance,
    Priority,
    ProactiveCase,
    ResponseTemplate,
    SchemaError,
    SchemaVersionError,
    Ticket,
    TicketStatus,
    TierLadder,
)
from supportflow._escalation import Route, RoutingTable, Tier
from supportflow._outreach import Signal
from supportflow._taxonomy import Channel, LifecyclePhase, Topic

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")


# --- real objects of every persisted type --------------------------------------------


def tickets() -> list[Any]:
    """Tickets through their whole lifecycle: replies, pending, reopen, close, follow-up."""
    simple = Ticket.open(
        "T-1",
        customer_id="acme",
        subject="Invoice is wrong",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        at=T0,
    )
    busy = Ticket.open(
        "T-2",
        customer_id="globex",
        subject="The export fails",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.LIVE_CHAT,
        priority=Priority.HIGH,
        phase=LifecyclePhase.BUYING,
        body="Every CSV export stops at 10 %",
        tags=("export", "csv"),
        team="platform",
        tier=2,
        segment="enterprise",
        at=T0,
    )
    busy.assign("ana", team="platform", at=T0.add(minutes=5))
    busy.reply("ana", "Could you send the log?", at=T0.add(minutes=9))
    busy.set_pending(at=T0.add(minutes=10))
    busy.customer_message("Here it is", channel=Channel.EMAIL, at=T0.add(hours=2))
    busy.add_note("ana", "Timeout in the exporter", at=T0.add(hours=3))
    busy.put_on_hold(at=T0.add(hours=3, minutes=5))
    busy.resume(at=T0.add(hours=20))
    busy.change_priority(Priority.URGENT, reason="customer escalated", at=T0.add(hours=21))
    busy.tag("bug", at=T0.add(hours=21))
    busy.untag("csv", at=T0.add(hours=21))
    busy.link("T-1", at=T0.add(hours=22))
    busy.assign("ben", at=T0.add(hours=22))
    busy.solve("Raised the exporter timeout", actor="ben", at=T0.add(hours=23))
    busy.customer_message("Still failing on big files", at=T0.add(days=1))
    busy.reply("ben", "Fixed for big files too", at=T0.add(days=2))
    busy.solve("Streamed the export", at=T0.add(days=2, minutes=1))
    busy.confirm(at=T0.add(days=3))
    follow_up = busy.follow_up("T-3", body="One more question", at=T0.add(days=4))
    closed_by_timer = Ticket.open(
        "T-4",
        customer_id="initech",
        subject="Password reset",
        topic=Topic.ACCOUNT,
        channel=Channel.PHONE,
        at=T0,
    )
    closed_by_timer.assign("cleo", at=T0.add(minutes=1))
    closed_by_timer.reply("cleo", "Reset link sent", at=T0.add(minutes=2))
    closed_by_timer.solve("Sent a reset link", at=T0.add(minutes=3))
    closed_by_timer.auto_close(at=T0.add(days=5))
    assert busy.status is TicketStatus.CLOSED
    assert closed_by_timer.status is TicketStatus.CLOSED
    return [simple, busy, follow_up, closed_by_timer]


def response_templates() -> list[Any]:
    return [
        ResponseTemplate("thanks", "Thanks {customer_id}, we are on it."),
        ResponseTemplate(
            "solved",
            "Hi {customer_id}, {agent} fixed it: {resolution}",
            set_status=TicketStatus.SOLVED,
            set_priority=Priority.LOW,
            add_tags=("templated", "fixed"),
        ),
    ]


def proactive_cases() -> list[Any]:
    case = ProactiveCase.detect(
        "PC-1",
        signal=Signal.PLANNED_CHANGE,
        summary="API v1 retires in June",
        customers=["acme", "globex"],
        at=T0,
    )
    case.plan(message="Please move to API v2", channel=Channel.EMAIL, at=T0.add(minutes=1))
    case.notify(at=T0.add(minutes=2))
    case.acknowledge("acme", channel=Channel.EMAIL, at=T0.add(hours=3))
    case.report_problem("globex", ticket_id="T-70", body="v2 lacks bulk", at=T0.add(hours=4))
    return [case]


def tier_ladders() -> list[Any]:
    return [
        TierLadder.default(),
        TierLadder([Tier(1, "Front line", ["desk", "chat"]), Tier(2, "Experts", ["platform"])]),
    ]


def routing_tables() -> list[Any]:
    return [
        RoutingTable(),
        RoutingTable(
            routes=[
                Route(tier=3, topic=Topic.TROUBLESHOOTING, priority=Priority.URGENT),
                Route(tier=1, channel=Channel.PHONE),
            ],
            service_tier=1,
            support_tier=2,
        ),
    ]


def maintenances() -> list[Any]:
    start = T0.add(days=5)
    planned = Maintenance.schedule(
        "MNT-1",
        title="Database upgrade",
        starts_at=start,
        ends_at=start.add(hours=2),
        customers=["acme", "globex"],
        components=["api"],
        at=T0,
    )
    done = Maintenance.schedule(
        "MNT-2",
        title="Network work",
        starts_at=start,
        ends_at=start.add(hours=1),
        customers=["acme"],
        at=T0,
    )
    done.evaluate(at=start)
    done.start(at=start)
    done.verify(body="checking", at=start.add(minutes=30))
    done.complete(at=start.add(hours=1))
    return [planned, done]


def incidents() -> list[Any]:
    incident = Incident.declare(
        "INC-1",
        title="Login errors",
        body="We are looking into failed logins",
        impact=IncidentImpact.MAJOR,
        components=["auth"],
        customers=["acme", "globex"],
        at=T0,
    )
    incident.identify("A bad certificate", at=T0.add(minutes=20))
    incident.link_ticket("T-9", at=T0.add(minutes=25))
    incident.monitor("Certificate replaced", at=T0.add(minutes=50))
    return [incident]


def feedback_programs() -> list[Any]:
    program = FeedbackProgram.create("FB-1", at=T0)
    program.enroll("acme", at=T0)
    survey = program.schedule_csat("T-1", customer_id="acme", at=T0)
    program.evaluate(at=T0.add(hours=2))
    program.record_response(survey.survey_id, 4, comment="quick", at=T0.add(hours=3))
    program.evaluate(at=T0.add(days=91))
    return [FeedbackProgram.create("FB-2", nps_every=None, at=T0), program]


#: name -> (class, builder of real objects). Extended as each module lands.
SAMPLES: dict[str, tuple[type, Callable[[], list[Any]]]] = {
    "ticket": (Ticket, tickets),
    "response_template": (ResponseTemplate, response_templates),
    "proactive_case": (ProactiveCase, proactive_cases),
    "tier_ladder": (TierLadder, tier_ladders),
    "routing_table": (RoutingTable, routing_tables),
    "maintenance": (Maintenance, maintenances),
    "incident": (Incident, incidents),
    "feedback_program": (FeedbackProgram, feedback_programs),
}

_BUILT: dict[str, list[Any]] = {}


def built(name: str) -> list[Any]:
    if name not in _BUILT:
        _BUILT[name] = SAMPLES[name][1]()
    return _BUILT[name]


def documents(name: str) -> list[dict[str, Any]]:
    return [obj.to_dict() for obj in built(name)]


# --- helpers --------------------------------------------------------------------------


def assert_json_safe(value: object, path: str = "") -> None:
    """Only str, int, float, bool, None, list and dict with str keys, all the way down."""
    if value is None or isinstance(value, str | bool | int | float):
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            assert_json_safe(item, f"{path}[{index}]")
        return
    assert isinstance(value, dict), f"{path or '<document>'}: {type(value).__name__}"
    for key, item in value.items():
        assert isinstance(key, str), f"{path}: key {key!r}"
        assert_json_safe(item, f"{path}.{key}" if path else key)


def through_json(document: object) -> Any:
    return json.loads(json.dumps(document))


def load_or_schema_error(cls: type, document: object) -> None:
    """``from_dict`` either succeeds with an object that round-trips, or raises SchemaError."""
    try:
        obj = cls.from_dict(document)  # type: ignore[attr-defined]
    except SchemaError as caught:
        error: SchemaError | None = caught
    else:
        error = None
    if error is not None:
        assert isinstance(error.path, str)
        assert str(error)
        return
    again = obj.to_dict()
    assert_json_safe(again)
    assert cls.from_dict(through_json(again)) == obj  # type: ignore[attr-defined]


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "1970-01-01T00:00:00Z", "2026-03-02T09:00:00", "urgent", "open"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) into a JSON value, the root excluded."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(paths_of(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found.extend(paths_of(item, (*prefix, index)))
    return found


def wrong_type(value: Any) -> Any:
    """A value of another JSON type carrying a similar payload."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return {str(i): item for i, item in enumerate(value)}
    if isinstance(value, dict):
        return list(value.values())
    return 0


def mutate(document: dict[str, Any], draw: st.DrawFn) -> dict[str, Any]:
    """One to three random edits at random places of a copy of ``document``."""
    doc = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = paths_of(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        operation = draw(
            st.sampled_from(["drop", "wrong_type", "random", "null", "swap", "duplicate"])
        )
        if operation == "drop":
            del parent[last]
        elif operation == "wrong_type":
            parent[last] = wrong_type(parent[last])
        elif operation == "random":
            parent[last] = draw(json_values)
        elif operation == "null":
            parent[last] = None
        elif operation == "swap" and isinstance(parent, list) and len(parent) > 1:
            other = draw(st.integers(0, len(parent) - 1))
            parent[last], parent[other] = parent[other], parent[last]
        elif operation == "duplicate" and isinstance(parent, list):
            parent.insert(last, copy.deepcopy(parent[last]))
    return doc


# --- tests ----------------------------------------------------------------------------

NAMES = sorted(SAMPLES)
AGGREGATES = [name for name in NAMES if hasattr(SAMPLES[name][0], "replay")]


@pytest.mark.parametrize("name", NAMES)
def test_documents_are_json_safe_typed_and_versioned(name: str) -> None:
    cls, _ = SAMPLES[name]
    for document in documents(name):
        assert_json_safe(document)
        assert isinstance(document["type"], str)
        assert isinstance(document["schema"], int)
        assert document["schema"] >= 1
        assert cls.from_dict(document).to_dict() == document  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_through_json_is_exact(name: str) -> None:
    cls, _ = SAMPLES[name]
    for obj in built(name):
        text = json.dumps(obj.to_dict())
        loaded = cls.from_dict(json.loads(text))  # type: ignore[attr-defined]
        assert loaded == obj
        assert json.dumps(loaded.to_dict()) == text


def test_event_sourced_aggregates_are_covered() -> None:
    assert {"ticket", "incident", "maintenance", "proactive_case"} <= set(AGGREGATES)


@pytest.mark.parametrize("name", AGGREGATES)
def test_replaying_the_history_rebuilds_an_equal_object(name: str) -> None:
    cls, _ = SAMPLES[name]
    for obj in built(name):
        assert len(obj.history) == obj.version
        assert cls.replay(obj.history) == obj  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", NAMES)
def test_a_document_from_a_newer_schema_is_refused_clearly(name: str) -> None:
    cls, _ = SAMPLES[name]
    document = documents(name)[0]
    newer = {**document, "schema": document["schema"] + 1}
    with pytest.raises(SchemaVersionError) as caught:
        cls.from_dict(newer)  # type: ignore[attr-defined]
    assert caught.value.path == "schema"
    assert "upgrade supportflow" in str(caught.value)


@pytest.mark.parametrize("name", NAMES)
def test_a_document_of_another_type_is_refused(name: str) -> None:
    cls, _ = SAMPLES[name]
    document = {**documents(name)[0], "type": "something_else"}
    with pytest.raises(SchemaError) as caught:
        cls.from_dict(document)  # type: ignore[attr-defined]
    assert caught.value.path == "type"


@pytest.mark.parametrize("name", NAMES)
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(value=json_values)
def test_random_json_loads_or_raises_schema_error(name: str, value: Any) -> None:
    cls, _ = SAMPLES[name]
    load_or_schema_error(cls, value)
    if isinstance(value, dict):
        # Give the reader a chance to get past the type and schema checks.
        document = {**value, "type": documents(name)[0]["type"], "schema": 1}
        load_or_schema_error(cls, document)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_mutated_real_documents_load_or_raise_schema_error(name: str, data: st.DataObject) -> None:
    cls, _ = SAMPLES[name]
    original = data.draw(st.sampled_from(documents(name)))
    load_or_schema_error(cls, mutate(original, data.draw))


def test_the_fuzzer_does_reach_bad_fields() -> None:
    # A mutation the readers must catch, with the exact path: guards the fuzz tests
    # against passing because nothing was ever checked.
    document = documents("incident")[0]
    document["history"][1]["at"] = "2026-03-02T09:20:00"  # naive
    with pytest.raises(SchemaError) as caught:
        Incident.from_dict(document)
    assert caught.value.path == "history[1].at"
