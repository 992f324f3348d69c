"""The packaged store on SQLite and on a real PostgreSQL server: documents, events and
outbox in one transaction, version conflicts, the retry helper, deadlines and the relay."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st

from persistence_config import escalation_policy, sla_policies
from store_helpers import T0, database_url, new_ticket, open_store  # noqa: F401
from supportflow import (
    Customer,
    FeedbackProgram,
    Incident,
    IncidentImpact,
    InvalidArgument,
    Maintenance,
    SupportflowError,
    Ticket,
    TicketStatus,
    UnknownName,
    VersionConflict,
)
from supportflow.events import (
    SLABreached,
    SLAThresholdReached,
    TicketEscalated,
    TicketManagerNotified,
    TicketNoteAdded,
)
from supportflow.sqlalchemy import (
    AlreadyExists,
    Backoff,
    NotFound,
    OutboxMessage,
    Store,
    aggregates,
    alembic_config,
    create_engine,
    events,
    metadata,
    outbox,
    upgrade,
)

SLA = sla_policies()
ESCALATION = escalation_policy()


@pytest.fixture
def store(database_url: str) -> Any:  # noqa: F811
    """A store for tickets without SLA policies (and every other aggregate type)."""
    opened = open_store(database_url)
    yield opened
    opened.engine.dispose()


@pytest.fixture
def helpdesk_store(database_url: str) -> Any:  # noqa: F811
    """A store for tickets under the helpdesk's SLA and escalation policies."""
    opened = open_store(database_url, sla=SLA, escalation=ESCALATION)
    yield opened
    opened.engine.dispose()


def rows(store: Store, table: sa.Table, *columns: str) -> list[tuple[Any, ...]]:
    order = list(table.primary_key.columns)
    with store.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.select(*(table.c[name] for name in columns)).order_by(*order)
            )
        ]


# -- documents, events, outbox ------------------------------------------------------------


def test_a_saved_ticket_loads_back_equal_with_its_events_and_outbox(store: Store) -> None:
    ticket = new_ticket("T-1")
    store.add(ticket)
    assert ticket.new_events == ()
    assert store.get(Ticket, "T-1") == ticket
    ticket.assign("ana", at=T0.add(minutes=5))
    ticket.reply("ana", "On it", at=T0.add(minutes=6))
    store.save(ticket)
    again = store.get(Ticket, "T-1")
    assert again == ticket
    assert again.loaded_version == again.version == store.stored_version(Ticket, "T-1") == 3
    names = [event.name for event in ticket.history]
    assert rows(store, events, "aggregate_id", "version", "name") == [
        ("T-1", version, name) for version, name in enumerate(names, start=1)
    ]
    assert rows(store, outbox, "key", "published_at_us") == [
        (f"ticket/T-1/{version}", None) for version in range(1, 4)
    ]
    assert rows(store, aggregates, "status", "assignee", "priority", "customer_id") == [
        ("open", "ana", "normal", "acme")
    ]


def test_a_stale_save_is_a_version_conflict_and_stores_nothing(store: Store) -> None:
    store.add(new_ticket("T-1"), new_ticket("T-2"))
    first, second = store.get(Ticket, "T-1"), store.get(Ticket, "T-1")
    other = store.get(Ticket, "T-2")
    first.assign("ana", at=T0.add(minutes=1))
    store.save(first)
    second.assign("ben", at=T0.add(minutes=2))
    other.assign("cleo", at=T0.add(minutes=2))
    with pytest.raises(VersionConflict) as caught:
        store.save(other, second)  # all or nothing: T-2 is not stored either
    assert (caught.value.object_id, caught.value.expected, caught.value.actual) == ("T-1", 1, 2)
    assert store.get(Ticket, "T-1").assignee == "ana"
    assert store.get(Ticket, "T-2").assignee is None
    assert other.new_events != ()  # not marked saved: the host can retry
    assert len(rows(store, events, "version")) == 3


def test_creating_an_id_that_exists_is_already_exists_not_a_conflict(store: Store) -> None:
    store.add(new_ticket("T-1"))
    with pytest.raises(AlreadyExists, match="ticket with id 'T-1' already exists") as caught:
        store.add(new_ticket("T-2"), new_ticket("T-1"))
    assert isinstance(caught.value, ValueError)
    assert not isinstance(caught.value, VersionConflict)
    assert store.stored_version(Ticket, "T-2") is None  # the whole save was refused


