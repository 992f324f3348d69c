"""What-if grids: the same results in-process, on a process pool and on a Dask cluster."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from supportflow import BusinessCalendar, InvalidArgument, SLAPolicy, SLAPolicySet
from supportflow.simulation import (
    Scenario,
    Staffing,
    WorkloadProfile,
    scenario_grid,
    sweep,
    what_if,
)

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def _sla(hours: int) -> SLAPolicySet:
    calendar = BusinessCalendar.weekdays("08:00", "18:00", timezone="Europe/Berlin")
    reply = timedelta(hours=hours)
    targets = {
        "first_reply": {"urgent": reply / 4, "high": reply / 2, "normal": reply, "low": reply * 2},
        "resolution": {p: timedelta(hours=40) for p in ("urgent", "high", "normal", "low")},
    }
    return SLAPolicySet([SLAPolicy("standard", targets, calendar=calendar)])


def _grid() -> tuple[Scenario, ...]:
    base = Scenario(name="desk", staffing=Staffing.rotation({1: 2, 2: 1}))
    return scenario_grid(
        base,
        staffing={
            "3 agents": Staffing.rotation({1: 2, 2: 1}, timezone="Europe/Berlin"),
            "6 agents": Staffing.rotation({1: 4, 2: 2}, timezone="Europe/Berlin"),
        },
        sla={"4h reply": _sla(4), "8h reply": _sla(8)},
    )


def _workload() -> Any:
    return WorkloadProfile(start=START, days=2, tickets_per_day=15).generate(seed=3)


def _kpis(results: tuple[Any, ...]) -> list[tuple[str, Any, Any]]:
    return [(r.scenario, r.kpis, r.outcomes) for r in results]


def test_the_grid_is_every_combination_in_order() -> None:
    names = [s.name for s in _grid()]
    assert names == [
        "desk / 3 agents / 4h reply",
        "desk / 3 agents / 8h reply",
        "desk / 6 agents / 4h reply",
        "desk / 6 agents / 8h reply",
    ]


def test_bad_grids_and_sweeps_are_refused() -> None:
    base = _grid()[0]
    with pytest.raises(InvalidArgument):
        scenario_grid(base, name={"x": "y"})
    with pytest.raises(InvalidArgument):
        scenario_grid(base, sla={})
    with pytest.raises(InvalidArgument):
        scenario_grid(base, sla={" ": None})
    with pytest.raises(InvalidArgument):
        sweep(_workload(), [base, "not a scenario"])  # type: ignore[list-item]
    with pytest.raises(InvalidArgument):
        sweep(_workload(), [base], executor="pool")  # type: ignore[arg-type]


def test_a_process_pool_gives_the_in_process_results_in_grid_order() -> None:
    workload, grid = _workload(), _grid()
    local = sweep(workload, grid)
    assert [r.scenario for r in local] == [s.name for s in grid]
    # The grid really varies something: more staff answer sooner.
    assert local[0].kpis != local[2].kpis
    seen: list[str] = []
    with ProcessPoolExecutor(max_workers=2) as pool:
        remote = sweep(workload, grid, executor=pool, progress=lambda n, d, t: seen.append(n))
    assert _kpis(remote) == _kpis(local)
    assert seen == [s.name for s in grid]
    assert pickle.loads(pickle.dumps(local[0])).kpis == local[0].kpis


def test_what_if_takes_the_same_path_on_an_executor() -> None:
    workload, grid = _workload(), _grid()
    here = what_if(workload, grid[0], grid[3])
    with ThreadPoolExecutor(max_workers=2) as pool:
        there = what_if(workload, grid[0], grid[3], executor=pool)
    assert there.rows() == here.rows()
    assert (there.a.scenario, there.b.scenario) == (grid[0].name, grid[3].name)


_DASK_CHECK = """
import distributed
import test_simulation_sweep as t
from supportflow.simulation import sweep

if __name__ == "__main__":
    workload, grid = t._workload(), t._grid()
    local = sweep(workload, grid)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = sweep(workload, grid, executor=client.get_executor())
    assert t._kpis(remote) == t._kpis(local), "Dask gave other results"
    print("same results")
"""


def test_a_dask_cluster_gives_the_in_process_results(tmp_path: Path) -> None:
    # In a child process: a Dask cluster leaves threads and cyclic garbage behind it,
    # which the other tests of this process must not see.
    pytest.importorskip("distributed")
    script = tmp_path / "dask_check.py"
    script.write_text(_DASK_CHECK, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "same results"
