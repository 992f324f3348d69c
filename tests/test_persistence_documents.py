"""Documents of every persisted type: exact round trips, replay, schema checks and fuzzing.

Each entry of :data:`SAMPLES` builds real objects through their public commands:
aggregates (tickets, with and without SLA clocks and an escalation policy, proactive
cases, incidents, maintenance, feedback programs, customers) and configuration
(calendars, SLA policies and policy sets, escalation policies, tier ladders, routing
tables, the priority matrix, response templates). For every one of them:

* ``to_dict()`` is plain JSON-safe data with ``type`` and ``schema``, and
  ``from_dict(json.loads(json.dumps(doc)))`` gives back an equal object whose own
  document is the same (round trip exact, history included);
* an aggregate rebuilt with ``replay(history)`` equals the original;
* tickets with SLA clocks load and replay with the same policies (``sla=``,
  ``escalation=``, from :data:`OPTIONS`), their SLA events stamped as recorded;
* a document from a newer schema raises :class:`SchemaVersionError` naming ``schema``;
* random JSON and mutated real documents (keys dropped, values of the wrong type,
  values replaced by random JSON, list items dropped or swapped) either load into an
  object that round-trips, or raise :class:`SchemaError`: nothing else ever comes out.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persistence_config import (
    escalation_policy,
    night_shift,
    office,
    sla_policies,
)
from supportflow import (
    BusinessCalendar,
    Customer,
    EscalationPolicy,
    FeedbackProgram,
    Impact,
    Incident,
    IncidentImpact,
    Maintenance,
    Priority,
    PriorityMatrix,
    ProactiveCase,
    ResponseTemplate,
    SchemaError,
    SchemaVersionError,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    TicketStatus,
    TierLadder,
    Urgency,
)
from supportflow._proactive._outreach import Signal
from supportflow._tickets._tiers import Route, RoutingTable, TicketEscalated, Tier
from supportflow._vocabulary._taxonomy import Channel, LifecyclePhase, Topic
from supportflow.events import (
    SLABreached,
    SLAThresholdReached,
    TicketDeEscalated,
    TicketManagerNotified,
    TicketPriorityRaised,
)
from supportflow.metrics import kpi_report

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
SLA = sla_policies()
ESCALATION = escalation_policy()


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


def sla_tickets() -> list[Any]:
    """Tickets opened with SLA policies on business hours and an escalation policy.

    Their histories hold SLA warnings and breaches of every metric (on the holiday,
    the Saturday exception and the closed Monday), functional escalations by rule and
    by hand, a de-escalation, manager notifications, a priority raise and a reopen.
    """
    options = {"sla": SLA, "escalation": ESCALATION}
    worked = Ticket.open(
        "S-1",
        customer_id="acme",
        subject="Printer offline",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        body="It stopped printing",
        tier=1,
        team="customer_service",
        at=T0,
        **options,
    )
    worked.assign("ana", at=T0.add(minutes=5))
    worked.evaluate(at=T0.add(hours=5))
    worked.reply("ana", "Could you send the log?", at=T0.add(hours=5, minutes=1))
    worked.set_pending(at=T0.add(hours=5, minutes=2))
    worked.request_escalation(reason="too slow", channel=Channel.PHONE, at=T0.add(hours=6))
    worked.customer_message("Here it is", at=T0.add(days=1))
    worked.assign("ben", at=T0.add(days=1, minutes=1))
    worked.assign("cleo", at=T0.add(days=1, minutes=2))
    worked.put_on_hold(at=T0.add(days=1, hours=1))
    worked.resume(at=T0.add(days=2))
    worked.evaluate(at=T0.add(days=6))
    worked.solve("Replaced the fuser", at=T0.add(days=6, minutes=1))
    worked.customer_message("Still broken", at=T0.add(days=7))
    worked.evaluate(at=T0.add(days=9))
    vip = Ticket.open(
        "S-2",
        customer_id="globex",
        subject="Site down",
        topic=Topic.BILLING,
        channel=Channel.PHONE,
        priority=Priority.URGENT,
        segment="enterprise",
        at=T0,
        **options,
    )
    vip.evaluate(at=T0.add(days=3))
    vip.assign("dan", at=T0.add(days=3, minutes=1))
    vip.reply("dan", "Back up", at=T0.add(days=3, minutes=2))
    vip.solve("Restarted the balancer", at=T0.add(days=3, minutes=3))
    vip.auto_close(at=T0.add(days=8))
    by_hand = Ticket.open(
        "S-3",
        customer_id="initech",
        subject="Cannot log in",
        topic=Topic.ACCOUNT,
        channel=Channel.LIVE_CHAT,
        priority=Priority.HIGH,
        tier=1,
        team="customer_service",
        at=T0,
        **options,
    )
    ladder = ESCALATION.ladder
    by_hand.assign("eve", at=T0.add(minutes=1))
    by_hand.escalate(
        ladder=ladder, to_tier=2, team="network", reason="VPN", actor="eve", at=T0.add(minutes=2)
    )
    by_hand.notify_manager(role="it_lead", reason="VIP user", at=T0.add(minutes=3))
    by_hand.de_escalate(ladder=ladder, reason="not the VPN", actor="eve", at=T0.add(minutes=4))
    fresh = Ticket.open(
        "S-4",
        customer_id="umbrella",
        subject="Question",
        topic=Topic.ONBOARDING,
        channel=Channel.SMS,
        at=T0,
        **options,
    )
    tickets_ = [worked, vip, by_hand, fresh]
    kinds = {type(event) for ticket in tickets_ for event in ticket.history}
    assert {
        SLAThresholdReached,
        SLABreached,
        TicketEscalated,
        TicketDeEscalated,
        TicketManagerNotified,
    } <= kinds
    assert TicketPriorityRaised in kinds
    return tickets_


def calendars() -> list[Any]:
    return [
        office(),
        night_shift(),
        BusinessCalendar.always_open(),
        BusinessCalendar.weekdays(
            "08:30", "16:45", timezone="Asia/Tokyo", holidays=[dt.date(2026, 1, 1)]
        ),
    ]


def sla_policy_list() -> list[Any]:
    return [*sla_policies().policies, SLAPolicy("empty", {})]


def sla_policy_sets() -> list[Any]:
    return [sla_policies(), SLAPolicySet([])]


def escalation_policies() -> list[Any]:
    return [escalation_policy(), EscalationPolicy([])]


def priority_matrices() -> list[Any]:
    cells = {(impact, urgency): Priority.NORMAL for impact in Impact for urgency in Urgency}
    cells[(Impact.HIGH, Urgency.HIGH)] = Priority.URGENT
    cells[(Impact.LOW, Urgency.LOW)] = Priority.LOW
    return [PriorityMatrix(), PriorityMatrix(cells)]


def customers() -> list[Any]:
    customer = Customer.register(
        "acme",
        name="ACME Corp",
        segment="smb",
        identities={Channel.EMAIL: "Ops@Acme.example", Channel.PHONE: "+33 1 23 45 67 89"},
        at=T0,
        phase="learning",
    )
    customer.add_identity(Channel.SOCIAL, "@acme", at=T0.add(minutes=1))
    customer.remove_identity(Channel.PHONE, "+33 1 23 45 67 89", at=T0.add(minutes=2))
    customer.change_phase(LifecyclePhase.BUYING, reason="trial", at=T0.add(days=1))
    customer.change_segment("enterprise", at=T0.add(days=2))
    ticket = Ticket.open(
        "T-9",
        customer_id="acme",
        subject="Invoice",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        at=T0.add(days=2),
    )
    ticket.assign("ana", at=T0.add(days=2, minutes=1))
    ticket.solve("Credited", at=T0.add(days=2, hours=1))
    customer.record_ticket(ticket, at=T0.add(days=3))
    customer.record_usage_drop(40.0, measure="weekly logins", at=T0.add(days=4))
    customer.churn(reason="moved to a competitor", at=T0.add(days=5))
    return [Customer.register("bare", at=T0, phase="learning"), customer]


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
    "ticket_with_sla": (Ticket, sla_tickets),
    "calendar": (BusinessCalendar, calendars),
    "sla_policy": (SLAPolicy, sla_policy_list),
    "sla_policy_set": (SLAPolicySet, sla_policy_sets),
    "escalation_policy": (EscalationPolicy, escalation_policies),
    "priority_matrix": (PriorityMatrix, priority_matrices),
    "customer": (Customer, customers),
}

#: name -> the keyword arguments of ``from_dict`` and ``replay`` (host configuration).
OPTIONS: dict[str, dict[str, Any]] = {
    "ticket_with_sla": {"sla": SLA, "escalation": ESCALATION},
}


def load(name: str, document: object) -> Any:
    """``from_dict`` of the sample's class, with the configuration it needs."""
    cls = SAMPLES[name][0]
    return cls.from_dict(document, **OPTIONS.get(name, {}))  # type: ignore[attr-defined]


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


