"""What a simulation measured: KPIs, weekly SLA compliance, backlog, and what-if comparisons."""

from __future__ import annotations

import datetime as _dt
import textwrap
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, Final

import attrs

from .._kernel._time import US_PER_DAY, US_PER_HOUR, readable_instant, to_datetime
from .._metrics._kpis import DurationStats, ReportTable
from ._engine import Scenario, SimulationRun, TicketOutcome
from ._workload import Workload

__all__ = ["KPIs", "SimulationResult", "WhatIf", "what_if"]

PRIORITIES: Final = ("low", "normal", "high", "urgent")


def _hours(us: float | None) -> float | None:
    return None if us is None else us / US_PER_HOUR


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


@attrs.frozen(kw_only=True)
class KPIs:
    """The headline numbers of a run. Shares are in [0, 1]; times in hours (calendar).

    The window is the run's cohort: every ticket created during the workload's days,
    followed until it closed or the run stopped (see :attr:`SimulationResult.window`),
    so the backlog at the end is what the drain left open. For KPIs over a fixed
    period ``[start, end)``, pass the run's tickets to :func:`supportflow.metrics.kpi_report`.
    Medians and 90th percentiles are :class:`~supportflow.metrics.DurationStats` (the median of
    an even count is the mean of the two middle values; p90 by nearest rank).

    ``None`` means there was nothing to measure (no ticket solved, no SLA, no answer).
    ``sla_compliance`` is the share of tickets that breached no SLA target;
    ``csat`` the share of 4-5 answers on the 5-point scale; ``nps`` percent promoters
    minus percent detractors.
    """

    tickets: int
    solved: int
    closed: int
    backlog_end: int
    backlog_peak: int
    first_reply_median_h: float | None
    first_reply_p90_h: float | None
    resolution_median_h: float | None
    resolution_p90_h: float | None
    sla_compliance: float | None
    first_reply_compliance: float | None
    resolution_compliance: float | None
    breaches: int
    first_contact_resolution: float | None
    reopen_rate: float | None
    escalation_rate: float | None
    csat: float | None
    csat_answers: int
    nps: float | None
    nps_answers: int

    @classmethod
    def of(cls, run: SimulationRun) -> KPIs:
        """Compute the KPIs of a run from its ticket outcomes and samples."""
        outcomes = run.outcomes
        total = len(outcomes)
        first = DurationStats.of(o.first_reply_us for o in outcomes if o.first_reply_us is not None)
        resolution = DurationStats.of(
            o.resolution_us for o in outcomes if o.resolution_us is not None
        )
        solved = [o for o in outcomes if o.solved_us is not None]
        breached = [o for o in outcomes if o.breached]
        csat = [o.csat for o in outcomes if o.csat is not None]
        nps = run.nps_scores
        sla = run.has_sla
        return cls(
            tickets=total,
            solved=len(solved),
            closed=sum(1 for o in outcomes if o.closed),
            backlog_end=run.backlog[-1][1] if run.backlog else 0,
            backlog_peak=max((count for _, count in run.backlog), default=0),
            first_reply_median_h=_hours(first.median_us),
            first_reply_p90_h=_hours(first.p90_us),
            resolution_median_h=_hours(resolution.median_us),
            resolution_p90_h=_hours(resolution.p90_us),
            sla_compliance=_share(total - len(breached), total) if sla else None,
            first_reply_compliance=(
                _share(sum(1 for o in outcomes if "first_reply" not in o.breached), total)
                if sla
                else None
            ),
            resolution_compliance=(
                _share(sum(1 for o in outcomes if "resolution" not in o.breached), total)
                if sla
                else None
            ),
            breaches=sum(len(o.breached) for o in outcomes),
            first_contact_resolution=_share(
                sum(1 for o in solved if o.first_contact_resolution), len(solved)
            ),
            reopen_rate=_share(sum(1 for o in outcomes if o.reopens), total),
            escalation_rate=_share(sum(1 for o in outcomes if o.escalations), total),
            csat=_share(sum(1 for score in csat if score >= 4), len(csat)),
            csat_answers=len(csat),
            nps=(
                None
                if not nps
                else 100.0
                * (sum(1 for s in nps if s >= 9) - sum(1 for s in nps if s <= 6))
                / len(nps)
            ),
            nps_answers=len(nps),
        )

    def rows(self) -> list[tuple[str, str]]:
        """``(label, formatted value)`` pairs in reading order, for reports."""
        return [(label, fmt(getattr(self, name))) for name, label, fmt in _ROWS]


def _pct(value: object) -> str:
    return "n/a" if value is None else f"{100 * float(value):.1f} %"  # type: ignore[arg-type]


def _h(value: object) -> str:
    return "n/a" if value is None else f"{float(value):.1f} h"  # type: ignore[arg-type]


def _n(value: object) -> str:
    return "n/a" if value is None else f"{value:,}"


def _score(value: object) -> str:
    return "n/a" if value is None else f"{float(value):+.0f}"  # type: ignore[arg-type]


