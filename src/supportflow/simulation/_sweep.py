"""What-if grids: one workload under many scenarios, on any ``concurrent.futures`` executor."""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import attrs

from .._kernel._errors import InvalidArgument
from ._engine import Scenario, simulate
from ._results import SimulationResult
from ._workload import Workload

__all__ = ["scenario_grid", "sweep"]


_AXES = frozenset(f.name for f in attrs.fields(Scenario)) - {"name"}


def scenario_grid(base: Scenario, **axes: Mapping[str, Any]) -> tuple[Scenario, ...]:
    """Every combination of the values of ``axes``, applied to ``base``, in grid order.

    Each keyword is a :class:`Scenario` field (``staffing``, ``sla``, ``escalation``,
    ``routing``, ``auto_close_after``, ``csat_delay``) mapped to ``{label: value}``;
    a scenario's name is the base name and its labels, joined by ``" / "``. The last
    axis varies fastest, as in :func:`itertools.product`.
    """
    if not isinstance(base, Scenario):
        raise InvalidArgument(f"base must be a Scenario, got {base!r}")
    for field, values in axes.items():
        if field not in _AXES:
            raise InvalidArgument(f"{field!r} is not a Scenario field one can vary")
        if not isinstance(values, Mapping) or not values:
            raise InvalidArgument(f"axis {field!r} must be a non-empty {{label: value}} mapping")
        for label in values:
            if not isinstance(label, str) or not label.strip():
                raise InvalidArgument(f"axis {field!r} has a blank or non-text label {label!r}")
    fields = list(axes)
    grid = []
    for combination in itertools.product(*(list(axes[f].items()) for f in fields)):
        labels = " / ".join(label for label, _ in combination)
        changes = {f: value for f, (_, value) in zip(fields, combination, strict=True)}
        name = f"{base.name} / {labels}" if labels else base.name
        grid.append(attrs.evolve(base, name=name, **changes))
    return tuple(grid)


def _run_scenario(
    workload: Workload, scenario: Scenario, drain: _dt.timedelta, pause_gc: bool
) -> SimulationResult:
    # Module level so that it pickles by reference for process and Dask workers.
    return SimulationResult.of(simulate(workload, scenario, drain=drain, pause_gc=pause_gc))


def _named(progress: Callable[[str, int, int], None], name: str) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        progress(name, done, total)

    return report


def sweep(
    workload: Workload,
    scenarios: Iterable[Scenario],
    *,
    executor: Executor | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    drain: _dt.timedelta = _dt.timedelta(days=7),
    pause_gc: bool = True,
) -> tuple[SimulationResult, ...]:
    """Run ``workload`` under every scenario and return the results in the same order.

    ``executor`` is any :class:`concurrent.futures.Executor` (a ``ProcessPoolExecutor``,
    or a Dask ``Client.get_executor()``); None runs each scenario in this process, one
    after another. The workload, scenarios and results travel by pickle. Each run is
    deterministic, so the results are the same whatever the executor and its number of
    workers. ``progress(name, done, total)`` reports arrivals processed in this process;
    under an executor it is called once per scenario, in grid order, as it finishes.
    """
    if not isinstance(workload, Workload):
        raise InvalidArgument(f"workload must be a Workload, got {workload!r}")
    grid: Sequence[Scenario] = tuple(scenarios)
    for scenario in grid:
        if not isinstance(scenario, Scenario):
            raise InvalidArgument(f"every scenario must be a Scenario, got {scenario!r}")
    if executor is not None and not isinstance(executor, Executor):
        raise InvalidArgument(f"executor must be a concurrent.futures.Executor, got {executor!r}")
    if executor is None:
        return tuple(
            SimulationResult.of(
                simulate(
                    workload,
                    scenario,
                    progress=None if progress is None else _named(progress, scenario.name),
                    drain=drain,
                    pause_gc=pause_gc,
                )
            )
            for scenario in grid
        )
    futures = [
        executor.submit(_run_scenario, workload, scenario, drain, bool(pause_gc))
        for scenario in grid
    ]
    results = []
    for scenario, future in zip(grid, futures, strict=True):
        result = future.result()
        if progress is not None:
            progress(scenario.name, len(workload), len(workload))
        results.append(result)
    return tuple(results)
