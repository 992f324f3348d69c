"""supportflow in production: the packaged store, the unit of work, the deadline sweep
and the outbox relay, on SQLite by default or on PostgreSQL.

Set ``SUPPORTFLOW_DATABASE_URL`` to a PostgreSQL URL (``postgresql+psycopg://user@host/db``)
to use a server; without it the script uses a SQLite file in a temporary directory.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pendulum

from supportflow import (
    BusinessCalendar,
    Channel,
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    NotifyManager,
    Priority,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    Topic,
    VersionConflict,
    WhenSLABreached,
    WhenSLAReaches,
)
from supportflow.sqlalchemy import AlreadyExists, OutboxMessage, Store, create_engine, upgrade


def configuration() -> tuple[SLAPolicySet, EscalationPolicy]:
    """The host's SLA policies (on New York office hours) and escalation rules."""
    office = BusinessCalendar.weekdays("09:00", "17:00", timezone="America/New_York")
    hour = timedelta(hours=1)
    targets = {"first_reply": {"normal": 2 * hour, "high": hour}, "resolution": {"high": 8 * hour}}
    sla = SLAPolicySet([SLAPolicy("standard", targets, calendar=office)])
    escalation = EscalationPolicy(
        [
            EscalationRule("first-reply-75", WhenSLAReaches("first_reply", 75), EscalateTo()),
            EscalationRule("late", WhenSLABreached("resolution"), NotifyManager("support_manager")),
        ]
    )
    return sla, escalation


def main() -> None:
    sla, escalation = configuration()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("SUPPORTFLOW_DATABASE_URL", f"sqlite:///{Path(folder) / 'desk.db'}")
        engine = create_engine(url)
        upgrade(engine)  # the shipped Alembic migrations
        store = Store(engine, sla=sla, escalation=escalation)
        print(f"database: {engine.dialect.name}")
        t0 = pendulum.datetime(2026, 3, 2, 14, tz="UTC")  # Monday 09:00 in New York

        def opened(number: int, priority: Priority) -> Ticket:
            return Ticket.open(
                f"T-{number}",
                customer_id=f"customer-{number}",
                subject="Cannot log in",
                topic=Topic.ACCOUNT,
                channel=Channel.LIVE_CHAT,
                priority=priority,
                tier=1,
                sla=sla,
                escalation=escalation,
                at=t0,
            )

        store.add(opened(1, Priority.HIGH), opened(2, Priority.NORMAL))
        try:
            store.add(opened(1, Priority.LOW))
        except AlreadyExists as error:
            print(f"refused: {error}")

        # A unit of work: load, run commands, save together (all or nothing).
        with store.unit_of_work() as uow:
            ticket = uow.get(Ticket, "T-1")
            ticket.assign("ana", at=t0.add(minutes=3))
            ticket.reply("ana", "Reset link sent", at=t0.add(minutes=4))

        # Two writers on one ticket: the second save finds the version changed.
        mine, theirs = store.get(Ticket, "T-2"), store.get(Ticket, "T-2")
        mine.assign("ben", at=t0.add(minutes=1))
        store.save(mine)
        theirs.assign("cleo", at=t0.add(minutes=2))
        try:
            store.save(theirs)
        except VersionConflict as conflict:
            print(f"conflict detected: {conflict}")
        # The retry helper reloads and runs the command again (backoff with jitter).
        store.update(Ticket, "T-2", lambda t: t.add_note("cleo", "seen", at=t0.add(minutes=2)))

        # The deadline sweep: every aggregate due by then, evaluated at its due instant.
        report = store.sweep(at=t0.add(days=1))
        for evaluation in report.evaluations:
            print(f"swept {evaluation.aggregate_id} due {evaluation.due}: {evaluation.recorded}")

        # The outbox relay: every event once per key, in order per aggregate.
        delivered: list[OutboxMessage] = []
        store.relay(delivered.append)
        print(f"relayed {len(delivered)} events, first key {delivered[0].key}")
        for stored in store.all(Ticket):
            print(f"{stored.id}: {stored.status.value}, tier {stored.tier}, v{stored.version}")
        engine.dispose()


if __name__ == "__main__":
    main()
