"""Event names of supportflow 0.3: every event named by its subject and what happened.

Ticket events gained their ``ticket_`` prefix (``assigned`` -> ``ticket_assigned``), an
SLA warning became ``sla_threshold_reached`` and a maintenance's verification step
``maintenance_verification_started``. The stored documents upgrade themselves when
loaded (ticket schema 2, maintenance schema 2); this revision renames the rows of the
event log and the outbox, whose ``name`` column and ``data`` carry the old names.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_document = sa.JSON().with_variant(JSONB(), "postgresql")

# Frozen here: a migration states the names as they were, whatever the code says later.
_RENAMED = {
    "ticket": {
        "assigned": "ticket_assigned",
        "replied": "ticket_replied",
        "note_added": "ticket_note_added",
        "customer_messaged": "ticket_customer_messaged",
        "status_changed": "ticket_status_changed",
        "solved": "ticket_solved",
        "priority_changed": "ticket_priority_changed",
        "tagged": "ticket_tagged",
        "untagged": "ticket_untagged",
        "linked": "ticket_linked",
        "escalated": "ticket_escalated",
        "de_escalated": "ticket_de_escalated",
        "manager_notified": "ticket_manager_notified",
        "priority_raised": "ticket_priority_raised",
        "customer_requested_escalation": "ticket_escalation_requested",
        "sla_warning": "sla_threshold_reached",
    },
    "maintenance": {"maintenance_verifying": "maintenance_verification_started"},
}


def _rename(table_name: str, keys: tuple[str, ...], names: dict[str, dict[str, str]]) -> None:
    others: list[sa.ColumnClause[Any]] = [sa.column(key) for key in keys if key != "aggregate_type"]
    table = sa.table(
        table_name,
        sa.column("aggregate_type", sa.String),
        sa.column("name", sa.String),
        sa.column("data", _document),
        *others,
    )
    connection = op.get_bind()
    for kind, renamed in names.items():
        rows = connection.execute(
            sa.select(*(table.c[key] for key in keys), table.c.name, table.c.data).where(
                table.c.aggregate_type == kind, table.c.name.in_(list(renamed))
            )
        ).all()
        for row in rows:
            new = renamed[row.name]
            data: Any = row.data
            if isinstance(data, dict) and data.get("event") == row.name:
                data = {**data, "event": new}
            connection.execute(
                table.update()
                .where(*(table.c[key] == getattr(row, key) for key in keys))
                .values(name=new, data=data)
            )


def upgrade() -> None:
    _rename("supportflow_events", ("aggregate_type", "aggregate_id", "version"), _RENAMED)
    _rename("supportflow_outbox", ("position",), _RENAMED)


def downgrade() -> None:
    back = {kind: {new: old for old, new in renamed.items()} for kind, renamed in _RENAMED.items()}
    _rename("supportflow_events", ("aggregate_type", "aggregate_id", "version"), back)
    _rename("supportflow_outbox", ("position",), back)
