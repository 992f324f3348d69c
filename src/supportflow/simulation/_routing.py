"""What-if for sharing the work: one workload under several routing scenarios.

:func:`compare_routing` runs the same workload under each scenario (typically the same
desk with ``RoutingPolicy("skills_first")`` against one with a rotation) and reports,
per scenario, the figures the trade-off is about: first-reply time, first-contact
resolution, and how evenly tickets and topics are spread over the agents.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import attrs
import pendulum

from .._kernel._errors import InvalidArgument
from .._kernel._time import to_duration
from ._engine import Scenario, SimulationRun, simulate
from ._workload import Workload

__all__ = ["RoutingComparison", "RoutingFigures", "compare_routing"]


@attrs.frozen(kw_only=True)
class RoutingFigures:
    """One scenario's figures.

    ``first_reply_median_us`` is the median calendar time to the first reply (None if
    no ticket had one); ``fcr`` the share of solved tickets resolved at first contact;
    ``tickets_per_agent`` the tickets each agent of the staffing ended up owning, in
    staffing order (zeros included); ``spread`` their coefficient of variation
    (standard deviation over mean: 0 is perfectly even); ``topics_per_agent`` the mean
    number of distinct topics an agent owned.
    """

    scenario: str
    tickets: int
    first_reply_median_us: int | None
    fcr: float | None
    tickets_per_agent: tuple[tuple[str, int], ...]
    spread: float
    topics_per_agent: float

    @property
    def first_reply_median(self) -> pendulum.Duration | None:
        """The median first-reply time, or None."""
        us = self.first_reply_median_us
        return None if us is None else to_duration(us)

    @classmethod
    def of(cls, scenario: Scenario, run: SimulationRun) -> RoutingFigures:
        """The figures of ``run``, a run of ``scenario``."""
        outcomes = run.outcomes
        replies = sorted(o.first_reply_us for o in outcomes if o.first_reply_us is not None)
        solved = [o for o in outcomes if o.solved_us is not None]
        counts = {agent.agent_id: 0 for agent in scenario.staffing.agents}
        topics: dict[str, set[str]] = {name: set() for name in counts}
        for outcome in outcomes:
            if outcome.agent is not None and outcome.agent in counts:
                counts[outcome.agent] += 1
                topics[outcome.agent].add(outcome.topic.value)
        values = list(counts.values())
        mean = statistics.fmean(values)
        return cls(
            scenario=scenario.name,
            tickets=len(outcomes),
            first_reply_median_us=int(statistics.median_low(replies)) if replies else None,
            fcr=(sum(o.first_contact_resolution for o in solved) / len(solved) if solved else None),
            tickets_per_agent=tuple(counts.items()),
            spread=statistics.pstdev(values) / mean if mean else 0.0,
            topics_per_agent=statistics.fmean(len(t) for t in topics.values()),
        )


@attrs.frozen(kw_only=True)
class RoutingComparison:
    """The figures of each scenario, in the order given."""

    rows: tuple[RoutingFigures, ...]

    def table(self) -> str:
        """A plain-text table, one line per scenario."""
        header = (
            f"{'scenario':<24} {'tickets':>7} {'first reply':>11} {'FCR':>6} "
            f"{'spread':>6} {'topics/agent':>12}"
        )
        lines = [header]
        for row in self.rows:
            median = row.first_reply_median_us
            reply = "-" if median is None else f"{median / 60_000_000:.0f} min"
            fcr = "-" if row.fcr is None else f"{row.fcr:.0%}"
            lines.append(
                f"{row.scenario:<24} {row.tickets:>7} {reply:>11} {fcr:>6} "
                f"{row.spread:>6.2f} {row.topics_per_agent:>12.1f}"
            )
        return "\n".join(lines)


def compare_routing(workload: Workload, scenarios: Sequence[Scenario]) -> RoutingComparison:
    """Run ``workload`` under each scenario and compare how the work was shared.

    Deterministic like :func:`~supportflow.simulation.simulate`. Raises
    :class:`InvalidArgument` without scenarios or with two of the same name.
    """
    scenarios = list(scenarios)
    if not scenarios:
        raise InvalidArgument("compare_routing needs at least one scenario")
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InvalidArgument(f"scenario names must be distinct, got {names}")
    return RoutingComparison(
        rows=tuple(RoutingFigures.of(s, simulate(workload, s)) for s in scenarios)
    )
