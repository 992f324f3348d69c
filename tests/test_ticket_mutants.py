"""Ticket behaviour that the mutation run of ``_tickets/_ticket.py`` (docs/quality.md)
found untested: cycles and reassignments, the checks of each event, commands' errors,
the next deadline and the document a ticket writes and reads.

Hand-computed expectations from a Monday, 2026-03-02 09:00 UTC.
"""

from __future__ import annotations

from typing import Any

import pendulum

from supportflow import Channel, Ticket, Topic

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