def load_or_schema_error(name: str, document: object) -> None:
    """``from_dict`` either succeeds with an object that round-trips, or raises SchemaError."""
    try:
        obj = load(name, document)
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
    assert load(name, through_json(again)) == obj


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
    for document in documents(name):
        assert_json_safe(document)
        assert isinstance(document["type"], str)
        assert isinstance(document["schema"], int)
        assert document["schema"] >= 1
        assert load(name, document).to_dict() == document


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_through_json_is_exact(name: str) -> None:
    for obj in built(name):
        text = json.dumps(obj.to_dict())
        loaded = load(name, json.loads(text))
        assert loaded == obj
        assert json.dumps(loaded.to_dict()) == text


def test_event_sourced_aggregates_are_covered() -> None:
    assert {
        "ticket",
        "ticket_with_sla",
        "incident",
        "maintenance",
        "proactive_case",
        "feedback_program",
        "customer",
    } <= set(AGGREGATES)


@pytest.mark.parametrize("name", AGGREGATES)
def test_replaying_the_history_rebuilds_an_equal_object(name: str) -> None:
    cls, _ = SAMPLES[name]
    for obj in built(name):
        assert len(obj.history) == obj.version
        replayed = cls.replay(obj.history, **OPTIONS.get(name, {}))  # type: ignore[attr-defined]
        assert replayed == obj
        assert replayed.to_dict() == obj.to_dict()


