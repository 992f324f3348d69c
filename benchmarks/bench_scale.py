"""Scale: the simulator on a month of a large help desk (DESIGN.md section 4).

The full profile simulates 10,000 tickets a day for 30 days (about 300,000 tickets)
with SLA clocks, evaluation at every deadline, escalation, incidents, maintenance and
surveys, and checks it runs in under 60 s. Memory per ticket is measured at several
sizes (each in a fresh process, peak RSS and tracemalloc's peak) to show it stays flat.

With ``--floor`` it runs the simulator side by side with ``month_floor.py``, a
plain-Python floor of the same desk work: both are first run once and asserted equal
ticket by ticket, then timed in alternation (CPU time, best of N), then CPU per arrival
in the first and last tenth of the arrivals with the work per arrival in each, and a
cProfile of supportflow restricted to those two tenths.

    python benchmarks/bench_scale.py            # full profile (a few minutes)
    python benchmarks/bench_scale.py --quick    # small profile (under a minute)
    python benchmarks/bench_scale.py --floor --quick   # floor, 1,000/day x 7 days
    python benchmarks/bench_scale.py --floor           # floor, 10,000/day x 3 days
    python benchmarks/bench_scale.py --floor --month   # floor, 10,000/day x 30 days
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 3, 2, tzinfo=UTC)


def desk(per_day: int) -> Any:
    """The scenario: business-hours SLA for most, 24/7 for enterprise, escalation rules."""
    from supportflow import (
        BusinessCalendar,
        EscalateTo,
        EscalationPolicy,
        EscalationRule,
        NotifyManager,
        SLAConditions,
        SLAPolicy,
        SLAPolicySet,
        WhenSLABreached,
        WhenSLAReaches,
    )
    from supportflow.simulation import Scenario, Staffing

    hours = BusinessCalendar.weekdays("08:00", "18:00", timezone="Europe/Berlin")
    h = timedelta(hours=1)
    sla = SLAPolicySet(
        [
            SLAPolicy(
                "enterprise",
                {
                    "first_reply": {"urgent": h / 2, "high": h, "normal": 2 * h, "low": 4 * h},
                    "resolution": {
                        "urgent": 8 * h,
                        "high": 16 * h,
                        "normal": 24 * h,
                        "low": 48 * h,
                    },
                },
                conditions=SLAConditions(segments=["enterprise"]),
            ),
            SLAPolicy(
                "standard",
                {
                    "first_reply": {"urgent": h, "high": 2 * h, "normal": 4 * h, "low": 8 * h},
                    "resolution": {
                        "urgent": 8 * h,
                        "high": 16 * h,
                        "normal": 32 * h,
                        "low": 60 * h,
                    },
                },
                calendar=hours,
            ),
        ]
    )
    escalation = EscalationPolicy(
        [
            EscalationRule("warn lead", WhenSLAReaches("first_reply", 75), NotifyManager("lead")),
            EscalationRule("late resolution", WhenSLABreached("resolution"), EscalateTo()),
        ]
    )
    # Agents sized to the volume: about one per 16 tickets a day, split over tiers.
    agents = max(3, per_day // 16)
    staffing = Staffing.rotation(
        {1: agents // 2, 2: agents - agents // 2 - agents // 10, 3: max(1, agents // 10)},
        timezone="Europe/Berlin",
    )
    return Scenario(name="large desk", staffing=staffing, sla=sla, escalation=escalation)


def interpreter() -> str:
    """The interpreter and how it was built, which moves these figures.

    On the project's machine, pyenv's default CPython (``libpython`` a shared library,
    no profile-guided optimization) ran this workload 1.1-1.25x slower than Debian's
    ``/usr/bin/python3.11`` (linked statically, optimized with profiles).
    """
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            shared = "libpython" in maps.read()
    except OSError:
        return f"{platform.python_implementation()} {platform.python_version()}"
    build = "libpython as a shared library" if shared else "libpython linked in"
    return f"{platform.python_implementation()} {platform.python_version()} ({build})"


def _print_profile(rows: list[Any]) -> None:
    """A table of profiled functions: calls and tottime per arrival, first and last tenth."""
    print("| function | calls/arrival first | last | tottime µs/arrival first | last |")
    print("|---|---:|---:|---:|---:|")
    for _, (path, line, name), calls0, calls1, us0, us1 in rows:
        where = f"{os.path.basename(path)}:{line}({name})"
        print(f"| `{where}` | {calls0:.2f} | {calls1:.2f} | {us0:.1f} | {us1:.1f} |")


def child(per_day: int, days: int, memory: bool) -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    from supportflow.simulation import WorkloadProfile, simulate

    profile = WorkloadProfile(
        start=START, days=days, tickets_per_day=per_day, timezone="Europe/Berlin"
    )
    scenario = desk(per_day)
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if memory:
        tracemalloc.start()
    began = time.perf_counter()
    workload = profile.generate(seed=2026)
    generated = time.perf_counter()
    cpu = time.process_time()
    run = simulate(workload, scenario)
    finished = time.perf_counter()
    cpu = time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if memory else None
    tickets = len(run.outcomes)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "per_day": per_day,
        "days": days,
        "tickets": tickets,
        "generate_s": generated - began,
        "simulate_s": finished - generated,
        "simulate_cpu_s": cpu,
        "us_per_ticket": 1e6 * (finished - generated) / tickets,
        "tickets_per_s": tickets / (finished - generated),
        "events": run.events,
        "commands": run.commands,
        "closed": sum(1 for o in run.outcomes if o.closed),
        "peak_rss_mb": rss_kb / 1024,
        "rss_kb_per_ticket": (rss_kb - baseline_kb) / tickets,
        "tracemalloc_kb_per_ticket": None if peak is None else peak / 1024 / tickets,
        "python": interpreter(),
    }


def measure(per_day: int, days: int, memory: bool) -> dict[str, Any]:
    """Run :func:`child` in a fresh interpreter so peak memory belongs to one size."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(per_day), str(days), str(int(memory))],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return json.loads(output.stdout)


