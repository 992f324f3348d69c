"""What-if grids (issue 22): a grid of 4 scenarios in-process, on 1 and on 2 worker processes.

The speed-up of a pool is a matter of elapsed time, so this script reports elapsed-time
ratios (best of N, the three ways measured in turn in one parent process) next to the
CPU time each way spent, the parent's plus its finished workers'. Each way must return
the same KPIs and outcomes, in grid order.

    python benchmarks/bench_grid.py            # 4 x ~5,000 tickets, best of 3
    python benchmarks/bench_grid.py --quick    # 4 x ~750 tickets, best of 2
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from bench_scale import START, desk


def grid(per_day: int) -> Any:
    """Two staffing levels times two first-reply SLA policy sets (with and without escalation)."""
    from supportflow.simulation import Staffing, scenario_grid

    base = desk(per_day)
    agents = max(3, per_day // 16)
    return scenario_grid(
        base,
        staffing={
            "staffed": base.staffing,
            "lean": Staffing.rotation(
                {1: max(1, agents // 3), 2: max(1, agents // 4), 3: 1}, timezone="Europe/Berlin"
            ),
        },
        escalation={"escalation": base.escalation, "none": None},
    )


def cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def once(workload: Any, scenarios: Any, workers: int | None) -> tuple[float, float, Any]:
    """Elapsed and CPU seconds of one sweep (the pool's start and shutdown included)."""
    from supportflow.simulation import sweep

    cpu, began = cpu_s(), time.perf_counter()
    if workers is None:
        results = sweep(workload, scenarios)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = sweep(workload, scenarios, executor=pool)
    return time.perf_counter() - began, cpu_s() - cpu, results


def main() -> None:
    from supportflow.simulation import WorkloadProfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small grid, best of 2")
    args = parser.parse_args()
    per_day, rounds = (150, 2) if args.quick else (500, 3)
    profile = WorkloadProfile(
        start=START,
        days=10 if not args.quick else 5,
        tickets_per_day=per_day,
        timezone="Europe/Berlin",
    )
    workload = profile.generate(seed=2026)
    scenarios = grid(per_day)
    ways: dict[str, int | None] = {"in-process": None, "1 worker": 1, "2 workers": 2}
    best: dict[str, tuple[float, float]] = {}
    reference = None
    for _ in range(rounds):
        for label, workers in ways.items():
            elapsed, cpu, results = once(workload, scenarios, workers)
            answers = [(r.scenario, r.kpis, r.outcomes) for r in results]
            if reference is None:
                reference = answers
            assert answers == reference, f"{label} gave other results"
            if label not in best or elapsed < best[label][0]:
                best[label] = (elapsed, cpu)
    assert reference is not None
    tickets = sum(len(outcomes) for _, _, outcomes in reference)
    print(
        f"grid of {len(scenarios)} scenarios x {len(workload)} tickets "
        f"({tickets} simulated per sweep), best of {rounds}, {os.cpu_count()} cores"
    )
    base_elapsed = best["in-process"][0]
    for label, (elapsed, cpu) in best.items():
        print(
            f"  {label:<11} elapsed {elapsed:6.2f} s  cpu {cpu:6.2f} s  "
            f"speed-up vs in-process {base_elapsed / elapsed:4.2f}x"
        )
    for (name, kpis, _), scenario in zip(reference, scenarios, strict=True):
        assert name == scenario.name
        print(f"  {name}: SLA compliance {kpis.sla_compliance}, backlog end {kpis.backlog_end}")


if __name__ == "__main__":
    main()
