"""Ticket behaviour that the mutation run of ``_tickets/_ticket.py`` (docs/quality.md)
found untested: cycles and reassignments, the checks of each event, commands' errors,
the next deadline and the document a ticket writes and reads.

Hand-computed expectations from a Monday, 2026-03-02 09:00 UTC.
"""

from __future__ import annotations

import datetime as dt
import linecache
from datetime import timedelta
from typing import Any

import attrs
import pendulum
import pytest

from supportflow import (
    BusinessCalendar,
    Channel,
    EscalationPolicy,
    EscalationPolicyVersions,
    EscalationRule,
    InvalidArgument,
    InvalidTransition,
    InvalidType,
    Message,
    MessageKind,
    Metric,
    NotifyManager,
    Priority,
    RaisePriority,
    SchemaError,
    SLAPolicy,
    SLAPolicySet,
    SLAPolicyVersions,
    SupportflowError,
    Ticket,
    TicketClosed,
    TicketStatus,
    Tier,
    TierLadder,
    Topic,
    WhenOlderThan,
)
from supportflow._tickets._ticket import _evaluating
from supportflow.escalation import EscalationVersionMode
from supportflow.events import (
    EscalationVersionApplied,
    Event,
    SLABreached,
    SLAVersionApplied,
    TicketAssigned,
    TicketCustomerMessaged,
    TicketDeEscalated,
    TicketEscalated,
    TicketEscalationRequested,
    TicketLinked,
    TicketManagerNotified,
    TicketNoteAdded,
    TicketPriorityChanged,
    TicketPriorityRaised,
    TicketReplied,
    TicketSolved,
    TicketStatusChanged,
    TicketTagged,
    TicketUntagged,
)
from supportflow.sla import SLAVersionMode

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")
US_MIN = 60_000_000


def at(minutes: int) -> pendulum.DateTime:
    return T0.add(minutes=minutes)


def us(minutes: int) -> int:
    return int(T0.timestamp()) * 1_000_000 + minutes * US_MIN


def opened(**overrides: Any) -> Ticket:
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


def solved(minutes: int = 30) -> Ticket:
    ticket = opened()
    ticket.assign("ana", at=at(1))
    ticket.reply("ana", "Please clean the roller.", at=at(5))
    ticket.solve("roller cleaned", at=at(minutes))
    return ticket


def test_a_reopened_ticket_starts_a_new_cycle_at_the_customer_message() -> None:
    """Each reopen adds a cycle starting at the customer's message, oldest first."""
    ticket = solved()
    assert ticket.cycle_starts == (0,)
    assert ticket.reopens_us == ()
    ticket.customer_message("Still jams.", at=at(60))
    first = len(ticket.history) - 1
    ticket.solve("new roller", at=at(90))
    ticket.customer_message("Jams again.", at=at(120))
    second = len(ticket.history) - 1
    assert ticket.cycle_starts == (0, first, second)
    assert ticket.reopens == 2
    assert ticket.reopens_us == (us(60), us(120))


def document() -> dict[str, Any]:
    ticket = opened(tags=["vip"], tier=1, team="l1")
    ticket.assign("ana", at=at(1))
    return ticket.to_dict()


@pytest.mark.parametrize(
    ("key", "stored", "message"),
    [
        ("id", "T-1", "says 'T-1' but the history gives 'T-42'"),
        ("customer_id", "C-1", "says 'C-1' but the history gives 'C-7'"),
        ("status", "open", "says 'open' but the history gives 'new'"),
        ("priority", "high", "says 'high' but the history gives 'normal'"),
        ("assignee", "bob", "says 'bob' but the history gives 'ana'"),
        ("assignee", None, "says None but the history gives 'ana'"),
        ("team", "l2", "says 'l2' but the history gives 'l1'"),
        ("tier", 2, "says 2 but the history gives 1"),
        ("tier", True, "expected an integer, got bool"),
        ("tags", ["vip", "vip"], "says ['vip', 'vip'] but the history gives ['vip']"),
        (
            "created_at",
            "2026-03-02T09:05:00.000000Z",
            "says '2026-03-02T09:05:00.000000Z' but the history gives "
            "'2026-03-02T09:00:00.000000Z'",
        ),
        (
            "updated_at",
            "2026-03-02T09:00:00.000000Z",
            "says '2026-03-02T09:00:00.000000Z' but the history gives "
            "'2026-03-02T09:01:00.000000Z'",
        ),
        ("version", 5, "says 5 but the history gives 2"),
        ("version", 2.0, "expected an integer, got float"),
    ],
)
def test_a_document_whose_snapshot_disagrees_with_its_history_does_not_load(
    key: str, stored: object, message: str
) -> None:
    """Each snapshot field is checked against the replayed history, at its own path."""
    data = document()
    data[key] = stored
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(data)
    assert caught.value.path == key
    assert message in str(caught.value)


def test_snapshot_instants_written_another_way_still_agree() -> None:
    """An instant compares as an instant, whatever offset or precision wrote it."""
    data = document()
    data["created_at"] = "2026-03-02T10:00:00+01:00"
    data["updated_at"] = "2026-03-02T09:01:00Z"
    assert Ticket.from_dict(data).created_at_us == us(0)


# -- the command wrapper ---------------------------------------------------------------
#
# Ticket's commands are wrapped once, when the class is defined, which is when the
# module is imported (for mutmut, before a mutant is switched on: docs/quality.md).
# These tests define a host's ticket class with commands of its own inside the test, so
# the wrapper's code runs there.

FAST = SLAPolicySet([SLAPolicy("fast", {"first_reply": {"normal": timedelta(minutes=10)}})])


def desk_class() -> Any:
    """A host's ticket class with two commands of its own, in the two shapes commands
    take, defined (and so wrapped) when called."""

    class Desk(Ticket):
        __slots__ = ()

        @_evaluating
        def nudge(
            self, who: str, *labels: str, note: str = "hi", at: dt.datetime | None = None
        ) -> tuple[str, tuple[str, ...], str]:
            """Leave a note; ``nobody`` is refused after the note is recorded."""
            self._apply(TicketNoteAdded(author=who, body=note, at_us=self._when(at)))
            if who == "nobody":
                raise InvalidArgument("nobody may nudge")
            return who, labels, note

        @_evaluating
        def settle(
            self, resolution: str, *, actor: str | None = None, at: dt.datetime | None = None
        ) -> str | None:
            """Leave the resolution as a note by ``actor``."""
            author = actor or "desk"
            self._apply(TicketNoteAdded(author=author, body=resolution, at_us=self._when(at)))
            return actor

    return Desk


