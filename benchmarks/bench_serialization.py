"""Ticket documents: to_dict + json.dumps, and json.loads + from_dict (DESIGN.md section 4).

Target: >= 20,000 tickets/s each way for tickets with 10 events in their history.
Prints tickets per second, microseconds per ticket and the ratio to the target, best
of several rounds (the machines are shared and noisy); then the ratio to a naive
hand-written codec of the same documents (``naive_codec.py``, issue 22's floor: it
trusts its input, where ``from_dict`` replays and checks every event), in CPU time,
measured in alternation in this process.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

import pendulum

from supportflow import Channel, Priority, Ticket, Topic

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
import naive_codec

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
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return count / best


def best_pair(ours: Callable[[], None], floor: Callable[[], None]) -> tuple[float, float]:
    """Best CPU seconds of each, the two run in alternation (same machine moment)."""
    best = [float("inf"), float("inf")]
    for _ in range(ROUNDS):
        for index, run in enumerate((ours, floor)):
            start = time.process_time()
            run()
            best[index] = min(best[index], time.process_time() - start)
    return best[0], best[1]


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

    naive = [naive_codec.from_dict(document) for document in documents]
    assert all(
        naive_codec.to_dict(n) == t.to_dict() for n, t in zip(naive, tickets, strict=True)
    ), "the naive codec writes the same documents"

    def naive_dump() -> None:
        for ticket in naive:
            json.dumps(naive_codec.to_dict(ticket))

    def naive_load() -> None:
        for text in texts:
            naive_codec.from_dict(json.loads(text))

    print(
        f"\n{'vs a naive hand-written codec':<32}{'ours us':>10}{'naive us':>10}{'naive/ours':>12}"
    )
    for label, ours, floor in (
        ("to_dict + json.dumps", dump, naive_dump),
        ("json.loads + from_dict", load, naive_load),
    ):
        mine, theirs = best_pair(ours, floor)
        print(
            f"{label:<32}{1e6 * mine / TICKETS:>10.1f}{1e6 * theirs / TICKETS:>10.1f}"
            f"{theirs / mine:>11.2f}x"
        )


if __name__ == "__main__":
    main()
