"""Incident communication: lifecycle, public updates, linked tickets, persistence."""

from __future__ import annotations

import json

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import proactive_command_steps
from supportflow import (
    InvalidArgument,
    InvalidTransition,
    MissingPlaceholders,
    SchemaError,
    SupportflowError,
)
from supportflow._proactive._incidents import Incident, IncidentImpact, IncidentStatus
from supportflow._tickets._templates import ResponseTemplate
from supportflow._tickets._ticket import Ticket
from supportflow._vocabulary._taxonomy import Channel, Topic

T0 = pendulum.datetime(2026, 4, 1, 14, tz="UTC")


def declared(**kwargs: object) -> Incident:
    options: dict[str, object] = {
        "title": "Elevated API error rates",
        "body": "We are investigating errors on the API.",
        "impact": IncidentImpact.MAJOR,
        "components": ["api"],
        "customers": ["acme", "globex"],
        "at": T0,
    }
    options.update(kwargs)
    return Incident.declare("INC-7", **options)  # type: ignore[arg-type]


def snapshot(incident: Incident) -> str:
    return json.dumps(incident.to_dict(), sort_keys=True)


def test_each_step_is_a_public_update_for_the_affected_customers() -> None:
    incident = declared()
    incident.identify("A bad deploy of the router.", at=T0.add(minutes=10))
    incident.post_update(
        "EU customers affected too.",
        customers=["initech"],
        components=["api", "dashboard"],
        impact=IncidentImpact.CRITICAL,
        at=T0.add(minutes=20),
    )
    incident.monitor("Rolled back; watching error rates.", notify=False, at=T0.add(minutes=30))
    assert incident.status is IncidentStatus.MONITORING
    assert [u.status for u in incident.updates] == [
        IncidentStatus.INVESTIGATING,
        IncidentStatus.IDENTIFIED,
        IncidentStatus.IDENTIFIED,
        IncidentStatus.MONITORING,
    ]
    assert [u.notify for u in incident.updates] == [True, True, True, False]
    assert incident.updates[2].impact is IncidentImpact.CRITICAL
    assert incident.impact is IncidentImpact.CRITICAL
    assert incident.customers == ("acme", "globex", "initech")
    assert incident.components == ("api", "dashboard")
    assert incident.updates[3].at == T0.add(minutes=30)
    assert incident.version == 4


def test_notifying_nobody_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="no affected customers to notify"):
        declared(customers=[])
    quiet = declared(customers=[], notify=False)
    before = snapshot(quiet)
    with pytest.raises(InvalidArgument, match="no affected customers to notify"):
        quiet.post_update("still looking", at=T0.add(minutes=1))
    assert snapshot(quiet) == before
    quiet.post_update("still looking", notify=False, at=T0.add(minutes=1))


def test_out_of_order_steps_name_the_allowed_ones_and_change_nothing() -> None:
    incident = declared()
    before = snapshot(incident)
    with pytest.raises(InvalidTransition) as caught:
        incident.publish_postmortem("why it happened", at=T0.add(minutes=1))
    assert caught.value.allowed == (
        "identify",
        "link_ticket",
        "monitor",
        "resolve",
        "update",
    )
    with pytest.raises(InvalidArgument, match=r"use Incident.resolve\(\)"):
        incident.post_update("done", status=IncidentStatus.RESOLVED, at=T0.add(minutes=1))
    with pytest.raises(InvalidArgument, match="status must be one of"):
        incident.post_update("??", status="fixed", at=T0.add(minutes=1))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="impact must be one of"):
        incident.post_update("??", impact="huge", at=T0.add(minutes=1))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="cannot go back in time"):
        incident.identify("found it", at=T0.subtract(minutes=1))
    assert snapshot(incident) == before


def test_linking_a_ticket_twice_is_refused() -> None:
    incident = declared()
    incident.link_ticket("T-1", at=T0.add(minutes=1))
    before = snapshot(incident)
    with pytest.raises(InvalidArgument, match="already linked"):
        incident.link_ticket("T-1", at=T0.add(minutes=2))
    assert snapshot(incident) == before
    assert incident.linked_tickets == ("T-1",)


