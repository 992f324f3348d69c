"""The month floor of ``benchmarks/month_floor.py`` does the simulator's desk work exactly.

A correctness check of the benchmark, not a timing: on a small desk the floor and
``simulate`` agree ticket by ticket (and on the loop's event and command counts, the
hourly backlog, notices and NPS answers), and the floor's business time is the
calendar's.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from datetime import time
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from supportflow import BusinessCalendar
from supportflow.simulation import WorkloadProfile, simulate

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # bench_scale imports month_floor by name
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


floor = _load("month_floor")
scale = _load("bench_scale")


@pytest.fixture(scope="module")
def small_desk() -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
    profile = WorkloadProfile(
        start=scale.START, days=4, tickets_per_day=300, timezone="Europe/Berlin"
    )
    workload = profile.generate(seed=2026)
    scenario = scale.desk(300)
    data = floor.prepare(workload, scenario)
    theirs = floor.supportflow_results(simulate(workload, scenario, keep_tickets=True))
    return workload, scenario, data, theirs


def test_the_floor_agrees_with_the_simulator_ticket_by_ticket(small_desk: Any) -> None:
    workload, _, data, theirs = small_desk
    mine = floor.run_floor(data)
    floor.compare(mine, theirs)
    outcomes = theirs["outcomes"]
    # Not a vacuous agreement: breaches of both metrics, escalations, reopens, incidents
    # solved for their tickets and surveys all happened.
    assert {metric for o in outcomes for metric in o[5]} == {"first_reply", "resolution"}
    assert sum(o[7] for o in outcomes) > 0
    assert sum(o[8] for o in outcomes) > 0
    resolved = {plan.resolved_us for plan in workload.incidents}
    assert any(o[3] in resolved for o in outcomes)
    assert any(o[11] is not None for o in outcomes)
    assert mine["notices"] > 0
    assert mine["nps_scores"]


def test_the_comparison_names_a_ticket_that_differs(small_desk: Any) -> None:
    _, _, data, theirs = small_desk
    mine = floor.run_floor(data)
    changed = list(mine["outcomes"][7])
    changed[6] += 1  # one warning more
    mine["outcomes"][7] = tuple(changed)
    with pytest.raises(AssertionError, match=changed[0]):
        floor.compare(mine, theirs)


def test_the_floor_counts_work_per_tenth_as_the_simulator(small_desk: Any) -> None:
    workload, scenario, data, _ = small_desk
    rows = floor.per_tenth(workload, scenario, data)  # asserts the commands per tenth
    assert set(rows) == {"first", "last"}
    assert all(row["per_arrival"]["commands"] > 1 for row in rows.values())


def test_the_floor_adds_business_time_as_the_calendar() -> None:
    calendar = BusinessCalendar.weekdays("08:00", "18:00", timezone="Europe/Berlin")
    start_us = scale.START.timestamp() * 1_000_000
    starts, ends = floor.open_intervals(
        ZoneInfo("Europe/Berlin"),
        (0, 1, 2, 3, 4),
        time(8),
        time(18),
        int(start_us),
        int(start_us) + 60 * floor.US_PER_DAY,
    )
    add = floor.business_adder(starts, ends)
    rng = random.Random(22)
    instants = [int(start_us) + rng.randrange(30 * floor.US_PER_DAY) for _ in range(300)]
    instants += starts[:10] + ends[:10]  # the edges of working intervals
    for at in instants:
        for amount in (1, 10 * floor.US_PER_HOUR, 30 * floor.US_PER_HOUR, rng.randrange(10**11)):
            assert add(at, amount) == calendar.add_us(at, amount), (at, amount)
