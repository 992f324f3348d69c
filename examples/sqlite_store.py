"""Persisting tickets in SQLite with the standard library (the embedded default).

A host keeps each ticket as one JSON document plus a few indexed columns it queries
by (status, priority, tier, next_deadline, version). Saving checks the version the
ticket was loaded at (optimistic concurrency), so two workers never silently
overwrite each other: the loser gets :class:`supportflow.VersionConflict`, reloads and
applies its command again. A sweep loads the tickets whose next deadline has passed,
evaluates their SLA clocks and escalation, and saves them.

Run it with no arguments: it builds a small help desk in a temporary database.
"""

from __future__ import annotations

import calendar
import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pendulum

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

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id            TEXT PRIMARY KEY,
    document      TEXT    NOT NULL,  -- Ticket.to_dict() as JSON
    status        TEXT    NOT NULL,
    priority      TEXT    NOT NULL,
    tier          INTEGER,
    next_deadline INTEGER,           -- microseconds since the epoch (UTC), NULL: none
    version       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (status);
CREATE INDEX IF NOT EXISTS tickets_priority ON tickets (priority);
CREATE INDEX IF NOT EXISTS tickets_tier ON tickets (tier);
CREATE INDEX IF NOT EXISTS tickets_next_deadline ON tickets (next_deadline);
"""


class SQLiteTicketRepository:
    """Tickets in one SQLite table: a JSON document and the columns a host queries by.

    ``sla`` and ``escalation`` are the host's configuration (an ``SLAPolicySet`` and
    an ``EscalationPolicy``); they are not stored in the documents, so every load
    re-attaches them.
    """

    def __init__(
        self,
        connection: sqlite3.Connection,
        *,
        sla: Any | None = None,
        escalation: Any | None = None,
    ) -> None:
        self.connection = connection
        self.sla = sla
        self.escalation = escalation
        connection.executescript(SCHEMA)

    @classmethod
    def open(cls, path: str | Path, **configuration: Any) -> SQLiteTicketRepository:
        """Open (or create) a database file for several processes at once.

        WAL lets readers work while one process writes, and the busy timeout makes a
        writer wait for the lock instead of failing at once. Autocommit mode: each
        statement is its own transaction, and a save is one UPDATE.
        """
        connection = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA busy_timeout=30000")
        connection.execute("PRAGMA synchronous=NORMAL")
        return cls(connection, **configuration)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    # -- documents <-> rows ----------------------------------------------------------

    @staticmethod
    def _columns(ticket: Ticket) -> tuple[str, str, str, int | None, int | None, int]:
        return (
            json.dumps(ticket.to_dict(), separators=(",", ":")),
            ticket.status.value,
            ticket.priority.value,
            ticket.tier,
            ticket.next_deadline_us(),
            ticket.version,
        )

    def _load(self, document: str) -> Ticket:
        return Ticket.from_dict(json.loads(document), sla=self.sla, escalation=self.escalation)

    # -- repository ----------------------------------------------------------------------

    def add(self, ticket: Ticket) -> None:
        """Store a new ticket; :class:`VersionConflict` if its id is already taken."""
        try:
            self.connection.execute(
                "INSERT INTO tickets (id, document, status, priority, tier, next_deadline, "
                "version) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ticket.id, *self._columns(ticket)),
            )
        except sqlite3.IntegrityError:
            raise VersionConflict(ticket.id, 0, self.stored_version(ticket.id)) from None

    def get(self, ticket_id: str) -> Ticket:
        """Load a ticket; :class:`KeyError` if there is none with that id."""
        row = self.connection.execute(
            "SELECT document FROM tickets WHERE id = ?", (ticket_id,)
        ).fetchone()
        if row is None:
            raise KeyError(ticket_id)
        return self._load(row[0])

    def stored_version(self, ticket_id: str) -> int | None:
        """The version stored for ``ticket_id`` (None when there is no such ticket)."""
        row = self.connection.execute(
            "SELECT version FROM tickets WHERE id = ?", (ticket_id,)
        ).fetchone()
        return None if row is None else int(row[0])

    def save(self, ticket: Ticket, *, expected_version: int) -> None:
        """Store ``ticket`` if the stored one is still at ``expected_version``.

        ``expected_version`` is ``ticket.version`` as it was when the ticket was
        loaded. Raises :class:`VersionConflict` when someone else saved in between.
        """
        if ticket.version == expected_version:
            return  # no new event: nothing to write
        cursor = self.connection.execute(
            "UPDATE tickets SET document = ?, status = ?, priority = ?, tier = ?, "
            "next_deadline = ?, version = ? WHERE id = ? AND version = ?",
            (*self._columns(ticket), ticket.id, expected_version),
        )
        if cursor.rowcount != 1:
            raise VersionConflict(ticket.id, expected_version, self.stored_version(ticket.id))

    def update(self, ticket_id: str, command: Callable[[Ticket], R], *, attempts: int = 20) -> R:
        """Load, run ``command(ticket)``, save; on a conflict reload and run it again.

        Returns what the command returned. A command that raises (an invalid
        transition, say) changes nothing and its error propagates.
        """
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
        rows = self.connection.execute(
            "SELECT id FROM tickets WHERE next_deadline IS NOT NULL AND next_deadline <= ? "
            "ORDER BY next_deadline LIMIT ?",
            (at_us, limit),
        )
        return [row[0] for row in rows]

    def sweep(self, at: datetime) -> int:
        """Evaluate every ticket whose deadline has passed and save it; returns events added.

        Evaluation is idempotent, so a conflict (another worker touched the ticket)
        just means evaluating the fresh copy again.
        """
        recorded = 0
        for ticket_id in self.due(at):
            recorded += self.update(ticket_id, lambda ticket: due_work(ticket, at))
        return recorded

    def all(self) -> Iterator[Ticket]:
        """Every stored ticket (for reports and tests)."""
        for (document,) in self.connection.execute("SELECT document FROM tickets ORDER BY id"):
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
    office = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Paris")
    hour = timedelta(hours=1)
    sla = SLAPolicySet(
        [
            SLAPolicy(
                "standard",
                {
                    "first_reply": {"low": 8 * hour, "normal": 4 * hour, "urgent": hour},
                    "resolution": {"low": 40 * hour, "normal": 16 * hour, "urgent": 8 * hour},
                },
                calendar=office,
            )
        ]
    )
    escalation = EscalationPolicy(
        [
            EscalationRule("first-reply-75", SLAThreshold("first_reply", 75), EscalateTo()),
            EscalationRule("late", SLABreach("resolution"), NotifyManager("support_manager")),
        ]
    )
    return sla, escalation


def main() -> None:
    t0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")  # Monday 10:00 in Paris
    sla, escalation = configuration()
    with tempfile.TemporaryDirectory() as folder:
        repo = SQLiteTicketRepository.open(
            Path(folder) / "helpdesk.db", sla=sla, escalation=escalation
        )
        for number, priority in enumerate([Priority.NORMAL, Priority.URGENT, Priority.LOW]):
            repo.add(
                Ticket.open(
                    f"T-{number + 1}",
                    customer_id=f"customer-{number}",
                    subject="The export fails",
                    topic=Topic.TROUBLESHOOTING,
                    channel=Channel.EMAIL,
                    priority=priority,
                    tier=1,
                    team="customer_service",
                    sla=sla,
                    escalation=escalation,
                    at=t0,
                )
            )
        repo.update("T-1", lambda t: t.assign("ana", at=t0.add(minutes=5)))
        repo.update("T-1", lambda t: t.reply("ana", "Looking into it", at=t0.add(minutes=6)))
        repo.update("T-1", lambda t: t.solve("fixed the exporter", at=t0.add(hours=2)))

        # Two workers load the same ticket; the second save is refused.
        first, second = repo.get("T-2"), repo.get("T-2")
        loaded = first.version
        first.assign("ben", at=t0.add(minutes=1))
        repo.save(first, expected_version=loaded)
        second.assign("cleo", at=t0.add(minutes=2))
        try:
            repo.save(second, expected_version=loaded)
        except VersionConflict as conflict:
            print(f"conflict detected: {conflict}")

        # A periodic job: SLA warnings and breaches, escalations, auto-closes.
        for later in (t0.add(hours=2), t0.add(days=5)):
            print(f"due at {later}: {repo.due(later)}")
            print(f"sweep recorded {repo.sweep(later)} events")
        for ticket in repo.all():
            print(
                f"{ticket.id}: {ticket.status.value}, {ticket.priority.value}, "
                f"tier {ticket.tier}, assignee={ticket.assignee}, version {ticket.version}, "
                f"next deadline {ticket.next_deadline()}"
            )
            for event in ticket.history:
                if event.name in ("sla_warning", "sla_breached", "escalated", "manager_notified"):
                    detail = getattr(event, "metric", None) or getattr(event, "rule", None)
                    print(f"    {event.at} {event.name}: {detail}")
        repo.close()


if __name__ == "__main__":
    main()
