"""Creating and loading a ticket vs attaching a transitions Machine per object, GC on
and paused.

DESIGN.md section 4: creating a ticket >= 30x cheaper than a Machine per object, flat
as live objects grow; loading a ticket with its SLA policy set (``json.loads`` and
``from_dict``, every event checked) >= 15x cheaper than the peer's load (``json.loads``,
a Machine attached in the stored status, the history kept as tuples). Each peer is
timed in CPU time (best of 5, all peers in one process) with no other object alive
and with 10,000 of its own kind alive, once with the cyclic garbage collector on and
once paused: a Machine per object makes reference cycles that the collector rescans,
so both figures are reported. The shared-Machine
peer removes its models after every round, so it never accumulates models. Each peer's
new object must be in the same state as a supportflow ticket just opened; the loaded
peer in the loaded ticket's status, with as many history entries.

    python benchmarks/bench_peers.py            # 3,000 objects per round
    python benchmarks/bench_peers.py --quick    # 300
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from bench_tickets import (
    SHARED,
    SLA,
    STATES,
    TRANSITIONS,
    TransitionsTicket,
    supportflow_lifecycle,
    supportflow_open,
    supportflow_sla_lifecycle,
    transitions_open,
    transitions_shared_open,
)
from transitions import Machine

from supportflow import Ticket

QUICK = "--quick" in sys.argv
N = 300 if QUICK else 3_000
LIVE = 1_000 if QUICK else 10_000


def release(objects: list[Any]) -> None:
    """Detach shared-Machine models so the peer does not keep every object it made."""
    for obj in objects:
        if obj in SHARED.models:
            SHARED.remove_model(obj)


def per_call_us(make: Callable[[int], Any], live: int, paused: bool) -> float:
    """Best of 5 CPU-time runs of ``N`` creations with ``live`` objects of the kind alive."""
    alive = [make(-1 - i) for i in range(live)]
    best = float("inf")
    for _ in range(5):
        keep: list[Any] = []
        gc.collect()
        if paused:
            gc.disable()
        try:
            start = time.process_time()
            for i in range(N):
                keep.append(make(i))
            best = min(best, time.process_time() - start)
        finally:
            gc.enable()
        release(keep)
    release(alive)
    assert not SHARED.models, "the shared Machine kept models"
    return best / N * 1e6


DOCUMENT_SLA = json.dumps(supportflow_sla_lifecycle(0).to_dict())
DOCUMENT = json.dumps(supportflow_lifecycle(0).to_dict())


def supportflow_load(i: int) -> Ticket:
    return Ticket.from_dict(json.loads(DOCUMENT_SLA), sla=SLA)


def supportflow_load_plain(i: int) -> Ticket:
    return Ticket.from_dict(json.loads(DOCUMENT))


def transitions_load(i: int) -> TransitionsTicket:
    """The peer's load of the same document: parse, attach a Machine in the stored
    status, keep the history as (event, instant) tuples."""
    data = json.loads(DOCUMENT_SLA)
    ticket = TransitionsTicket(data["id"])
    Machine(
        model=ticket,
        states=STATES,
        transitions=TRANSITIONS,
        initial=data["status"],
        auto_transitions=False,
    )
    ticket.history = [(event["event"], event["at"]) for event in data["history"]]
    return ticket


def table(title: str, peers: dict[str, Callable[[int], Any]], target: str) -> None:
    print(f"{title}, µs CPU per object, best of 5 x {N}; live = {LIVE:,} of the same kind")
    figures: dict[str, list[float]] = {}
    for name, make in peers.items():
        figures[name] = [
            per_call_us(make, live, paused) for paused in (False, True) for live in (0, LIVE)
        ]
    print(f"  {'peer':<42} {'GC on':>8} {'on, live':>9} {'paused':>8} {'paused, live':>13}")
    for name, row in figures.items():
        print(f"  {name:<42} " + " ".join(f"{v:8.2f}" for v in row))
    ours = next(iter(figures.values()))
    peer = figures["transitions, a Machine per object"]
    ratios = ", ".join(f"{p / o:.0f}x" for p, o in zip(peer, ours, strict=True))
    print(f"  Machine per object / supportflow (same columns): {ratios}; target {target}")
    print(f"  supportflow flat in live objects: {ours[1] / ours[0]:.2f}, {ours[3] / ours[2]:.2f}")


def main() -> None:
    loaded = supportflow_load(0)
    peer = transitions_load(0)
    assert peer.state == loaded.status.value  # type: ignore[attr-defined]
    assert len(peer.history) == len(loaded.history)
    table(
        "load",
        {
            "supportflow from_dict, SLA policy set": supportflow_load,
            "supportflow from_dict, no SLA": supportflow_load_plain,
            "transitions, a Machine per object": transitions_load,
        },
        ">= 15x (with SLA)",
    )
    opened = supportflow_open(0).status.value
    peers: dict[str, Callable[[int], Any]] = {
        "supportflow Ticket.open": supportflow_open,
        "transitions, a Machine per object": transitions_open,
        "transitions, shared Machine + add_model": transitions_shared_open,
    }
    for name, make in list(peers.items())[1:]:
        made = make(0)
        release([made])
        assert made.state == opened, f"{name} starts in {made.state}, a ticket in {opened}"
    table("create", peers, ">= 30x")


if __name__ == "__main__":
    main()
