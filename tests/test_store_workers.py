"""Several sweep processes on one database, with deadlines falling due during the test
and one worker SIGKILLed in the middle of a batch: every due deadline is evaluated
exactly once (no missing and no duplicate event), on SQLite and on PostgreSQL.

Each ticket is opened with a first-reply target of a few wall-clock seconds around the
clock, so it has three deadlines (the 50 % and 75 % warnings and the breach) that come
due while the workers run. ``make test`` runs a few hundred tickets; the thousands run
behind the ``deep`` marker (``make test-deep``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pendulum
import pytest

from store_helpers import (
    LEASE,
    TARGET,
    check_every_deadline_once,
    evaluation_line,
    fresh_database,
    open_store,
    open_tickets,
    seconds_policy,
    spread,
    still_claimed,
)
from supportflow.sqlalchemy import Evaluation

STARTUP = timedelta(seconds=4)
BATCH = 20
WORKERS = 3
KILL_AFTER = 2  # the first worker kills itself after this many evaluations, mid-batch
HERE = Path(__file__).resolve().parent


def worker(url: str, log: str, stop_at: float, kill_after: int) -> None:
    """Sweep until a sweep after ``stop_at`` (epoch seconds) finds nothing to do (at
    most two minutes more), logging each evaluation as a JSON line. With ``kill_after``
    > 0, SIGKILL this process in the middle of a batch: after that many evaluations, at
    the first one that leaves other aggregates of its batch still claimed."""
    store = open_store(url, sla=seconds_policy(TARGET))
    name = f"worker-{os.getpid()}"
    done = 0
    with open(log, "a", encoding="utf-8") as out:

        def record(evaluation: Evaluation) -> None:
            nonlocal done
            out.write(evaluation_line(evaluation))
            out.flush()
            done += 1
            if 0 < kill_after <= done and still_claimed(store, name):
                os.kill(os.getpid(), signal.SIGKILL)

        while time.time() < stop_at + 120:
            report = store.sweep(limit=BATCH, lease=LEASE, worker=name, on_evaluated=record)
            if not report.evaluations and not report.conflicts:
                if time.time() > stop_at:
                    return
                time.sleep(0.05)


def run(url: str, tmp_path: Path, count: int) -> None:
    # The workers start first (a few seconds to import); the first deadline comes after.
    start = pendulum.now("UTC").add(seconds=STARTUP.total_seconds())
    last = (start + spread(count) * count + TARGET).timestamp()
    stop_at = last + LEASE.total_seconds() + 1
    logs = [tmp_path / f"worker-{number}.jsonl" for number in range(WORKERS)]
    code = "import sys; sys.path.insert(0, sys.argv[1]); import test_store_workers as t; "
    code += "t.worker(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]))"
    processes = [
        subprocess.Popen(
            [
                *(sys.executable, "-c", code, str(HERE), url, str(log), str(stop_at)),
                str(KILL_AFTER if number == 0 else 0),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for number, log in enumerate(logs)
    ]
    open_tickets(url, count, start)
    for process in processes:
        _out, err = process.communicate(timeout=stop_at - time.time() + 180)
        assert process.returncode in (0, -signal.SIGKILL), err
    assert processes[0].returncode == -signal.SIGKILL
    assert all(process.returncode == 0 for process in processes[1:])
    evaluations = [
        json.loads(line) for log in logs for line in log.read_text().splitlines() if line
    ]
    check_every_deadline_once(url, count)
    # Each SLA event was recorded by exactly one evaluation, whoever made it.
    recorded = Counter(
        (e["id"], name)
        for e in evaluations
        for name in e["recorded"]
        if name != "ticket_status_changed"
    )
    assert sum(recorded.values()) == 3 * count
    late = sorted(e["late"] for e in evaluations)
    print(
        f"{count} tickets, {len(evaluations)} evaluations by {WORKERS} workers (one killed): "
        f"lateness median {late[len(late) // 2]:.3f} s, max {late[-1]:.3f} s"
    )
    # The killed worker's claims waited for its lease, then another worker took them.
    assert late[-1] >= LEASE.total_seconds() * 0.5


def database(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    fresh_database(url)
    return url


KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("kind", KINDS)
def test_workers_evaluate_every_due_deadline_once_though_one_is_killed(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    run(database(kind, tmp_path, request), tmp_path, 150)


@pytest.mark.deep
@pytest.mark.parametrize("kind", KINDS)
def test_thousands_of_tickets_with_a_killed_worker(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    run(database(kind, tmp_path, request), tmp_path, 3000)
