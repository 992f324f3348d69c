"""The store: aggregates, events, outbox and locks.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_document = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "supportflow_aggregates",
        sa.Column("type", sa.String(40), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document", _document, nullable=False),
        sa.Column("status", sa.String(40)),
        sa.Column("assignee", sa.String(200)),
        sa.Column("priority", sa.String(20)),
        sa.Column("customer_id", sa.String(200)),
        sa.Column("team", sa.String(200)),
        sa.Column("tier", sa.Integer),
        sa.Column("updated_at_us", sa.BigInteger, nullable=False),
        sa.Column("next_due_us", sa.BigInteger),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until_us", sa.BigInteger),
    )
    for column in ("status", "assignee", "priority", "customer_id", "next_due_us"):
        op.create_index(f"ix_supportflow_aggregates_{column}", "supportflow_aggregates", [column])
    op.create_table(
        "supportflow_events",
        sa.Column("aggregate_type", sa.String(40), primary_key=True),
        sa.Column("aggregate_id", sa.String(200), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("data", _document, nullable=False),
    )
    op.create_table(
        "supportflow_outbox",
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("aggregate_type", sa.String(40), nullable=False),
        sa.Column("aggregate_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("data", _document, nullable=False),
        sa.Column("published_at_us", sa.BigInteger),
    )
    op.create_index(
        "supportflow_outbox_unpublished", "supportflow_outbox", ["published_at_us", "position"]
    )
    op.create_table(
        "supportflow_locks",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("owner", sa.String(200)),
        sa.Column("until_us", sa.BigInteger),
    )


def downgrade() -> None:
    for table in (
        "supportflow_locks",
        "supportflow_outbox",
        "supportflow_events",
        "supportflow_aggregates",
    ):
        op.drop_table(table)
