"""The packaged store (supportflow.sqlalchemy) on SQLite and PostgreSQL (issue 19).

Three measurements:

1. saves/s and claims/s with 1, 2, 4 and 8 worker processes (wall clock, each worker
   its own process and connection): a save is a note added to a ticket through
   ``Store.update`` (load, command, versioned save with its event and outbox row); a
   claim is a due ticket swept (claimed with a lease, evaluated, saved, released).
2. The store's save against a hand-written baseline doing the same SQL (the same
   UPDATE with the version check, the same event and outbox INSERTs, on one connection),
   side by side in one process, CPU time, best of several rounds.
3. The store's bookkeeping per ticket as a share of a command: CPU time of
   ``Store.save`` beside the command itself (a reply) and the document round trip.

PostgreSQL runs on a private server started the way the tests start it
(tests/postgres.py); without server binaries that half is skipped.

    .venv/bin/python benchmarks/bench_store.py
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pendulum
import sqlalchemy as sa

from supportflow import Channel, Ticket, Topic
from supportflow.sqlalchemy import Store, aggregates, create_engine, events, outbox, upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
SAVES_PER_WORKER = 60
TICKETS_PER_WORKER = 10  # notes go round them, so documents stay ticket-sized
CLAIMS = 400
ROUNDS = 5
WORKERS = (1, 2, 4, 8)


def opened(ticket_id: str) -> Ticket:
    return Ticket.open(
        ticket_id, customer_id="acme", subject="Export fails", topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL, at=T0,
    )  # fmt: skip


def solved(ticket_id: str) -> Ticket:
    ticket = opened(ticket_id)
    ticket.assign("ana", at=T0.add(minutes=1))
    ticket.solve("restarted", at=T0.add(minutes=2))
    return ticket


def fresh(url: str) -> Store:
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in ("supportflow_locks", "supportflow_outbox", "supportflow_events"):
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        connection.execute(sa.text("DROP TABLE IF EXISTS supportflow_aggregates"))
        connection.execute(sa.text("DROP TABLE IF EXISTS supportflow_alembic_version"))
    upgrade(engine)
    return Store(engine)


def saver(url: str, number: int, start: Any) -> None:
    store = Store(create_engine(url))
    start.wait()
    for index in range(SAVES_PER_WORKER):
        at = T0.add(seconds=index + 1)
        ticket_id = f"W-{number}-{index % TICKETS_PER_WORKER}"
        store.update(Ticket, ticket_id, lambda t, at=at: t.add_note("ana", "note", at=at))
    store.engine.dispose()


def sweeper(url: str, number: int, start: Any) -> None:
    store = Store(create_engine(url))
    start.wait()
    later = T0.add(days=30)
    while store.sweep(at=later, limit=20, worker=f"w{number}").evaluations:
        pass
    store.engine.dispose()


def in_processes(target: Callable[..., None], url: str, workers: int) -> float:
    """Wall-clock seconds for ``workers`` processes running ``target`` from one start."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(workers + 1)
    processes = [context.Process(target=target, args=(url, n, start)) for n in range(workers)]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    for process in processes:
        process.join()
        assert process.exitcode == 0
    return time.perf_counter() - began


def throughput(url: str, name: str) -> None:
    print(f"{name}: workers  saves/s  claims/s")
    for workers in WORKERS:
        store = fresh(url)
        store.add(
            *(opened(f"W-{n}-{i}") for n in range(workers) for i in range(TICKETS_PER_WORKER))
        )
        saves = workers * SAVES_PER_WORKER / in_processes(saver, url, workers)
        store.engine.dispose()
        store = fresh(url)
        for chunk in range(0, CLAIMS, 200):
            store.add(*(solved(f"C-{n}") for n in range(chunk, chunk + 200)))
        claims = CLAIMS / in_processes(sweeper, url, workers)
        assert store.due(at=T0.add(days=30)) == []
        store.engine.dispose()
        print(f"{name}: {workers:7d}  {saves:7.0f}  {claims:8.0f}")


def baseline_save(connection: sa.Connection, ticket: Ticket, kind: str) -> None:
    """The same SQL as Store.save, written by hand on one connection."""
    loaded = ticket.loaded_version
    document = ticket.to_dict()
    with connection.begin():
        matched = connection.execute(
            aggregates.update()
            .where(aggregates.c.type == kind, aggregates.c.id == ticket.id,
                   aggregates.c.version == loaded)
            .values(version=ticket.version, document=document, status=document["status"],
                    assignee=document["assignee"], priority=document["priority"],
                    customer_id=document["customer_id"], team=document["team"],
                    tier=document["tier"], updated_at_us=ticket.history[-1].at_us,
                    next_due_us=ticket.next_deadline_us())
        ).rowcount  # fmt: skip
        assert matched == 1
        rows = [
            {"aggregate_type": kind, "aggregate_id": ticket.id, "version": version,
             "name": event.name, "at_us": event.at_us, "data": document["history"][version - 1]}
            for version, event in enumerate(ticket.new_events, start=loaded + 1)
        ]  # fmt: skip
        connection.execute(events.insert(), rows)
        connection.execute(
            outbox.insert(),
            [{"key": f"{kind}/{r['aggregate_id']}/{r['version']}", **r} for r in rows],
        )
    ticket.mark_saved()


@contextmanager
def cpu() -> Iterator[list[float]]:
    spent: list[float] = []
    began = time.process_time()
    yield spent
    spent.append(time.process_time() - began)


def side_by_side(url: str, name: str) -> None:
    store = fresh(url)
    count = 200
    store.add(*(opened(f"B-{n}") for n in range(count)))
    store.add(*(opened(f"S-{n}") for n in range(count)))
    best = {"store": float("inf"), "baseline": float("inf"), "command": float("inf")}
    for step in range(1, ROUNDS + 1):
        at = T0.add(minutes=step)
        theirs = [store.get(Ticket, f"B-{n}") for n in range(count)]
        ours = [store.get(Ticket, f"S-{n}") for n in range(count)]
        with cpu() as spent:
            for ticket in ours:
                ticket.reply("ana", "On it", at=at)
        best["command"] = min(best["command"], spent[0] / count)
        for ticket in theirs:
            ticket.reply("ana", "On it", at=at)
        with store.engine.connect() as connection, cpu() as spent:
            for ticket in theirs:
                baseline_save(connection, ticket, "ticket")
        best["baseline"] = min(best["baseline"], spent[0] / count)
        with cpu() as spent:
            for ticket in ours:
                store.save(ticket)
        best["store"] = min(best["store"], spent[0] / count)
    store.engine.dispose()
    ratio = best["store"] / best["baseline"]
    share = best["store"] / (best["store"] + best["command"])
    print(
        f"{name}: save {best['store'] * 1e6:,.0f} µs CPU vs hand-written "
        f"{best['baseline'] * 1e6:,.0f} µs (ratio {ratio:.2f}); a reply command "
        f"{best['command'] * 1e6:,.0f} µs, so the store's bookkeeping is {share:.0%} of "
        "command + save"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        side_by_side(url, "sqlite")
        throughput(url, "sqlite")
    import postgres

    binaries = postgres.find_server_binaries()
    if binaries is None:
        print("postgresql: skipped (no server binaries)")
        return
    import os

    cluster = postgres.Cluster(*binaries, user="postgres" if os.geteuid() == 0 else None)
    try:
        cluster.start()
        cluster.create_database("bench")
        url = "postgresql+psycopg://" + cluster.dsn("bench").removeprefix("postgresql://")
        side_by_side(url, "postgresql")
        throughput(url, "postgresql")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
