"""The store's tables, as SQLAlchemy Core objects (the migrations create the same schema).

Instants are integers, microseconds since the epoch (UTC), so comparisons are the same on
every database. The document column is ``JSONB`` on PostgreSQL and JSON text elsewhere.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

__all__ = ["aggregates", "events", "locks", "metadata", "outbox"]

metadata = sa.MetaData()

_document = sa.JSON().with_variant(JSONB(), "postgresql")

#: The current document of every aggregate, with the columns hosts query.
aggregates = sa.Table(
    "supportflow_aggregates",
    metadata,
    sa.Column("type", sa.String(40), primary_key=True),
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", _document, nullable=False),
    sa.Column("status", sa.String(40), index=True),
    sa.Column("assignee", sa.String(200), index=True),
    sa.Column("priority", sa.String(20), index=True),
    sa.Column("customer_id", sa.String(200), index=True),
    sa.Column("team", sa.String(200)),
    sa.Column("tier", sa.Integer),
    sa.Column("updated_at_us", sa.BigInteger, nullable=False),
    # The aggregate's next deadline; NULL when nothing is due.
    sa.Column("next_due_us", sa.BigInteger, index=True),
    # A sweep's claim: who holds the aggregate and until when.
    sa.Column("lease_owner", sa.String(200)),
    sa.Column("lease_until_us", sa.BigInteger),
)

#: Every event ever recorded, append-only; version n is the aggregate's n-th event.
events = sa.Table(
    "supportflow_events",
    metadata,
    sa.Column("aggregate_type", sa.String(40), primary_key=True),
    sa.Column("aggregate_id", sa.String(200), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("at_us", sa.BigInteger, nullable=False),
    sa.Column("data", _document, nullable=False),
)

#: The events still to hand to the host (the relay marks them published).
outbox = sa.Table(
    "supportflow_outbox",
    metadata,
    sa.Column("position", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("key", sa.String(300), nullable=False, unique=True),
    sa.Column("aggregate_type", sa.String(40), nullable=False),
    sa.Column("aggregate_id", sa.String(200), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("data", _document, nullable=False),
    sa.Column("published_at_us", sa.BigInteger),
    sa.Index("supportflow_outbox_unpublished", "published_at_us", "position"),
)

#: Named leases shared by all processes (the outbox relay holds ``"relay"``).
locks = sa.Table(
    "supportflow_locks",
    metadata,
    sa.Column("name", sa.String(80), primary_key=True),
    sa.Column("owner", sa.String(200)),
    sa.Column("until_us", sa.BigInteger),
)
