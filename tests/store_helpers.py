"""Shared by the store tests: a fresh database per test (SQLite file or the private
PostgreSQL server), the helpdesk configuration, and ticket factories."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa

from supportflow import BusinessCalendar, Channel, Priority, SLAPolicy, SLAPolicySet, Ticket, Topic
from supportflow.events import SLABreached, SLAThresholdReached
from supportflow.sqlalchemy import (
    Evaluation,
    Store,
    aggregates,
    create_engine,
    events,
    metadata,
    upgrade,
)

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")

#: The first-reply target of the tickets whose deadlines fall due while workers run.
TARGET = timedelta(seconds=4)
#: How long a sweep worker holds what it claimed.
LEASE = timedelta(seconds=2)


def fresh_database(url: str) -> None:
    """Drop the store's tables (and Alembic's version table) and migrate again."""
    engine = create_engine(url)
    with engine.begin() as connection:
        metadata.drop_all(connection)
        connection.execute(sa.text("DROP TABLE IF EXISTS supportflow_alembic_version"))
    upgrade(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, or the suite's PostgreSQL server."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    fresh_database(url)
    return url


def open_store(url: str, **configuration: object) -> Store:
    return Store(create_engine(url), **configuration)  # type: ignore[arg-type]


def new_ticket(ticket_id: str, priority: Priority = Priority.NORMAL, **options: object) -> Ticket:
    return Ticket.open(
        ticket_id,
        customer_id="acme",
        subject="The export fails",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        priority=priority,
        body="Every CSV export stops at 10 %",
        at=options.pop("at", T0),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


def seconds_policy(first_reply: timedelta) -> SLAPolicySet:
    """Around the clock, a first reply due ``first_reply`` after opening (warnings at
    50 % and 75 %): three deadlines per ticket, in wall-clock seconds."""
    return SLAPolicySet(
        [
            SLAPolicy(
                "fast",
                {"first_reply": {"normal": first_reply}},
                calendar=BusinessCalendar.always_open(),
            )
        ]
    )


def spread(count: int) -> timedelta:
    """Between two ticket openings: a hundred a second, over 3 s at least."""
    return max(timedelta(seconds=3), timedelta(seconds=count / 100)) / count


def open_tickets(url: str, count: int, start: pendulum.DateTime) -> None:
    """Store ``count`` tickets opened from ``start`` on, ``spread(count)`` apart."""
    store = open_store(url, sla=seconds_policy(TARGET))
    step = spread(count)
    tickets: list[Ticket] = []
    for number in range(count):
        opened = start + step * number
        tickets.append(new_ticket(f"T-{number:05d}", sla=store.sla, at=opened))
    for chunk in range(0, count, 200):
        store.add(*tickets[chunk : chunk + 200])
    store.engine.dispose()


def check_every_deadline_once(url: str, count: int) -> None:
    """Each of the ``count`` tickets recorded its two warnings and its breach, once each,
    and nothing is due any more."""
    store = open_store(url, sla=seconds_policy(TARGET))
    try:
        with store.engine.connect() as connection:
            names = dict(
                connection.execute(
                    sa.select(events.c.name, sa.func.count()).group_by(events.c.name)
                ).all()
            )
        expected = {
            "ticket_opened": count,
            "sla_threshold_reached": 2 * count,
            "sla_breached": count,
        }
        assert names == expected
        for ticket in store.all(Ticket):
            marks = [
                (e.name, getattr(e, "threshold", None))
                for e in ticket.history
                if isinstance(e, SLAThresholdReached | SLABreached)
            ]
            assert marks == [
                ("sla_threshold_reached", 0.5),
                ("sla_threshold_reached", 0.75),
                ("sla_breached", None),
            ]
            assert ticket.next_deadline() is None
        assert store.due() == []
    finally:
        store.engine.dispose()


def still_claimed(store: Store, owner: str) -> int:
    """How many aggregates a lease owner holds right now (``owner`` may end with ``%``)."""
    with store.engine.connect() as connection:
        held: int = connection.execute(
            sa.select(sa.func.count()).where(aggregates.c.lease_owner.like(owner))
        ).scalar_one()
    return held


def evaluation_line(evaluation: Evaluation) -> str:
    """One sweep evaluation as a line of JSON, for a worker process's log."""
    line = {
        "id": evaluation.aggregate_id,
        "recorded": list(evaluation.recorded),
        "late": evaluation.lateness.total_seconds(),
    }
    return json.dumps(line) + "\n"
