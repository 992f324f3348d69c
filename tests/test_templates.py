"""Response templates (macros): rendering, field actions, documents."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportflow import (
    InvalidArgument,
    InvalidTransition,
    InvalidType,
    MissingPlaceholders,
    Priority,
    ResponseTemplate,
    SchemaError,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    TicketClosed,
    TicketStatus,
)
from supportflow.events import SLABreached, TicketReplied

T0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")
CUSTOMER = {"customer": {"name": "Ada"}, "agent": {"name": "Grace"}}


def ticket() -> Ticket:
    ticket = Ticket.open(
        "T-42", customer_id="C-7", subject="Refund", topic="billing", channel="email", at=T0
    )
    ticket.assign("grace", at=T0.add(minutes=1))
    return ticket


def test_a_template_renders_ticket_customer_and_agent_fields() -> None:
    template = ResponseTemplate(
        "refund-done", "Hi {customer.name}, {ticket.id} ({ticket.subject}) - {agent.name}"
    )
    assert template.placeholders == ("customer.name", "ticket.id", "ticket.subject", "agent.name")
    text = template.render({"ticket.id": "T-1", "ticket": {"subject": "Refund"}, **CUSTOMER})
    assert text == "Hi Ada, T-1 (Refund) - Grace"


def test_a_missing_placeholder_lists_every_missing_name() -> None:
    template = ResponseTemplate("x", "{a.b} {customer.name} {c.d} {a.b}")
    with pytest.raises(MissingPlaceholders) as caught:
        template.render({"customer.name": "Ada", "c.d": None})
    assert caught.value.missing == ("a.b", "c.d")
    assert caught.value.template == "x"
    assert "a.b, c.d" in str(caught.value)
    assert isinstance(caught.value, InvalidArgument)
    assert template.missing({"customer.name": "Ada"}) == ("a.b", "c.d")


def test_braces_can_be_written_literally() -> None:
    assert ResponseTemplate("x", "{{not}} {a}").render({"a": 1}) == "{not} 1"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("{}", "bad placeholder"),
        ("{0}", "bad placeholder"),
        ("{a-b}", "bad placeholder"),
        ("{a:>10}", "no format spec"),
        ("{a!r}", "no format spec"),
        ("{a", "malformed"),
        ("", "non-empty"),
    ],
)
def test_a_malformed_template_is_refused_when_defined(body: str, match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        ResponseTemplate("bad", body)


def test_field_actions_are_checked_when_defined() -> None:
    with pytest.raises(InvalidArgument, match="set_status must be one of"):
        ResponseTemplate("x", "body", set_status="closed")
    with pytest.raises(InvalidArgument, match="set_status must be one of"):
        ResponseTemplate("x", "body", set_status="new")
    with pytest.raises(InvalidArgument, match="set_priority must be one of"):
        ResponseTemplate("x", "body", set_priority="asap")
    with pytest.raises(InvalidArgument, match="not the string"):
        ResponseTemplate("x", "body", add_tags="vip")


def test_applying_a_template_is_one_command_reply_and_field_actions() -> None:
    t = ticket()
    template = ResponseTemplate(
        "need-receipt",
        "Hi {customer.name}, please send the receipt for {ticket.id}. {agent.name}",
        set_status="pending",
        set_priority="high",
        add_tags=["receipt", "refund"],
    )
    t.apply_template(template, agent="grace", values=CUSTOMER, at=T0.add(minutes=5))
    assert t.status is TicketStatus.PENDING
    assert t.priority is Priority.HIGH
    assert t.tags == {"receipt", "refund"}
    reply = t.conversation[-1]
    assert reply.body == "Hi Ada, please send the receipt for T-42. Grace"
    assert reply.author == "grace"
    first = t.history[2]
    assert isinstance(first, TicketReplied)
    assert first.template == "need-receipt"
    assert [e.name for e in t.history[2:]] == [
        "ticket_replied",
        "ticket_priority_changed",
        "ticket_tagged",
        "ticket_status_changed",
    ]
    assert len({e.at_us for e in t.history[2:]}) == 1


def test_a_solving_template_records_the_resolution() -> None:
    t = ticket()
    template = ResponseTemplate("solved", "Done, {customer.name}.", set_status="solved")
    t.apply_template(template, agent="grace", values=CUSTOMER, at=T0.add(minutes=5))
    assert t.status is TicketStatus.SOLVED
    assert t.resolution == "solved"
    assert t.first_contact_resolution
    t2 = ticket()
    t2.apply_template(
        template, agent="grace", values=CUSTOMER, resolution="refund sent", at=T0.add(minutes=5)
    )
    assert t2.resolution == "refund sent"


def test_a_template_lowering_the_priority_records_the_breach_before_it_solves() -> None:
    # Resolution: 60 min at normal, 10 min at low. Lowered after 20 minutes, the clock
    # passes its warnings and its target on the spot; the solve that follows in the
    # same template stops a breached clock, and what fell due is recorded between the
    # two, as a load expects.
    policies = SLAPolicySet(
        [
            SLAPolicy(
                "p", {"resolution": {"normal": timedelta(hours=1), "low": timedelta(minutes=10)}}
            )
        ]
    )
    t = Ticket.open(
        "T-1",
        customer_id="C-7",
        subject="Refund",
        topic="billing",
        channel="email",
        sla=policies,
        at=T0,
    )
    t.assign("grace", at=T0)
    template = ResponseTemplate("done", "Done.", set_priority="low", set_status="solved")
    t.apply_template(template, agent="grace", at=T0.add(minutes=20))
    assert [e.name for e in t.history[2:]] == [
        "ticket_replied",
        "ticket_priority_changed",
        "sla_threshold_reached",  # 50 %
        "sla_threshold_reached",  # 75 %
        "sla_breached",
        "ticket_solved",
    ]
    breach = t.history[6]
    assert isinstance(breach, SLABreached)
    assert breach.at == T0.add(minutes=20)
    assert Ticket.from_dict(t.to_dict(), sla=policies).to_dict() == t.to_dict()


def test_ticket_values_fill_placeholders_and_host_values_win() -> None:
    t = ticket()
    template = ResponseTemplate("x", "{ticket.id} {ticket.assignee} {agent.id} {ticket.domain}")
    t.apply_template(template, agent="grace", at=T0.add(minutes=5))
    assert t.conversation[-1].body == "T-42 grace grace service"
    template = ResponseTemplate("y", "{ticket.subject}")
    t.apply_template(
        template, agent="grace", values={"ticket.subject": "Your refund"}, at=T0.add(minutes=6)
    )
    assert t.conversation[-1].body == "Your refund"


def refuses(t: Ticket, error: type[Exception], command: object) -> Exception:
    before = copy.deepcopy(t)
    with pytest.raises(error) as caught:
        command()  # type: ignore[operator]
    assert t == before
    return caught.value


def test_a_template_with_missing_values_changes_nothing() -> None:
    t = ticket()
    template = ResponseTemplate("x", "Hi {customer.name} {customer.plan}", set_status="solved")
    error = refuses(
        t,
        MissingPlaceholders,
        lambda: t.apply_template(template, agent="grace", values=CUSTOMER, at=T0.add(minutes=5)),
    )
    assert error.missing == ("customer.plan",)  # type: ignore[attr-defined]


def test_an_impossible_status_action_raises_and_changes_nothing() -> None:
    t = ticket()
    t.reply("grace", "hi", at=T0.add(minutes=2))
    t.solve("done", at=T0.add(minutes=3))
    reopen = ResponseTemplate("reopen", "Reopening", set_status="open")
    error = refuses(
        t, InvalidTransition, lambda: t.apply_template(reopen, agent="grace", at=T0.add(minutes=4))
    )
    assert error.event == "resume"  # type: ignore[attr-defined]
    unassigned = Ticket.open(
        "T-1", customer_id="C", subject="s", topic="billing", channel="sms", at=T0
    )
    solve = ResponseTemplate("solve", "Solved", set_status="solved")
    error = refuses(
        unassigned,
        InvalidTransition,
        lambda: unassigned.apply_template(solve, agent="grace", at=T0),
    )
    assert "needs an assignee" in str(error)
    t.confirm(at=T0.add(minutes=5))
    refuses(t, TicketClosed, lambda: t.apply_template(solve, agent="grace", at=T0.add(minutes=6)))
    refuses(t, InvalidType, lambda: ticket().apply_template("solve", agent="grace"))  # type: ignore[arg-type]


def test_a_template_survives_a_json_round_trip() -> None:
    template = ResponseTemplate(
        "x", "Hi {customer.name}", set_status="on_hold", set_priority="low", add_tags=["b", "a"]
    )
    document = template.to_dict()
    assert document["add_tags"] == ["a", "b"]
    assert ResponseTemplate.from_dict(json.loads(json.dumps(document))) == template
    with pytest.raises(SchemaError) as caught:
        ResponseTemplate.from_dict({**document, "set_status": "closed"})
    assert caught.value.path == ""
    with pytest.raises(SchemaError) as caught:
        ResponseTemplate.from_dict({**document, "add_tags": ["ok", 3]})
    assert caught.value.path == "add_tags[1]"


@given(
    names=st.lists(
        st.from_regex(r"[a-z]{1,5}\.[a-z]{1,5}", fullmatch=True), min_size=1, max_size=5
    ),
    given_count=st.integers(0, 5),
)
def test_render_reports_exactly_the_names_without_values(
    names: list[str], given_count: int
) -> None:
    template = ResponseTemplate("p", " ".join(f"{{{n}}}" for n in names))
    values = dict.fromkeys(names[:given_count], "v")
    missing = sorted(set(names) - set(values))
    if missing:
        with pytest.raises(MissingPlaceholders) as caught:
            template.render(values)
        assert list(caught.value.missing) == missing
    else:
        assert template.render(values) == " ".join("v" for _ in names)
