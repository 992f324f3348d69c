"""supportflow.testing: the public strategies produce valid objects that keep the library's
promises (round trips, replay, calendar arithmetic), as a host's property tests would use them."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from supportflow import Ticket
from supportflow.testing import (
    COMMANDS,
    Step,
    aware_datetimes,
    business_calendars,
    escalation_policies,
    lifecycles,
    play,
    sla_policy_sets,
    ticket_openings,
    tickets,
)


@given(aware_datetimes())
def test_aware_datetimes_are_aware(moment: object) -> None:
    assert moment.utcoffset() is not None  # type: ignore[attr-defined]


@given(tickets())
def test_a_host_store_round_trips_any_ticket(ticket: Ticket) -> None:
    document = json.loads(json.dumps(ticket.to_dict()))
    assert Ticket.from_dict(document) == ticket
    assert Ticket.replay(ticket.history) == ticket


@given(
    tickets(
        sla=st.none() | sla_policy_sets(max_policies=2),
        escalation=st.none() | escalation_policies(),
        max_steps=12,
    )
)
def test_tickets_with_policies_reload_with_the_same_policies(ticket: Ticket) -> None:
    sla = ticket.sla.policies if ticket.sla is not None else None  # type: ignore[attr-defined]
    escalation = ticket.escalation_policy
    document = json.loads(json.dumps(ticket.to_dict()))
    assert Ticket.from_dict(document, sla=sla, escalation=escalation) == ticket


@given(business_calendars(), aware_datetimes(), st.integers(0, 30 * 24 * 60))
def test_calendar_add_and_between_agree(calendar: object, start: object, minutes: int) -> None:
    duration = timedelta(minutes=minutes)
    end = calendar.add(start, duration)  # type: ignore[attr-defined]
    assert end >= start  # type: ignore[operator]
    assert calendar.between(start, end) == duration  # type: ignore[attr-defined]


@given(ticket_openings(), lifecycles(max_steps=25), aware_datetimes())
def test_play_runs_only_accepted_commands_and_each_adds_history(
    openings: dict[str, object], steps: list[Step], start: object
) -> None:
    ticket = Ticket.open("T-1", at=start, **openings)  # type: ignore[arg-type]
    accepted = play(ticket, steps, start=start)  # type: ignore[arg-type]
    assert set(accepted) <= set(COMMANDS)
    assert ticket.version >= 1 + len([c for c in accepted if c != "evaluate"])


def test_play_skips_refused_commands() -> None:
    from datetime import UTC, datetime

    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    ticket = Ticket.open(
        "T-1", customer_id="C-1", subject="s", topic="billing", channel="email", at=start
    )
    accepted = play(ticket, [Step("solve", 1), Step("assign", 1), Step("solve", 1)], start=start)
    assert accepted == ["assign", "solve"]
    assert ticket.status.value == "solved"