def desk(sla: SLAPolicySet | None = None) -> Any:
    return desk_class().open(
        "T-1",
        customer_id="C-7",
        subject="Printer",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        at=T0,
        sla=sla,
    )


def test_a_host_command_passes_its_arguments_and_defaults_through() -> None:
    """A wrapped command takes its arguments as declared, defaults included."""
    ticket = desk()
    assert ticket.nudge("ana", "a", "b", at=at(1)) == ("ana", ("a", "b"), "hi")
    assert ticket.nudge("bo", note="later", at=at(2)) == ("bo", (), "later")
    assert ticket.settle("done", at=at(3)) is None
    assert ticket.settle("done", actor="cy", at=at(4)) == "cy"
    assert [e.author for e in ticket.history[1:]] == ["ana", "bo", "desk", "cy"]
    with pytest.raises(TypeError, match=r"Desk\.settle\(\) takes 2 positional"):
        ticket.settle("done", "cy")  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"Desk\.nudge\(\) missing 1 required"):
        ticket.nudge()  # type: ignore[call-arg]


def test_a_host_command_records_what_fell_due_before_it_first() -> None:
    """With SLA clocks, the warnings and breaches due by the command come before its
    own event, and the command's instant is left as it was given."""
    ticket = desk(FAST)
    assert ticket.nudge("ana", at=at(20)) == ("ana", (), "hi")
    names = [event.name for event in ticket.history]
    assert names[0] == "ticket_opened"
    assert names[-2:] == ["sla_breached", "ticket_note_added"]
    assert ticket.history[-2].at_us == us(10)
    assert ticket.history[-1].at_us == us(20)
    assert ticket._known == (None, 0)


def test_a_failing_host_command_takes_back_its_catch_up_too() -> None:
    """A command that fails after recording leaves the history as it was before it,
    what fell due before it included; the next command records that again."""
    ticket = desk(FAST)
    before = ticket.history
    with pytest.raises(InvalidArgument, match="nobody may nudge"):
        ticket.nudge("nobody", at=at(20))
    assert ticket.history == before
    assert ticket._known == (None, 0)
    ticket.settle("ok", at=at(20))
    assert [event.name for event in ticket.history[-2:]] == ["sla_breached", "ticket_note_added"]


def test_a_host_command_without_clocks_runs_as_written() -> None:
    """Without SLA or escalation there is nothing to catch up: the command runs alone,
    and a failure is the command's own to undo."""
    ticket = desk()
    with pytest.raises(InvalidArgument):
        ticket.nudge("nobody", at=at(1))
    assert [event.name for event in ticket.history] == ["ticket_opened", "ticket_note_added"]


def test_a_host_command_keeps_its_name_and_shows_its_source_in_tracebacks() -> None:
    """The generated wrapper is named as the command and its source is registered, so
    a traceback through it shows the line."""
    Desk = desk_class()
    assert Desk.nudge.__name__ == "nudge"
    assert Desk.nudge.__qualname__ == "desk_class.<locals>.Desk.nudge"
    assert Desk.nudge.__doc__ == "Leave a note; ``nobody`` is refused after the note is recorded."
    filename = "<supportflow command desk_class.<locals>.Desk.nudge>"
    assert linecache.getline(filename, 1) == "def nudge(self, who, *labels, note=_d3, at=_d4):\n"
    assert linecache.getline(filename, 4) == "    at, mark = _enter(self, at)\n"
    settle = "<supportflow command desk_class.<locals>.Desk.settle>"
    assert linecache.getline(settle, 1) == "def settle(self, resolution, *, actor=_d2, at=_d3):\n"


def _no_self(this: Ticket, *, at: dt.datetime | None = None) -> None: ...


def _at_not_last(self: Ticket, at: dt.datetime | None = None, *, why: str = "") -> None: ...


def _no_at(self: Ticket, body: str) -> None: ...


def _keywords(self: Ticket, *, at: dt.datetime | None = None, **more: object) -> None: ...


@pytest.mark.parametrize("command", [_no_self, _at_not_last, _no_at, _keywords])
def test_only_a_command_shaped_function_is_wrapped(command: Any) -> None:
    """A command is (self, ..., *, at=None): anything else is refused by name."""
    with pytest.raises(TypeError) as caught:
        _evaluating(command)
    assert str(caught.value) == f"{command.__qualname__}: a command is (self, ..., *, at=None)"


# -- what a replay refuses: events the commands could not have recorded ----------------

LATER = us(2)


def history(**overrides: Any) -> list[Event]:
    """Opened in tier 1 with team l1 and the tag vip, then assigned to ana and linked
    to T-7."""
    ticket = opened(tags=["vip"], tier=1, team="l1", **overrides)
    ticket.assign("ana", at=at(1))
    ticket.link("T-7", at=at(1))
    return list(ticket.history)


def escalated(**fields: Any) -> TicketEscalated:
    values: dict[str, Any] = {
        "from_tier": 1,
        "from_team": "l1",
        "to_tier": 2,
        "to_team": "l2",
        "reason": "stuck",
        "actor": "bo",
        "at_us": LATER,
    }
    return TicketEscalated(**{**values, **fields})


def de_escalated(**fields: Any) -> TicketDeEscalated:
    values: dict[str, Any] = {
        "from_tier": 1,
        "from_team": "l1",
        "to_tier": 0,
        "to_team": "l0",
        "reason": "simple after all",
        "actor": "bo",
        "at_us": LATER,
    }
    return TicketDeEscalated(**{**values, **fields})


def notified(**fields: Any) -> TicketManagerNotified:
    values: dict[str, Any] = {"role": "lead", "reason": "angry", "at_us": LATER}
    return TicketManagerNotified(**{**values, **fields})


def raised(**fields: Any) -> TicketPriorityRaised:
    values: dict[str, Any] = {
        "from_priority": Priority.NORMAL,
        "to_priority": Priority.HIGH,
        "reason": "slow",
        "rule": "faster",
        "at_us": LATER,
    }
    return TicketPriorityRaised(**{**values, **fields})


NOT_A_WORD = "must be a non-empty string, got ''"
NEW, OPEN, PENDING, ON_HOLD = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.PENDING,
    TicketStatus.ON_HOLD,
)