def floor(per_day: int, days: int, rounds: int) -> None:
    """The simulator against the plain-Python floor of month_floor.py, side by side."""
    import month_floor

    from supportflow.simulation import WorkloadProfile

    profile = WorkloadProfile(
        start=START, days=days, tickets_per_day=per_day, timezone="Europe/Berlin"
    )
    workload = profile.generate(seed=2026)
    scenario = desk(per_day)
    data = month_floor.prepare(workload, scenario)
    print(f"## Month floor: {per_day:,} tickets/day x {days} days, seed 2026")
    print()
    same = month_floor.check(workload, scenario, data)
    print("Asserted equal, floor and supportflow (per ticket, then in total):")
    print()
    for key, value in same.items():
        print(f"- {key}: {value:,}" if isinstance(value, int) else f"- {key}: {value}")
    print()
    ours, plain = month_floor.side_by_side(workload, scenario, data, rounds)
    print(f"CPU time, best of {rounds}, alternated (s):")
    print()
    print("| run | supportflow | floor | ratio |")
    print("|---|---:|---:|---:|")
    for index, (a, b) in enumerate(zip(ours, plain, strict=True), 1):
        print(f"| {index} | {a:.2f} | {b:.2f} | {a / b:.2f}x |")
    print(f"| best | {min(ours):.2f} | {min(plain):.2f} | {min(ours) / min(plain):.2f}x |")
    print()
    tenths = month_floor.per_tenth(workload, scenario, data, rounds)
    first, last = tenths["first"], tenths["last"]
    print(
        "Per arrival, first and last tenth of the arrivals and each whole week "
        f"(least CPU of {rounds} alternated runs per window):"
    )
    print()
    print(
        "| window | arrivals | supportflow µs | floor µs | ratio "
        "| commands | loop events | events recorded | SLA marks "
        "| escalations + notifications |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, row in tenths.items():
        work = row["per_arrival"]
        a, b = row["arrivals"]
        print(
            f"| {name} | {a:,}-{b:,} | {row['supportflow_us']:.1f} | {row['floor_us']:.1f} | "
            f"{row['supportflow_us'] / row['floor_us']:.2f}x | {work['commands']:.2f} | "
            f"{work['events']:.2f} | {work['recorded']:.2f} | {work['marks']:.2f} | "
            f"{work['escalations']:.3f} |"
        )
    pairs = [("last / first", first, last)]
    whole = [name for name in tenths if name.startswith("week")]
    if len(whole) > 1:
        pairs.append((f"{whole[-1]} / {whole[0]}", tenths[whole[0]], tenths[whole[-1]]))
    for label, before, after in pairs:
        ratio_before = before["supportflow_us"] / before["floor_us"]
        ratio_after = after["supportflow_us"] / after["floor_us"]
        print(
            f"| {label} | | {after['supportflow_us'] / before['supportflow_us']:.2f}x | "
            f"{after['floor_us'] / before['floor_us']:.2f}x | "
            f"{ratio_after / ratio_before:.2f}x | "
            + " | ".join(
                f"{after['per_arrival'][k] / max(before['per_arrival'][k], 1e-9):.2f}x"
                for k in month_floor.WORK
            )
            + " |"
        )
    print()
    profiled = month_floor.profile_tenths(workload, scenario)
    totals = profiled["totals_us"]
    print(
        "cProfile of supportflow in the two tenths only (µs of tottime per arrival under "
        f"the profiler: first {totals['first']:.0f}, last {totals['last']:.0f}); "
        "the functions that grow most:"
    )
    print()
    _print_profile(profiled["rows"])
    print()
    print("The catch-up functions issue 22 names:")
    print()
    _print_profile(profiled["watched"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small profile for a quick run")
    parser.add_argument(
        "--floor", action="store_true", help="side by side with the plain-Python floor"
    )
    parser.add_argument("--month", action="store_true", help="with --floor: the whole month")
    parser.add_argument("--rounds", type=int, default=None, help="with --floor: timed rounds")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        size = (1_000, 7) if args.quick else (10_000, 30) if args.month else (10_000, 3)
        rounds = args.rounds or (5 if args.quick else 2 if args.month else 3)
        floor(*size, rounds)
        return
    if args.child:
        per_day, days, memory = (int(v) for v in args.child)
        print(json.dumps(child(per_day, days, bool(memory))))
        return
    if args.quick:
        timed = (1_000, 7)
        rss_sizes = [(500, 7), (1_000, 7), (2_000, 7)]
        traced_sizes = rss_sizes
    else:
        timed = (10_000, 30)
        rss_sizes = [(10_000, 3), (10_000, 10), (10_000, 30)]
        traced_sizes = [(10_000, 1), (10_000, 3)]
    print("## Time")
    print()
    print(
        "| tickets/day x days | tickets | workload (s) | simulation, wall (s) "
        "| simulation, CPU (s) | µs/ticket (wall) | tickets/s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    rows = {timed: measure(*timed, memory=False)}
    row = rows[timed]
    print(
        f"| {timed[0]:,} x {timed[1]} | {row['tickets']:,} | {row['generate_s']:.1f} | "
        f"{row['simulate_s']:.1f} | {row['simulate_cpu_s']:.1f} | {row['us_per_ticket']:.0f} | "
        f"{row['tickets_per_s']:,.0f} |"
    )
    print(f"\nInterpreter: {row['python']} ({sys.executable}).")
    if timed == (10_000, 30):
        verdict = "met" if row["simulate_s"] < 60 else "missed"
        print(f"\nTarget: under 60 s for the month of 300,000 tickets: {verdict}.")
    print()
    print("## Memory per ticket (one fresh process per size)")
    print()
    print(
        "| tickets/day x days | tickets | peak RSS (MB) | RSS KB/ticket | traced peak KB/ticket |"
    )
    print("|---|---:|---:|---:|---:|")
    for size in sorted(set(rss_sizes) | set(traced_sizes), key=lambda s: s[0] * s[1]):
        rss = rows.get(size) or (measure(*size, memory=False) if size in rss_sizes else None)
        traced = measure(*size, memory=True) if size in traced_sizes else None
        tickets = (rss or traced or {}).get("tickets", 0)
        print(
            f"| {size[0]:,} x {size[1]} | {tickets:,} | "
            f"{'-' if rss is None else format(rss['peak_rss_mb'], '.0f')} | "
            f"{'-' if rss is None else format(rss['rss_kb_per_ticket'], '.2f')} | "
            f"{'-' if traced is None else format(traced['tracemalloc_kb_per_ticket'], '.2f')} |"
        )


if __name__ == "__main__":
    main()
