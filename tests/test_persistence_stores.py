"""The example repositories (examples/sqlite_store.py, examples/sqlalchemy_store.py).

Each test runs on three stores: the standard library's sqlite3, SQLAlchemy on SQLite,
and SQLAlchemy on a real PostgreSQL server started by the suite (tests/postgres.py;
skipped with the reason when no server binaries exist, failed instead under CI=true).

The sweep test stores tickets under an SLA policy set on business hours and an
escalation policy (tests/persistence_config.py) and sweeps them at a series of instants
against an in-memory reference: what is due, what is recorded (SLA warnings and
breaches at their own instants, escalations, the auto-close), what is saved with the
version check, and the indexed ``next_deadline`` column must all agree.

The concurrency test starts several processes that update the same tickets at once
through the repository; every conflict must be detected and retried, and at the end
every command that reported success must be in the history, exactly once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa

from persistence_config import escalation_policy, sla_policies
from supportflow import (
    Channel,
    Escalated,
    ManagerNotified,
    Priority,
    SLABreached,
    SLAWarning,
    Ticket,
    TicketStatus,
    Topic,
    VersionConflict,
)
from supportflow._ticket_events import NoteAdded

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

import sqlalchemy_store  # noqa: E402
import sqlite_store  # noqa: E402

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")

# (kind, target): kind picks the repository class, target is a file path or a URL.
Spec = tuple[str, str]


def open_repository(spec: Spec, **configuration: Any) -> Any:
    """A repository for ``spec``: used by the tests and by the worker processes."""
    kind, target = spec
    if kind == "sqlite3":
        return sqlite_store.SQLiteTicketRepository.open(target, **configuration)
    return sqlalchemy_store.SQLAlchemyTicketRepository.from_url(target, **configuration)


def clear(spec: Spec) -> None:
    kind, target = spec
    if kind == "postgresql":
        engine = sa.create_engine(target)
        sqlalchemy_store.metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture(params=["sqlite3", "sqlalchemy-sqlite", "postgresql"])
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Spec]:
    if request.param == "sqlite3":
        yield ("sqlite3", str(tmp_path / "tickets.db"))
    elif request.param == "sqlalchemy-sqlite":
        yield ("sqlalchemy", f"sqlite:///{tmp_path / 'tickets.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        spec_ = ("postgresql", url)
        clear(spec_)
        yield spec_
        clear(spec_)


@pytest.fixture
def repo(spec: Spec) -> Iterator[Any]:
    repository = open_repository(spec)
    yield repository
    repository.close()


def new_ticket(ticket_id: str, priority: Priority = Priority.NORMAL) -> Ticket:
    return Ticket.open(
        ticket_id,
        customer_id="acme",
        subject="The export fails",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        priority=priority,
        body="Every CSV export stops at 10 %",
        at=T0,
    )


def test_a_saved_ticket_loads_back_equal(repo: Any) -> None:
    ticket = new_ticket("T-1")
    repo.add(ticket)
    assert repo.get("T-1") == ticket
    loaded = ticket.version
    ticket.assign("ana", at=T0.add(minutes=5))
    ticket.reply("ana", "On it", at=T0.add(minutes=6))
    repo.save(ticket, expected_version=loaded)
    again = repo.get("T-1")
    assert again == ticket
    assert again.history == ticket.history
    assert repo.stored_version("T-1") == ticket.version


def test_a_stale_save_is_a_version_conflict_and_changes_nothing(repo: Any) -> None:
    repo.add(new_ticket("T-1"))
    first, second = repo.get("T-1"), repo.get("T-1")
    loaded = first.version
    first.assign("ana", at=T0.add(minutes=1))
    repo.save(first, expected_version=loaded)
    second.assign("ben", at=T0.add(minutes=2))
    with pytest.raises(VersionConflict) as caught:
        repo.save(second, expected_version=loaded)
    assert (caught.value.object_id, caught.value.expected) == ("T-1", loaded)
    assert caught.value.actual == first.version
    assert repo.get("T-1").assignee == "ana"


def test_adding_a_ticket_twice_is_a_conflict(repo: Any) -> None:
    repo.add(new_ticket("T-1"))
    with pytest.raises(VersionConflict):
        repo.add(new_ticket("T-1"))


def test_saving_a_ticket_that_was_never_added_is_a_conflict(repo: Any) -> None:
    ticket = new_ticket("T-404")
    loaded = ticket.version
    ticket.add_note("ana", "internal", at=T0.add(minutes=1))
    with pytest.raises(VersionConflict) as caught:
        repo.save(ticket, expected_version=loaded)
    assert caught.value.actual is None


def test_update_retries_a_command_after_a_conflict(repo: Any) -> None:
    repo.add(new_ticket("T-1"))
    calls: list[int] = []

    def command(ticket: Ticket) -> str:
        calls.append(ticket.version)
        if len(calls) == 1:
            # Someone else saves between our load and our save.
            other = repo.get("T-1")
            loaded = other.version
            other.add_note("ben", "first", at=T0.add(minutes=1))
            repo.save(other, expected_version=loaded)
        ticket.add_note("ana", "second", at=T0.add(minutes=2))
        return "done"

    assert repo.update("T-1", command) == "done"
    assert calls == [calls[0], calls[0] + 1]
    notes = [e.body for e in repo.get("T-1").history if isinstance(e, NoteAdded)]
    assert notes == ["first", "second"]


def test_the_sweep_handles_due_tickets_and_saves_them(repo: Any) -> None:
    solved = new_ticket("T-1")
    solved.assign("ana", at=T0.add(minutes=1))
    solved.reply("ana", "Fixed", at=T0.add(minutes=2))
    solved.solve("Restarted the exporter", at=T0.add(hours=1))
    repo.add(solved)
    repo.add(new_ticket("T-2"))  # no SLA, not solved: nothing ever falls due
    assert repo.due(T0.add(days=1)) == []
    later = T0.add(days=5)
    assert repo.due(later) == ["T-1"]
    assert repo.sweep(later) >= 1
    swept = repo.get("T-1")
    assert swept.status is TicketStatus.CLOSED
    assert swept.closed_at == later
    assert repo.due(later) == []
    assert repo.sweep(later) == 0


SLA = sla_policies()
ESCALATION = escalation_policy()


def stored_deadlines(repository: Any) -> dict[str, int | None]:
    """The indexed ``next_deadline`` column, read straight from the table."""
    if isinstance(repository, sqlite_store.SQLiteTicketRepository):
        rows = repository.connection.execute("SELECT id, next_deadline FROM tickets").fetchall()
    else:
        table = sqlalchemy_store.tickets
        with repository.engine.connect() as connection:
            rows = connection.execute(sa.select(table.c.id, table.c.next_deadline)).all()
    return dict(rows)


def helpdesk() -> list[Ticket]:
    """Tickets under the SLA policy set (business hours) and the escalation policy."""
    options: dict[str, Any] = {"sla": SLA, "escalation": ESCALATION, "at": T0}
    standard = Ticket.open(
        "S-1",
        customer_id="acme",
        subject="Printer offline",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        tier=1,
        team="customer_service",
        **options,
    )
    standard.assign("ana", at=T0.add(minutes=5))
    vip = Ticket.open(
        "S-2",
        customer_id="globex",
        subject="Site down",
        topic=Topic.BILLING,
        channel=Channel.PHONE,
        priority=Priority.URGENT,
        segment="enterprise",
        **options,
    )
    solved = Ticket.open(
        "S-3",
        customer_id="initech",
        subject="Password reset",
        topic=Topic.ACCOUNT,
        channel=Channel.LIVE_CHAT,
        priority=Priority.HIGH,
        **options,
    )
    solved.assign("ben", at=T0.add(minutes=1))
    solved.reply("ben", "Reset link sent", at=T0.add(minutes=2))
    solved.solve("Sent a reset link", at=T0.add(minutes=3))
    return [standard, vip, solved]


def copies(tickets: list[Ticket]) -> dict[str, Ticket]:
    return {t.id: Ticket.from_dict(t.to_dict(), sla=SLA, escalation=ESCALATION) for t in tickets}


def test_the_sweep_drives_sla_clocks_and_escalation_on_business_hours(spec: Spec) -> None:
    # The same tickets live in the database (swept by the repository) and in memory
    # (the reference, evaluated only when due, as the sweep does). After every sweep
    # both agree on everything, and the indexed column holds the next deadline.
    repository = open_repository(spec, sla=SLA, escalation=ESCALATION)
    try:
        tickets = helpdesk()
        for ticket in tickets:
            repository.add(ticket)
        reference = copies(tickets)
        assert stored_deadlines(repository) == {
            ticket_id: ticket.next_deadline_us() for ticket_id, ticket in reference.items()
        }
        sweeps = [T0.add(minutes=m) for m in (10, 60, 121, 180, 300)]
        sweeps += [T0.add(hours=h) for h in (24, 48, 72, 108, 144, 216)]
        for now in sweeps:
            now_us = now.int_timestamp * 1_000_000
            due = {
                ticket_id
                for ticket_id, ticket in reference.items()
                if (deadline := ticket.next_deadline_us()) is not None and deadline <= now_us
            }
            found = repository.due(now)
            assert set(found) == due, now
            deadlines = [
                deadline
                for ticket_id in found
                if (deadline := reference[ticket_id].next_deadline_us()) is not None
            ]
            assert deadlines == sorted(deadlines)  # earliest first
            recorded = repository.sweep(now)
            expected = 0
            for ticket_id, ticket in reference.items():
                if ticket_id in due:
                    expected += sqlite_store.due_work(ticket, now)
                else:
                    # Nothing falls due before next_deadline: evaluating changes nothing.
                    assert ticket.evaluate(at=now) == ()
            assert recorded == expected
            for ticket_id, ticket in reference.items():
                stored = repository.get(ticket_id)
                assert stored == ticket, (ticket_id, now)
                assert repository.stored_version(ticket_id) == ticket.version
            assert stored_deadlines(repository) == {
                ticket_id: ticket.next_deadline_us() for ticket_id, ticket in reference.items()
            }
            if now == T0.add(hours=5):
                # A command between sweeps, saved with the version check.
                reply_at = now.add(minutes=1)
                repository.update(
                    "S-1", lambda t, at=reply_at: t.reply("ana", "Send the log?", at=at)
                )
                reference["S-1"].reply("ana", "Send the log?", at=reply_at)

        standard = repository.get("S-1")
        marks = [
            (e.name, e.metric, getattr(e, "threshold", None), e.at)
            for e in standard.history
            if isinstance(e, SLAWarning | SLABreached) and e.metric == "first_reply"
        ]
        # 4 business hours from Monday 10:00 Paris with lunch 12:30-13:30, stamped at
        # those instants although the sweeps came later.
        assert marks == [
            ("sla_warning", "first_reply", 0.5, pendulum.datetime(2026, 3, 2, 11, tz="UTC")),
            ("sla_warning", "first_reply", 0.75, pendulum.datetime(2026, 3, 2, 13, tz="UTC")),
            ("sla_breached", "first_reply", None, pendulum.datetime(2026, 3, 2, 14, tz="UTC")),
        ]
        escalated = [e for e in standard.history if isinstance(e, Escalated)]
        assert [(e.rule, e.to_tier, e.at) for e in escalated][:1] == [
            ("first-reply-75", 2, pendulum.datetime(2026, 3, 2, 13, tz="UTC"))
        ]
        vip = repository.get("S-2")
        notified = [(e.rule, e.at) for e in vip.history if isinstance(e, ManagerNotified)]
        assert notified[0] == ("urgent-at-open", T0)
        assert ("resolution-breach", pendulum.datetime(2026, 3, 2, 14, tz="UTC")) in notified
        assert repository.get("S-3").status is TicketStatus.CLOSED
    finally:
        repository.close()


def test_a_sweep_that_loses_a_race_reevaluates_and_records_each_event_once(
    spec: Spec, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository = open_repository(spec, sla=SLA, escalation=ESCALATION)
    other = open_repository(spec, sla=SLA, escalation=ESCALATION)
    try:
        standard = helpdesk()[0]
        repository.add(standard)
        reference = copies([standard])["S-1"]
        now = T0.add(hours=6)
        note_at = T0.add(hours=4, minutes=30)
        load = repository.get
        raced: list[int] = []  # the version of each load by the sweep

        def get_then_someone_saves(ticket_id: str) -> Ticket:
            ticket = load(ticket_id)
            first = not raced
            raced.append(ticket.version)
            if first:
                # Another worker adds a note between the sweep's load and its save;
                # the note first records the SLA events and escalations due before it.
                theirs = other.get(ticket_id)
                loaded = theirs.version
                theirs.add_note("ben", "Checking the spooler", at=note_at)
                other.save(theirs, expected_version=loaded)
            return ticket

        monkeypatch.setattr(repository, "get", get_then_someone_saves)
        assert repository.due(now) == ["S-1"]
        recorded = repository.sweep(now)

        reference.add_note("ben", "Checking the spooler", at=note_at)
        after_note = reference.version
        # Loaded twice: the save of the first evaluation lost, the retry saw the note.
        assert raced == [standard.version, after_note]
        assert after_note > standard.version + 1  # the note caught up SLA events first
        sqlite_store.due_work(reference, now)
        stored = load("S-1")
        assert stored == reference
        assert recorded == reference.version - after_note  # the retry's own events
        marks = [
            (e.name, e.metric, getattr(e, "threshold", None))
            for e in stored.history
            if isinstance(e, SLAWarning | SLABreached)
        ]
        assert len(marks) == len(set(marks))  # nothing recorded twice
        assert stored_deadlines(repository)["S-1"] == reference.next_deadline_us()
    finally:
        other.close()
        repository.close()


def test_unknown_tickets_are_a_key_error(repo: Any) -> None:
    with pytest.raises(KeyError):
        repo.get("T-404")
    assert repo.stored_version("T-404") is None


# --- several processes at once ------------------------------------------------------

WORKERS = 4
COMMANDS_PER_WORKER = 12
TICKETS = ("T-1", "T-2", "T-3")
MAX_ATTEMPTS = 300


def worker(spec: Spec, number: int) -> dict[str, Any]:
    """Add notes to the shared tickets, retrying every conflict; report what succeeded."""
    repository = open_repository(spec)
    succeeded: list[tuple[str, str]] = []
    conflicts = 0
    try:
        for index in range(COMMANDS_PER_WORKER):
            ticket_id = TICKETS[(index + number) % len(TICKETS)]
            body = f"worker {number} command {index}"
            for _attempt in range(MAX_ATTEMPTS):
                ticket = repository.get(ticket_id)
                loaded = ticket.version
                # Each command happens after everything the ticket has seen so far.
                ticket.add_note(f"worker-{number}", body, at=ticket.history[-1].at.add(seconds=1))
                try:
                    repository.save(ticket, expected_version=loaded)
                except VersionConflict:
                    conflicts += 1
                    continue
                succeeded.append((ticket_id, body))
                break
    finally:
        repository.close()
    return {"succeeded": succeeded, "conflicts": conflicts}


def run_workers(spec: Spec) -> list[dict[str, Any]]:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); "
        "import test_persistence_stores as t; "
        "print(json.dumps(t.worker((sys.argv[2], sys.argv[3]), int(sys.argv[4]))))"
    )
    here = str(Path(__file__).resolve().parent)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, here, spec[0], spec[1], str(number)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(WORKERS)
    ]
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def test_concurrent_workers_lose_no_update(spec: Spec) -> None:
    repository = open_repository(spec)
    try:
        for ticket_id in TICKETS:
            repository.add(new_ticket(ticket_id))
        opened_version = repository.stored_version(TICKETS[0])
    finally:
        repository.close()

    reports = run_workers(spec)

    succeeded = Counter((t, b) for report in reports for t, b in report["succeeded"])
    assert sum(succeeded.values()) == WORKERS * COMMANDS_PER_WORKER
    repository = open_repository(spec)
    try:
        for ticket_id in TICKETS:
            ticket = repository.get(ticket_id)
            notes = Counter((ticket_id, e.body) for e in ticket.history if isinstance(e, NoteAdded))
            expected = Counter({key: n for key, n in succeeded.items() if key[0] == ticket_id})
            assert notes == expected  # nothing lost, nothing applied twice
            assert ticket.version == opened_version + sum(expected.values())
            assert repository.stored_version(ticket_id) == ticket.version
    finally:
        repository.close()
    conflicts = sum(report["conflicts"] for report in reports)
    print(f"{spec[0]}: {WORKERS} workers, {conflicts} conflicts detected and retried")
