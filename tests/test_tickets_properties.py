"""Property tests: random valid and invalid commands at random instants on tickets."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from strategies import TICKET_COMMANDS, ticket_command_steps, ticket_openings, ticket_step_minutes
from supportflow import (
    TICKET_LIFECYCLE,
    Priority,
    ResponseTemplate,
    SchemaError,
    SupportflowError,
    Ticket,
    TicketStatus,
)

ROOT = Path(__file__).resolve().parent.parent
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
AGENTS = ("ana", "ben", "chloe", "dev")
TAGS = ("vip", "refund", "bug", "urgent")
TEMPLATES = (
    ResponseTemplate("ack", "Hi {customer.name}, we are on {ticket.id}."),
    ResponseTemplate("ask", "Could you send a screenshot?", set_status="pending"),
    ResponseTemplate("done", "{ticket.subject}: fixed.", set_status="solved", add_tags=["done"]),
    ResponseTemplate("needs", "Hello {customer.nickname}", set_priority="high"),
)
# Every status change a ticket may make: the Machine's edges.
EDGES = {(source, dest) for source, _, dest in TICKET_LIFECYCLE.edges()}


def run_command(ticket: Ticket, command: str, arg: int, at: dt.datetime) -> None:
    """Fire one command (valid or not) with an argument chosen by ``arg``."""
    if command == "assign":
        ticket.assign(AGENTS[arg], team=None if arg % 2 else "l2", at=at)
    elif command == "reply":
        ticket.reply(AGENTS[arg], f"reply {arg}", at=at)
    elif command == "blank_reply":
        ticket.reply(AGENTS[arg], "   ", at=at)
    elif command == "add_note":
        ticket.add_note(AGENTS[arg], "internal", at=at)
    elif command == "customer_message":
        ticket.customer_message(f"message {arg}", at=at)
    elif command in ("set_pending", "put_on_hold", "resume", "confirm", "auto_close"):
        getattr(ticket, command)(at=at)
    elif command == "solve":
        ticket.solve(f"fixed {arg}", actor=AGENTS[arg], at=at)
    elif command == "change_priority":
        ticket.change_priority(list(Priority)[arg], at=at)
    elif command == "tag":
        ticket.tag(TAGS[arg], at=at)
    elif command == "untag":
        ticket.untag(TAGS[arg], at=at)
    elif command == "link":
        ticket.link(f"T-{arg}", at=at)
    elif command == "apply_template":
        ticket.apply_template(
            TEMPLATES[arg], agent=AGENTS[arg], values={"customer": {"name": "Ada"}}, at=at
        )
    else:  # pragma: no cover - a typo in TICKET_COMMANDS
        raise AssertionError(command)


class TicketMachine(RuleBasedStateMachine):
    """Random commands at random increasing (and sometimes decreasing) instants."""

    ticket: Ticket
    now: dt.datetime

    @initialize(kwargs=ticket_openings(), ticket_id=st.sampled_from(["T-0", "T-9", "X"]))
    def open_ticket(self, kwargs: dict[str, object], ticket_id: str) -> None:
        self.now = START
        self.ticket = Ticket.open(ticket_id, at=START, **kwargs)  # type: ignore[arg-type]
        self.left_new = False
        self.closed_snapshot: Ticket | None = None
        self.failures = 0

    @rule(
        command=st.sampled_from(TICKET_COMMANDS),
        minutes=ticket_step_minutes(),
        arg=st.integers(0, 3),
    )
    def fire(self, command: str, minutes: int, arg: int) -> None:
        at = self.now + dt.timedelta(minutes=minutes)
        before = copy.deepcopy(self.ticket)
        status = self.ticket.status
        try:
            run_command(self.ticket, command, arg, at)
        except SupportflowError:
            self.failures += 1
            assert self.ticket == before, f"{command} failed but changed the ticket"
            assert self.ticket.to_dict() == before.to_dict()
            return
        assert minutes >= 0 or at >= before.updated_at, "a command went back in time"
        self.now = max(self.now, at)
        assert self.ticket.version > before.version
        assert self.ticket.history[: before.version] == before.history
        after = self.ticket.status
        assert after == status or (status.value, after.value) in EDGES
        if after != TicketStatus.NEW:
            self.left_new = True

    @precondition(lambda self: self.ticket.status == TicketStatus.CLOSED)
    @rule(new_id=st.sampled_from(["F-1", "F-2"]))
    def follow_up(self, new_id: str) -> None:
        follow = self.ticket.follow_up(new_id, body="it broke again", at=self.now)
        assert follow.follow_up_of == self.ticket.id
        assert follow.status == TicketStatus.NEW
        assert follow.customer_id == self.ticket.customer_id

    @invariant()
    def version_counts_events(self) -> None:
        assert self.ticket.version == len(self.ticket.history)

    @invariant()
    def replay_gives_an_equal_ticket(self) -> None:
        assert Ticket.replay(self.ticket.history) == self.ticket

    @invariant()
    def never_back_to_new(self) -> None:
        if self.left_new:
            assert self.ticket.status != TicketStatus.NEW

    @invariant()
    def closed_never_changes(self) -> None:
        if self.ticket.status == TicketStatus.CLOSED:
            if self.closed_snapshot is None:
                self.closed_snapshot = copy.deepcopy(self.ticket)
            assert self.ticket == self.closed_snapshot

    @invariant()
    def counters_agree_with_the_conversation(self) -> None:
        ticket = self.ticket
        replies = [m for m in ticket.conversation if m.kind == "reply"]
        assert ticket.public_replies == len(replies)
        assert ticket.first_contact_resolution == (
            ticket.status in (TicketStatus.SOLVED, TicketStatus.CLOSED)
            and len(replies) == 1
            and ticket.reopens == 0
        )
        assert (ticket.auto_close_at is None) == (ticket.status != TicketStatus.SOLVED)


TicketMachine.TestCase.settings = settings(stateful_step_count=25)
test_ticket_lifecycle_machine = TicketMachine.TestCase


def _walk(ticket_id: str, kwargs: dict[str, object], steps: list[tuple[str, int, int]]) -> Ticket:
    ticket = Ticket.open(ticket_id, at=START, **kwargs)  # type: ignore[arg-type]
    now = START
    for command, minutes, arg in steps:
        now += dt.timedelta(minutes=abs(minutes))
        with contextlib.suppress(SupportflowError):
            run_command(ticket, command, arg, now)
    return ticket


@given(kwargs=ticket_openings(), steps=ticket_command_steps())
def test_a_ticket_survives_a_json_round_trip(
    kwargs: dict[str, object], steps: list[tuple[str, int, int]]
) -> None:
    ticket = _walk("T-1", kwargs, steps)
    document = ticket.to_dict()
    loaded = Ticket.from_dict(json.loads(json.dumps(document)))
    assert loaded == ticket
    assert loaded.to_dict() == document


@given(kwargs=ticket_openings(), steps=ticket_command_steps())
def test_replaying_the_history_rebuilds_an_equal_ticket(
    kwargs: dict[str, object], steps: list[tuple[str, int, int]]
) -> None:
    ticket = _walk("T-2", kwargs, steps)
    again = Ticket.replay(ticket.history)
    assert again == ticket
    assert again.conversation == ticket.conversation
    assert again.next_deadline() == ticket.next_deadline()


@given(
    kwargs=ticket_openings(),
    steps=ticket_command_steps(),
    index=st.integers(0, 40),
    field=st.sampled_from(["at", "event", "missing"]),
)
def test_bad_history_data_names_its_path(
    kwargs: dict[str, object], steps: list[tuple[str, int, int]], index: int, field: str
) -> None:
    ticket = _walk("T-3", kwargs, steps)
    document = json.loads(json.dumps(ticket.to_dict()))
    index %= len(document["history"])
    item = document["history"][index]
    if field == "at":
        item["at"] = "yesterday"
        expected = f"history[{index}].at"
    elif field == "event":
        item["event"] = "teleported"
        expected = f"history[{index}].event"
    else:
        del item["at"]
        expected = f"history[{index}].at"
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(document)
    assert caught.value.path == expected


def test_the_committed_diagram_is_the_one_the_machine_draws() -> None:
    generated = TICKET_LIFECYCLE.mermaid()
    committed = (ROOT / "docs" / "diagrams" / "ticket.mmd").read_text(encoding="utf-8")
    assert committed == generated
    page = (ROOT / "docs" / "tickets.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{generated}```" in page
