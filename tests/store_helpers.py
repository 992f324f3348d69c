"""Shared by the store tests: a fresh database per test (SQLite file or the private
PostgreSQL server), the helpdesk configuration, and ticket factories."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa

from supportflow import (
    BusinessCalendar,
    Channel,
    Priority,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    Topic,
)
from supportflow.sqlalchemy import Store, create_engine, metadata, upgrade

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")


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