@pytest.mark.parametrize(
    ("event", "field", "message"),
    [
        pytest.param(
            TicketUntagged(tags=frozenset({"gold"}), at_us=LATER),
            "tags",
            "ticket T-42 does not have the tags ['gold']",
            id="untag a tag it lacks",
        ),
        pytest.param(
            TicketUntagged(tags=frozenset({"vip", "gold", "new"}), at_us=LATER),
            "tags",
            "ticket T-42 does not have the tags ['gold', 'new']",
            id="untag tags it partly lacks",
        ),
        pytest.param(
            TicketUntagged(tags=frozenset(), at_us=LATER),
            "tags",
            "untag needs at least one tag",
            id="untag nothing",
        ),
        pytest.param(
            escalated(to_tier=None), "to_tier", "ticket_escalated needs a to_tier", id="no tier"
        ),
        pytest.param(
            escalated(from_tier=2),
            "from_tier",
            "ticket_escalated from tier 2 but ticket T-42 is in tier 1",
            id="from another tier",
        ),
        pytest.param(
            escalated(from_tier=True),
            "from_tier",
            "ticket_escalated from tier True but ticket T-42 is in tier 1",
            id="from a boolean tier",
        ),
        pytest.param(
            escalated(from_team="l9"),
            "from_team",
            "ticket_escalated from team 'l9' but ticket T-42 is with 'l1'",
            id="from another team",
        ),
        pytest.param(
            escalated(to_tier="2"),
            "to_tier",
            "to_tier must be an int from 0 to 50 or None, got '2'",
            id="to a text tier",
        ),
        pytest.param(escalated(to_team=""), "to_team", f"to_team {NOT_A_WORD}", id="no team"),
        pytest.param(escalated(reason=""), "reason", f"reason {NOT_A_WORD}", id="no reason"),
        pytest.param(escalated(rule=""), "rule", f"rule {NOT_A_WORD}", id="empty rule"),
        pytest.param(
            escalated(to_tier=0, to_team="l0"),
            "to_tier",
            "escalated from tier 1 to tier 0 ('l0'): an escalation moves up or to another team",
            id="escalated down",
        ),
        pytest.param(
            escalated(to_tier=1, to_team="l1"),
            "to_tier",
            "escalated from tier 1 to tier 1 ('l1'): an escalation moves up or to another team",
            id="escalated nowhere",
        ),
        pytest.param(
            de_escalated(to_tier=1, to_team="l1b"),
            "to_tier",
            "de_escalated from tier 1 to tier 1: de-escalation goes down",
            id="de-escalated sideways",
        ),
        pytest.param(
            de_escalated(to_tier=2, to_team="l2"),
            "to_tier",
            "de_escalated from tier 1 to tier 2: de-escalation goes down",
            id="de-escalated up",
        ),
        pytest.param(
            TicketEscalationRequested(reason="", at_us=LATER),
            "reason",
            f"reason {NOT_A_WORD}",
            id="a request without reason",
        ),
        pytest.param(
            TicketEscalationRequested(reason="now", channel="sms", at_us=LATER),
            "channel",
            "channel must be one of phone",
            id="a request on a text channel",
        ),
        pytest.param(notified(role=""), "role", f"role {NOT_A_WORD}", id="no manager role"),
        pytest.param(notified(reason=""), "reason", f"reason {NOT_A_WORD}", id="no alert reason"),
        pytest.param(notified(actor=""), "actor", f"actor {NOT_A_WORD}", id="empty actor"),
        pytest.param(notified(rule=""), "rule", f"rule {NOT_A_WORD}", id="empty alert rule"),
        pytest.param(
            notified(rule="angry customers"),
            "rule",
            "ticket_manager_notified by rule 'angry customers', but ticket T-42 has no "
            "escalation policy; load it with the policy it was opened with (escalation=)",
            id="a rule without a policy",
        ),
        pytest.param(
            raised(from_priority=Priority.HIGH, to_priority=Priority.URGENT),
            "from_priority",
            "ticket_priority_raised from high but ticket T-42 has priority normal",
            id="raised from another priority",
        ),
        pytest.param(
            raised(to_priority=Priority.NORMAL),
            "to_priority",
            "ticket T-42 already has priority normal",
            id="raised to the same priority",
        ),
        pytest.param(raised(reason=""), "reason", f"reason {NOT_A_WORD}", id="raised, no reason"),
        pytest.param(raised(rule=""), "rule", f"rule {NOT_A_WORD}", id="raised, no rule"),
        pytest.param(
            raised(),
            "rule",
            "ticket_priority_raised by rule 'faster', but ticket T-42 has no escalation policy",
            id="raised without a policy",
        ),
        pytest.param(
            EscalationVersionApplied(
                version="v2", mode=EscalationVersionMode.FROM_NOW, at_us=LATER
            ),
            "event",
            "ticket T-42 has no escalation policy, so it records no "
            "escalation_version_applied; load it with the EscalationPolicyVersions it was "
            "written with (escalation=)",
            id="an escalation version without a policy",
        ),
        pytest.param(
            EscalationVersionApplied(version="v2", mode="from_now", at_us=LATER),
            "mode",
            "mode must be one of opened, from_now, got 'from_now'",
            id="an escalation version's text mode",
        ),
        pytest.param(
            EscalationVersionApplied(version="", mode=EscalationVersionMode.FROM_NOW, at_us=LATER),
            "version",
            f"version {NOT_A_WORD}",
            id="an escalation version without a name",
        ),
        pytest.param(
            SLAVersionApplied(version="v2", mode=SLAVersionMode.FROM_NOW, at_us=LATER),
            "event",
            "ticket T-42 has no SLA policies, so it records no sla_version_applied; load it "
            "with the SLAPolicyVersions it was written with (sla=)",
            id="an SLA version without policies",
        ),
        pytest.param(
            SLAVersionApplied(version="v2", mode="repair", at_us=LATER),
            "mode",
            "mode must be one of opened, from_now, repair, got 'repair'",
            id="an SLA version's text mode",
        ),
        pytest.param(
            SLAVersionApplied(version="", mode=SLAVersionMode.FROM_NOW, at_us=LATER),
            "version",
            f"version {NOT_A_WORD}",
            id="an SLA version without a name",
        ),
        pytest.param(
            TicketLinked(other_id="T-42", at_us=LATER),
            "other_id",
            "ticket T-42 cannot be linked to itself",
            id="linked to itself",
        ),
        pytest.param(
            TicketLinked(other_id="T-7", at_us=LATER),
            "other_id",
            "ticket T-42 is already linked to T-7",
            id="linked twice",
        ),
        pytest.param(
            TicketLinked(other_id="", at_us=LATER),
            "other_id",
            f"other_id {NOT_A_WORD}",
            id="linked to no id",
        ),
        pytest.param(
            TicketNoteAdded(author="", body="b", at_us=LATER),
            "author",
            f"author {NOT_A_WORD}",
            id="a note without author",
        ),
        pytest.param(
            TicketNoteAdded(author="ana", body="", at_us=LATER),
            "body",
            f"body {NOT_A_WORD}",
            id="an empty note",
        ),
        pytest.param(
            TicketTagged(tags=frozenset(), at_us=LATER),
            "tags",
            "tag needs at least one tag",
            id="tag nothing",
        ),
        pytest.param(
            TicketTagged(tags=frozenset({"vip", "new"}), at_us=LATER),
            "tags",
            "ticket T-42 already has the tags ['vip']",
            id="tag a tag it has",
        ),
        pytest.param(
            TicketStatusChanged(from_status=NEW, to_status=PENDING, trigger="wait", at_us=LATER),
            "trigger",
            "status_changed cannot carry the trigger 'wait' (it carries one of auto_close, "
            "confirm, put_on_hold, resume, set_pending)",
            id="an unknown status trigger",
        ),
        pytest.param(
            TicketStatusChanged(
                from_status=OPEN, to_status=PENDING, trigger="set_pending", at_us=LATER
            ),
            "from_status",
            "status_changed from open but ticket T-42 is new",
            id="a status change from elsewhere",
        ),
        pytest.param(
            TicketStatusChanged(
                from_status=NEW, to_status=ON_HOLD, trigger="set_pending", at_us=LATER
            ),
            "to_status",
            "status_changed to on_hold but set_pending leads to pending",
            id="a status change elsewhere",
        ),
        pytest.param(
            TicketPriorityChanged(
                from_priority=Priority.HIGH, to_priority=Priority.LOW, at_us=LATER
            ),
            "from_priority",
            "ticket_priority_changed from high but ticket T-42 has priority normal",
            id="a priority change from another",
        ),
        pytest.param(
            TicketPriorityChanged(
                from_priority=Priority.NORMAL, to_priority=Priority.NORMAL, at_us=LATER
            ),
            "to_priority",
            "ticket T-42 already has priority normal",
            id="a priority change to the same",
        ),
        pytest.param(
            TicketPriorityChanged(from_priority=Priority.NORMAL, to_priority="low", at_us=LATER),
            "to_priority",
            "to_priority must be one of low, normal, high, urgent, got 'low'",
            id="a priority change to a text",
        ),
        pytest.param(
            TicketPriorityChanged(
                from_priority=Priority.NORMAL, to_priority=Priority.LOW, reason="", at_us=LATER
            ),
            "reason",
            f"reason {NOT_A_WORD}",
            id="a priority change with an empty reason",
        ),
        pytest.param(
            TicketAssigned(agent="", at_us=LATER),
            "agent",
            f"agent {NOT_A_WORD}",
            id="assigned to no one",
        ),
        pytest.param(
            TicketAssigned(agent="bo", team="", at_us=LATER),
            "team",
            f"team {NOT_A_WORD}",
            id="assigned to an empty team",
        ),
        pytest.param(
            TicketAssigned(agent="bo", actor="", at_us=LATER),
            "actor",
            f"actor {NOT_A_WORD}",
            id="assigned by an empty actor",
        ),
        pytest.param(
            TicketAssigned(agent="bo", reason="", at_us=LATER),
            "reason",
            f"reason {NOT_A_WORD}",
            id="assigned for an empty reason",
        ),
        pytest.param(
            TicketAssigned(agent="ana", team="l1", at_us=LATER),
            "agent",
            "ticket T-42 is already assigned to 'ana'",
            id="assigned again",
        ),
        pytest.param(
            TicketCustomerMessaged(body="", channel=Channel.EMAIL, at_us=LATER),
            "body",
            f"body {NOT_A_WORD}",
            id="an empty customer message",
        ),
        pytest.param(
            TicketCustomerMessaged(body="b", channel="email", at_us=LATER),
            "channel",
            "channel must be one of phone, email",
            id="a customer message on a text channel",
        ),
        pytest.param(
            TicketReplied(author="", body="b", channel=Channel.EMAIL, at_us=LATER),
            "author",
            f"author {NOT_A_WORD}",
            id="a reply without author",
        ),
        pytest.param(
            TicketReplied(author="ana", body="", channel=Channel.EMAIL, at_us=LATER),
            "body",
            f"body {NOT_A_WORD}",
            id="an empty reply",
        ),
        pytest.param(
            TicketReplied(author="ana", body="b", channel="email", at_us=LATER),
            "channel",
            "channel must be one of phone, email",
            id="a reply on a text channel",
        ),
        pytest.param(
            TicketReplied(author="ana", body="b", channel=Channel.EMAIL, template="", at_us=LATER),
            "template",
            f"template {NOT_A_WORD}",
            id="a reply from an empty template",
        ),
        pytest.param(
            TicketReplied(
                author="ana", body="b", channel=Channel.SMS, template="thanks", at_us=LATER
            ),
            "channel",
            "a templated reply goes out on the ticket's channel (email)",
            id="a templated reply on another channel",
        ),
        pytest.param(
            TicketSolved(resolution="", at_us=LATER),
            "resolution",
            f"resolution {NOT_A_WORD}",
            id="solved without resolution",
        ),
        pytest.param(
            TicketSolved(resolution="done", actor="", at_us=LATER),
            "actor",
            f"actor {NOT_A_WORD}",
            id="solved by an empty actor",
        ),
    ],
)
def test_a_history_the_commands_could_not_record_does_not_replay(
    event: Event, field: str, message: str
) -> None:
    """Each event is checked against the ticket as it stands: the error names the field
    and says what is wrong, with the values involved."""
    with pytest.raises(SupportflowError) as caught:
        Ticket.replay([*history(), event])
    assert caught.value.field == field  # type: ignore[attr-defined]
    assert message in str(caught.value)


