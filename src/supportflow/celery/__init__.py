"""supportflow's deadline sweep and outbox relay as Celery tasks.

Install with ``pip install 'supportflow[celery,sqlalchemy]'``. :func:`install` registers
two tasks on the host's Celery app and schedules them with beat; any number of workers
on any number of machines share the work through the database (the store's leases),
so running a task twice or on two workers at once is safe. The core package never
imports this one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs

from ..sqlalchemy import Evaluation, OutboxMessage, Store

__all__ = ["Tasks", "install"]


@attrs.frozen
class Tasks:
    """The tasks :func:`install` registered: call ``sweep.delay()`` or ``relay.delay()``
    to run one at once."""

    sweep: Any
    relay: Any


def install(
    app: Any,
    store: Callable[[], Store],
    *,
    publish: Callable[[OutboxMessage], None] | None = None,
    every: timedelta = timedelta(seconds=5),
    limit: int = 50,
    lease: timedelta = timedelta(seconds=30),
    on_evaluated: Callable[[Evaluation], None] | None = None,
) -> Tasks:
    """Register ``supportflow.sweep`` (and ``supportflow.relay`` when ``publish`` is
    given) on ``app`` and add both to its beat schedule, every ``every``.

    ``store`` builds the worker's :class:`~supportflow.sqlalchemy.Store`; it is called
    once per worker process, on the first task. A sweep task claims up to ``limit`` due
    aggregates for ``lease`` and calls itself again at once while it finds full batches,
    so a backlog drains without waiting for beat.
    """
    cache: list[Store] = []

    def worker_store() -> Store:
        if not cache:
            cache.append(store())
        return cache[0]

    @app.task(name="supportflow.sweep", ignore_result=True)  # type: ignore[untyped-decorator]
    def sweep() -> int:
        report = worker_store().sweep(limit=limit, lease=lease, on_evaluated=on_evaluated)
        if len(report.evaluations) + report.conflicts >= limit:
            sweep.delay()
        return len(report.evaluations)

    schedule = dict(app.conf.beat_schedule or {})
    seconds = every.total_seconds()
    schedule["supportflow.sweep"] = {"task": "supportflow.sweep", "schedule": seconds}
    relay = None
    if publish is not None:
        deliver = publish

        @app.task(name="supportflow.relay", ignore_result=True)  # type: ignore[untyped-decorator]
        def relay_task() -> int:
            report = worker_store().relay(deliver, limit=limit * 4)
            if report.published >= limit * 4:
                relay_task.delay()
            return report.published

        relay = relay_task
        schedule["supportflow.relay"] = {"task": "supportflow.relay", "schedule": seconds}
    app.conf.beat_schedule = schedule
    return Tasks(sweep=sweep, relay=relay)
