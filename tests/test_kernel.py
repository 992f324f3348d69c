"""The aggregate kernel and the lifecycle executor: guards, atomicity, new events, loads.

Each load defect issue 16 found is a domain statement here: a document the commands
could not have written does not load, and the error names the field.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pendulum
import pytest

from supportflow import (
    InvalidArgument,
    InvalidTransition,
    SchemaError,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    TicketStatus,
)
from supportflow._kernel._aggregate import atomic
from supportflow._kernel._lifecycle import Guard, Lifecycle
from supportflow._tickets._ticket import TICKET_LIFECYCLE

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")


def at(minutes: int) -> pendulum.DateTime:
    return T0.add(minutes=minutes)


def opened(**overrides: Any) -> Ticket:
    kwargs: dict[str, Any] = {
        "customer_id": "C-7",
        "subject": "Printer jams",
        "topic": "troubleshooting",
        "channel": "email",
        "tier": 1,
        "at": T0,
    }
    kwargs.update(overrides)
    return Ticket.open("T-1", **kwargs)


def worked() -> Ticket:
    ticket = opened()
    ticket.assign("ana", at=at(1))
    ticket.tag("printer", at=at(2))
    ticket.link("T-0", at=at(3))
    ticket.change_priority("high", at=at(4))
    ticket.escalate(reason="needs an expert", actor="ana", at=at(5))
    ticket.reply("ana", "Looking into it", at=at(6))
    return ticket


def document(ticket: Ticket) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(ticket.to_dict()))
    return result


# --- the lifecycle executor -------------------------------------------------------------


def _toy(transitions: list[dict[str, Any]], guards: dict[str, Guard] | None = None) -> Lifecycle:
    return Lifecycle.define("toy", ["a", "b", "c"], transitions, "a", guards=guards)


def test_guards_are_tried_in_the_order_the_transitions_are_declared() -> None:
    yes = Guard(lambda subject, context: True, "never refuses")
    no = Guard(lambda subject, context: False, "wait for it")
    lifecycle = _toy(
        [
            {"trigger": "go", "source": "a", "dest": "b", "conditions": "no"},
            {"trigger": "go", "source": "a", "dest": "c", "conditions": ["yes"]},
        ],
        {"yes": yes, "no": no},
    )
    assert lifecycle.target("x", "a", "go") == "c"
    first_wins = _toy(
        [
            {"trigger": "go", "source": "a", "dest": "b", "conditions": "yes"},
            {"trigger": "go", "source": "a", "dest": "c"},
        ],
        {"yes": yes},
    )
    assert first_wins.target("x", "a", "go") == "b"
    assert first_wins.edges() == [("a", "go", "b"), ("a", "go", "c")]


def test_unless_refuses_when_its_guard_holds_and_the_error_gives_the_hint() -> None:
    holds = Guard(lambda subject, context: subject == "late", lambda s, c: f"{s} is too late")
    lifecycle = _toy(
        [{"trigger": "go", "source": "a", "dest": "b", "unless": "holds"}], {"holds": holds}
    )
    assert lifecycle.target("x", "a", "go", "early") == "b"
    with pytest.raises(InvalidTransition, match="late is too late") as caught:
        lifecycle.target("x", "a", "go", "late")
    assert caught.value.allowed == ()
    assert lifecycle.allowed("a") == ("go",)
    assert lifecycle.destination("x", "a", "go") == "b"


@pytest.mark.parametrize(
    ("transition", "problem"),
    [
        ({"trigger": "go", "source": "a", "dest": "b", "after": "log"}, "only"),
        ({"trigger": "go", "source": "a", "dest": "b", "conditions": "ghost"}, "not declared"),
        ({"trigger": "go", "source": "a", "dest": "b", "conditions": [len]}, "name guards"),
    ],
)
def test_a_definition_the_executor_cannot_honour_is_refused(
    transition: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidArgument, match=problem):
        _toy([transition])


def test_the_ticket_lifecycle_declares_its_guards_and_every_command() -> None:
    assert TICKET_LIFECYCLE.guarded("open", "solve")
    assert TICKET_LIFECYCLE.guarded("solved", "auto_close")
    for command in ("escalate", "de_escalate", "notify_manager", "request_escalation"):
        assert command in TICKET_LIFECYCLE.allowed("open")
    assert "notify_manager" in TICKET_LIFECYCLE.allowed("solved")
    assert "escalate" not in TICKET_LIFECYCLE.allowed("solved")


def test_refusals_list_the_escalation_commands_allowed_now() -> None:
    ticket = opened()
    with pytest.raises(InvalidTransition) as caught:
        ticket.solve("done", at=at(1))
    assert "escalate" in caught.value.allowed
    assert "solving needs an assignee" in str(caught.value)
    assert "escalate" in ticket.allowed_commands


# --- escalation as ticket methods -------------------------------------------------------


def test_escalation_commands_are_ticket_methods_on_the_default_ladder() -> None:
    ticket = opened()
    event = ticket.escalate(reason="expert needed", actor="ana", at=at(1))
    assert (ticket.tier, event.from_tier, event.to_tier) == (2, 1, 2)
    ticket.de_escalate(reason="handed back", actor="bo", at=at(2))
    assert ticket.tier == 1
    ticket.notify_manager(role="team_lead", reason="VIP", at=at(3))
    ticket.request_escalation(reason="wants a manager", channel="phone", at=at(4))
    assert [e.name for e in ticket.history[1:]] == [
        "ticket_escalated",
        "ticket_de_escalated",
        "ticket_manager_notified",
        "ticket_escalation_requested",
    ]
    assert Ticket.replay(ticket.history) == ticket


# --- atomicity and new events -----------------------------------------------------------


def test_new_events_are_what_was_recorded_since_creation_or_load() -> None:
    ticket = worked()
    assert ticket.loaded_version == 0
    assert ticket.new_events == ticket.history
    ticket.mark_saved()
    assert ticket.new_events == ()
    ticket.add_note("ana", "called the vendor", at=at(7))
    assert [e.name for e in ticket.new_events] == ["ticket_note_added"]
    loaded = Ticket.from_dict(document(ticket))
    assert loaded.loaded_version == loaded.version
    assert loaded.new_events == ()
    assert Ticket.replay(ticket.history).new_events == ()


def test_a_command_spanning_several_aggregates_is_all_or_nothing() -> None:
    first, second = worked(), opened()
    before = (document(first), document(second))

    def both() -> None:
        with atomic(first, second):
            first.add_note("ana", "both", at=at(8))
            second.solve("done", at=at(8))  # no assignee: refused

    with pytest.raises(InvalidTransition):
        both()
    assert (document(first), document(second)) == before


# --- loads trust nothing: the defects issue 16 found ------------------------------------


Edit = Callable[[dict[str, Any]], None]


def _event(data: dict[str, Any], name: str) -> dict[str, Any]:
    index = [e["event"] for e in data["history"]].index(name)
    event: dict[str, Any] = data["history"][index]
    return event


def _duplicate(name: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        event = _event(data, name)
        data["history"].insert(data["history"].index(event) + 1, copy.deepcopy(event))

    return edit


def _set(name: str, key: str, value: object) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        _event(data, name)[key] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "path", "problem"),
    [
        (_duplicate("ticket_assigned"), "history[2].agent", "already assigned"),
        (_duplicate("ticket_tagged"), "history[3].tags", "already has the tags"),
        (_duplicate("ticket_linked"), "history[4].other_id", "already linked"),
        (
            _set("ticket_priority_changed", "from_priority", "low"),
            "history[4].from_priority",
            "from low",
        ),
        (_set("ticket_assigned", "agent", "  "), "history[1].agent", "non-empty string"),
        (
            _set("ticket_opened", "auto_close_after_us", -1),
            "history[0].auto_close_after_us",
            "100 years",
        ),
        (
            _set("ticket_opened", "auto_close_after_us", 10**30),
            "history[0].auto_close_after_us",
            "100 years",
        ),
        (_set("ticket_opened", "tier", -1), "history[0].tier", "from 0 to 50"),
        (_set("ticket_opened", "tier", True), "history[0].tier", "integer"),
        (_set("ticket_escalated", "from_tier", 3), "history[5].from_tier", "from tier 3"),
        (_set("ticket_escalated", "to_tier", -2), "history[5].to_tier", "from 0 to 50"),
        (_set("ticket_escalated", "at", "2020-01-01T00:00:00Z"), "history[5].at", "earlier than"),
        (_set("ticket_escalated", "rule", "ghost"), "history[5].rule", "no escalation policy"),
        (
            _set("ticket_replied", "at", "9999-12-31T00:00:00Z"),
            "history[6].at",
            "outside the instants",
        ),
    ],
)
def test_a_history_the_commands_could_not_record_does_not_load(
    edit: Edit, path: str, problem: str
) -> None:
    data = document(worked())
    edit(data)
    with pytest.raises(SchemaError, match=problem) as caught:
        Ticket.from_dict(data)
    assert caught.value.path == path


def test_a_bad_status_changed_trigger_is_reported_at_the_trigger() -> None:
    ticket = opened()
    ticket.set_pending(at=at(1))
    data = document(ticket)
    data["history"][1]["trigger"] = "teleport"
    with pytest.raises(SchemaError, match="cannot carry the trigger") as caught:
        Ticket.from_dict(data)
    assert caught.value.path == "history[1].trigger"


def test_an_escalation_after_close_does_not_load() -> None:
    ticket = opened()
    ticket.assign("ana", at=at(1))
    ticket.solve("done", at=at(2))
    ticket.confirm(at=at(3))
    data = document(ticket)
    data["history"].append(
        {
            "event": "ticket_manager_notified",
            "at": at(4).isoformat(),
            "role": "lead",
            "reason": "late",
            "actor": None,
            "rule": None,
        }
    )
    data["version"] += 1
    with pytest.raises(SchemaError, match="closed") as caught:
        Ticket.from_dict(data)
    assert caught.value.path == "history[4]"


def test_sla_events_do_not_load_on_a_ticket_without_sla() -> None:
    policies = SLAPolicySet([SLAPolicy("std", {"first_reply": {"normal": dt.timedelta(hours=1)}})])
    ticket = opened(sla=policies)
    ticket.evaluate(at=at(120))
    data = document(ticket)
    assert [e["event"] for e in data["history"]][1:] == [
        "sla_threshold_reached",
        "sla_threshold_reached",
        "sla_breached",
    ]
    del data["sla"]
    with pytest.raises(SchemaError, match="has no SLA policies") as caught:
        Ticket.from_dict(data)
    assert caught.value.path == "history[1]"
    with pytest.raises(SchemaError, match="missing") as caught:
        Ticket.from_dict(data, sla=policies)
    assert caught.value.path == "sla"


def test_instants_and_durations_near_the_end_of_time_are_refused_at_the_command() -> None:
    with pytest.raises(InvalidArgument, match="at most 100 years"):
        opened(auto_close_after=dt.timedelta.max)
    ticket = opened()
    ticket.assign("ana", at=at(1))
    before = document(ticket)
    with pytest.raises(InvalidArgument, match="outside the instants"):
        ticket.solve("done", at=pendulum.datetime(9999, 12, 31, tz="UTC"))
    assert document(ticket) == before
    assert ticket.status is TicketStatus.NEW


def test_proactive_aggregates_share_the_kernel_new_events_and_rewind() -> None:
    from supportflow._proactive._incidents import Incident

    incident = Incident.declare(
        "INC-1", title="API errors", body="Investigating.", impact="major", components=["api"],
        customers=["acme"], at=T0,
    )  # fmt: skip
    assert [e.name for e in incident.new_events] == ["incident_declared"]
    incident.mark_saved()
    ticket = opened()
    before = (document(ticket), json.dumps(incident.to_dict(), sort_keys=True))

    def both() -> None:
        with atomic(incident, ticket):
            incident.identify("Found it: a bad deploy.", at=at(10))
            ticket.solve("done", at=at(10))  # no assignee: refused

    with pytest.raises(InvalidTransition):
        both()
    assert (document(ticket), json.dumps(incident.to_dict(), sort_keys=True)) == before
    assert incident.new_events == ()
    assert Incident.from_dict(incident.to_dict()).loaded_version == incident.version


def test_the_reverse_map_comes_from_the_machine() -> None:
    from supportflow._customers._customer import CUSTOMER_LIFECYCLE
    from supportflow._proactive._incidents import INCIDENT_LIFECYCLE

    assert CUSTOMER_LIFECYCLE.trigger_into("churned", "buying") == "win_back"
    assert CUSTOMER_LIFECYCLE.trigger_into("learning", "buying") == "buy"
    # no move from learning to churned: the trigger named is the one target() refuses
    assert CUSTOMER_LIFECYCLE.trigger_into("learning", "churned") == "churn"
    assert not CUSTOMER_LIFECYCLE.can("learning", "churn")
    # internal transitions are not moves
    assert CUSTOMER_LIFECYCLE.trigger_into("using", "using") != "record"
    assert INCIDENT_LIFECYCLE.trigger_into("identified", "monitoring") == "monitor"
    assert INCIDENT_LIFECYCLE.trigger_into("monitoring", "resolved") == "resolve"
    for source, _trigger, dest in CUSTOMER_LIFECYCLE.edges():
        if source != dest:
            assert CUSTOMER_LIFECYCLE.can(source, CUSTOMER_LIFECYCLE.trigger_into(source, dest))


def test_one_record_of_cycles_read_by_sla_escalation_and_metrics() -> None:
    from supportflow import EscalationPolicy, EscalationRule, NotifyManager, WhenReopenedAtLeast
    from supportflow._escalation._policy import _facts
    from supportflow.metrics import ticket_milestones

    policy = EscalationPolicy(
        [EscalationRule("reopened", WhenReopenedAtLeast(1), NotifyManager("lead"))],
    )
    ticket = Ticket.open(
        "T-1",
        customer_id="C",
        subject="s",
        topic="billing",
        channel="email",
        at=T0,
        escalation=policy,
    )
    ticket.assign("ana", at=T0.add(minutes=1))
    ticket.assign("bo", at=T0.add(minutes=2))
    ticket.reply("bo", "done", at=T0.add(minutes=3))
    ticket.solve("fixed", at=T0.add(minutes=4))
    ticket.customer_message("still broken", at=T0.add(minutes=5))
    assert ticket.cycle_starts == (0, 5)
    assert ticket.reopens_us == (T0.add(minutes=5).int_timestamp * 1_000_000,)
    assert ticket_milestones(ticket).reopens_us == ticket.reopens_us
    facts = _facts(ticket)
    assert tuple(facts.reopens_us) == ticket.reopens_us
    assert tuple(facts.reassignments_us) == ticket.reassignments_us
    assert ticket.reassignments == 1


def test_replay_refuses_an_instant_that_is_not_an_integer() -> None:
    from supportflow import Ticket
    from supportflow.events import TicketOpened

    opened = TicketOpened(
        at_us=1.77e15,  # type: ignore[arg-type]
        ticket_id="T-1",
        customer_id="C-1",
        subject="s",
        topic="billing",  # type: ignore[arg-type]
        channel="email",  # type: ignore[arg-type]
        priority="normal",  # type: ignore[arg-type]
        phase="using",  # type: ignore[arg-type]
        auto_close_after_us=0,
    )
    with pytest.raises(InvalidArgument, match="outside the instants"):
        Ticket.replay([opened])