def test_add_refuses_an_aggregate_that_was_loaded(store: Store) -> None:
    store.add(new_ticket("T-1"))
    loaded = store.get(Ticket, "T-1")
    with pytest.raises(InvalidArgument, match=r"save it with store\.save"):
        store.add(loaded)


def test_an_unknown_id_is_not_found_and_an_unknown_type_is_refused(store: Store) -> None:
    with pytest.raises(NotFound, match="no ticket with id 'T-404'") as caught:
        store.get(Ticket, "T-404")
    assert isinstance(caught.value, LookupError)
    assert store.stored_version(Ticket, "T-404") is None
    with pytest.raises(UnknownName, match="unknown aggregate type"):
        store.get(int, "x")  # type: ignore[type-var]


def test_every_aggregate_type_round_trips_with_its_next_deadline(store: Store) -> None:
    start = T0.add(days=5)
    maintenance = Maintenance.schedule(
        "MNT-1",
        title="Database upgrade",
        starts_at=start,
        ends_at=start.add(hours=2),
        customers=["acme"],
        components=["api"],
        at=T0,
    )
    incident = Incident.declare(
        "INC-1", title="API down", body="Looking", impact=IncidentImpact.MAJOR, notify=False, at=T0
    )
    program = FeedbackProgram.create("FB-1", at=T0)
    customer = Customer.register("acme", name="Acme", at=T0, phase="learning")
    store.add(maintenance, incident, program, customer)
    for aggregate in (maintenance, incident, program, customer):
        loaded = store.get(type(aggregate), aggregate.id)
        assert loaded == aggregate
    deadlines = dict(rows(store, aggregates, "id", "next_due_us"))
    assert deadlines == {
        "MNT-1": maintenance.next_deadline_us(),
        "INC-1": None,
        "FB-1": program.next_deadline_us(),
        "acme": None,
    }
    assert deadlines["MNT-1"] is not None


# -- unit of work and retry ---------------------------------------------------------------


def test_a_unit_of_work_saves_everything_it_touched_together(store: Store) -> None:
    store.add(new_ticket("T-1"))
    with store.unit_of_work() as uow:
        ticket = uow.get(Ticket, "T-1")
        assert uow.get(Ticket, "T-1") is ticket
        ticket.assign("ana", at=T0.add(minutes=1))
        uow.add(new_ticket("T-2", at=T0.add(minutes=1)))
    assert store.get(Ticket, "T-1").assignee == "ana"
    assert store.stored_version(Ticket, "T-2") == 1


def test_a_unit_of_work_that_raises_saves_nothing(store: Store) -> None:
    store.add(new_ticket("T-1"))

    def fails_after_a_command() -> None:
        with store.unit_of_work() as uow:
            uow.get(Ticket, "T-1").assign("ana", at=T0.add(minutes=1))
            raise RuntimeError("host error")

    with pytest.raises(RuntimeError):
        fails_after_a_command()
    assert store.stored_version(Ticket, "T-1") == 1


def test_retry_reloads_and_reruns_after_a_conflict_with_backoff(store: Store) -> None:
    store.add(new_ticket("T-1"))
    calls: list[int] = []
    waits: list[float] = []

    def command(ticket: Ticket) -> str:
        calls.append(ticket.version)
        if len(calls) == 1:  # someone else saves between our load and our save
            store.update(Ticket, "T-1", lambda t: t.add_note("ben", "first", at=T0.add(minutes=1)))
        ticket.add_note("ana", "second", at=T0.add(minutes=2))
        return "done"

    backoff = Backoff(attempts=5, base=0.01, cap=0.04)
    result = store.retry(
        lambda uow: command(uow.get(Ticket, "T-1")),
        backoff=backoff,
        rng=random.Random(7),
        sleep=waits.append,
    )
    assert result == "done"
    assert calls == [1, 2]
    assert len(waits) == 1
    assert 0 <= waits[0] <= 0.01
    notes = [e.body for e in store.get(Ticket, "T-1").history if isinstance(e, TicketNoteAdded)]
    assert notes == ["first", "second"]