def test_an_escalation_sideways_to_another_team_of_the_tier_replays() -> None:
    """Within its tier a ticket may move to another team; only down is refused."""
    ticket = Ticket.replay([*history(), escalated(to_tier=1, to_team="l1b")])
    assert (ticket.tier, ticket.team) == (1, "l1b")
    assert ticket.status is TicketStatus.NEW


@pytest.mark.parametrize(
    ("event", "trigger"),
    [(escalated(), "escalate"), (de_escalated(), "de_escalate")],
)
def test_a_solved_ticket_refuses_a_tier_move_naming_it(event: Event, trigger: str) -> None:
    """Tier moves are for unsolved tickets; the refusal names the move that was tried."""
    events = history()
    events.append(TicketSolved(resolution="done", at_us=LATER))
    with pytest.raises(InvalidTransition) as caught:
        Ticket.replay([*events, event])
    assert caught.value.event == trigger
    assert str(caught.value).startswith(f"cannot {trigger} ticket T-42 in status 'solved'")


# -- documents with SLA clocks and escalation policies ---------------------------------

SLOW = SLAPolicySet([SLAPolicy("slow", {"first_reply": {"normal": timedelta(minutes=30)}})])


def clocked_document() -> dict[str, Any]:
    """Opened under FAST (first reply in 10 minutes), assigned at 09:20: its history holds
    the 50 % and 75 % warnings at 09:05 and 09:07:30 and the breach at 09:10."""
    ticket = desk(FAST)
    ticket.assign("ana", at=at(20))
    data = ticket.to_dict()
    assert [item["event"] for item in data["history"]] == [
        "ticket_opened",
        "sla_threshold_reached",
        "sla_threshold_reached",
        "sla_breached",
        "ticket_assigned",
    ]
    return data