def test_round_trip_and_bad_documents() -> None:
    incident = declared()
    incident.identify("cause found", at=T0.add(minutes=5))
    incident.link_ticket("T-9", at=T0.add(minutes=6))
    data = json.loads(json.dumps(incident.to_dict()))
    assert data["type"] == "incident"
    assert Incident.from_dict(data) == incident
    assert Incident.replay(incident.history) == incident
    data["history"][1]["impact"] = "apocalyptic"
    with pytest.raises(SchemaError) as caught:
        Incident.from_dict(data)
    assert caught.value.path == "history[1].impact"
    data = json.loads(json.dumps(incident.to_dict()))
    data["history"][1]["status"] = "postmortem"
    with pytest.raises(SchemaError) as caught:
        Incident.from_dict(data)
    assert caught.value.path == "history[1]"


COMMANDS = ("update", "identify", "monitor", "investigate", "link", "postmortem")


@given(steps=proactive_command_steps(COMMANDS))
def test_random_update_sequences_keep_the_invariants(steps: list[tuple[str, int, int]]) -> None:
    incident = declared()
    now = T0
    for command, minutes, param in steps:
        now = now.add(minutes=minutes)
        before = snapshot(incident)
        try:
            if command == "update":
                incident.post_update("news", impact=list(IncidentImpact)[param % 4], at=now)
            elif command == "identify":
                incident.identify("cause", at=now)
            elif command == "monitor":
                incident.monitor("fix out", at=now)
            elif command == "investigate":
                incident.post_update("back to it", status=IncidentStatus.INVESTIGATING, at=now)
            elif command == "link":
                incident.link_ticket(f"T-{param}", at=now)
            else:
                incident.publish_postmortem("review", at=now)
        except SupportflowError:
            assert snapshot(incident) == before
        assert (
            incident.version
            == len(incident.history)
            == len(incident.updates) + len(incident.linked_tickets)
        )
        assert incident.updates[-1].status is incident.status
        assert len(set(incident.linked_tickets)) == len(incident.linked_tickets)
        assert Incident.replay(incident.history) == incident
        assert Incident.from_dict(json.loads(json.dumps(incident.to_dict()))) == incident


# --- resolving solves the linked tickets ----------------------------------------------

TEMPLATE = ResponseTemplate(
    "incident-resolved",
    "Incident {incident.id} ({incident.title}) is resolved. {apology}",
)
VALUES = {"apology": "Sorry for the trouble."}


def open_ticket(number: int, customer: str = "acme") -> Ticket:
    return Ticket.open(
        f"T-{number}",
        customer_id=customer,
        subject="API returns 502",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        body="Every call fails.",
        at=T0.add(seconds=number),
    )


def linked_tickets(incident: Incident, count: int) -> list[Ticket]:
    tickets = [open_ticket(n, customer=("acme", "globex")[n % 2]) for n in range(count)]
    for ticket in tickets:
        incident.link_ticket(ticket.id, at=T0.add(minutes=5))
    return tickets


def documents(incident: Incident, tickets: list[Ticket]) -> list[str]:
    return [snapshot(incident), *(json.dumps(t.to_dict(), sort_keys=True) for t in tickets)]


def test_resolving_solves_forty_linked_tickets_together() -> None:
    incident = declared()
    tickets = linked_tickets(incident, 40)
    for ticket in tickets[:10]:
        ticket.assign("ana", at=T0.add(minutes=6))
    for ticket in tickets[10:13]:  # already solved by hand
        ticket.assign("bo", at=T0.add(minutes=6))
        ticket.reply("bo", "Fixed on our side.", at=T0.add(minutes=7))
        ticket.solve("workaround", at=T0.add(minutes=8))
    stranger = open_ticket(99)
    incident.monitor("Rolled back.", at=T0.add(minutes=30))
    result = incident.resolve(
        "Error rates are back to normal.",
        tickets=[*tickets, stranger],
        template=TEMPLATE,
        agent="incident-bot",
        values=VALUES,
        at=T0.add(hours=1),
    )
    solved_ids = [t.id for t in tickets if t not in tickets[10:13]]
    assert list(result.solved) == solved_ids
    assert len(result.solved) == 37
    assert {(s.ticket_id, s.reason) for s in result.skipped} == {
        *((t.id, "already_solved") for t in tickets[10:13]),
        ("T-99", "not_linked"),
    }
    assert all(str(t.status) == "solved" for t in tickets)
    assert str(stranger.status) == "new"
    assert [t.assignee for t in tickets[:10]] == ["ana"] * 10  # kept their owner
    assert {t.assignee for t in tickets[13:]} == {"incident-bot"}
    reply = tickets[20].conversation[-1]
    assert "Incident INC-7 (Elevated API error rates) is resolved." in reply.body
    assert "INC-7" in str(tickets[20].resolution)
    assert tickets[20].solved_at == T0.add(hours=1)
    assert set(result.ticket_events) == set(solved_ids)
    assert result.ticket_events["T-20"] == tickets[20].history[-len(result.ticket_events["T-20"]) :]
    assert incident.status is IncidentStatus.RESOLVED
    assert incident.solved_tickets == tuple(solved_ids)
    assert incident.resolved_at == T0.add(hours=1)
    assert Incident.from_dict(json.loads(json.dumps(incident.to_dict()))) == incident