def test_retry_gives_up_after_its_attempts_with_the_last_conflict(store: Store) -> None:
    store.add(new_ticket("T-1"))
    waits: list[float] = []

    def always_loses(uow: Any) -> None:
        ticket = uow.get(Ticket, "T-1")
        store.update(Ticket, "T-1", lambda t: t.add_note("ben", "again", at=t.updated_at))
        ticket.add_note("ana", "mine", at=ticket.updated_at)

    with pytest.raises(VersionConflict):
        store.retry(always_loses, backoff=Backoff(attempts=3), sleep=waits.append)
    assert len(waits) == 2


@given(st.integers(1, 30), st.floats(0, 1), st.floats(0, 10), st.integers(0, 2**32))
def test_backoff_delays_stay_under_the_exponential_bound_and_the_cap(
    retry: int, base: float, extra: float, seed: int
) -> None:
    backoff = Backoff(attempts=30, base=base, cap=base + extra)
    delay = backoff.delay(retry, random.Random(seed))
    assert 0 <= delay <= min(backoff.cap, base * 2 ** (retry - 1))


def test_backoff_refuses_impossible_settings() -> None:
    with pytest.raises(InvalidArgument, match="attempts must be at least 1"):
        Backoff(attempts=0)
    with pytest.raises(InvalidArgument, match="base <= cap"):
        Backoff(base=2, cap=1)


# -- deadlines ----------------------------------------------------------------------------


def helpdesk() -> list[Ticket]:
    """Tickets under the SLA policy set (business hours) and the escalation policy."""
    options: dict[str, Any] = {"sla": SLA, "escalation": ESCALATION}
    standard = new_ticket("S-1", tier=1, team="customer_service", **options)
    standard.assign("ana", at=T0.add(minutes=5))
    vip = new_ticket("S-2", priority="urgent", segment="enterprise", **options)
    solved = new_ticket("S-3", priority="high", **options)
    solved.assign("ben", at=T0.add(minutes=1))
    solved.reply("ben", "Reset link sent", at=T0.add(minutes=2))
    solved.solve("Sent a reset link", at=T0.add(minutes=3))
    return [standard, vip, solved]


def test_sweeps_drive_sla_clocks_and_escalation_on_business_hours(
    helpdesk_store: Store,
) -> None:
    store = helpdesk_store
    # The same tickets live in the store (swept) and in memory (the reference, evaluated
    # at each due instant as the sweep does); after every sweep both agree.
    tickets = helpdesk()
    store.add(*tickets)
    reference = {
        t.id: Ticket.from_dict(t.to_dict(), sla=SLA, escalation=ESCALATION) for t in tickets
    }
    for hours in (0.2, 1, 2, 3, 5, 24, 48, 72, 108, 144, 216):
        now = T0.add(minutes=int(hours * 60))
        now_us = now.int_timestamp * 1_000_000
        due = [c.aggregate_id for c in store.due(at=now)]
        assert due == sorted(
            (i for i, t in reference.items() if (d := t.next_deadline_us()) and d <= now_us),
            key=lambda i: reference[i].next_deadline_us() or 0,
        )
        report = store.sweep(at=now)
        assert sorted(e.aggregate_id for e in report.evaluations) == sorted(due)
        for ticket_id in due:
            ticket = reference[ticket_id]
            while (step := ticket.next_deadline_us()) is not None and step <= now_us:
                instant = pendulum.from_timestamp(max(step, ticket.history[-1].at_us) / 1e6)
                ticket.evaluate(at=instant)
                if ticket.status is TicketStatus.SOLVED and ticket.auto_close_at <= instant:
                    ticket.auto_close(at=instant)
        for ticket_id, ticket in reference.items():
            assert store.get(Ticket, ticket_id) == ticket, (ticket_id, now)
        assert dict(rows(store, aggregates, "id", "next_due_us")) == {
            i: t.next_deadline_us() for i, t in reference.items()
        }
        assert store.sweep(at=now).events == 0  # idempotent: nothing twice
    standard = store.get(Ticket, "S-1")
    marks = [
        (e.name, getattr(e, "threshold", None), e.at)
        for e in standard.history
        if isinstance(e, SLAThresholdReached | SLABreached) and e.metric == "first_reply"
    ]
    # 4 business hours from Monday 10:00 Paris with lunch 12:30-13:30, stamped at those
    # instants although the sweeps came later.
    assert marks == [
        ("sla_threshold_reached", 0.5, pendulum.datetime(2026, 3, 2, 11, tz="UTC")),
        ("sla_threshold_reached", 0.75, pendulum.datetime(2026, 3, 2, 13, tz="UTC")),
        ("sla_breached", None, pendulum.datetime(2026, 3, 2, 14, tz="UTC")),
    ]
    escalated = [
        (e.rule, e.to_tier, e.at) for e in standard.history if isinstance(e, TicketEscalated)
    ]
    assert escalated[0] == ("first-reply-75", 2, pendulum.datetime(2026, 3, 2, 13, tz="UTC"))
    vip = store.get(Ticket, "S-2")
    notified = [(e.rule, e.at) for e in vip.history if isinstance(e, TicketManagerNotified)]
    assert notified[0] == ("urgent-at-open", T0)
    closed = store.get(Ticket, "S-3")
    assert closed.status is TicketStatus.CLOSED
    assert closed.closed_at == T0.add(minutes=3, days=4)  # at the due instant, not the sweep