def test_a_document_with_sla_clocks_needs_its_policies_to_load() -> None:
    """Loading without sla= would drop the clocks at the next save: refused at sla."""
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(clocked_document())
    assert caught.value.path == "sla"
    assert str(caught.value) == (
        "sla: this ticket was saved with SLA clocks; pass the SLA policies it was opened "
        "with: Ticket.from_dict(data, sla=policy_set)"
    )


def test_a_document_loaded_under_other_sla_policies_says_so_at_its_snapshot() -> None:
    """The warnings FAST recorded are not SLOW's: the error points at the stored clocks,
    not at the first warning that does not fit."""
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(clocked_document(), sla=SLOW)
    assert caught.value.path == "sla.matches"
    assert "differ from the ones the given SLA policy set produces" in str(caught.value)


def test_a_warning_stamped_off_its_instant_names_the_policies_to_load_with() -> None:
    """Under the right policies, an edited warning is refused where it stands, with the
    hint that the policies must be those it was written under."""
    data = clocked_document()
    data["history"][1]["at"] = "2026-03-02T09:04:00.000000Z"
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(data, sla=FAST)
    assert caught.value.path == "history[1]"
    assert str(caught.value).endswith(
        "but the SLA clocks reached it at 2026-03-02T09:05:00.000000Z; the SLA policies "
        "given must be those the ticket was written under (load it with the policies it "
        "was written with)"
    )
    data = clocked_document()
    data["history"][3]["at"] = "2026-03-02T09:11:00.000000Z"
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(data, sla=FAST)
    assert caught.value.path == "history[3]"
    assert str(caught.value).startswith("history[3]: sla_breached of first_reply")
    assert str(caught.value).endswith(
        "; the SLA policies given must be those the ticket was written under (load it "
        "with the policies it was written with)"
    )


@pytest.mark.parametrize("sla", [None, FAST])
def test_a_document_whose_opening_does_not_fit_is_refused_at_the_opening(
    sla: SLAPolicySet | None,
) -> None:
    """An opening the commands refuse is a SchemaError at its field, clocks or not."""
    data = clocked_document()
    data["history"][0]["subject"] = ""
    if sla is None:
        data = {**data, "history": data["history"][:1], "version": 1}
        del data["sla"]
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(data, sla=sla)
    assert caught.value.path == "history[0].subject"
    assert str(caught.value).endswith("subject must be a non-empty string, got ''")


def test_a_document_of_a_ticket_with_clocks_stores_its_snapshot() -> None:
    """Given policies, a document without its clock snapshot is refused at sla."""
    data = clocked_document()
    del data["sla"]
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(data, sla=FAST)
    assert caught.value.path == "sla"
    assert str(caught.value) == (
        "sla: missing: a ticket with SLA policies stores its clock snapshot here"
    )


# -- versions of the SLA policies and the escalation policy ----------------------------

H = timedelta(hours=1)
ALWAYS = BusinessCalendar.always_open()
SLA_A = SLAPolicySet([SLAPolicy("a", {"first_reply": {"normal": 2 * H}})], version="a1")
SLA_B = SLAPolicySet([SLAPolicy("b", {"first_reply": {"normal": 3 * H}})], version="b1")
SLA_VERSIONS = SLAPolicyVersions([SLA_A, SLA_B], current="a1")
ESC_1 = EscalationPolicy(
    [EscalationRule("old", WhenOlderThan(H, ALWAYS), NotifyManager("lead"))], version="e1"
)
ESC_2 = EscalationPolicy(
    [EscalationRule("old", WhenOlderThan(2 * H, ALWAYS), NotifyManager("lead"))], version="e2"
)
ESC_VERSIONS = EscalationPolicyVersions([ESC_1, ESC_2], current="e1")


def versioned(**config: Any) -> Ticket:
    return Ticket.open(
        "T-9",
        customer_id="C-1",
        subject="Invoice",
        topic="billing",
        channel="email",
        at=T0,
        **config,
    )


def test_the_opening_records_its_versions_once_right_after_it() -> None:
    """A second record of the version a ticket opened under is refused: only the
    opening writes one, in its place."""
    sla = versioned(sla=SLA_VERSIONS).history
    both = versioned(sla=SLA_VERSIONS, escalation=ESC_VERSIONS).history
    escalation = versioned(escalation=ESC_VERSIONS).history
    for events, config in [
        ([sla[0], sla[1], sla[1]], {"sla": SLA_VERSIONS}),
        ([*both, both[2]], {"sla": SLA_VERSIONS, "escalation": ESC_VERSIONS}),
        ([*escalation, escalation[1]], {"escalation": ESC_VERSIONS}),
    ]:
        with pytest.raises(InvalidArgument) as caught:
            Ticket.replay(events, **config)
        assert caught.value.field == "mode"
        assert str(caught.value).endswith(
            "with mode 'opened' comes right after the ticket's opening and names the "
            "version the ticket opened under"
        )


def test_the_opening_version_record_is_stamped_at_the_opening() -> None:
    data = versioned(sla=SLA_VERSIONS).to_dict()
    data["history"][1]["at"] = "2026-03-02T09:00:01.000000Z"
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(data, sla=SLA_VERSIONS)
    assert caught.value.path == "history[1].at"
    assert str(caught.value).endswith(
        "sla_version_applied with mode 'opened' is stamped at the opening instant"
    )


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("apply_sla_version", "SLA policy version 'a1' already applies to ticket T-9"),
        (
            "apply_escalation_version",
            "escalation policy version 'e1' already applies to ticket T-9",
        ),
    ],
)
def test_the_version_that_applies_is_refused_as_a_no_op(command: str, message: str) -> None:
    ticket = versioned(sla=SLA_VERSIONS, escalation=ESC_VERSIONS)
    apply = getattr(ticket, command)
    with pytest.raises(InvalidArgument) as caught:
        apply("a1" if "sla" in command else "e1", at=at(1))
    assert (caught.value.field, str(caught.value)) == ("version", message)
    with pytest.raises(InvalidArgument) as caught:
        apply("", at=at(1))
    assert (caught.value.field, str(caught.value)) == ("version", f"version {NOT_A_WORD}")
    assert len(ticket.history) == 3


