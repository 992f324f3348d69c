"""`make demo`: a month of a mid-size help desk, simulated under your policies.

A seeded workload (contacts by hour and weekday across channels, topics and
priorities; customers who answer late, wait on third parties, reopen; two incidents,
two maintenance windows, survey answers) runs through real supportflow tickets with
SLA clocks on business calendars and escalation rules. Every ticket is persisted to
SQLite through the packaged store (supportflow.sqlalchemy). Then the same
workload runs under a second set of policies, and the demo prints the KPI report,
the what-if comparison, and writes a self-contained HTML report with charts and the
lifecycle diagrams.

    python examples/demo.py                       # 30 days x 400 tickets/day
    python examples/demo.py --days 3 --per-day 40 --out /tmp/demo
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import supportflow
from supportflow.simulation import (
    Scenario,
    SimulationResult,
    Staffing,
    TicketOutcome,
    WhatIf,
    WorkloadProfile,
    run,
)
from supportflow.sqlalchemy import Store, create_engine, upgrade

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
TIMEZONE = "Europe/Berlin"
H = timedelta(hours=1)


def office_hours() -> Any:
    """Monday to Friday, 08:00-18:00 in Berlin."""
    return supportflow.BusinessCalendar.weekdays("08:00", "18:00", timezone=TIMEZONE)


def policies(*, enterprise_first_reply: timedelta = H) -> tuple[Any, Any]:
    """The SLA policy set and escalation policy of the desk.

    Enterprise customers get round-the-clock targets; everyone else is measured in
    business hours (Monday to Friday, 08:00-18:00 Berlin time).
    """
    calendar = office_hours()
    sla = supportflow.SLAPolicySet(
        [
            supportflow.SLAPolicy(
                "enterprise 24/7",
                {
                    "first_reply": {
                        "urgent": enterprise_first_reply / 2,
                        "high": enterprise_first_reply,
                        "normal": 2 * enterprise_first_reply,
                        "low": 4 * enterprise_first_reply,
                    },
                    "resolution": {
                        "urgent": 8 * H,
                        "high": 16 * H,
                        "normal": 24 * H,
                        "low": 48 * H,
                    },
                },
                conditions=supportflow.SLAConditions(segments=["enterprise"]),
            ),
            supportflow.SLAPolicy(
                "business hours",
                {
                    "first_reply": {"urgent": H, "high": 2 * H, "normal": 4 * H, "low": 8 * H},
                    "resolution": {
                        "urgent": 8 * H,
                        "high": 16 * H,
                        "normal": 32 * H,
                        "low": 60 * H,
                    },
                },
                calendar=calendar,
            ),
        ]
    )
    escalation = supportflow.EscalationPolicy(
        [
            supportflow.EscalationRule(
                "first reply at risk",
                supportflow.SLAThreshold("first_reply", 75),
                supportflow.NotifyManager("team lead"),
            ),
            supportflow.EscalationRule(
                "resolution breached",
                supportflow.SLABreach("resolution"),
                supportflow.EscalateTo(),
            ),
        ]
    )
    return sla, escalation


def scenarios(per_day: int) -> tuple[Scenario, Scenario]:
    """Today's desk, and the what-if: two more front-line agents and a late-shift expert."""
    sla, escalation = policies()
    agents = max(3, per_day // 16)
    tiers = {1: agents // 2, 2: agents - agents // 2 - agents // 10, 3: max(1, agents // 10)}
    today = Scenario(
        name="today",
        staffing=Staffing.rotation(tiers, timezone=TIMEZONE),
        sla=sla,
        escalation=escalation,
    )
    more = {1: tiers[1] + max(1, agents // 10), 2: tiers[2] + max(1, agents // 20), 3: tiers[3]}
    alternative = Scenario(
        name="what if: +staff",
        staffing=Staffing.rotation(more, timezone=TIMEZONE),
        sla=sla,
        escalation=escalation,
    )
    return today, alternative


def kpi_table(comparison: WhatIf) -> Table:
    table = Table(title="What if? The same customers under two sets of policies")
    table.add_column("KPI")
    table.add_column(comparison.a.scenario, justify="right")
    table.add_column(comparison.b.scenario, justify="right")
    for label, a, b in comparison.rows():
        table.add_row(label, a, b)
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Simulate a month of a help desk.")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="demo-output")
    args = parser.parse_args(argv)

    console = Console()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    database = out / "helpdesk.sqlite3"
    for stale in out.glob("helpdesk.sqlite3*"):
        stale.unlink()

    console.print(
        f"[bold]supportflow {supportflow.__version__}[/bold]: {args.days} days of a help desk "
        f"taking about {args.per_day} tickets a day (seed {args.seed})"
    )
    began = time.perf_counter()
    workload = WorkloadProfile(
        start=START, days=args.days, tickets_per_day=args.per_day, timezone=TIMEZONE
    ).generate(args.seed)
    today, alternative = scenarios(args.per_day)
    engine = create_engine(f"sqlite:///{database}")
    upgrade(engine)
    repository = Store(engine, sla=today.sla, escalation=today.escalation)
    done: list[Any] = []

    def persist(ticket: Any, outcome: TicketOutcome) -> None:
        done.append(ticket)

    results: list[SimulationResult] = []
    with Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        for scenario, sink in ((today, persist), (alternative, None)):
            task = progress.add_task(scenario.name, total=len(workload))
            results.append(
                run(
                    workload,
                    scenario,
                    on_ticket_done=sink,
                    progress=lambda done, _total, task=task: progress.update(task, completed=done),
                )
            )
            repository.add(*done)
            done.clear()
    comparison = WhatIf(a=results[0], b=results[1])
    elapsed = time.perf_counter() - began

    stored = list(repository.all(supportflow.Ticket))
    engine.dispose()
    console.print(
        f"Simulated {len(workload):,} tickets twice in {elapsed:.1f} s; "
        f"{len(stored):,} tickets persisted to {database} and loaded back.",
        soft_wrap=True,
    )
    # The KPI report of the tickets as stored, with the library's KPI module.
    responses = [r for program in results[0].run.feedback for r in program.responses]
    report = supportflow.kpi_report(
        stored,
        start=workload.start,
        end=workload.end,
        responses=responses,
        group_by="priority",
        calendar=office_hours(),
    )
    console.print(report.render_text(), markup=False, highlight=False, soft_wrap=True)
    console.print()
    console.print(kpi_table(comparison))
    html = results[0].to_html(title="supportflow demo: a month of a help desk", compare=comparison)
    report = out / "report.html"
    report.write_text(html, encoding="utf-8")
    console.print(f"HTML report: {report.resolve()}", soft_wrap=True)


if __name__ == "__main__":
    main()