def test_a_claimed_aggregate_is_not_claimed_again_until_its_lease_runs_out(store: Store) -> None:
    solved = new_ticket("T-1")
    solved.assign("ana", at=T0.add(minutes=1))
    solved.solve("Restarted the exporter", at=T0.add(minutes=2))
    store.add(solved)
    now = T0.add(days=5)
    lease = timedelta(seconds=30)
    first = store.claim(worker="a", lease=lease, at=now)
    assert [c.aggregate_id for c in first] == ["T-1"]
    assert store.claim(worker="b", lease=lease, at=now.add(seconds=29)) == []
    # Worker a died: after its lease another worker takes the item and does the work.
    report = store.sweep(at=now.add(seconds=31), worker="b")
    assert [e.recorded for e in report.evaluations] == [("ticket_status_changed",)]
    assert store.get(Ticket, "T-1").status is TicketStatus.CLOSED
    assert rows(store, aggregates, "lease_owner", "lease_until_us", "next_due_us") == [
        (None, None, None)
    ]


def test_a_sweep_that_loses_a_race_drops_its_work_and_records_nothing_twice(
    helpdesk_store: Store,
) -> None:
    store = helpdesk_store
    standard = helpdesk()[0]
    store.add(standard)
    now = T0.add(hours=6)
    claimed = store.claim(worker="slow", lease=timedelta(seconds=1), at=now)
    assert claimed
    # The slow worker's lease ran out; a second worker evaluated and saved meanwhile.
    done = store.sweep(at=now.add(seconds=2), worker="fast")
    assert done.events > 0
    # The slow worker now evaluates its stale copy: its save conflicts, nothing is added.
    stale = Ticket.from_dict(standard.to_dict(), sla=SLA, escalation=ESCALATION)
    stale.evaluate(at=now)
    with pytest.raises(VersionConflict):
        store.save(stale)
    marks = [
        (e.name, e.metric, getattr(e, "threshold", None))
        for e in store.get(Ticket, "S-1").history
        if isinstance(e, SLAThresholdReached | SLABreached)
    ]
    assert marks
    assert len(marks) == len(set(marks))


def test_the_sweep_sends_maintenance_notices_at_their_lead_times_and_then_waits(
    store: Store,
) -> None:
    start = T0.add(days=5)
    store.add(
        Maintenance.schedule(
            "MNT-1", title="Database upgrade", starts_at=start, ends_at=start.add(hours=2),
            customers=["acme"], components=["api"], at=T0,
        )
    )  # fmt: skip
    assert store.sweep(at=start.subtract(hours=73)).events == 0
    first = store.sweep(at=start.subtract(hours=30))
    assert [e.recorded for e in first.evaluations] == [("maintenance_notice_sent",)]
    rest = store.sweep(at=start.add(minutes=5))
    assert [e.recorded for e in rest.evaluations] == [("maintenance_notice_sent",) * 2]
    sent = [e.at for e in store.get(Maintenance, "MNT-1").history[1:]]
    assert sent == [start.subtract(hours=72), start.subtract(hours=24), start.subtract(hours=1)]
    # Every notice out: starting the work is the host's call, so nothing is due any more.
    assert rows(store, aggregates, "next_due_us") == [(None,)]
    assert store.due(at=start.add(days=1)) == []


