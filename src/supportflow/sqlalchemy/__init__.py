"""supportflow on SQLAlchemy 2 Core: a store for every aggregate type, a unit of work,
deadlines claimed with leases, and an outbox relay.

Install with ``pip install 'supportflow[sqlalchemy]'``. Create the schema with
:func:`upgrade` (Alembic migrations shipped in this package), then::

    store = Store(create_engine("sqlite:///helpdesk.db"), sla=policies)

The core package never imports this one.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from ._schema import aggregates, events, locks, metadata, outbox
from ._store import (
    AlreadyExists,
    Backoff,
    Claim,
    Evaluation,
    NotFound,
    OutboxMessage,
    RelayReport,
    Store,
    SweepReport,
    UnitOfWork,
    create_engine,
)

__all__ = [
    "AlreadyExists",
    "Backoff",
    "Claim",
    "Evaluation",
    "NotFound",
    "OutboxMessage",
    "RelayReport",
    "Store",
    "SweepReport",
    "UnitOfWork",
    "aggregates",
    "create_engine",
    "events",
    "locks",
    "metadata",
    "outbox",
    "upgrade",
]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: sa.Connection) -> Config:
    """An Alembic configuration for the shipped migrations, running on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the database's supportflow tables to ``revision`` (the latest by default)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
