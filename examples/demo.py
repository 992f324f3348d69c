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
    python examples/demo.py --help
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import supportflow
from supportflow.simulation import (
    Scenario,
    SimulationResult,
    Staffing,
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
                supportflow.WhenSLAReaches("first_reply", 75),
                supportflow.NotifyManager("team lead"),
            ),
            supportflow.EscalationRule(
                "resolution breached",
                supportflow.WhenSLABreached("resolution"),
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


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="demo.py",
        description="Simulate a month of a help desk under two sets of policies, persist "
        "every ticket to SQLite, print the KPIs and write an HTML report.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--days", type=positive, default=30, help="days of customer contacts")
    parser.add_argument("--per-day", type=positive, default=400, help="tickets a day, on average")
    parser.add_argument(
        "--seed", type=int, default=7, help="seed of the workload (same seed, same month)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("demo-output"),
        help="folder for helpdesk.sqlite3 and report.html (replaced on each run)",
    )
    return parser


def arguments(argv: list[str] | None) -> tuple[argparse.Namespace, WorkloadProfile]:
    """The command line, checked before anything is touched (usage errors exit with 2)."""
    cli = parser()
    args = cli.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        cli.error(f"argument --out: {str(args.out)!r} exists and is not a folder")
    try:
        profile = WorkloadProfile(
            start=START, days=args.days, tickets_per_day=args.per_day, timezone=TIMEZONE
        )
    except supportflow.SupportflowError as error:
        cli.error(str(error))
    return args, profile


def stored_run(
    database: Path, workload: Any, scenario: Scenario, progress: Any
) -> tuple[SimulationResult, list[Any]]:
    """Run ``scenario``, storing every ticket in a fresh SQLite file through the packaged
    store (``supportflow.sqlalchemy``); load them back."""
    for stale in database.parent.glob(database.name + "*"):
        stale.unlink()
    engine = create_engine(f"sqlite:///{database}")
    upgrade(engine)
    store = Store(engine, sla=scenario.sla, escalation=scenario.escalation)
    done: list[Any] = []
    result = run(
        workload,
        scenario,
        on_ticket_done=lambda ticket, _: done.append(ticket),
        progress=progress,
    )
    store.add(*done)
    stored = list(store.all(supportflow.Ticket))
    engine.dispose()
    return result, stored


def report_of(
    tickets: list[Any], result: SimulationResult, workload: Any
) -> supportflow.metrics.Report:
    """The KPIs of the workload's days, ``[start, end)``: one engine for every table."""
    return supportflow.metrics.kpi_report(
        tickets,
        start=workload.start,
        end=workload.end,
        responses=[r for program in result.run.feedback for r in program.responses],
        group_by="priority",
        calendar=office_hours(),
    )


def rich_table(table: supportflow.metrics.ReportTable) -> Table:
    out = Table(box=box.SIMPLE_HEAD)
    for index, header in enumerate(table.headers):
        out.add_column(header, justify="left" if index == 0 else "right")
    for row in table.rows:
        out.add_row(*row)
    return out


def what_if_table(
    today: supportflow.metrics.Report, other: supportflow.metrics.Report, names: tuple[str, str]
) -> Table:
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("KPI")
    for name in names:
        table.add_column(name, justify="right")
    for (label, a), (_, b) in zip(today.summary(), other.summary(), strict=True):
        table.add_row(label, a, b)
    return table


def main(argv: list[str] | None = None) -> None:
    args, profile = arguments(argv)
    console = Console(width=min(100, Console().width))
    args.out.mkdir(parents=True, exist_ok=True)
    console.print(
        f"[bold]supportflow {supportflow.__version__}[/bold]: {args.days} days of a help desk "
        f"taking about {args.per_day} tickets a day (seed {args.seed})"
    )
    began = time.perf_counter()
    workload = profile.generate(args.seed)
    today, alternative = scenarios(args.per_day)
    database = args.out / "helpdesk.sqlite3"
    for name, policy in (("sla.json", today.sla), ("escalation.json", today.escalation)):
        (args.out / name).write_text(json.dumps(policy.to_dict(), indent=2), encoding="utf-8")
    other_tickets: list[Any] = []
    with Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:

        def advance(task: Any) -> Any:
            return lambda done, _total: progress.update(task, completed=done)

        first = progress.add_task(today.name, total=len(workload))
        result, stored = stored_run(database, workload, today, advance(first))
        second = progress.add_task(alternative.name, total=len(workload))
        other = run(
            workload,
            alternative,
            on_ticket_done=lambda ticket, _: other_tickets.append(ticket),
            progress=advance(second),
        )
    elapsed = time.perf_counter() - began
    console.print(f"Simulated {len(workload):,} tickets twice in {elapsed:.1f} s.")
    console.print(
        f"{len(stored):,} tickets persisted to {database} and loaded back.", soft_wrap=True
    )
    report = report_of(stored, result, workload)
    console.print()
    console.print(f"KPIs of scenario {today.name!r}, from the tickets as stored:")
    console.print(report.heading, style="bold")
    for table in report.tables():
        console.print(table.title, style="bold", markup=False, highlight=False)
        console.print(rich_table(table))
    for note in report.notes():
        console.print(note, markup=False, highlight=False)
    console.print()
    console.print("What if? The same customers under two sets of policies", style="bold")
    console.print(f"Same engine and window as above: {report.window}")
    console.print(
        what_if_table(
            report, report_of(other_tickets, other, workload), (today.name, alternative.name)
        )
    )
    html = result.to_html(
        title="supportflow demo: a month of a help desk", compare=WhatIf(a=result, b=other)
    )
    page = args.out / "report.html"
    page.write_text(html, encoding="utf-8")
    console.print(f"HTML report: {page.resolve()}", soft_wrap=True)
    policies = f"--sla {args.out / 'sla.json'} --escalation {args.out / 'escalation.json'}"
    console.print(
        f"The ticket KPIs again, from the store:\n  python -m supportflow report {database} "
        f"--group-by priority --start {START:%Y-%m-%d} --end {workload.end:%Y-%m-%d} {policies}",
        soft_wrap=True,
        markup=False,
        highlight=False,
    )


if __name__ == "__main__":
    main()