@pytest.mark.parametrize(
    ("mode", "trigger"),
    [(SLAVersionMode.FROM_NOW, "apply_sla_version"), (SLAVersionMode.REPAIR, "repair_sla")],
)
def test_a_closed_ticket_refuses_an_sla_version_naming_the_command(
    mode: SLAVersionMode, trigger: str
) -> None:
    ticket = versioned(sla=SLA_VERSIONS)
    ticket.assign("ana", at=at(1))
    ticket.solve("credited", at=at(2))
    ticket.confirm(at=at(3))
    with pytest.raises(TicketClosed) as caught:
        Ticket.replay(
            [*ticket.history, SLAVersionApplied(version="b1", mode=mode, at_us=us(4))],
            sla=SLA_VERSIONS,
        )
    assert caught.value.event == trigger


def test_a_ticket_loaded_with_only_an_escalation_policy_follows_it() -> None:
    """Without SLA policies the opening still settles the escalation policy given."""
    policy = ESC_1
    ticket = versioned(escalation=policy)
    ticket.assign("ana", at=at(1))
    for loaded in (
        Ticket.from_dict(ticket.to_dict(), escalation=policy),
        Ticket.replay(ticket.history, escalation=policy),
    ):
        assert loaded.escalation_policy is policy
        assert loaded.next_deadline_us() == us(60)
        assert loaded == ticket


def test_repairing_the_sla_keeps_what_the_escalation_rules_recorded() -> None:
    """A repair replays the history, rule escalations included, under the repaired
    policies; the escalations stay as they were recorded."""
    ticket = versioned(sla=SLA_VERSIONS, escalation=ESC_VERSIONS)
    ticket.assign("ana", at=at(1))
    ticket.add_note("ana", "checking", at=at(61))
    assert [event.name for event in ticket.history][-2:] == [
        "ticket_manager_notified",
        "ticket_note_added",
    ]
    ticket.repair_sla("b1", at=at(62))
    assert ticket.history[-1].name == "sla_version_applied"
    assert ticket.sla is not None
    assert ticket.sla.policies is SLA_B
    assert ticket.next_deadline_us() == us(90)  # half of b's three hours


def test_a_ticket_is_opened_not_constructed() -> None:
    with pytest.raises(TypeError) as caught:
        Ticket()
    assert str(caught.value) == (
        "open a ticket with Ticket.open(...), or rebuild one with replay/from_dict"
    )


# -- tiers and ladders ----------------------------------------------------------------

LADDER = TierLadder(
    [Tier(0, "desk", ["front"]), Tier(1, "experts", ["back"]), Tier(2, "makers", ["lab"])]
)


def test_an_escalation_follows_the_ladder_of_the_ticket_s_policy() -> None:
    """Without a ladder given, the escalation policy's ladder names the next team."""
    policy = EscalationPolicy([], ladder=LADDER)
    ticket = versioned(escalation=policy, tier=0, team="front")
    event = ticket.escalate(reason="needs an expert", actor="bo", at=at(1))
    assert (event.to_tier, event.to_team) == (1, "back")
    with pytest.raises(InvalidType) as caught:
        ticket.escalate(reason="r", actor="bo", ladder="default", at=at(2))  # type: ignore[arg-type]
    assert str(caught.value) == "ladder must be a TierLadder, got 'default'"


def test_a_solved_ticket_refuses_a_de_escalation_by_name() -> None:
    ticket = solved()
    with pytest.raises(InvalidTransition) as caught:
        ticket.de_escalate(reason="r", actor="bo", at=at(40))
    assert caught.value.event == "de_escalate"


# -- a loaded command must come after what fell due before it ------------------------

OLD = EscalationPolicy([EscalationRule("old", WhenOlderThan(H, ALWAYS), NotifyManager("lead"))])


def late_document() -> dict[str, Any]:
    """FAST clocks and the OLD rule, assigned at 10:10: the warnings and breach of
    09:05-09:10 and the alert of 10:00 come before the assignment."""
    ticket = Ticket.open(
        "T-42",
        customer_id="C-7",
        subject="Printer",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        at=T0,
        sla=FAST,
        escalation=OLD,
    )
    ticket.assign("ana", at=at(70))
    data = ticket.to_dict()
    assert [item["event"] for item in data["history"]][3:] == [
        "sla_breached",
        "ticket_manager_notified",
        "ticket_assigned",
    ]
    return data


def without(data: dict[str, Any], *indexes: int) -> dict[str, Any]:
    history = [item for index, item in enumerate(data["history"]) if index not in indexes]
    return {**data, "history": history, "version": len(history)}


def test_a_loaded_command_before_which_a_warning_fell_due_unrecorded_is_refused() -> None:
    """The first warning missing is named (the clocks are asked before the rules)."""
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(without(late_document(), 1, 2, 3, 4), sla=FAST, escalation=OLD)
    assert caught.value.path == "history[1].at"
    assert str(caught.value).endswith(
        "sla_threshold_reached for first_reply fell due at 2026-03-02T09:05:00.000000Z, "
        "before this event, and is not recorded: every command records what fell due "
        "before it first"
    )


def test_a_loaded_command_before_which_a_rule_fell_due_unrecorded_is_refused() -> None:
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(without(late_document(), 4), sla=FAST, escalation=OLD)
    assert caught.value.path == "history[4].at"
    assert str(caught.value).endswith(
        "an escalation rule fell due at 2026-03-02T10:00:00.000000Z, before this event, "
        "and is not recorded: every command records what fell due before it first"
    )


def test_the_check_of_a_snapshot_written_under_other_policies_runs_on_every_python() -> None:
    """The SchemaError at sla above must not depend on descriptor chaining (Python 3.13
    no longer chains a classmethod wrapped in another)."""
    assert not isinstance(Ticket.__dict__["_snapshot_problem"].__func__, classmethod)


# -- follow-ups ------------------------------------------------------------------------


def closed_ticket() -> Ticket:
    ticket = opened(tags=["vip"], tier=2, team="l2", segment="gold", priority="high")
    ticket.assign("ana", at=at(1))
    ticket.solve("replaced the roller", at=at(2))
    ticket.confirm(at=at(3))
    return ticket


