"""Alembic environment: runs on the connection :func:`supportflow.sqlalchemy.upgrade` passes."""

from __future__ import annotations

from alembic import context

from supportflow.sqlalchemy._schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table="supportflow_alembic_version",
)
with context.begin_transaction():
    context.run_migrations()
