"""Ticket documents: to_dict + json.dumps, and json.loads + from_dict (DESIGN.md section 4).

Target: >= 20,000 tickets/s each way for tickets with 10 events in their history.
Prints tickets per second, microseconds per ticket and the ratio to the target, best
of several rounds (the machines are shared and noisy).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pendulum

from supportflow import Channel, Priority, Ticket, Topic

TARGET_PER_SECOND = 20_000
TICKETS = 2_000
ROUNDS = 7
T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")


def ticket_with_ten_events(number: int) -> Ticket:
    """A realistic ticket: opened, assigned, replied, pending, customer answer, solved."""
    at = T0.add(minutes=number)
    ticket = Ticket.open(
        f"T-{number}",
        customer_id=f"customer-{number % 97}",
        subject="The nightly export fails",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        priority=Priority.HIGH,
        body="Since Monday the CSV export stops at 10 %",
        tags=("export",),
        at=at,
    )
    ticket.assign("ana", team="platform", at=at.add(minutes=5))
    ticket.reply("ana", "Could you send the log file?", at=at.add(minutes=9))
    ticket.set_pending(at=at.add(minutes=10))
    ticket.customer_message("Here it is", at=at.add(hours=2))
    ticket.add_note("ana", "Timeout in the exporter", at=at.add(hours=3))
    ticket.tag("bug", at=at.add(hours=3, minutes=1))
    ticket.reply("ana", "Fixed, please try again", at=at.add(hours=5))
    ticket.solve("Raised the exporter timeout", at=at.add(hours=5, minutes=1))
    while ticket.version < 10:
        ticket.add_note("ana", "follow-up check", at=at.add(hours=6, minutes=ticket.version))
    return ticket


def best_rate(run: Callable[[], None], count: int) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return count / best


def main() -> None:
    tickets = [ticket_with_ten_events(n) for n in range(TICKETS)]
    assert {t.version for t in tickets} == {10}, "every ticket must hold exactly 10 events"
    texts = [json.dumps(t.to_dict()) for t in tickets]
    assert Ticket.from_dict(json.loads(texts[0])) == tickets[0]

    def dump() -> None:
        for ticket in tickets:
            json.dumps(ticket.to_dict())

    def load() -> None:
        for text in texts:
            Ticket.from_dict(json.loads(text))

    def to_dict_only() -> None:
        for ticket in tickets:
            ticket.to_dict()

    documents = [json.loads(text) for text in texts]

    def from_dict_only() -> None:
        for document in documents:
            Ticket.from_dict(document)

    size = sum(len(text) for text in texts) / len(texts)
    print(f"{TICKETS} tickets, 10 events each, {size:.0f} bytes of JSON per ticket")
    print(f"{'operation':<28}{'tickets/s':>12}{'us/ticket':>12}{'vs 20,000/s':>14}")
    for label, run in (
        ("to_dict + json.dumps", dump),
        ("json.loads + from_dict", load),
        ("  to_dict alone", to_dict_only),
        ("  from_dict alone", from_dict_only),
    ):
        rate = best_rate(run, TICKETS)
        print(f"{label:<28}{rate:>12,.0f}{1e6 / rate:>12.1f}{rate / TARGET_PER_SECOND:>13.2f}x")


if __name__ == "__main__":
    main()