_ROWS: Final[tuple[tuple[str, str, Callable[[object], str]], ...]] = (
    ("tickets", "Tickets", _n),
    ("solved", "Solved", _n),
    ("closed", "Closed", _n),
    ("backlog_end", "Backlog at the end", _n),
    ("backlog_peak", "Backlog peak", _n),
    ("first_reply_median_h", "First reply, median", _h),
    ("first_reply_p90_h", "First reply, 90th percentile", _h),
    ("resolution_median_h", "Resolution, median", _h),
    ("resolution_p90_h", "Resolution, 90th percentile", _h),
    ("sla_compliance", "SLA compliance (no breach)", _pct),
    ("first_reply_compliance", "First reply SLA met", _pct),
    ("resolution_compliance", "Resolution SLA met", _pct),
    ("breaches", "SLA breaches", _n),
    ("first_contact_resolution", "First-contact resolution", _pct),
    ("reopen_rate", "Reopen rate", _pct),
    ("escalation_rate", "Escalation rate", _pct),
    ("csat", "CSAT (4-5 of 5)", _pct),
    ("csat_answers", "CSAT answers", _n),
    ("nps", "NPS", _score),
    ("nps_answers", "NPS answers", _n),
)


@attrs.frozen(kw_only=True)
class SimulationResult:
    """A finished simulation: its :class:`KPIs`, samples, and report renderings."""

    run: SimulationRun
    kpis: KPIs

    @classmethod
    def of(cls, run: SimulationRun) -> SimulationResult:
        """Wrap a run and compute its KPIs."""
        return cls(run=run, kpis=KPIs.of(run))

    @property
    def scenario(self) -> str:
        """The scenario's name."""
        return self.run.scenario

    @property
    def outcomes(self) -> tuple[TicketOutcome, ...]:
        """One outcome per ticket, in arrival order."""
        return self.run.outcomes

    @property
    def tickets(self) -> tuple[Any, ...]:
        """The final ticket objects (only when the run kept them)."""
        return self.run.tickets

    @property
    def window(self) -> str:
        """What the KPIs cover: the tickets created when, followed until when."""
        run = self.run
        return (
            f"tickets created {readable_instant(run.start_us)} to {readable_instant(run.end_us)} "
            f"(end excluded), followed until {readable_instant(run.stopped_us)}"
        )

    def weeks(self) -> list[tuple[int, str]]:
        """``(start_us, label)`` of each simulated week (labels like ``"Mar 02"``)."""
        weeks = []
        us = self.run.start_us
        while us < self.run.end_us:
            weeks.append((us, to_datetime(us).format("MMM DD")))
            us += 7 * US_PER_DAY
        return weeks

    def weekly_sla(self) -> dict[str, list[float | None]]:
        """SLA compliance (percent of tickets with no breach) per priority, per week.

        Tickets count in the week they were created; None where a week had no ticket
        of that priority or the scenario had no SLA.
        """
        weeks = self.weeks()
        counts = {p: [[0, 0] for _ in weeks] for p in PRIORITIES}
        start = self.run.start_us
        for outcome in self.run.outcomes:
            week = min(len(weeks) - 1, (outcome.created_us - start) // (7 * US_PER_DAY))
            cell = counts.setdefault(outcome.priority, [[0, 0] for _ in weeks])[week]
            cell[0] += 1
            cell[1] += 0 if outcome.breached else 1
        if not self.run.has_sla:
            return {p: [None for _ in weeks] for p in counts}
        return {
            p: [None if total == 0 else 100.0 * met / total for total, met in cells]
            for p, cells in counts.items()
        }

    def render_text(self) -> str:
        """The KPIs as an aligned plain-text table."""
        table = ReportTable(f"Scenario: {self.scenario}", ("KPI", "value"), tuple(self.kpis.rows()))
        lines = table.lines()
        return "\n".join([lines[0], *textwrap.wrap(self.window, 100), *lines[1:]])

    def to_html(
        self, *, title: str = "supportflow simulation", compare: WhatIf | None = None
    ) -> str:
        """A self-contained HTML report (inline SVG charts, lifecycle diagrams; no script)."""
        from ._html import render_report

        return render_report(self, title=title, compare=compare)


@attrs.frozen(kw_only=True)
class WhatIf:
    """The same workload under two scenarios, side by side."""

    a: SimulationResult
    b: SimulationResult

    def rows(self) -> list[tuple[str, str, str]]:
        """``(label, value under a, value under b)`` for every KPI."""
        return [
            (label, va, vb)
            for (label, va), (_, vb) in zip(self.a.kpis.rows(), self.b.kpis.rows(), strict=True)
        ]

    def render_text(self) -> str:
        """The comparison as an aligned plain-text table, under the window of each run."""
        if self.a.window == self.b.window:
            windows = textwrap.wrap(f"Both runs: {self.a.window}", 100)
        else:
            windows = [
                line
                for result in (self.a, self.b)
                for line in textwrap.wrap(f"{result.scenario}: {result.window}", 100)
            ]
        headers = ("KPI", self.a.scenario, self.b.scenario)
        return "\n".join([*windows, *ReportTable("", headers, tuple(self.rows())).lines()[1:]])


def what_if(
    workload: Workload,
    a: Scenario,
    b: Scenario,
    *,
    executor: Executor | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    drain: _dt.timedelta = _dt.timedelta(days=7),
    pause_gc: bool = True,
) -> WhatIf:
    """Run ``workload`` under scenarios ``a`` and ``b`` and compare their KPIs.

    Both runs see exactly the same customers doing exactly the same things, so every
    difference comes from the policies and staffing. ``progress(name, done, total)``
    reports each run's progress; ``pause_gc`` is passed to :func:`simulate`;
    ``executor`` runs the two scenarios as :func:`~supportflow.simulation.sweep` does.
    """
    from ._sweep import sweep

    first, second = sweep(
        workload, (a, b), executor=executor, progress=progress, drain=drain, pause_gc=pause_gc
    )
    return WhatIf(a=first, b=second)
