"""The sweep and the relay as Celery tasks: beat and three worker processes on a private
Redis, the store on the private PostgreSQL server, deadlines falling due during the run,
and one worker SIGKILLed in the middle of a batch. Every due deadline is evaluated
exactly once, and every event is published at least once with its stable key."""

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
import sqlalchemy as sa

from redis_server import redis_url  # noqa: F401  (session fixture: a private Redis)
from store_helpers import (
    TARGET,
    check_every_deadline_once,
    fresh_database,
    open_store,
    open_tickets,
    seconds_policy,
    spread,
)
from supportflow.sqlalchemy import outbox

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

HERE = Path(__file__).resolve().parent
WORKERS = 3
STARTUP = timedelta(seconds=2)  # from every worker answering a ping to the first opening


def celery(*arguments: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "celery_app", *arguments],
            cwd=HERE,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for_workers(broker: str) -> None:
    """Return once every worker answers a ping (Celery starts slowly on a loaded machine)."""
    from celery import Celery

    app = Celery("supportflow_test_control", broker=broker)
    try:
        for _attempt in range(120):
            if len(app.control.ping(timeout=1.0)) == WORKERS:
                return
        raise AssertionError("the Celery workers did not start")
    finally:
        app.close()


def settled(url: str, count: int) -> bool:
    """Whether every deadline has been evaluated and every event published."""
    store = open_store(url, sla=seconds_policy(TARGET))
    try:
        if store.due(at=pendulum.now("UTC").add(days=1)):
            return False
        with store.engine.connect() as connection:
            waiting = connection.execute(
                sa.select(sa.func.count()).where(outbox.c.published_at_us.is_(None))
            ).scalar_one()
            total = connection.execute(sa.select(sa.func.count()).select_from(outbox)).scalar()
        return waiting == 0 and total == 4 * count
    finally:
        store.engine.dispose()


def run(postgres_url: str, broker: str, tmp_path: Path, count: int) -> None:
    fresh_database(postgres_url)
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]),
        SUPPORTFLOW_TEST_DATABASE=postgres_url,
        SUPPORTFLOW_TEST_BROKER=broker,
        SUPPORTFLOW_TEST_LOGS=str(tmp_path),
    )
    processes = [
        celery("beat", "--schedule", str(tmp_path / "beat"), "--loglevel=warning",
               env=env, log=tmp_path / "beat.log"),
    ]  # fmt: skip
    workers = []
    for number in range(WORKERS):
        worker_env = dict(env, SUPPORTFLOW_TEST_KILL_AFTER="2" if number == 0 else "0")
        workers.append(
            celery("worker", "--pool=solo", f"--hostname=w{number}@%h", "--loglevel=warning",
                   "--without-gossip", "--without-mingle", "--without-heartbeat",
                   env=worker_env, log=tmp_path / f"worker-{number}.log")
        )  # fmt: skip
    processes += workers
    try:
        wait_for_workers(broker)
        start = pendulum.now("UTC") + STARTUP
        last = (start + spread(count) * count + TARGET).timestamp()
        open_tickets(postgres_url, count, start)
        deadline = last + 120
        while time.time() < deadline and not (time.time() > last and settled(postgres_url, count)):
            time.sleep(0.5)
        assert workers[0].poll() == -signal.SIGKILL, "the first worker was to die mid-batch"
        assert all(worker.poll() is None for worker in workers[1:])
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    logs = "\n".join(path.read_text(errors="replace") for path in tmp_path.glob("*.log"))
    check_every_deadline_once(postgres_url, count)
    evaluations = [
        json.loads(line)
        for path in tmp_path.glob("evaluations-*.jsonl")
        for line in path.read_text().splitlines()
    ]
    recorded = Counter((e["id"], name) for e in evaluations for name in e["recorded"])
    assert sum(recorded.values()) == 3 * count, logs
    published = Counter(
        key for path in tmp_path.glob("published-*.txt") for key in path.read_text().split()
    )
    assert len(published) == 4 * count  # every event, with its stable key
    late = sorted(e["late"] for e in evaluations)
    print(
        f"celery: {count} tickets, {len(evaluations)} evaluations, {WORKERS} workers (one "
        f"killed): lateness median {late[len(late) // 2]:.3f} s, max {late[-1]:.3f} s; "
        f"{sum(published.values()) - len(published)} messages published twice"
    )


def test_celery_workers_evaluate_every_deadline_once_though_one_is_killed(
    postgres_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run(postgres_url, request.getfixturevalue("redis_url"), tmp_path, 100)


@pytest.mark.deep
def test_celery_workers_over_thousands_of_tickets(
    postgres_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run(postgres_url, request.getfixturevalue("redis_url"), tmp_path, 3000)