def test_a_follow_up_keeps_the_facts_of_the_closed_ticket() -> None:
    """Customer, topic, priority, tags, tier, team and segment carry over; the subject
    may change; the follow-up opens at the instant given."""
    follow = closed_ticket().follow_up(
        "T-43", body="It jams again.", subject="Jams again", at=at(9)
    )
    assert follow.created_at_us == us(9)
    assert (follow.subject, follow.follow_up_of) == ("Jams again", "T-42")
    assert (follow.tags, follow.tier, follow.team, follow.segment) == (
        frozenset({"vip"}),
        2,
        "l2",
        "gold",
    )
    assert follow.priority is Priority.HIGH
    assert follow.channel is Channel.EMAIL


def test_an_open_ticket_refuses_a_follow_up_saying_what_to_do_instead() -> None:
    ticket = opened()
    with pytest.raises(InvalidTransition) as caught:
        ticket.follow_up("T-43", body="again", at=at(1))
    error = caught.value
    assert (error.kind, error.object_id, error.state, error.event) == (
        "ticket",
        "T-42",
        "new",
        "follow_up",
    )
    assert "assign" in error.allowed
    assert str(error).startswith("cannot follow_up ticket T-42 in status 'new': allowed now: ")
    assert str(error).endswith(
        "; only a closed ticket gets a follow-up: add a customer_message to this one"
    )


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"new_ticket_id": ""}, "new_ticket_id", f"new_ticket_id {NOT_A_WORD}"),
        ({"body": ""}, "body", f"body {NOT_A_WORD}"),
        ({"subject": ""}, "subject", f"subject {NOT_A_WORD}"),
        ({"channel": "fax"}, "channel", "channel must be one of phone, email"),
    ],
)
def test_a_follow_up_checks_its_arguments(
    arguments: dict[str, Any], field: str, message: str
) -> None:
    values = {"new_ticket_id": "T-43", "body": "again", **arguments}
    with pytest.raises(SupportflowError) as caught:
        closed_ticket().follow_up(at=at(9), **values)
    assert caught.value.field == field  # type: ignore[attr-defined]
    assert str(caught.value).startswith(message)


def test_an_sla_warning_needs_the_policies_that_record_it() -> None:
    breach = SLABreached(at_us=us(10), metric=Metric.FIRST_REPLY, cycle=1, policy="fast")
    with pytest.raises(InvalidArgument) as caught:
        Ticket.replay([*history(), breach])
    assert caught.value.field == "event"
    assert str(caught.value) == (
        "ticket T-42 has no SLA policies, so it records no sla_breached; load it with the "
        "policies it was opened with (sla=)"
    )


def test_a_ticket_gives_templates_its_facts_and_only_those_it_has() -> None:
    """Placeholders without a value (no assignee, team or agent) are left out."""
    ticket = Ticket.replay(history())
    assert ticket.template_values("bo") == {
        "ticket.id": "T-42",
        "ticket.subject": "Printer jams on page 2",
        "ticket.customer_id": "C-7",
        "ticket.status": "new",
        "ticket.priority": "normal",
        "ticket.topic": "troubleshooting",
        "ticket.domain": "support",
        "ticket.channel": "email",
        "customer.id": "C-7",
        "ticket.assignee": "ana",
        "ticket.team": "l1",
        "agent.id": "bo",
    }
    bare = versioned()
    assert bare.template_values() == {
        "ticket.id": "T-9",
        "ticket.subject": "Invoice",
        "ticket.customer_id": "C-1",
        "ticket.status": "new",
        "ticket.priority": "normal",
        "ticket.topic": "billing",
        "ticket.domain": "service",
        "ticket.channel": "email",
        "customer.id": "C-1",
    }


def test_a_templated_reply_on_the_ticket_s_channel_replays() -> None:
    reply = TicketReplied(
        author="ana", body="Thanks!", channel=Channel.EMAIL, template="thanks", at_us=LATER
    )
    ticket = Ticket.replay([*history(), reply])
    assert ticket.status is TicketStatus.OPEN
    assert ticket.public_replies == 1


# -- the opening ---------------------------------------------------------------------

OPENING = opened(tags=["vip"], tier=1, team="l1").history[0]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"ticket_id": ""}, "ticket_id", f"ticket_id {NOT_A_WORD}"),
        ({"customer_id": ""}, "customer_id", f"customer_id {NOT_A_WORD}"),
        ({"topic": "billing"}, "topic", "topic must be one of billing, shipping"),
        ({"channel": "email"}, "channel", "channel must be one of phone, email"),
        ({"priority": "high"}, "priority", "priority must be one of low, normal, high, urgent"),
        ({"phase": "using"}, "phase", "phase must be one of learning, buying, using, churned"),
        ({"body": ""}, "body", f"body {NOT_A_WORD}"),
        ({"tags": ["vip"]}, "tags", "tags must be a set of tags, got ['vip']"),
        (
            {"tags": frozenset({""})},
            "tags",
            "a tag must be a non-empty word without spaces, got ''",
        ),
        ({"tags": frozenset({5})}, "tags", "a tag must be a non-empty word without spaces, got 5"),
        ({"team": ""}, "team", f"team {NOT_A_WORD}"),
        ({"segment": ""}, "segment", f"segment {NOT_A_WORD}"),
        ({"follow_up_of": ""}, "follow_up_of", f"follow_up_of {NOT_A_WORD}"),
        ({"follow_up_of": "T-42"}, "follow_up_of", "ticket T-42 cannot follow up itself"),
        (
            {"follow_up_of": "T-1", "body": None},
            "body",
            "a follow-up opens with the customer's message (Ticket.follow_up needs a body)",
        ),
        (
            {"auto_close_after_us": -1},
            "auto_close_after_us",
            "auto_close_after_us must be an int of microseconds from 0 to 100 years, got -1",
        ),
        ({"tier": 51}, "tier", "tier must be an int from 0 to 50 or None, got 51"),
        ({"tier": True}, "tier", "tier must be an int from 0 to 50 or None, got True"),
    ],
)
def test_an_opening_the_commands_could_not_record_does_not_replay(
    fields: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(SupportflowError) as caught:
        Ticket.replay([attrs.evolve(OPENING, **fields)])
    assert caught.value.field == field  # type: ignore[attr-defined]
    assert str(caught.value).startswith(message)


def test_the_top_tier_is_a_tier() -> None:
    """Tiers run from 0 to 50, both included."""
    assert Ticket.replay([attrs.evolve(OPENING, tier=50)]).tier == 50
    assert opened(tier=50).tier == 50


def test_a_ticket_opens_once() -> None:
    with pytest.raises(InvalidArgument) as caught:
        Ticket.replay([OPENING, OPENING])
    assert caught.value.field == "event"
    assert str(caught.value) == "ticket T-42 was already opened"


def test_a_ticket_records_only_its_own_events() -> None:
    with pytest.raises(InvalidArgument) as caught:
        Ticket.replay(
            [
                OPENING,
                Message(kind=MessageKind.NOTE, author="ana", body="hi", channel=None, at_us=LATER),
            ]
        )
    assert caught.value.field == "event"
    assert str(caught.value) == "Message is not an event a ticket records"


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"channel": "fax"}, "channel", "channel must be one of phone, email"),
        ({"priority": "top"}, "priority", "priority must be one of low, normal, high, urgent"),
        ({"topic": "x"}, "topic", "topic must be one of billing, shipping"),
        ({"phase": "x"}, "phase", "phase must be one of learning, buying, using, churned"),
    ],
)
def test_opening_a_ticket_checks_its_named_values(
    arguments: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(SupportflowError) as caught:
        opened(**arguments)
    assert caught.value.field == field  # type: ignore[attr-defined]
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"sla": "strict"}, "sla must be an SLAPolicySet (with attach()), got 'strict'"),
        (
            {"escalation": "strict"},
            "escalation must be an EscalationPolicy (with next_due_us()) or "
            "EscalationPolicyVersions, got 'strict'",
        ),
    ],
)
def test_a_ticket_opens_only_under_policies(config: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidType) as caught:
        opened(**config)
    assert str(caught.value) == message