# -- outbox relay ---------------------------------------------------------------------------


def test_the_relay_hands_events_in_order_with_stable_keys_at_least_once(store: Store) -> None:
    store.add(new_ticket("T-1"), new_ticket("T-2"))
    store.update(Ticket, "T-1", lambda t: t.assign("ana", at=T0.add(minutes=1)))
    seen: list[OutboxMessage] = []

    def flaky(message: OutboxMessage) -> None:
        if message.key == "ticket/T-1/2" and not any(m.key == message.key for m in seen):
            seen.append(message)
            raise ConnectionError("webhook down")
        seen.append(message)

    with pytest.raises(ConnectionError):
        store.relay(flaky)
    assert [m.key for m in store.unpublished()] == ["ticket/T-1/2"]
    report = store.relay(flaky)
    assert (report.published, report.held) == (1, True)
    delivered = ["ticket/T-1/1", "ticket/T-2/1", "ticket/T-1/2", "ticket/T-1/2"]
    assert [m.key for m in seen] == delivered
    assert seen[-1].name == "ticket_assigned"
    assert seen[-1].data["agent"] == "ana"
    assert store.unpublished() == []
    assert store.relay(flaky).published == 0


def test_only_one_relay_runs_at_a_time(store: Store) -> None:
    store.add(new_ticket("T-1"))
    inner: list[Any] = []

    def publish(message: OutboxMessage) -> None:
        inner.append(store.relay(lambda m: None))

    assert store.relay(publish).published == 1
    assert [(r.published, r.held) for r in inner] == [(0, False)]


# -- schema -----------------------------------------------------------------------------------


def test_the_migrations_build_the_schema_the_store_uses(database_url: str) -> None:  # noqa: F811
    engine = create_engine(database_url)
    upgrade(engine)  # a second upgrade is a no-op
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": "supportflow_alembic_version"}
        )
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_a_plain_sqlite_engine_is_set_up_for_wal(tmp_path: Any) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    Store(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_importing_supportflow_imports_no_database_or_queue_library() -> None:
    code = (
        "import sys, supportflow, supportflow.simulation, supportflow.testing; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlalchemy', 'alembic', 'celery', 'kombu', 'redis', 'psycopg'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"


def test_store_errors_are_supportflow_errors() -> None:
    assert issubclass(AlreadyExists, SupportflowError)
    assert issubclass(NotFound, SupportflowError)
    assert str(NotFound("ticket", "T-9")) == "no ticket with id 'T-9' is stored"


def test_revision_0002_renames_the_events_a_store_of_0001_holds(database_url: str) -> None:  # noqa: F811
    # A store written before the event names changed: the log and the outbox carry the
    # old names; the documents upgrade themselves on load, the rows need the revision.
    engine = create_engine(database_url)
    with engine.begin() as connection:  # the fixture's database is at the head revision
        command.downgrade(alembic_config(connection), "0001")
    old = {"event": "assigned", "at": "2026-03-02T09:05:00.000000Z", "agent": "ana"}
    with engine.begin() as connection:
        for version, name, data in [
            (2, "assigned", old),
            (3, "sla_warning", {"event": "sla_warning", "threshold": 0.5}),
            (4, "ticket_opened", {"event": "ticket_opened"}),
        ]:
            row = {"aggregate_type": "ticket", "aggregate_id": "T-1", "version": version}
            connection.execute(events.insert(), [{**row, "name": name, "at_us": 0, "data": data}])
            connection.execute(
                outbox.insert(), [{**row, "key": f"T-1/{version}", "name": name, "data": data}]
            )
    upgrade(engine)
    with engine.connect() as connection:
        logged = connection.execute(
            sa.select(events.c.version, events.c.name, events.c.data).order_by(events.c.version)
        ).all()
        queued = connection.execute(
            sa.select(outbox.c.name, outbox.c.data).order_by(outbox.c.version)
        ).all()
    engine.dispose()
    names = ["ticket_assigned", "sla_threshold_reached", "ticket_opened"]
    assert [row.name for row in logged] == [row.name for row in queued] == names
    assert [row.data["event"] for row in logged] == [row.data["event"] for row in queued] == names
    assert logged[0].data["agent"] == "ana"