@pytest.mark.parametrize("name", NAMES)
def test_a_document_from_a_newer_schema_is_refused_clearly(name: str) -> None:
    document = documents(name)[0]
    newer = {**document, "schema": document["schema"] + 1}
    with pytest.raises(SchemaVersionError) as caught:
        load(name, newer)
    assert caught.value.path == "schema"
    assert "upgrade supportflow" in str(caught.value)


@pytest.mark.parametrize("name", NAMES)
def test_a_document_of_another_type_is_refused(name: str) -> None:
    document = {**documents(name)[0], "type": "something_else"}
    with pytest.raises(SchemaError) as caught:
        load(name, document)
    assert caught.value.path == "type"


@pytest.mark.parametrize("name", NAMES)
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(value=json_values)
def test_random_json_loads_or_raises_schema_error(name: str, value: Any) -> None:
    load_or_schema_error(name, value)
    if isinstance(value, dict):
        # Give the reader a chance to get past the type and schema checks.
        document = {**value, "type": documents(name)[0]["type"], "schema": 1}
        load_or_schema_error(name, document)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_mutated_real_documents_load_or_raise_schema_error(name: str, data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(documents(name)))
    load_or_schema_error(name, mutate(original, data.draw))


def test_the_fuzzer_does_reach_bad_fields() -> None:
    # A mutation the readers must catch, with the exact path: guards the fuzz tests
    # against passing because nothing was ever checked.
    document = documents("incident")[0]
    document["history"][1]["at"] = "2026-03-02T09:20:00"  # naive
    with pytest.raises(SchemaError) as caught:
        Incident.from_dict(document)
    assert caught.value.path == "history[1].at"


# --- tickets with SLA clocks and an escalation policy ----------------------------------


def test_a_loaded_sla_ticket_goes_on_exactly_like_the_original() -> None:
    # The clocks rebuilt from the history are the live ones: the next deadline, and
    # every warning, breach and escalation recorded afterwards, are the same.
    later = T0.add(days=12)
    for original in sla_tickets():
        loaded = load("ticket_with_sla", through_json(original.to_dict()))
        assert loaded.sla == original.sla
        assert loaded.next_deadline() == original.next_deadline()
        assert loaded.evaluate(at=later) == original.evaluate(at=later)
        assert loaded == original
        assert loaded.to_dict() == original.to_dict()


def test_sla_events_keep_their_exact_instants_through_a_document() -> None:
    worked = built("ticket_with_sla")[0]
    loaded = load("ticket_with_sla", through_json(worked.to_dict()))
    stamped = [
        (event.name, event.metric, getattr(event, "threshold", 1.0), event.at)
        for event in loaded.history
        if isinstance(event, SLAThresholdReached | SLABreached)
    ]
    # First reply: 4 business hours from Monday 10:00 Paris, lunch 12:30-13:30.
    assert stamped[:3] == [
        ("sla_threshold_reached", "first_reply", 0.5, pendulum.datetime(2026, 3, 2, 11, tz="UTC")),
        ("sla_threshold_reached", "first_reply", 0.75, pendulum.datetime(2026, 3, 2, 13, tz="UTC")),
        ("sla_breached", "first_reply", 1.0, pendulum.datetime(2026, 3, 2, 14, tz="UTC")),
    ]
    # The resolution breach falls in the Saturday exception (10:00-14:00 Paris).
    breach = next(s for s in stamped if s[:2] == ("sla_breached", "resolution"))
    assert breach[3] == pendulum.datetime(2026, 3, 7, 11, 58, tz="UTC")
    assert [event.rule for event in loaded.history if isinstance(event, TicketManagerNotified)] == [
        "asked",
        "resolution-breach",
        "resolution-breach",
    ]