RAISE = EscalationPolicy(
    [EscalationRule("old", WhenOlderThan(H, ALWAYS), RaisePriority(to="high"))], ladder=LADDER
)


def test_a_rule_raising_the_priority_leaves_the_status_as_it_was() -> None:
    ticket = versioned(escalation=RAISE, tier=1, team="back")
    ticket.add_note("ana", "looking", at=at(61))
    assert [event.name for event in ticket.history] == [
        "ticket_opened",
        "ticket_priority_raised",
        "ticket_note_added",
    ]
    replayed = Ticket.replay(ticket.history, escalation=RAISE)
    for each in (ticket, replayed):
        assert each.priority is Priority.HIGH
        assert each.status is TicketStatus.NEW
    assert replayed == ticket


def test_a_replayed_de_escalation_stays_on_the_policy_s_ladder() -> None:
    """The policy's ladder has tiers 0-2: a ticket opened in tier 5 cannot have been
    handed down to tier 4 under it."""
    events = versioned(escalation=RAISE, tier=5, team="elsewhere").history
    down = TicketDeEscalated(
        from_tier=5, from_team="elsewhere", to_tier=4, to_team="t4", reason="r", at_us=LATER
    )
    with pytest.raises(InvalidArgument) as caught:
        Ticket.replay([*events, down], escalation=RAISE)
    assert caught.value.field == "to_tier"
    assert str(caught.value).startswith(
        "ticket_de_escalated to tier 4 is outside the escalation policy's ladder"
    )


class HostSLA:
    """A host's own SLA attachment: clocks, but no versions."""

    def attach(self, ticket: Ticket) -> Any:
        return FAST.attach(ticket)


class HostEscalation:
    """A host's own escalation policy (OLD's rules), without versions."""

    def next_due_us(self, ticket: Ticket, before: int | None = None) -> int | None:
        return OLD.next_due_us(ticket, before)

    def apply(self, ticket: Ticket, *, at: object | None = None) -> tuple[Event, ...]:
        return OLD.apply(ticket, at=at)

    def missed_us(self, ticket: Ticket, now_us: int) -> int | None:
        return OLD.missed_us(ticket, now_us)

    def apply_us(self, ticket: Ticket, now_us: int) -> tuple[Event, ...]:
        return OLD.apply_us(ticket, now_us)

    def _keeps_due(self, ticket: Ticket, sla: Any, due: int | None) -> bool:
        return False

    def _check_replayed(self, ticket: Ticket, event: Event) -> None:
        OLD._check_replayed(ticket, event)


@pytest.mark.parametrize(
    ("config", "event", "message"),
    [
        (
            {"sla": HostSLA()},
            SLAVersionApplied(version="v2", mode=SLAVersionMode.FROM_NOW, at_us=LATER),
            "ticket T-42 has no SLA policies, so it records no sla_version_applied",
        ),
        (
            {"escalation": HostEscalation()},
            EscalationVersionApplied(
                version="v2", mode=EscalationVersionMode.FROM_NOW, at_us=LATER
            ),
            "ticket T-42 has no escalation policy, so it records no escalation_version_applied",
        ),
    ],
)
def test_a_host_configuration_without_versions_records_no_version_change(
    config: dict[str, Any], event: Event, message: str
) -> None:
    """A host's own SLA attachment or escalation policy is its one edition: a version
    record in its history is refused."""
    ticket = opened(**config)
    with pytest.raises(InvalidArgument) as caught:
        Ticket.replay([*ticket.history, event], **config)
    assert caught.value.field == "event"
    assert str(caught.value).startswith(message)


def test_a_ticket_just_opened_has_no_resolution_and_was_never_solved_or_closed() -> None:
    for ticket in (opened(), Ticket.replay(opened().history), Ticket.from_dict(document())):
        assert ticket.resolution is None
        assert (ticket.solved_at_us, ticket.solved_at) == (None, None)
        assert (ticket.closed_at_us, ticket.closed_at) == (None, None)
        assert ticket.auto_close_at is None
        assert not ticket.first_contact_resolution


def test_every_event_of_a_ticket_just_opened_is_new() -> None:
    """A host stores what the opening recorded: from version 0, the opening (and its
    version record) included; a load starts with nothing new."""
    ticket = versioned(sla=SLA_VERSIONS)
    assert ticket.loaded_version == 0
    assert ticket.new_events == ticket.history
    assert [event.name for event in ticket.new_events] == ["ticket_opened", "sla_version_applied"]
    loaded = Ticket.from_dict(ticket.to_dict(), sla=SLA_VERSIONS)
    assert (loaded.loaded_version, loaded.new_events) == (2, ())


def test_a_command_without_an_instant_reads_the_clock_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The catch-up and the command run at the one instant read: a clock that moves a
    minute at every read stamps the note at the first reading."""
    readings = iter([at(20), at(21), at(22)])
    monkeypatch.setattr(pendulum, "now", lambda tz=None: next(readings))
    ticket = desk(FAST)
    ticket.settle("checked")
    assert [event.name for event in ticket.history][-2:] == ["sla_breached", "ticket_note_added"]
    assert ticket.history[-1].at_us == us(20)
