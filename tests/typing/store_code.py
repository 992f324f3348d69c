"""Typical host code for the packaged store and its Celery tasks, type-checked with
mypy --strict."""

from __future__ import annotations

from datetime import timedelta

import pendulum

from supportflow import Channel, Ticket, Topic, VersionConflict
from supportflow.sqlalchemy import (
    AlreadyExists,
    Backoff,
    Evaluation,
    OutboxMessage,
    RelayReport,
    Store,
    SweepReport,
    UnitOfWork,
    create_engine,
    upgrade,
)


def open_store(url: str) -> Store:
    engine = create_engine(url)
    upgrade(engine)
    return Store(engine)


def open_ticket(store: Store, ticket_id: str) -> bool:
    ticket = Ticket.open(
        ticket_id,
        customer_id="acme",
        subject="Export fails",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        at=pendulum.datetime(2026, 3, 2, 9, tz="UTC"),
    )
    try:
        store.add(ticket)
    except AlreadyExists:
        return False
    return True


def assign(store: Store, ticket_id: str, agent: str) -> int:
    def work(uow: UnitOfWork) -> int:
        ticket = uow.get(Ticket, ticket_id)
        ticket.assign(agent, at=ticket.updated_at.add(minutes=1))
        return ticket.version

    try:
        return store.retry(work, backoff=Backoff(attempts=5, base=0.01, cap=0.2))
    except VersionConflict:
        return -1


def lateness(store: Store) -> list[timedelta]:
    seen: list[Evaluation] = []
    report: SweepReport = store.sweep(limit=100, on_evaluated=seen.append)
    return [evaluation.lateness for evaluation in report.evaluations]


def relay(store: Store, sent: list[str]) -> int:
    def publish(message: OutboxMessage) -> None:
        sent.append(message.key)

    report: RelayReport = store.relay(publish)
    return report.published
