"""The Celery app the Celery tests start workers and beat on (``celery -A celery_app``).

Configured from the environment the test sets: ``SUPPORTFLOW_TEST_DATABASE`` (the
store's URL), ``SUPPORTFLOW_TEST_BROKER`` (the private Redis), ``SUPPORTFLOW_TEST_LOGS``
(a folder: each process writes its evaluations and the keys it published there) and,
for one worker, ``SUPPORTFLOW_TEST_KILL_AFTER`` (it SIGKILLs itself after that many
evaluations, in the middle of a batch).
"""

from __future__ import annotations

import os
import signal
import socket
from datetime import timedelta
from pathlib import Path

from celery import Celery

from store_helpers import (
    LEASE,
    TARGET,
    evaluation_line,
    open_store,
    seconds_policy,
    still_claimed,
)
from supportflow.celery import install
from supportflow.sqlalchemy import Evaluation, OutboxMessage, Store

LOGS = Path(os.environ.get("SUPPORTFLOW_TEST_LOGS", "."))
KILL_AFTER = int(os.environ.get("SUPPORTFLOW_TEST_KILL_AFTER", "0"))

app = Celery("supportflow_test", broker=os.environ.get("SUPPORTFLOW_TEST_BROKER", "memory://"))
app.conf.update(
    broker_connection_retry_on_startup=True,
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
)
evaluated = 0


_stores: list[Store] = []


def tasks_store() -> Store:
    """This process's store (one engine per worker process)."""
    if not _stores:
        _stores.append(
            open_store(os.environ["SUPPORTFLOW_TEST_DATABASE"], sla=seconds_policy(TARGET))
        )
    return _stores[0]


def record(evaluation: Evaluation) -> None:
    global evaluated
    with open(LOGS / f"evaluations-{os.getpid()}.jsonl", "a", encoding="utf-8") as out:
        out.write(evaluation_line(evaluation))
    evaluated += 1
    # Die in the middle of a batch: other aggregates of it still claimed by this process
    # (the store names a sweep's owner "host:pid:random").
    owner = f"{socket.gethostname()}:{os.getpid()}:%"
    if 0 < KILL_AFTER <= evaluated and still_claimed(tasks_store(), owner):
        os.kill(os.getpid(), signal.SIGKILL)


def publish(message: OutboxMessage) -> None:
    with open(LOGS / f"published-{os.getpid()}.txt", "a", encoding="utf-8") as out:
        out.write(message.key + "\n")


tasks = install(
    app,
    tasks_store,
    publish=publish,
    every=timedelta(seconds=0.5),
    limit=20,
    lease=LEASE,
    on_evaluated=record,
)
