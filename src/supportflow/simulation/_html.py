"""A self-contained HTML report of a simulation: works offline, no script, no external file."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Final

from .._kernel._lifecycle import Lifecycle
from .._kernel._time import US_PER_DAY, to_datetime
from ._svg import bar_chart, line_chart, state_diagram

if TYPE_CHECKING:
    from ._results import SimulationResult, WhatIf

__all__ = ["lifecycles", "render_report"]

# Modules whose lifecycles the report draws, in reading order.
_LIFECYCLE_MODULES: Final = (
    "_tickets._ticket",
    "_proactive._outreach",
    "_proactive._incidents",
    "_proactive._maintenance",
    "_proactive._feedback",
    "_customers._customer",
)

_STYLE: Final = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
.meta{color:#666}table{border-collapse:collapse;margin:.6rem 0}
td,th{padding:.25rem .8rem;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f6f8fa}
figure{margin:1rem 0}figure svg{display:block;max-width:100%;height:auto}
figcaption{color:#555;font-size:.9rem}
details{margin:.4rem 0 1.4rem}pre{background:#f6f8fa;padding:.8rem;overflow-x:auto}
"""


def lifecycles() -> list[Lifecycle]:
    """Every lifecycle defined in the library's modules, in a stable order."""
    found: list[Lifecycle] = []
    for name in _LIFECYCLE_MODULES:
        module = importlib.import_module(f"supportflow.{name}")
        for value in vars(module).values():
            if isinstance(value, Lifecycle) and value not in found:
                found.append(value)
    return found


def _kpi_table(result: SimulationResult, compare: WhatIf | None) -> str:
    if compare is None:
        return _html_table(("KPI", "value"), result.kpis.rows())
    return _html_table(("KPI", compare.a.scenario, compare.b.scenario), compare.rows())


def _sla_chart(result: SimulationResult, key: str) -> str:
    weeks = result.weeks()
    series = result.weekly_sla()
    return bar_chart(
        f"SLA compliance by week and priority ({result.scenario})",
        [f"week of {label}" for _, label in weeks],
        series,
        y_max=100.0,
        unit="%",
    ).replace("<svg ", f'<svg id="sla-{escape(key)}" ', 1)


def _backlog_chart(results: list[SimulationResult]) -> str:
    run = results[0].run
    ticks = []
    day = run.start_us
    step = US_PER_DAY if run.end_us - run.start_us <= 10 * US_PER_DAY else 7 * US_PER_DAY
    while day <= run.end_us:
        ticks.append((day / US_PER_DAY, to_datetime(day).format("MMM DD")))
        day += step
    series = {
        result.scenario: [(us / US_PER_DAY, float(count)) for us, count in result.run.backlog]
        for result in results
    }
    return line_chart("Backlog over time (unsolved tickets)", series, x_ticks=ticks).replace(
        "<svg ", '<svg id="backlog" ', 1
    )


def _proactive(result: SimulationResult) -> str:
    incidents = [
        (
            f"{incident.id}: {incident.title}",
            str(incident.status),
            str(len(incident.linked_tickets)),
            str(len(incident.solved_tickets)),
        )
        for incident in result.run.incidents
    ]
    maintenances = [
        (
            f"{maintenance.id}: {maintenance.title}",
            str(maintenance.status),
            str(len(maintenance.customers)),
            str(len(maintenance.notices_sent)),
        )
        for maintenance in result.run.maintenances
    ]
    if not incidents and not maintenances:
        return "<p>No incident or maintenance in this period.</p>"
    parts = []
    if incidents:
        parts.append(
            _html_table(("incident", "status", "tickets linked", "tickets solved"), incidents)
        )
    if maintenances:
        parts.append(
            _html_table(
                ("maintenance", "status", "customers affected", "notices sent"), maintenances
            )
        )
    return "".join(parts)


def _html_table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _counts(lifecycle: Lifecycle) -> str:
    moves = sum(1 for source, _, dest in lifecycle.edges() if source != dest)
    return (
        f"{len(lifecycle.states)} states, {moves} transitions between them; "
        f"{len(lifecycle.final_states)} final"
    )


def render_report(result: SimulationResult, *, title: str, compare: WhatIf | None = None) -> str:
    """The whole report as one HTML document (see :meth:`SimulationResult.to_html`)."""
    run = result.run
    start = to_datetime(run.start_us).format("YYYY-MM-DD")
    end = to_datetime(run.end_us - 1).format("YYYY-MM-DD")
    compared = [result] if compare is None else [compare.a, compare.b]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{start} to {end} · workload seed {run.workload_seed} · '
        f"{len(run.outcomes):,} tickets · {run.events:,} simulated events · "
        f"{run.commands:,} commands on real supportflow objects</p>",
        "<h2>Key figures</h2>",
        f'<p class="meta">{escape(result.window)}</p>',
        _kpi_table(result, compare),
        "<h2>SLA compliance by week and priority</h2>",
    ]
    for index, item in enumerate(compared):
        parts.append(f"<figure>{_sla_chart(item, str(index))}</figure>")
    parts += [
        "<h2>Backlog over time</h2>",
        f"<figure>{_backlog_chart(compared)}</figure>",
        "<h2>Incidents and maintenance</h2>",
        _proactive(result),
        "<h2>Lifecycles</h2>",
        "<p>Drawn from the same <code>transitions</code> Machines the library runs; the "
        "Mermaid source under each diagram renders the same graph in any Mermaid viewer.</p>",
    ]
    for lifecycle in lifecycles():
        parts.append(
            f'<figure id="lifecycle-{escape(lifecycle.kind.replace(" ", "-"))}">'
            f"{state_diagram(lifecycle)}<figcaption>{_counts(lifecycle)}</figcaption>"
            f"</figure><details><summary>Mermaid source</summary>"
            f'<pre class="mermaid-source">{escape(lifecycle.mermaid())}</pre></details>'
        )
    parts.append("</body></html>")
    return "\n".join(parts)
