"""Alembic migrations of the store's schema, run by :func:`supportflow.sqlalchemy.upgrade`."""
