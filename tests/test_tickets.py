"""Reactive tickets: lifecycle rules, commands, errors, extension points, documents."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any, ClassVar

import attrs
import pendulum
import pytest

from supportflow import (
    Channel,
    Domain,
    EscalationPolicy,
    EscalationRule,
    InvalidArgument,
    InvalidTransition,
    InvalidType,
    LifecyclePhase,
    MessageKind,
    NaiveDatetimeError,
    NotifyManager,
    Priority,
    SchemaError,
    SchemaVersionError,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    TicketClosed,
    TicketStatus,
    Topic,
    WhenSLABreached,
)
from supportflow._kernel._time import Micros, at_us, instant_us
from supportflow.events import (
    Event,
    TicketAssigned,
    TicketCustomerMessaged,
    TicketOpened,
    TicketReplied,
    TicketStatusChanged,
)

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")


def at(minutes: int) -> pendulum.DateTime:
    return T0.add(minutes=minutes)


def new_ticket(**overrides: Any) -> Ticket:
    kwargs: dict[str, Any] = {
        "customer_id": "C-7",
        "subject": "Printer jams on page 2",
        "topic": Topic.TROUBLESHOOTING,
        "channel": Channel.EMAIL,
        "body": "It jams every time.",
        "at": T0,
    }
    kwargs.update(overrides)
    return Ticket.open("T-42", **kwargs)


def assigned_ticket() -> Ticket:
    ticket = new_ticket()
    ticket.assign("ana", team="l2", at=at(1))
    return ticket


def solved_ticket() -> Ticket:
    ticket = assigned_ticket()
    ticket.reply("ana", "Please clean the roller.", at=at(5))
    ticket.solve("roller cleaned", at=at(30))
    return ticket


def refuses(ticket: Ticket, error: type[Exception], command: Any) -> Exception:
    """Run ``command``, expect ``error``, and check the ticket did not change at all."""
    before = copy.deepcopy(ticket)
    with pytest.raises(error) as caught:
        command()
    assert ticket == before
    assert ticket.to_dict() == before.to_dict()
    return caught.value


# --- opening -------------------------------------------------------------------------


def test_a_new_ticket_records_who_what_where_and_when() -> None:
    ticket = new_ticket(tags=["printer"], team="l1", tier=1, phase="buying", segment="smb")
    assert ticket.id == "T-42"
    assert ticket.status is TicketStatus.NEW
    assert ticket.domain is Domain.SUPPORT
    assert ticket.topic is Topic.TROUBLESHOOTING
    assert ticket.channel is Channel.EMAIL
    assert ticket.priority is Priority.NORMAL
    assert ticket.phase is LifecyclePhase.BUYING
    assert ticket.tags == frozenset({"printer"})
    assert (ticket.team, ticket.tier, ticket.segment) == ("l1", 1, "smb")
    assert ticket.assignee is None
    assert ticket.created_at == T0
    assert isinstance(ticket.created_at, pendulum.DateTime)
    assert ticket.version == 1
    assert isinstance(ticket.history[0], TicketOpened)
    [message] = ticket.conversation
    assert (message.kind, message.author, message.body) == (
        MessageKind.CUSTOMER,
        "C-7",
        "It jams every time.",
    )
    assert message.public
    assert message.at == T0


def test_service_topics_belong_to_customer_service() -> None:
    assert new_ticket(topic="billing").domain is Domain.SERVICE
    assert {t.domain for t in Topic.of(Domain.SUPPORT)} == {Domain.SUPPORT}
    assert len(Topic.of(Domain.SERVICE)) == 6
    assert len(Topic.of(Domain.SUPPORT)) == 7


def test_priorities_are_ordered_by_rank() -> None:
    assert [p.rank for p in Priority] == [0, 1, 2, 3]
    assert max(Priority, key=lambda p: p.rank) is Priority.URGENT


def test_opening_with_bad_values_names_the_problem() -> None:
    with pytest.raises(InvalidArgument, match="topic must be one of"):
        new_ticket(topic="astrology")
    with pytest.raises(InvalidArgument, match="subject must be a non-empty string"):
        new_ticket(subject="  ")
    with pytest.raises(InvalidArgument, match="tier must be an int"):
        new_ticket(tier=-1)
    with pytest.raises(InvalidArgument, match="not the string"):
        new_ticket(tags="vip")
    with pytest.raises(InvalidArgument, match="auto_close_after must not be negative"):
        new_ticket(auto_close_after=dt.timedelta(days=-1))
    with pytest.raises(NaiveDatetimeError) as caught:
        new_ticket(at=dt.datetime(2026, 3, 2, 9, 0))
    assert caught.value.parameter == "at"


def test_a_ticket_is_created_only_through_open() -> None:
    with pytest.raises(TypeError, match=r"Ticket\.open"):
        Ticket()


# --- the lifecycle -------------------------------------------------------------------


def test_the_first_public_reply_opens_a_new_ticket() -> None:
    ticket = new_ticket()
    ticket.reply("ana", "Looking into it.", at=at(3))
    assert ticket.status is TicketStatus.OPEN
    assert ticket.public_replies == 1
    assert ticket.conversation[-1].channel is Channel.EMAIL


def test_an_internal_note_does_not_open_a_new_ticket() -> None:
    ticket = new_ticket()
    ticket.add_note("ana", "Known firmware bug", at=at(2))
    assert ticket.status is TicketStatus.NEW
    note = ticket.conversation[-1]
    assert note.kind is MessageKind.NOTE
    assert not note.public
    assert note.channel is None
    assert ticket.public_replies == 0


def test_a_customer_message_on_a_pending_ticket_sets_it_back_to_open() -> None:
    ticket = assigned_ticket()
    ticket.reply("ana", "Which model?", at=at(2))
    ticket.set_pending(at=at(2))
    assert ticket.status is TicketStatus.PENDING
    ticket.customer_message("Model X2", channel="sms", at=at(60))
    assert ticket.status is TicketStatus.OPEN
    assert ticket.conversation[-1].channel is Channel.SMS
    assert ticket.reopens == 0


def test_a_customer_message_on_an_on_hold_ticket_sets_it_back_to_open() -> None:
    ticket = assigned_ticket()
    ticket.put_on_hold(at=at(2))
    ticket.customer_message("Any news?", at=at(90))
    assert ticket.status is TicketStatus.OPEN


def test_customer_reply_reopens_a_solved_ticket() -> None:
    ticket = solved_ticket()
    ticket.customer_message("Still jams.", at=at(120))
    assert ticket.status is TicketStatus.OPEN
    assert ticket.reopens == 1
    assert ticket.resolution is None
    assert ticket.solved_at is None
    assert ticket.auto_close_at is None
    assert not ticket.first_contact_resolution


def test_resume_brings_a_waiting_ticket_back_to_open() -> None:
    ticket = assigned_ticket()
    ticket.put_on_hold(at=at(2))
    ticket.set_pending(at=at(3))
    ticket.resume(at=at(4))
    assert ticket.status is TicketStatus.OPEN
    assert [type(e) for e in ticket.history[-3:]] == [TicketStatusChanged] * 3


def test_solving_needs_an_assignee() -> None:
    ticket = new_ticket()
    error = refuses(ticket, InvalidTransition, lambda: ticket.solve("done", at=at(5)))
    assert isinstance(error, InvalidTransition)
    assert "needs an assignee" in str(error)
    assert error.event == "solve"
    assert "solve" not in error.allowed
    assert "assign" in error.allowed


def test_solving_records_the_resolution_and_when_it_may_auto_close() -> None:
    ticket = solved_ticket()
    assert ticket.status is TicketStatus.SOLVED
    assert ticket.resolution == "roller cleaned"
    assert ticket.solved_at == at(30)
    assert ticket.auto_close_after == pendulum.duration(days=4)
    assert ticket.auto_close_at == at(30).add(days=4)
    assert ticket.next_deadline() == ticket.auto_close_at


def test_a_solved_ticket_closes_when_the_customer_confirms() -> None:
    ticket = solved_ticket()
    ticket.confirm(at=at(40))
    assert ticket.status is TicketStatus.CLOSED
    assert ticket.closed_at == at(40)
    assert ticket.next_deadline() is None


def test_auto_close_waits_for_the_policy_delay() -> None:
    ticket = solved_ticket()
    due = ticket.auto_close_at
    assert due is not None
    error = refuses(
        ticket, InvalidTransition, lambda: ticket.auto_close(at=due.subtract(seconds=1))
    )
    assert "auto-close is due at 2026-03-06T09:30:00.000000Z" in str(error)
    ticket.auto_close(at=due)
    assert ticket.status is TicketStatus.CLOSED


def test_the_auto_close_delay_is_a_ticket_policy() -> None:
    ticket = new_ticket(auto_close_after=dt.timedelta(hours=12))
    ticket.assign("ana", at=at(1))
    ticket.solve("done", at=at(2))
    assert ticket.auto_close_at == at(2).add(hours=12)


def test_first_contact_resolution_is_one_public_reply_and_no_reopen() -> None:
    ticket = solved_ticket()
    assert ticket.first_contact_resolution
    ticket.confirm(at=at(31))
    assert ticket.first_contact_resolution
    two_replies = assigned_ticket()
    two_replies.reply("ana", "First", at=at(2))
    two_replies.reply("ana", "Second", at=at(3))
    two_replies.solve("done", at=at(4))
    assert not two_replies.first_contact_resolution
    no_reply = assigned_ticket()
    no_reply.solve("fixed remotely", at=at(4))
    assert not no_reply.first_contact_resolution


def test_an_impossible_command_names_ticket_status_event_and_what_is_allowed() -> None:
    ticket = new_ticket()
    error = refuses(ticket, InvalidTransition, lambda: ticket.resume(at=at(1)))
    assert isinstance(error, InvalidTransition)
    assert (error.kind, error.object_id, error.state, error.event) == (
        "ticket",
        "T-42",
        "new",
        "resume",
    )
    assert error.allowed == Ticket.lifecycle.allowed("new")
    assert str(error).startswith("cannot resume ticket T-42 in status 'new': allowed now: ")
    assert "put_on_hold" in str(error)


def test_confirm_needs_a_solved_ticket() -> None:
    ticket = assigned_ticket()
    refuses(ticket, InvalidTransition, lambda: ticket.confirm(at=at(2)))


@pytest.mark.parametrize(
    "command",
    [
        lambda t: t.reply("ana", "hello", at=at(100)),
        lambda t: t.customer_message("hello?", at=at(100)),
        lambda t: t.add_note("ana", "note", at=at(100)),
        lambda t: t.assign("ben", at=at(100)),
        lambda t: t.tag("late", at=at(100)),
        lambda t: t.change_priority("high", at=at(100)),
        lambda t: t.confirm(at=at(100)),
        lambda t: t.link("T-1", at=at(100)),
        lambda t: t.set_pending(at=at(100)),
    ],
)
def test_any_command_on_a_closed_ticket_says_to_open_a_follow_up(command: Any) -> None:
    ticket = solved_ticket()
    ticket.confirm(at=at(40))
    error = refuses(ticket, TicketClosed, lambda: command(ticket))
    assert "follow-up" in str(error)
    assert isinstance(error, InvalidTransition)


def test_further_contact_on_a_closed_ticket_opens_a_linked_follow_up() -> None:
    ticket = solved_ticket()
    ticket.confirm(at=at(40))
    before = copy.deepcopy(ticket)
    follow = ticket.follow_up("T-43", body="It jams again.", channel="phone", at=at(2000))
    assert ticket == before
    assert follow.follow_up_of == "T-42"
    assert follow.status is TicketStatus.NEW
    assert (follow.customer_id, follow.subject, follow.topic) == (
        "C-7",
        ticket.subject,
        ticket.topic,
    )
    assert follow.channel is Channel.PHONE
    assert follow.team == "l2"
    assert follow.conversation[0].body == "It jams again."


def test_an_unclosed_ticket_takes_a_customer_message_not_a_follow_up() -> None:
    ticket = solved_ticket()
    error = refuses(
        ticket, InvalidTransition, lambda: ticket.follow_up("T-43", body="again", at=at(50))
    )
    assert "customer_message" in str(error)
    ticket.confirm(at=at(60))
    with pytest.raises(InvalidArgument, match="its own id"):
        ticket.follow_up("T-42", body="again", at=at(70))


# --- assignment, priority, tags, links -----------------------------------------------


def test_moving_a_ticket_to_another_agent_counts_a_reassignment() -> None:
    ticket = assigned_ticket()
    assert ticket.reassignments == 0
    ticket.assign("ben", actor="lead", at=at(2))
    ticket.assign("ben", team="l3", at=at(3))
    assert (ticket.assignee, ticket.team, ticket.reassignments) == ("ben", "l3", 1)
    event = ticket.history[-2]
    assert isinstance(event, TicketAssigned)
    assert event.actor == "lead"
    refuses(ticket, InvalidArgument, lambda: ticket.assign("ben", at=at(4)))


def test_priority_changes_are_recorded_with_their_reason() -> None:
    ticket = new_ticket()
    ticket.change_priority(Priority.URGENT, reason="outage", at=at(1))
    assert ticket.priority is Priority.URGENT
    refuses(ticket, InvalidArgument, lambda: ticket.change_priority("urgent", at=at(2)))
    refuses(ticket, InvalidArgument, lambda: ticket.change_priority("asap", at=at(2)))


def test_tags_are_added_and_removed_as_sets() -> None:
    ticket = new_ticket(tags=["printer"])
    ticket.tag("vip", "printer", at=at(1))
    assert ticket.tags == {"printer", "vip"}
    assert ticket.history[-1].tags == {"vip"}  # type: ignore[attr-defined]
    refuses(ticket, InvalidArgument, lambda: ticket.tag("vip", at=at(2)))
    refuses(ticket, InvalidArgument, lambda: ticket.tag("two words", at=at(2)))
    refuses(ticket, InvalidArgument, lambda: ticket.tag(at=at(2)))
    ticket.untag("vip", "absent", at=at(3))
    assert ticket.tags == {"printer"}
    refuses(ticket, InvalidArgument, lambda: ticket.untag("vip", at=at(4)))


def test_links_name_related_tickets_once() -> None:
    ticket = new_ticket()
    ticket.link("T-1", at=at(1))
    ticket.link("T-2", at=at(1))
    assert ticket.related == ("T-1", "T-2")
    refuses(ticket, InvalidArgument, lambda: ticket.link("T-1", at=at(2)))
    refuses(ticket, InvalidArgument, lambda: ticket.link("T-42", at=at(2)))


# --- time and atomicity --------------------------------------------------------------


def test_a_command_dated_before_the_latest_event_is_refused() -> None:
    ticket = assigned_ticket()
    ticket.reply("ana", "hi", at=at(10))
    error = refuses(ticket, InvalidArgument, lambda: ticket.add_note("ana", "x", at=at(9)))
    assert "earlier than the latest event" in str(error)
    ticket.add_note("ana", "same instant is fine", at=at(10))


def test_commands_accept_standard_library_datetimes_in_any_zone() -> None:
    ticket = new_ticket()
    paris = dt.timezone(dt.timedelta(hours=1))
    ticket.reply("ana", "Bonjour", at=dt.datetime(2026, 3, 2, 10, 5, tzinfo=paris))
    assert ticket.updated_at == at(5)
    refuses(
        ticket, NaiveDatetimeError, lambda: ticket.add_note("a", "b", at=dt.datetime(2026, 3, 3))
    )
    refuses(ticket, InvalidType, lambda: ticket.add_note("a", "b", at="2026-03-03"))  # type: ignore[arg-type]


def test_a_failing_command_leaves_no_event_behind() -> None:
    ticket = assigned_ticket()
    refuses(ticket, InvalidArgument, lambda: ticket.reply("ana", "", at=at(5)))
    refuses(ticket, InvalidArgument, lambda: ticket.reply("ana", "ok", channel="pigeon", at=at(5)))
    refuses(ticket, InvalidArgument, lambda: ticket.solve(" ", at=at(5)))
    assert ticket.version == 2


def test_without_at_a_command_happens_now() -> None:
    ticket = Ticket.open("T-1", customer_id="C", subject="s", topic="billing", channel="email")
    before = pendulum.now("UTC")
    ticket.add_note("ana", "now")
    assert ticket.updated_at >= before.subtract(seconds=1)


# --- replay, equality, documents -----------------------------------------------------


def full_story() -> Ticket:
    ticket = solved_ticket()
    ticket.customer_message("Still jams.", at=at(60))
    ticket.tag("vip", at=at(61))
    ticket.change_priority("high", at=at(61))
    ticket.link("T-7", at=at(62))
    ticket.add_note("ana", "escalate?", at=at(63))
    ticket.solve("replaced the roller", actor="ana", at=at(90))
    ticket.confirm(at=at(95))
    return ticket


def test_replay_gives_an_equal_ticket() -> None:
    ticket = full_story()
    again = Ticket.replay(ticket.history)
    assert again == ticket
    assert again.reopens == 1
    assert again != Ticket.replay(ticket.history[:-1])
    assert repr(again) == "<Ticket T-42 closed v11>"


# A one-hour first reply SLA and a rule on its breach (warnings at 50 % and 75 %).
HOUR_SLA = SLAPolicySet([SLAPolicy("all", {"first_reply": {"normal": dt.timedelta(hours=1)}})])
LATE_REPLY = EscalationPolicy(
    [EscalationRule("late", WhenSLABreached("first_reply"), NotifyManager("lead"))]
)


def test_a_deep_copy_is_equal_independent_and_shares_the_immutable_parts() -> None:
    sla, policy = HOUR_SLA, LATE_REPLY
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="s",
        topic="billing",
        channel="email",
        sla=sla,
        escalation=policy,
        at=T0,
    )
    ticket.next_deadline()  # fills the caches, which the copy must not share
    twin = copy.deepcopy(ticket)
    assert twin == ticket
    assert twin.history == ticket.history
    assert twin.history[0] is ticket.history[0]  # events are immutable
    assert twin.escalation_policy is policy
    twin.evaluate(at=T0.add(hours=2))  # on the copy only
    assert len(twin.history) == 5  # two warnings, the breach, the rule
    assert len(ticket.history) == 1
    assert ticket.next_deadline() == T0.add(minutes=30)
    assert ticket.sla is not None
    assert not ticket.sla.clock("first_reply").breached


def test_replay_refuses_a_history_that_breaks_the_rules() -> None:
    ticket = new_ticket()
    with pytest.raises(InvalidArgument, match="starts with TicketOpened"):
        Ticket.replay([])
    reopen_from_new = TicketStatusChanged(
        at_us=ticket.created_at_us, from_status="new", to_status="open", trigger="resume"
    )
    with pytest.raises(InvalidTransition):
        Ticket.replay([*ticket.history, reopen_from_new])
    with pytest.raises(InvalidArgument, match="already opened"):
        Ticket.replay([*ticket.history, ticket.history[0]])
    late = TicketCustomerMessaged(at_us=ticket.created_at_us - 1, body="x", channel=Channel.EMAIL)
    with pytest.raises(InvalidArgument, match="earlier than the latest event"):
        Ticket.replay([*ticket.history, late])


def test_to_dict_is_plain_json_with_a_snapshot_and_the_history() -> None:
    ticket = full_story()
    document = ticket.to_dict()
    assert json.loads(json.dumps(document)) == document
    assert document["type"] == "ticket"
    assert document["schema"] == 2
    assert document["status"] == "closed"
    assert document["version"] == ticket.version == len(document["history"])
    assert document["history"][0]["event"] == "ticket_opened"
    assert document["history"][0]["at"] == "2026-03-02T09:00:00.000000Z"
    assert document["history"][0]["auto_close_after_us"] == 4 * 86_400_000_000
    assert Ticket.from_dict(json.loads(json.dumps(document))) == ticket


def test_from_dict_names_the_bad_field() -> None:
    document = full_story().to_dict()
    broken = copy.deepcopy(document)
    broken["history"][3]["at"] = "not a date"
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(broken)
    assert caught.value.path == "history[3].at"
    broken = copy.deepcopy(document)
    broken["history"][2]["channel"] = "fax"
    with pytest.raises(SchemaError, match="unknown Channel 'fax'") as caught:
        Ticket.from_dict(broken)
    assert caught.value.path == "history[2].channel"
    broken = copy.deepcopy(document)
    broken["status"] = "open"
    with pytest.raises(SchemaError, match="history gives 'closed'") as caught:
        Ticket.from_dict(broken)
    assert caught.value.path == "status"
    broken = copy.deepcopy(document)
    del broken["history"][4]  # without the reopen, a priority change on a solved ticket
    with pytest.raises(SchemaError, match="cannot change_priority ticket T-42") as caught:
        Ticket.from_dict(broken)
    assert caught.value.path == "history[5]"
    broken = copy.deepcopy(document)
    broken["history"] = broken["history"][1:]
    with pytest.raises(SchemaError, match="starts with ticket_opened") as caught:
        Ticket.from_dict(broken)
    assert caught.value.path == "history[0].event"
    with pytest.raises(SchemaError, match="at least one event"):
        Ticket.from_dict({**document, "history": []})
    with pytest.raises(SchemaVersionError):
        Ticket.from_dict({**document, "schema": 3})
    with pytest.raises(SchemaError, match="expected 'ticket'"):
        Ticket.from_dict({**document, "type": "incident"})


# --- extension points for SLA and escalation -----------------------------------------


class FakeSLAState:
    """A test double of the SLA state: records what it observes, one fixed deadline."""

    def __init__(self, ticket: Ticket, deadline_us: int | None) -> None:
        self.opened_version = ticket.version
        self.seen: list[str] = []
        self.deadline_us = deadline_us

    def observe(self, ticket: Ticket, event: Event) -> None:
        assert ticket.history[-1] is event
        self.seen.append(event.name)

    def next_deadline_us(self) -> int | None:
        return self.deadline_us

    def due_events(self, at: int) -> list[Event]:
        return []  # this double never falls due

    def to_dict(self) -> dict[str, object]:
        return {"seen": list(self.seen)}

    def verify(self, data: object, path: str) -> None:
        assert data == self.to_dict(), path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FakeSLAState) and vars(self) == vars(other)


@attrs.frozen
class FakeSLA:
    deadline: pendulum.DateTime | None

    def attach(self, ticket: Ticket) -> FakeSLAState:
        due = None if self.deadline is None else int(self.deadline.timestamp() * 1_000_000)
        return FakeSLAState(ticket, due)


@attrs.frozen
class FakeEscalation:
    due_us: int | None

    def next_due_us(self, ticket: Ticket, before: int | None = None) -> int | None:
        return self.due_us

    def apply(self, ticket: Ticket, *, at: object | None = None) -> tuple[Event, ...]:
        return ()  # this double never escalates

    def apply_us(self, ticket: Ticket, now_us: int) -> tuple[Event, ...]:
        return ()

    def missed_us(self, ticket: Ticket, now_us: int) -> int | None:
        return None


@attrs.frozen(kw_only=True)
class FakeTierRaised(Event):
    """A foreign event that tries to change the ticket itself (events carry no behaviour)."""

    name: ClassVar[str] = "fake_tier_raised"
    to_tier: int

    def apply_to(self, ticket: Ticket) -> None:
        ticket._tier = self.to_tier  # pragma: no cover - never called: the ticket refuses it


def test_the_sla_attaches_after_opening_and_observes_every_later_event() -> None:
    sla = FakeSLA(at(240))
    ticket = new_ticket(sla=sla)
    state = ticket.sla
    assert isinstance(state, FakeSLAState)
    assert state.opened_version == 1
    ticket.assign("ana", at=at(1))
    ticket.reply("ana", "hi", at=at(2))
    assert state.seen == ["ticket_assigned", "ticket_replied"]
    assert ticket.next_deadline() == at(240)
    assert Ticket.replay(ticket.history, sla=sla) == ticket
    assert Ticket.replay(ticket.history) != ticket


def test_next_deadline_is_the_earliest_of_auto_close_sla_and_escalation() -> None:
    ticket = new_ticket(
        sla=FakeSLA(at(10_000)), escalation=FakeEscalation(at(20_000).int_timestamp * 1_000_000)
    )
    assert ticket.next_deadline() == at(10_000)
    ticket.assign("ana", at=at(1))
    ticket.solve("done", at=at(2))
    assert ticket.next_deadline() == at(2).add(days=4)
    only_escalation = new_ticket(escalation=FakeEscalation(at(50).int_timestamp * 1_000_000))
    assert only_escalation.next_deadline() == at(50)
    assert only_escalation.escalation_policy == FakeEscalation(at(50).int_timestamp * 1_000_000)
    assert new_ticket(sla=FakeSLA(None)).next_deadline() is None


def test_an_event_of_no_ticket_handler_is_refused_and_changes_nothing() -> None:
    # Events are plain data: a ticket records only the event types it has an evolve
    # step for, and nothing else can change it.
    ticket = new_ticket(sla=FakeSLA(None))

    @attrs.frozen(kw_only=True)
    class Stranger(Event):
        name: ClassVar[str] = "stranger"

    before = copy.deepcopy(ticket)
    for foreign in (
        Stranger(at_us=ticket.created_at_us),
        FakeTierRaised(at_us=ticket.created_at_us, to_tier=3),
    ):
        with pytest.raises(InvalidArgument, match="is not an event a ticket records"):
            ticket._apply(foreign)
        assert ticket == before
        assert ticket.version == 1
    with pytest.raises(InvalidArgument, match="not an event a ticket records"):
        Ticket.replay([*ticket.history, Stranger(at_us=ticket.created_at_us)])


def test_sla_and_escalation_must_offer_their_hooks() -> None:
    with pytest.raises(InvalidType, match="attach"):
        new_ticket(sla=object())
    with pytest.raises(InvalidType, match="next_due_us"):
        new_ticket(escalation=object())


def test_a_follow_up_keeps_the_sla_and_escalation_configuration() -> None:
    sla = FakeSLA(at(5000))
    ticket = new_ticket(sla=sla, escalation=FakeEscalation(None))
    ticket.assign("ana", at=at(1))
    ticket.solve("done", at=at(2))
    ticket.confirm(at=at(3))
    follow = ticket.follow_up("T-43", body="again", at=at(10))
    assert isinstance(follow.sla, FakeSLAState)
    assert follow.escalation_policy == FakeEscalation(None)


def test_replies_record_the_event_fields() -> None:
    ticket = new_ticket()
    ticket.reply("ana", "hello", channel=Channel.LIVE_CHAT, at=at(1))
    event = ticket.history[-1]
    assert isinstance(event, TicketReplied)
    assert (event.author, event.body, event.channel, event.template) == (
        "ana",
        "hello",
        Channel.LIVE_CHAT,
        None,
    )
    assert event.at == at(1)


def test_the_simulators_micros_instants_record_what_datetimes_record() -> None:
    # The simulator passes private Micros instants (no datetime per instant): every
    # command takes them as the same instant, with the same checks.
    def drive(when: Any) -> Ticket:
        ticket = new_ticket(sla=HOUR_SLA, escalation=LATE_REPLY, at=when(0))
        ticket.assign("ann", at=when(5))
        ticket.evaluate(at=when(90))
        ticket.reply("ann", "On it", at=when(95))
        ticket.solve("Fixed", at=when(95))
        return ticket

    plain = drive(at)
    micros = drive(lambda minutes: Micros(instant_us(at(minutes))))
    assert micros.history == plain.history
    assert micros == plain
    assert [event.name for event in plain.history].count("ticket_manager_notified") == 1
    assert at_us(Micros(instant_us(T0))) == instant_us(T0)
    with pytest.raises(InvalidArgument, match="earlier than the latest event"):
        micros.confirm(at=Micros(instant_us(at(94))))  # type: ignore[arg-type]
    assert micros == plain
