"""Escalation cost: a ticket lifecycle with SLA clocks, without and with an escalation policy.

Run with ``.venv/bin/python benchmarks/bench_escalation.py``. Prints best-of-N CPU times
and ratios, the two lifecycles alternated round by round; nothing here is a test. The
lifecycle runs twice: as is, and as a host drives it (``next_deadline_us()`` after
every command, to store for its sweep). ``next_deadline_us()`` is timed uncached (the
ticket's caches dropped before each call) and cached. For figures that do not drift
with the machine's load, count instructions under callgrind with the probe mode, which
runs 20 lifecycles to warm up and then N more of one kind (instructions per lifecycle:
the count at N = 300 minus the count at N = 0, over 300)::

    PYTHONHASHSEED=0 valgrind --tool=callgrind .venv/bin/python \
        benchmarks/bench_escalation.py --probe {plain,policy,hosted-plain,hosted-policy} N
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import timedelta

import pendulum

from supportflow import (
    BusinessCalendar,
    Channel,
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    NotifyManager,
    Priority,
    PriorityMatrix,
    RoutingTable,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    Topic,
    WhenPriorityAtOpen,
    WhenReopenedAtLeast,
    WhenSLABreached,
    WhenSLAReaches,
)

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
OFFICE = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Paris")
SLA = SLAPolicySet(
    [
        SLAPolicy(
            "standard",
            targets={
                "first_reply": {p: timedelta(hours=4) for p in Priority},
                "resolution": {p: timedelta(hours=16) for p in Priority},
            },
            calendar=OFFICE,
        )
    ]
)
POLICY = EscalationPolicy(
    [
        EscalationRule("page", WhenPriorityAtOpen(Priority.URGENT), NotifyManager("on_call")),
        EscalationRule("late", WhenSLAReaches("resolution", 75), EscalateTo()),
        EscalationRule("breach", WhenSLABreached("resolution"), NotifyManager("manager")),
        EscalationRule("reopens", WhenReopenedAtLeast(3), EscalateTo(tier=3)),
    ]
)
STEPS = [T0.add(minutes=m) for m in (0, 5, 10, 11, 120, 180, 200, 300)]
ROUNDS = 5
TICKETS = 2_000


def _nothing() -> None:
    return None


def lifecycle(policy: EscalationPolicy | None, *, hosted: bool = False) -> Ticket:
    """Open, assign, reply, pending, customer message, solve, confirm, evaluate; with
    ``hosted``, as a host drives it: the next deadline read after each command but the
    last two."""
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="Printer offline",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        tier=1,
        team="customer_service",
        sla=SLA,
        escalation=policy,
        at=STEPS[0],
    )
    read: Callable[[], object] = ticket.next_deadline_us if hosted else _nothing
    read()
    ticket.assign("ann", at=STEPS[1])
    read()
    ticket.reply("ann", "Looking into it", at=STEPS[2])
    read()
    ticket.set_pending(at=STEPS[3])
    read()
    ticket.customer_message("Still offline", at=STEPS[4])
    read()
    ticket.solve("Driver reinstalled", at=STEPS[5])
    read()
    ticket.confirm(at=STEPS[6])
    ticket.evaluate(at=STEPS[7])
    return ticket


def best_us(action: Callable[[], object], count: int, rounds: int = ROUNDS) -> float:
    """Best per-call CPU time over ``rounds`` rounds of ``count`` calls, in microseconds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(count):
            action()
        best = min(best, (time.process_time() - start) / count)
    return best * 1e6


def alternated(*actions: Callable[[], object], count: int) -> list[float]:
    """:func:`best_us` of each action, the actions alternated round by round."""
    best = [float("inf")] * len(actions)
    for _ in range(ROUNDS):
        for index, action in enumerate(actions):
            best[index] = min(best[index], best_us(action, count, rounds=1))
    return best


def uncached(ticket: Ticket) -> Callable[[], object]:
    """``ticket.next_deadline_us`` computed from the clocks and rules at every call."""

    def call() -> object:
        ticket._forget()  # the ticket's cache of its next due instant (a private hook)
        ticket._sla._forget()  # type: ignore[union-attr]
        return ticket.next_deadline_us()

    return call


def main() -> None:
    plain, escalated = alternated(lambda: lifecycle(None), lambda: lifecycle(POLICY), count=TICKETS)
    hosted_plain, hosted_escalated = alternated(
        lambda: lifecycle(None, hosted=True), lambda: lifecycle(POLICY, hosted=True), count=TICKETS
    )

    open_ticket = Ticket.open(
        "T-2",
        customer_id="C-1",
        subject="Printer offline",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        tier=1,
        team="customer_service",
        sla=SLA,
        escalation=POLICY,
        at=T0,
    )
    open_ticket.assign("ann", at=T0.add(minutes=5))
    deadline_with = best_us(uncached(open_ticket), 20_000)
    cached_with = best_us(open_ticket.next_deadline_us, 20_000)
    sla_only = Ticket.open(
        "T-3",
        customer_id="C-1",
        subject="Printer offline",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        sla=SLA,
        at=T0,
    )
    sla_only.assign("ann", at=T0.add(minutes=5))
    deadline_without = best_us(uncached(sla_only), 20_000)

    def late_escalation() -> None:
        ticket = Ticket.open(
            "T-4",
            customer_id="C-1",
            subject="Printer offline",
            topic=Topic.BILLING,
            channel=Channel.EMAIL,
            priority=Priority.URGENT,
            tier=1,
            team="customer_service",
            sla=SLA,
            escalation=POLICY,
            at=T0,
        )
        ticket.evaluate(at=T0.add(days=5))  # warnings, breaches and three escalations

    catch_up = best_us(late_escalation, TICKETS)
    matrix = PriorityMatrix()
    routing = RoutingTable()
    matrix_us = best_us(lambda: matrix.priority("high", "medium"), 50_000)
    route_us = best_us(lambda: routing.route(Topic.BILLING, Channel.EMAIL), 50_000)

    print(f"{'operation':58} {'us':>8} {'ratio':>8}")
    rows = [
        ("lifecycle with SLA clocks, no escalation policy", plain, 1.0),
        ("lifecycle with SLA clocks and a 4-rule policy", escalated, escalated / plain),
        ("the same, next_deadline_us() after each command, no policy", hosted_plain, 1.0),
        ("the same with the 4-rule policy", hosted_escalated, hosted_escalated / hosted_plain),
        ("next_deadline_us() uncached, SLA only", deadline_without, 1.0),
        (
            "next_deadline_us() uncached, SLA and policy",
            deadline_with,
            deadline_with / deadline_without,
        ),
        ("next_deadline_us() cached, SLA and policy", cached_with, cached_with / deadline_with),
        ("open urgent + evaluate 5 days late (10 events)", catch_up, catch_up / plain),
        ("PriorityMatrix.priority", matrix_us, matrix_us / plain),
        ("RoutingTable.route", route_us, route_us / plain),
    ]
    for label, us, ratio in rows:
        print(f"{label:58} {us:8.1f} {ratio:7.2f}x")
    print(f"lifecycle budget (DESIGN.md section 4): 100 us; with a policy {escalated / 100:.2f}x")


def probe(kind: str, count: int) -> None:
    """Run 20 lifecycles of ``kind``, then ``count`` more (for instruction counts)."""
    policy = POLICY if kind.endswith("policy") else None
    hosted = kind.startswith("hosted")
    for _ in range(20 + count):
        lifecycle(policy, hosted=hosted)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        probe(sys.argv[2], int(sys.argv[3]))
    else:
        main()
