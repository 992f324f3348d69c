"""Persisting tickets through SQLAlchemy 2: SQLite by default, PostgreSQL on request.

The same design as ``sqlite_store.py`` (a JSON document plus indexed columns, a save
guarded by ``UPDATE ... WHERE id = ? AND version = ?``, a deadline sweep), written
with SQLAlchemy Core so one repository serves both databases. On PostgreSQL the
document column is ``JSONB``; elsewhere it is ``JSON`` text.

Set ``SUPPORTFLOW_DATABASE_URL`` to a PostgreSQL URL
(``postgresql+psycopg://user@host/db``) to use a server; without it the script uses
a SQLite file in a temporary directory.
"""

from __future__ import annotations

import calendar
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pendulum
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from supportflow import (
    BusinessCalendar,
    Channel,
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    NotifyManager,
    Priority,
    SLABreach,
    SLAPolicy,
    SLAPolicySet,
    SLAThreshold,
    Ticket,
    TicketStatus,
    Topic,
    VersionConflict,
)

R = TypeVar("R")

metadata = sa.MetaData()

tickets = sa.Table(
    "supportflow_tickets",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("document", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("priority", sa.String(20), nullable=False, index=True),
    sa.Column("tier", sa.Integer, index=True),
    # Microseconds since the epoch (UTC); NULL when nothing is scheduled.
    sa.Column("next_deadline", sa.BigInteger, index=True),
    sa.Column("version", sa.Integer, nullable=False),
)


def engine_for(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout for several processes."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _configure(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


class SQLAlchemyTicketRepository:
    """Tickets in one table through SQLAlchemy Core, on SQLite or PostgreSQL.

    ``sla`` and ``escalation`` are the host's configuration, re-attached on every load.
    """

    def __init__(
        self, engine: sa.Engine, *, sla: Any | None = None, escalation: Any | None = None
    ) -> None:
        self.engine = engine
        self.sla = sla
        self.escalation = escalation
        metadata.create_all(engine)

    @classmethod
    def from_url(cls, url: str, **configuration: Any) -> SQLAlchemyTicketRepository:
        """A repository on the database at ``url``."""
        return cls(engine_for(url), **configuration)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    @staticmethod
    def _columns(ticket: Ticket) -> dict[str, Any]:
        return {
            "document": ticket.to_dict(),
            "status": ticket.status.value,
            "priority": ticket.priority.value,
            "tier": ticket.tier,
            "next_deadline": ticket.next_deadline_us(),
            "version": ticket.version,
        }

    def _load(self, document: Any) -> Ticket:
        return Ticket.from_dict(document, sla=self.sla, escalation=self.escalation)

    def add(self, ticket: Ticket) -> None:
        """Store a new ticket; :class:`VersionConflict` if its id is already taken."""
        try:
            with self.engine.begin() as connection:
                connection.execute(tickets.insert().values(id=ticket.id, **self._columns(ticket)))
        except sa.exc.IntegrityError:
            raise VersionConflict(ticket.id, 0, self.stored_version(ticket.id)) from None

    def get(self, ticket_id: str) -> Ticket:
        """Load a ticket; :class:`KeyError` if there is none with that id."""
        with self.engine.connect() as connection:
            document = connection.execute(
                sa.select(tickets.c.document).where(tickets.c.id == ticket_id)
            ).scalar_one_or_none()
        if document is None:
            raise KeyError(ticket_id)
        return self._load(document)

    def stored_version(self, ticket_id: str) -> int | None:
        """The version stored for ``ticket_id`` (None when there is no such ticket)."""
        with self.engine.connect() as connection:
            version = connection.execute(
                sa.select(tickets.c.version).where(tickets.c.id == ticket_id)
            ).scalar_one_or_none()
        return None if version is None else int(version)

    def save(self, ticket: Ticket, *, expected_version: int) -> None:
        """``UPDATE ... WHERE id = ? AND version = ?``; :class:`VersionConflict` if no row matched.

        ``expected_version`` is ``ticket.version`` as it was when the ticket was loaded.
        On PostgreSQL a concurrent save of the same row waits for the other
        transaction and then finds the version changed, so exactly one of them wins.
        """
        if ticket.version == expected_version:
            return
        statement = (
            tickets.update()
            .where(tickets.c.id == ticket.id, tickets.c.version == expected_version)
            .values(**self._columns(ticket))
        )
        with self.engine.begin() as connection:
            matched = connection.execute(statement).rowcount
        if matched != 1:
            raise VersionConflict(ticket.id, expected_version, self.stored_version(ticket.id))

    def update(self, ticket_id: str, command: Callable[[Ticket], R], *, attempts: int = 20) -> R:
        """Load, run ``command(ticket)``, save; on a conflict reload and run it again."""
        for attempt in range(attempts):
            ticket = self.get(ticket_id)
            loaded = ticket.version
            result = command(ticket)
            try:
                self.save(ticket, expected_version=loaded)
            except VersionConflict:
                if attempt == attempts - 1:
                    raise
                continue
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def due(self, at: datetime, *, limit: int = 500) -> list[str]:
        """Ids of the tickets whose next deadline is at or before ``at``, earliest first."""
        at_us = calendar.timegm(at.utctimetuple()) * 1_000_000 + at.microsecond
        query = (
            sa.select(tickets.c.id)
            .where(tickets.c.next_deadline.is_not(None), tickets.c.next_deadline <= at_us)
            .order_by(tickets.c.next_deadline)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def sweep(self, at: datetime) -> int:
        """Evaluate every ticket whose deadline has passed and save it; returns events added."""
        recorded = 0
        for ticket_id in self.due(at):
            recorded += self.update(ticket_id, lambda ticket: due_work(ticket, at))
        return recorded

    def all(self) -> Iterator[Ticket]:
        """Every stored ticket (for reports and tests)."""
        with self.engine.connect() as connection:
            documents = list(
                connection.execute(sa.select(tickets.c.document).order_by(tickets.c.id)).scalars()
            )
        for document in documents:
            yield self._load(document)


def due_work(ticket: Ticket, at: datetime) -> int:
    """What a sweep does to one due ticket; returns the number of events recorded.

    ``evaluate`` records the SLA warnings and breaches due by ``at`` and then runs the
    escalation policy (idempotent); a solved ticket whose auto-close instant has
    passed is closed.
    """
    before = ticket.version
    ticket.evaluate(at=at)
    auto_close_at = ticket.auto_close_at
    if ticket.status is TicketStatus.SOLVED and auto_close_at is not None and auto_close_at <= at:
        ticket.auto_close(at=at)
    return ticket.version - before


def configuration() -> tuple[SLAPolicySet, EscalationPolicy]:
    """The host's SLA policies (on office hours) and escalation rules."""
    office = BusinessCalendar.weekdays("09:00", "17:00", timezone="America/New_York")
    hour = timedelta(hours=1)
    targets = {"first_reply": {"normal": 2 * hour, "high": hour}, "resolution": {"high": 8 * hour}}
    sla = SLAPolicySet([SLAPolicy("standard", targets, calendar=office)])
    escalation = EscalationPolicy(
        [
            EscalationRule("first-reply-75", SLAThreshold("first_reply", 75), EscalateTo()),
            EscalationRule("late", SLABreach("resolution"), NotifyManager("support_manager")),
        ]
    )
    return sla, escalation


def main() -> None:
    url = os.environ.get("SUPPORTFLOW_DATABASE_URL")
    sla, escalation = configuration()
    with tempfile.TemporaryDirectory() as folder:
        if url is None:
            url = f"sqlite:///{Path(folder) / 'helpdesk.db'}"
        repo = SQLAlchemyTicketRepository.from_url(url, sla=sla, escalation=escalation)
        print(f"database: {repo.engine.dialect.name}")
        t0 = pendulum.datetime(2026, 3, 2, 14, tz="UTC")  # Monday 09:00 in New York
        for number, priority in enumerate([Priority.HIGH, Priority.NORMAL]):
            repo.add(
                Ticket.open(
                    f"T-{number + 1}",
                    customer_id=f"customer-{number}",
                    subject="Cannot log in",
                    topic=Topic.ACCOUNT,
                    channel=Channel.LIVE_CHAT,
                    priority=priority,
                    tier=1,
                    team="customer_service",
                    sla=sla,
                    escalation=escalation,
                    at=t0,
                )
            )
        repo.update("T-1", lambda t: t.assign("ana", at=t0.add(minutes=3)))
        repo.update("T-1", lambda t: t.reply("ana", "Reset link sent", at=t0.add(minutes=4)))
        stale = repo.get("T-2")
        loaded = stale.version
        repo.update("T-2", lambda t: t.assign("ben", at=t0.add(minutes=1)))
        stale.assign("cleo", at=t0.add(minutes=2))
        try:
            repo.save(stale, expected_version=loaded)
        except VersionConflict as conflict:
            print(f"conflict detected: {conflict}")
        # A periodic job: SLA warnings and breaches, escalations, auto-closes.
        print(f"sweep recorded {repo.sweep(t0.add(days=1))} events")
        for ticket in repo.all():
            print(
                f"{ticket.id}: {ticket.status.value}, tier {ticket.tier}, "
                f"version {ticket.version}, next deadline {ticket.next_deadline()}"
            )
            for event in ticket.history:
                if event.name in ("sla_warning", "sla_breached", "escalated", "manager_notified"):
                    detail = getattr(event, "metric", None) or getattr(event, "rule", None)
                    print(f"    {event.at} {event.name}: {detail}")
        repo.close()


if __name__ == "__main__":
    main()