def test_loading_with_other_sla_policies_is_a_schema_error_at_the_snapshot() -> None:
    document = through_json(built("ticket_with_sla")[0].to_dict())
    other = SLAPolicySet(
        [SLAPolicy("standard", {"first_reply": {"normal": dt.timedelta(hours=2)}})]
    )
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(document, sla=other, escalation=ESCALATION)
    # The first SLA event the other policies would not record is refused, naming them.
    assert caught.value.path == "history[2]"
    assert "policies it was written with" in str(caught.value)
    renamed = SLAPolicySet([SLAPolicy("other", {"first_reply": {"normal": dt.timedelta(hours=2)}})])
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(document, sla=renamed, escalation=ESCALATION)
    # Another policy matched at creation: the snapshot tells it at once.
    assert caught.value.path == "sla.matches"
    assert "policies it was written with" in str(caught.value)


def test_a_tampered_sla_snapshot_is_a_schema_error() -> None:
    document = through_json(built("ticket_with_sla")[0].to_dict())
    document["sla"]["clocks"][0]["target_us"] += 1
    with pytest.raises(SchemaError) as caught:
        load("ticket_with_sla", document)
    assert caught.value.path == "sla.clocks"


@pytest.mark.parametrize(
    ("name", "index", "edit", "path"),
    [
        ("ticket_with_sla", 0, ("history", 2, "metric", "bogus"), "history[2].metric"),
        ("ticket_with_sla", 0, ("history", 5, "at", "2026-03-02T14:00:00"), "history[5].at"),
        ("ticket_with_sla", 0, ("history", 4, "rule", 7), "history[4].rule"),
        ("calendar", 0, ("holidays", 0, "2026-02-30"), "holidays[0]"),
        ("calendar", 0, ("exceptions", 1, "date", "tomorrow"), "exceptions[1].date"),
        ("calendar", 0, ("weekly", "friday", 1, ["13:30"]), "weekly.friday[1]"),
        (
            "sla_policy_set",
            0,
            ("policies", 1, "targets", 2, "target_us", -5),
            "policies[1].targets[2].target_us",
        ),
        ("sla_policy", 1, ("targets", 0, "metric", "lunch"), "targets[0].metric"),
        (
            "escalation_policy",
            0,
            ("rules", 2, "condition", "kind", "moon_phase"),
            "rules[2].condition.kind",
        ),
        ("escalation_policy", 0, ("rules", 0, "action", "tier", 9), "rules[0].action"),
        ("escalation_policy", 0, ("rules", 4, "action", "to", "asap"), "rules[4].action.to"),
        (
            "escalation_policy",
            0,
            ("rules", 6, "condition", "calendar", "weekly", "monday", 0, ["9", "x"]),
            "rules[6].condition.calendar.weekly.monday[0]",
        ),
        ("escalation_policy", 0, ("ladder", "tiers", 0, "level", "zero"), "ladder.tiers[0].level"),
        ("priority_matrix", 1, ("cells", 0, "urgency", "now"), "cells[0].urgency"),
        ("customer", 1, ("history", 1, "channel", "pigeon"), "history[1].channel"),
    ],
)
def test_bad_configuration_and_sla_data_name_the_path(
    name: str, index: int, edit: tuple[Any, ...], path: str
) -> None:
    document = through_json(documents(name)[index])
    *steps, key, value = edit
    target: Any = document
    for step in steps:
        target = target[step]
    target[key] = value
    with pytest.raises(SchemaError) as caught:
        load(name, document)
    assert caught.value.path == path


def test_the_kpi_report_document_is_json_safe() -> None:
    # Output only (there is no Report.from_dict): plain JSON, typed and versioned.
    report = kpi_report(
        [*built("ticket"), *built("ticket_with_sla")],
        start=T0,
        end=T0.add(days=14),
        customers=built("customer"),
        group_by=["channel", "priority"],
        calendar=office(),
    )
    document = report.to_dict()
    assert_json_safe(document)
    assert (document["type"], document["schema"]) == ("kpi_report", 1)
    assert through_json(document) == document
