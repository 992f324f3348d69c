"""How the desk runs (``supportflow.desk``): what it promises customers (expectations,
hours statements) and who takes which ticket (agents, rosters, routing)."""

from __future__ import annotations

from ._desk._expectations import DayHours, Expectation, HoursStatement, KeptPromises, kept_promises
from ._desk._routing import Agent, Roster, RoutingDecision, RoutingPolicy, RoutingStrategy
from ._kernel._public import publish

__all__ = [
    "Agent",
    "DayHours",
    "Expectation",
    "HoursStatement",
    "KeptPromises",
    "Roster",
    "RoutingDecision",
    "RoutingPolicy",
    "RoutingStrategy",
    "kept_promises",
]

publish(globals(), __all__)