def test_resolve_is_all_or_nothing() -> None:
    incident = declared()
    tickets = linked_tickets(incident, 5)
    before = documents(incident, tickets)
    # A placeholder without a value: refused before any ticket changes.
    with pytest.raises(MissingPlaceholders):
        incident.resolve(
            "Fixed.", tickets=tickets, template=TEMPLATE, agent="bot", at=T0.add(hours=1)
        )
    assert documents(incident, tickets) == before
    # A linked ticket missing from the call.
    with pytest.raises(InvalidArgument, match="missing: T-4"):
        incident.resolve(
            "Fixed.",
            tickets=tickets[:4],
            template=TEMPLATE,
            agent="bot",
            values=VALUES,
            at=T0.add(hours=1),
        )
    assert documents(incident, tickets) == before
    # The last ticket has an event later than the resolve instant.
    tickets[4].add_note("ana", "customer called again", at=T0.add(hours=2))
    before = documents(incident, tickets)
    with pytest.raises(SupportflowError):
        incident.resolve(
            "Fixed.",
            tickets=tickets,
            template=TEMPLATE,
            agent="bot",
            values=VALUES,
            at=T0.add(hours=1),
        )
    assert documents(incident, tickets) == before
    with pytest.raises(InvalidArgument, match="passed twice"):
        incident.resolve(
            "Fixed.",
            tickets=[*tickets, tickets[0]],
            template=TEMPLATE,
            agent="bot",
            values=VALUES,
            at=T0.add(hours=3),
        )
    assert documents(incident, tickets) == before


TICKET_SETUPS = ("new", "assigned", "pending", "on_hold", "solved", "closed")


@given(
    setups=st.lists(
        st.tuples(st.sampled_from(TICKET_SETUPS), st.booleans()), min_size=0, max_size=8
    ),
    complete_values=st.booleans(),
    late_note=st.booleans(),
)
def test_resolve_solves_exactly_the_unsolved_linked_tickets_or_changes_nothing(
    setups: list[tuple[str, bool]], complete_values: bool, late_note: bool
) -> None:
    incident = declared()
    tickets: list[Ticket] = []
    for number, (setup, linked) in enumerate(setups):
        ticket = open_ticket(number)
        step = T0.add(minutes=1)
        if setup != "new":
            ticket.assign("ana", at=step)
        if setup in ("pending", "on_hold"):
            getattr(ticket, "set_pending" if setup == "pending" else "put_on_hold")(at=step)
        if setup in ("solved", "closed"):
            ticket.solve("by hand", at=step)
        if setup == "closed":
            ticket.confirm(at=step)
        if linked:
            incident.link_ticket(ticket.id, at=step)
        tickets.append(ticket)
    if late_note and tickets and str(tickets[-1].status) != "closed":
        tickets[-1].add_note("ana", "after the fact", at=T0.add(hours=2))
    before = documents(incident, tickets)
    unsolved_linked = [
        t.id
        for t in tickets
        if t.id in incident.linked_tickets and str(t.status) not in ("solved", "closed")
    ]
    try:
        result = incident.resolve(
            "Fixed.",
            tickets=tickets,
            template=TEMPLATE,
            agent="bot",
            values=VALUES if complete_values else None,
            at=T0.add(hours=1),
        )
    except SupportflowError:
        assert documents(incident, tickets) == before
        assert unsolved_linked  # a refusal only ever comes from a ticket to solve
        return
    assert list(result.solved) == unsolved_linked
    assert incident.status is IncidentStatus.RESOLVED
    assert len(result.solved) + len(result.skipped) == len(tickets)
    for ticket in tickets:
        if ticket.id in incident.linked_tickets:
            assert str(ticket.status) in ("solved", "closed")
        assert Ticket.replay(ticket.history) == ticket
    assert Incident.replay(incident.history) == incident
