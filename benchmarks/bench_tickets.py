"""Ticket lifecycle, creation and memory: supportflow against the naive ways, side by side.

One run, one process, same machine. Peers:

* ``transitions`` driven the naive way: a ``Machine`` built per ticket object;
* ``transitions`` with one shared Machine and ``add_model`` per ticket (also naive);
* ``python-statemachine`` (a ``StateMachine`` instance per ticket), when installed
  (``pip install -e . --group bench``);
* a hand-written dictionary table with a bare status string (the floor: no events,
  no validation, no history, no conversation).

The lifecycle is open, assign, reply, set pending, customer message, solve, confirm.
The peers only move a status (and append a tuple to a list, the least "history" one
could keep); supportflow also validates every argument and instant, records frozen
events and keeps the conversation, counters and the rest of the ticket.

Run: ``.venv/bin/python benchmarks/bench_tickets.py`` (add ``--quick`` for a smoke run).
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from transitions import Machine

from supportflow import (
    TICKET_LIFECYCLE,
    BusinessCalendar,
    Channel,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    Topic,
)

try:  # optional peer
    from statemachine import State, StateMachine
except ImportError:  # pragma: no cover - the bench extra is not installed
    StateMachine = None

QUICK = "--quick" in sys.argv
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
INSTANTS = [T0 + dt.timedelta(minutes=m) for m in (0, 1, 5, 6, 120, 180, 200)]
STATES = ["new", "open", "pending", "on_hold", "solved", "closed"]
# The same shared definition supportflow uses, so every peer knows the same rules.
TRANSITIONS = [
    {"trigger": trigger, "source": source, "dest": None if dest == source else dest}
    for source, trigger, dest in TICKET_LIFECYCLE.edges()
]


# --- supportflow -----------------------------------------------------------------------


def supportflow_open(i: int) -> Ticket:
    return Ticket.open(
        f"T-{i}",
        customer_id="C-1",
        subject="Printer jams",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        body="It jams on page 2.",
        at=INSTANTS[0],
    )


def supportflow_lifecycle(i: int) -> Ticket:
    a = INSTANTS
    ticket = supportflow_open(i)
    ticket.assign("ana", at=a[1])
    ticket.reply("ana", "Please clean the roller.", at=a[2])
    ticket.set_pending(at=a[3])
    ticket.customer_message("Done, still jams.", at=a[4])
    ticket.solve("replaced the roller", at=a[5])
    ticket.confirm(at=a[6])
    return ticket


# The same lifecycle with SLA clocks on all six metrics (office hours) and an evaluate.
_H = dt.timedelta(hours=1)
SLA = SLAPolicySet(
    [
        SLAPolicy(
            "standard",
            {
                metric: {"normal": 8 * _H}
                for metric in (
                    "first_reply",
                    "next_reply",
                    "periodic_update",
                    "requester_wait",
                    "agent_work",
                    "resolution",
                )
            },
            calendar=BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Paris"),
        )
    ]
)


def supportflow_sla_open(i: int) -> Ticket:
    return Ticket.open(
        f"T-{i}",
        customer_id="C-1",
        subject="Printer jams",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        body="It jams on page 2.",
        sla=SLA,
        at=INSTANTS[0],
    )


def supportflow_sla_lifecycle(i: int) -> Ticket:
    a = INSTANTS
    ticket = supportflow_sla_open(i)
    ticket.assign("ana", at=a[1])
    ticket.reply("ana", "Please clean the roller.", at=a[2])
    ticket.set_pending(at=a[3])
    ticket.customer_message("Done, still jams.", at=a[4])
    ticket.solve("replaced the roller", at=a[5])
    ticket.confirm(at=a[6])
    ticket.evaluate(at=a[6])
    return ticket


# --- transitions, a Machine per object ----------------------------------------------------


class TransitionsTicket:
    def __init__(self, ticket_id: str) -> None:
        self.id = ticket_id
        self.history: list[tuple[str, dt.datetime]] = []

    def record(self, trigger: str, at: dt.datetime) -> None:
        getattr(self, trigger)()
        self.history.append((trigger, at))


def transitions_open(i: int) -> TransitionsTicket:
    ticket = TransitionsTicket(f"T-{i}")
    Machine(
        model=ticket,
        states=STATES,
        transitions=TRANSITIONS,
        initial="new",
        auto_transitions=False,
    )
    ticket.history.append(("open", INSTANTS[0]))
    return ticket


SHARED = Machine(
    model=None, states=STATES, transitions=TRANSITIONS, initial="new", auto_transitions=False
)


def transitions_shared_open(i: int) -> TransitionsTicket:
    ticket = TransitionsTicket(f"T-{i}")
    SHARED.add_model(ticket)
    ticket.history.append(("open", INSTANTS[0]))
    return ticket


def transitions_lifecycle(opener: Callable[[int], TransitionsTicket]) -> Callable[[int], Any]:
    def run(i: int) -> TransitionsTicket:
        a = INSTANTS
        ticket = opener(i)
        ticket.record("assign", a[1])
        ticket.record("reply", a[2])
        ticket.record("set_pending", a[3])
        ticket.record("customer_message", a[4])
        ticket.record("solve", a[5])
        ticket.record("confirm", a[6])
        assert ticket.state == "closed"  # type: ignore[attr-defined]
        return ticket

    return run


# --- a hand-written dict table ------------------------------------------------------------

TABLE: dict[str, dict[str, str]] = {}
for _source, _trigger, _dest in TICKET_LIFECYCLE.edges():
    TABLE.setdefault(_source, {})[_trigger] = _dest


class DictTicket:
    __slots__ = ("history", "id", "status")

    def __init__(self, ticket_id: str) -> None:
        self.id = ticket_id
        self.status = "new"
        self.history: list[tuple[str, dt.datetime]] = [("open", INSTANTS[0])]

    def fire(self, trigger: str, at: dt.datetime) -> None:
        dest = TABLE[self.status].get(trigger)
        if dest is None:
            raise ValueError(f"cannot {trigger} in {self.status}")
        self.status = dest
        self.history.append((trigger, at))


def dict_lifecycle(i: int) -> DictTicket:
    a = INSTANTS
    ticket = DictTicket(f"T-{i}")
    ticket.fire("assign", a[1])
    ticket.fire("reply", a[2])
    ticket.fire("set_pending", a[3])
    ticket.fire("customer_message", a[4])
    ticket.fire("solve", a[5])
    ticket.fire("confirm", a[6])
    return ticket


# --- python-statemachine ------------------------------------------------------------------

if StateMachine is not None:

    class TicketSM(StateMachine):  # type: ignore[misc]
        new = State(initial=True)
        open = State()
        pending = State()
        on_hold = State()
        solved = State()
        closed = State(final=True)

        assign = (
            new.to.itself(internal=True)
            | open.to.itself(internal=True)
            | pending.to.itself(internal=True)
            | on_hold.to.itself(internal=True)
        )
        reply = new.to(open) | open.to.itself(internal=True)
        set_pending = new.to(pending) | open.to(pending) | on_hold.to(pending)
        customer_message = pending.to(open) | on_hold.to(open) | solved.to(open)
        solve = new.to(solved) | open.to(solved) | pending.to(solved) | on_hold.to(solved)
        put_on_hold = new.to(on_hold) | open.to(on_hold) | pending.to(on_hold)
        confirm = solved.to(closed)

    def statemachine_open(i: int) -> Any:
        machine = TicketSM()
        machine.history = [("open", INSTANTS[0])]
        return machine

    def statemachine_lifecycle(i: int) -> Any:
        a = INSTANTS
        machine = statemachine_open(i)
        for trigger, at in (
            ("assign", a[1]),
            ("reply", a[2]),
            ("set_pending", a[3]),
            ("customer_message", a[4]),
            ("solve", a[5]),
            ("confirm", a[6]),
        ):
            machine.send(trigger)
            machine.history.append((trigger, at))
        return machine


# --- measuring ----------------------------------------------------------------------------


def per_call_us(function: Callable[[int], Any], n: int, repeat: int = 5) -> float:
    """Best of ``repeat`` runs of ``n`` calls, in microseconds per call (results kept
    alive during a run, as a host keeps its tickets)."""
    best = float("inf")
    for _ in range(repeat):
        keep: list[Any] = []
        gc.collect()
        start = time.perf_counter()
        for i in range(n):
            keep.append(function(i))
        best = min(best, (time.perf_counter() - start) / n * 1e6)
        del keep
    return best


def with_live(function: Callable[[int], Any], live: int, n: int) -> float:
    """Cost per call while ``live`` objects made by ``function`` already exist."""
    alive = [function(-i) for i in range(live)]
    cost = per_call_us(lambda i: function(i + live), n, repeat=3)
    del alive
    return cost


def bytes_per_object(function: Callable[[int], Any], n: int) -> float:
    gc.collect()
    tracemalloc.start()
    keep = [function(i) for i in range(n)]
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del keep
    return current / n


def main() -> None:
    n = 300 if QUICK else 3000
    live = 1000 if QUICK else 10_000
    peers: list[tuple[str, Callable[[int], Any], Callable[[int], Any]]] = [
        ("supportflow Ticket", supportflow_open, supportflow_lifecycle),
        (
            "supportflow Ticket + SLA clocks + evaluate",
            supportflow_sla_open,
            supportflow_sla_lifecycle,
        ),
        (
            "transitions, Machine per object",
            transitions_open,
            transitions_lifecycle(transitions_open),
        ),
        (
            "transitions, shared Machine + add_model",
            transitions_shared_open,
            transitions_lifecycle(transitions_shared_open),
        ),
        ("hand-written dict table", DictTicket, dict_lifecycle),
    ]
    if StateMachine is not None:
        peers.append(
            ("python-statemachine, instance per object", statemachine_open, statemachine_lifecycle)
        )
    else:
        print("(python-statemachine not installed: pip install -e . --group bench to compare it)")

    print(
        f"Ticket lifecycle (open, assign, reply, pending, customer message, solve, confirm); n={n}"
    )
    print(
        f"{'peer':44} {'lifecycle µs':>13} {'create µs':>10} "
        f"{f'create µs @{live} live':>20} {'bytes/ticket':>13}"
    )
    results: dict[str, tuple[float, float, float, float]] = {}
    for name, opener, lifecycle in peers:
        SHARED.models.clear()  # the shared Machine keeps every model it was given
        life = per_call_us(lifecycle, n)
        SHARED.models.clear()
        create = per_call_us(opener, n)
        SHARED.models.clear()
        crowded = with_live(opener, live, n)
        SHARED.models.clear()
        memory = bytes_per_object(lifecycle, n)
        results[name] = (life, create, crowded, memory)
        print(f"{name:44} {life:13.1f} {create:10.2f} {crowded:20.2f} {memory:13.0f}")

    ours = results["supportflow Ticket"]
    print()
    print("Ratios (peer / supportflow; above 1 means supportflow is cheaper):")
    for name, (life, create, crowded, memory) in results.items():
        if name == "supportflow Ticket":
            continue
        print(
            f"  {name:44} lifecycle {life / ours[0]:6.2f}x  creation {create / ours[1]:6.1f}x  "
            f"creation@{live} live {crowded / ours[2]:6.1f}x  memory {memory / ours[3]:5.2f}x"
        )
    print()
    per_object = results["transitions, Machine per object"][1] / ours[1]
    print(
        f"Targets (DESIGN.md §4): lifecycle <= 100 µs -> {ours[0]:.1f} µs; creation >= 10x cheaper "
        f"than a Machine per object -> {per_object:.1f}x; "
        f"creation flat in live tickets -> {ours[1]:.2f} vs {ours[2]:.2f} µs; "
        f"<= 3 KB per ticket -> {ours[3]:.0f} bytes"
    )
    with_sla = results["supportflow Ticket + SLA clocks + evaluate"]
    print(
        f"With SLA clocks and an evaluate: lifecycle <= 100 µs -> {with_sla[0]:.1f} µs; "
        f"{with_sla[3]:.0f} bytes per ticket"
    )


if __name__ == "__main__":
    main()
