"""Simulate a help desk under your policies: a seeded workload, a deterministic run, what-if.

Draw a :class:`Workload` from a :class:`WorkloadProfile` and a seed, describe your
desk as a :class:`Scenario` (SLA policy set, escalation policy, :class:`Staffing`,
auto-close delay), and :func:`run` it: the simulator drives real
:class:`~supportflow.Ticket`, :class:`~supportflow.Incident`,
:class:`~supportflow.Maintenance` and feedback objects through the workload, calls
``ticket.evaluate()`` at every deadline, and returns a :class:`SimulationResult` with
its :class:`KPIs`, a text table and a self-contained HTML report.
:func:`what_if` runs one workload under two scenarios and puts their KPIs side by side;
:func:`sweep` runs it under a grid of scenarios (:func:`scenario_grid`) on any
:class:`concurrent.futures.Executor`.

Everything is deterministic: the same profile, seed and scenario give the same
result on every run and machine (only ``random.Random(seed)`` is used; the clock is
never read).

>>> from datetime import UTC, datetime
>>> profile = WorkloadProfile(start=datetime(2026, 3, 2, tzinfo=UTC), days=2, tickets_per_day=20)
>>> len(profile.generate(seed=1)) > 0
True
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from ._engine import Scenario, SimulationRun, TicketOutcome, simulate
from ._results import KPIs, SimulationResult, WhatIf, what_if
from ._routing import RoutingComparison, RoutingFigures, compare_routing
from ._staff import Agent, Shift, Staffing
from ._sweep import scenario_grid, sweep
from ._workload import (
    Arrival,
    IncidentPlan,
    MaintenancePlan,
    NpsAnswer,
    Workload,
    WorkloadProfile,
)

__all__ = [
    "Agent",
    "Arrival",
    "IncidentPlan",
    "KPIs",
    "MaintenancePlan",
    "NpsAnswer",
    "RoutingComparison",
    "RoutingFigures",
    "Scenario",
    "Shift",
    "SimulationResult",
    "SimulationRun",
    "Staffing",
    "TicketOutcome",
    "WhatIf",
    "Workload",
    "WorkloadProfile",
    "compare_routing",
    "run",
    "scenario_grid",
    "simulate",
    "sweep",
    "what_if",
]


def run(
    workload: Workload,
    scenario: Scenario,
    *,
    keep_tickets: bool = False,
    on_ticket_done: Callable[[Any, TicketOutcome], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    drain: _dt.timedelta = _dt.timedelta(days=7),
    pause_gc: bool = True,
) -> SimulationResult:
    """Simulate ``workload`` under ``scenario`` and compute its KPIs.

    ``on_ticket_done(ticket, outcome)`` sees every ticket once, when it closes or when
    the run stops (a host persists it there); ``keep_tickets`` keeps the ticket
    objects in the result (memory grows with the workload); ``progress(done, total)``
    reports arrivals processed; the run goes on ``drain`` past the workload's end for
    the last tickets to close. ``pause_gc`` pauses Python's cyclic garbage collector
    during the run (see :func:`simulate`).
    """
    return SimulationResult.of(
        simulate(
            workload,
            scenario,
            keep_tickets=keep_tickets,
            on_ticket_done=on_ticket_done,
            progress=progress,
            drain=drain,
            pause_gc=pause_gc,
        )
    )
