"""The store: documents, events and outbox in one transaction, deadlines claimed with leases.

A save compares the version each aggregate was loaded at with the stored one (``UPDATE
... WHERE version = loaded``), writes the new document with its indexed columns and
next deadline, and appends the new events to the events table and the outbox, all in
one transaction. On SQLite every writing transaction starts ``BEGIN IMMEDIATE`` (a
reader that later writes would otherwise fail at once instead of waiting its turn).
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

import attrs
import pendulum
import sqlalchemy as sa

from .. import EscalationPolicy, EscalationPolicyVersions, SLAPolicySet, SLAPolicyVersions
from .._kernel._aggregate import Aggregate
from .._kernel._errors import InvalidArgument, SupportflowError, VersionConflict
from .._kernel._time import at_us, to_datetime
from ._kinds import Kinds, document_type, stored
from ._schema import aggregates, events, locks, outbox

__all__ = [
    "AlreadyExists",
    "Backoff",
    "Claim",
    "Evaluation",
    "NotFound",
    "OutboxMessage",
    "RelayReport",
    "Store",
    "SweepReport",
    "UnitOfWork",
    "create_engine",
]

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")

#: The execution option that makes a SQLite transaction ``BEGIN IMMEDIATE``.
_WRITE = "supportflow_write"


class AlreadyExists(SupportflowError, ValueError):
    """An aggregate created with an id the store already holds (for that type)."""

    def __init__(self, aggregate_type: str, object_id: str) -> None:
        self.aggregate_type = aggregate_type
        self.object_id = object_id
        super().__init__(
            f"a {aggregate_type} with id {object_id!r} already exists; load it with "
            "store.get() and run the command on it, or choose another id"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.aggregate_type, self.object_id))


class NotFound(SupportflowError, LookupError):
    """No aggregate of that type and id is stored."""

    def __init__(self, aggregate_type: str, object_id: str) -> None:
        self.aggregate_type = aggregate_type
        self.object_id = object_id
        super().__init__(f"no {aggregate_type} with id {object_id!r} is stored")

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.aggregate_type, self.object_id))


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver must not BEGIN on its own
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    write = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _sqlite_setup(engine: sa.Engine) -> None:
    """WAL, a busy timeout, and transactions begun by us (immediate when writing)."""
    if not sa.event.contains(engine, "begin", _sqlite_begin):
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        engine.dispose()


def create_engine(url: str, **options: Any) -> sa.Engine:
    """An engine the store can use: on SQLite with WAL, a 60 s busy timeout and immediate
    writing transactions; elsewhere ``sqlalchemy.create_engine(url, pool_pre_ping=True)``."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, **options)
        _sqlite_setup(engine)
        return engine
    options.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **options)


@attrs.frozen
class Backoff:
    """Retry delays after a conflict: exponential from ``base`` seconds, capped at ``cap``,
    with full jitter (each delay uniform between 0 and the exponential bound)."""

    attempts: int = attrs.field(default=12)
    base: float = 0.005
    cap: float = 0.5

    def __attrs_post_init__(self) -> None:
        if self.attempts < 1:
            raise InvalidArgument(
                f"attempts must be at least 1, not {self.attempts}", field="attempts"
            )
        if not 0 <= self.base <= self.cap:
            raise InvalidArgument(
                f"need 0 <= base <= cap, got base={self.base} and cap={self.cap}", field="base"
            )

    def delay(self, retry: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first retry)."""
        return rng.uniform(0, min(self.cap, self.base * 2 ** (retry - 1)))


@attrs.frozen
class OutboxMessage:
    """One event for the host: ``key`` is stable across deliveries (``type/id/version``),
    so a host that remembers the keys it has acted on gets exactly-once effects."""

    key: str
    aggregate_type: str
    aggregate_id: str
    version: int
    name: str
    data: dict[str, Any]
    position: int


@attrs.frozen
class Claim:
    """An aggregate a sweep holds until ``lease_until_us``; ``due_us`` is its deadline."""

    aggregate_type: str
    aggregate_id: str
    due_us: int


@attrs.frozen
class Evaluation:
    """One due aggregate evaluated by a sweep: what it recorded and how late it ran
    (wall clock at evaluation minus the due instant)."""

    aggregate_type: str
    aggregate_id: str
    due: pendulum.DateTime
    recorded: tuple[str, ...]
    lateness: timedelta


@attrs.frozen
class SweepReport:
    """What one sweep did: the evaluations, and the claims another process had already
    handled (its save found the version changed)."""

    evaluations: tuple[Evaluation, ...]
    conflicts: int

    @property
    def events(self) -> int:
        """The number of events recorded."""
        return sum(len(evaluation.recorded) for evaluation in self.evaluations)


@attrs.frozen
class RelayReport:
    """What one relay pass did: messages published, or False when another relay held
    the lease."""

    published: int
    held: bool


def _row(kind: str, object_id: str) -> sa.ColumnElement[bool]:
    """The WHERE clause of one aggregate's row."""
    return sa.and_(aggregates.c.type == kind, aggregates.c.id == object_id)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class UnitOfWork:
    """The aggregates loaded or added in one :meth:`Store.unit_of_work` block; they are
    saved together, all or nothing, when the block ends without an error."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._seen: dict[tuple[str, str], Aggregate] = {}

    def get(self, cls: type[A], object_id: str) -> A:
        """Load an aggregate (once per block: a second ``get`` returns the same object)."""
        key = (self._store.kinds.of(cls).name, object_id)
        found = self._seen.get(key)
        if found is None:
            found = self._store.get(cls, object_id)
            self._seen[key] = found
        if not isinstance(found, cls):  # pragma: no cover - the kinds map one type each
            raise TypeError(found)
        return found

    def add(self, aggregate: Aggregate) -> None:
        """Track a new aggregate; it is inserted on save (:class:`AlreadyExists` if taken)."""
        self._seen[(document_type(aggregate), stored(aggregate).id)] = aggregate

    @property
    def aggregates(self) -> tuple[Aggregate, ...]:
        """The aggregates tracked so far."""
        return tuple(self._seen.values())


class Store:
    """Every aggregate type in SQL: documents, events, outbox and deadlines.

    ``sla`` (an SLAPolicySet, or the SLAPolicyVersions a host keeps) and
    ``escalation`` (an EscalationPolicy, or its EscalationPolicyVersions) are the host's
    ticket configuration, attached on every load. The
    engine should come from :func:`create_engine` (on SQLite, a plain engine is set up
    the same way) and the schema from :func:`supportflow.sqlalchemy.upgrade`.
    """

    def __init__(
        self,
        engine: sa.Engine,
        *,
        sla: SLAPolicySet | SLAPolicyVersions | None = None,
        escalation: EscalationPolicy | EscalationPolicyVersions | None = None,
    ) -> None:
        if engine.dialect.name == "sqlite":
            _sqlite_setup(engine)
        self.engine = engine
        self.sla = sla
        self.escalation = escalation
        self.kinds = Kinds(sla=sla, escalation=escalation)

    # -- loading --------------------------------------------------------------------

    def _column(self, column: sa.Column[Any], kind: str, object_id: str) -> Any:
        """One column of one stored aggregate (None when it is not stored)."""
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(column).where(_row(kind, object_id))
            ).scalar_one_or_none()

    def get(self, cls: type[A], object_id: str) -> A:
        """Load an aggregate; :class:`NotFound` when none is stored under that id."""
        kind = self.kinds.of(cls)
        document = self._column(aggregates.c.document, kind.name, object_id)
        if document is None:
            raise NotFound(kind.name, object_id)
        loaded = kind.load(document)
        if not isinstance(loaded, cls):  # pragma: no cover - the kinds map one type each
            raise TypeError(loaded)
        return loaded

    def stored_version(self, cls: type[Aggregate], object_id: str) -> int | None:
        """The stored version of an aggregate (None when it is not stored)."""
        version = self._column(aggregates.c.version, self.kinds.of(cls).name, object_id)
        return None if version is None else int(version)

    def all(self, cls: type[A]) -> Iterator[A]:
        """Every stored aggregate of a type, by id."""
        kind = self.kinds.of(cls)
        with self.engine.connect() as connection:
            documents = list(
                connection.execute(
                    sa.select(aggregates.c.document)
                    .where(aggregates.c.type == kind.name)
                    .order_by(aggregates.c.id)
                ).scalars()
            )
        for document in documents:
            loaded = kind.load(document)
            assert isinstance(loaded, cls)
            yield loaded

    # -- saving ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self, connection: sa.Connection | None = None) -> Iterator[sa.Connection]:
        """A writing transaction, on ``connection`` when given (a sweep keeps one
        connection for its batch: one checkout, one transaction per aggregate)."""
        with contextlib.ExitStack() as stack:
            if connection is None:
                connection = stack.enter_context(self.engine.connect())
            writing = connection.execution_options(**{_WRITE: True})
            with writing.begin():
                yield writing

    def add(self, *new: Aggregate) -> None:
        """Insert new aggregates (created, never saved); :class:`AlreadyExists` when an
        id is taken, and then none of them is stored."""
        for aggregate in new:
            if aggregate.loaded_version != 0:
                raise InvalidArgument(
                    f"{aggregate!r} was loaded from a store; save it with store.save()",
                    field="aggregate",
                )
        self.save(*new)

    def save(self, *changed: Aggregate) -> None:
        """Save aggregates in one transaction: each must still be at the version it was
        loaded at (else :class:`VersionConflict`, and nothing is stored); new ones are
        inserted (:class:`AlreadyExists` if the id is taken). Their new events go to the
        events table and the outbox; then each is marked saved."""
        with self._writing() as connection:
            for aggregate in changed:
                self._write(connection, aggregate)
        for aggregate in changed:
            aggregate.mark_saved()

    def _write(
        self,
        connection: sa.Connection,
        aggregate: Aggregate,
        *,
        release: bool = False,
    ) -> None:
        """Store one aggregate (see :meth:`save`); a sweep saves with ``release`` to give
        its lease back (and writes the row even when nothing was recorded)."""
        kind = self.kinds.of(type(aggregate))
        object_id = stored(aggregate).id
        loaded = aggregate.loaded_version
        if loaded == aggregate.version and not release:
            return
        document = stored(aggregate).to_dict()
        columns = {
            "version": aggregate.version,
            "document": document,
            "status": document.get("status"),
            "assignee": document.get("assignee"),
            "priority": document.get("priority"),
            "customer_id": document.get("customer_id"),
            "team": document.get("team"),
            "tier": document.get("tier"),
            "updated_at_us": aggregate.history[-1].at_us,
            "next_due_us": kind.next_due_us(aggregate),
        }
        if loaded == 0:
            try:
                with connection.begin_nested():
                    connection.execute(
                        aggregates.insert().values(type=kind.name, id=object_id, **columns)
                    )
            except sa.exc.IntegrityError:
                raise AlreadyExists(kind.name, object_id) from None
        else:
            if release:
                columns.update(lease_owner=None, lease_until_us=None)
            matched = connection.execute(
                aggregates.update()
                .where(_row(kind.name, object_id), aggregates.c.version == loaded)
                .values(**columns)
            ).rowcount
            if matched != 1:
                actual = connection.execute(
                    sa.select(aggregates.c.version).where(_row(kind.name, object_id))
                ).scalar_one_or_none()
                raise VersionConflict(object_id, loaded, actual)
        history = document["history"]
        rows = [
            {
                "aggregate_type": kind.name,
                "aggregate_id": object_id,
                "version": version,
                "name": event.name,
                "at_us": event.at_us,
                "data": history[version - 1],
            }
            for version, event in enumerate(aggregate.new_events, start=loaded + 1)
        ]
        if rows:
            connection.execute(events.insert(), rows)
            connection.execute(
                outbox.insert(),
                [
                    {
                        "key": f"{row['aggregate_type']}/{row['aggregate_id']}/{row['version']}",
                        **{k: row[k] for k in ("aggregate_type", "aggregate_id", "version")},
                        "name": row["name"],
                        "data": row["data"],
                    }
                    for row in rows
                ],
            )

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """Load, run commands, save: everything tracked in the block is saved together
        when it ends without an error (:class:`VersionConflict` if any was changed
        meanwhile). An error inside the block saves nothing."""
        work = UnitOfWork(self)
        yield work
        self.save(*work.aggregates)

    def retry(
        self,
        work: Callable[[UnitOfWork], R],
        *,
        backoff: Backoff = Backoff(),
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> R:
        """Run ``work`` in a unit of work; on :class:`VersionConflict` wait (``backoff``)
        and run it again on freshly loaded aggregates. The last conflict propagates."""
        rng = rng if rng is not None else random.Random()
        for attempt in range(1, backoff.attempts + 1):
            try:
                with self.unit_of_work() as uow:
                    result = work(uow)
            except VersionConflict:
                if attempt == backoff.attempts:
                    raise
                sleep(backoff.delay(attempt, rng))
                continue
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def update(
        self,
        cls: type[A],
        object_id: str,
        command: Callable[[A], R],
        *,
        backoff: Backoff = Backoff(),
    ) -> R:
        """Load one aggregate, run ``command`` on it and save, retrying on conflicts."""
        return self.retry(lambda uow: command(uow.get(cls, object_id)), backoff=backoff)

    # -- deadlines ------------------------------------------------------------------

    def due(self, *, at: datetime | None = None, limit: int = 500) -> list[Claim]:
        """The aggregates whose deadline is at or before ``at``, earliest first (not claimed)."""
        now = at_us(at)
        query = (
            sa.select(aggregates.c.type, aggregates.c.id, aggregates.c.next_due_us)
            .where(aggregates.c.next_due_us <= now)
            .order_by(aggregates.c.next_due_us)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [Claim(*row) for row in connection.execute(query)]

    def claim(
        self, *, worker: str, lease: timedelta, at: datetime | None = None, limit: int = 50
    ) -> list[Claim]:
        """Claim up to ``limit`` due aggregates nobody holds (or whose lease has run out)
        until ``at + lease``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, an immediate
        transaction on SQLite, so two workers never claim the same one at once."""
        return [claim for claim, _document in self._claim(worker, lease, at_us(at), limit)]

    def _claim(
        self, worker: str, lease: timedelta, now: int, limit: int
    ) -> list[tuple[Claim, Any]]:
        """:meth:`claim`, with each claimed aggregate's document (one query for both)."""
        free = sa.or_(aggregates.c.lease_until_us.is_(None), aggregates.c.lease_until_us < now)
        query = (
            sa.select(
                aggregates.c.type, aggregates.c.id, aggregates.c.next_due_us, aggregates.c.document
            )
            .where(aggregates.c.next_due_us <= now, free)
            .order_by(aggregates.c.next_due_us)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        until = now + lease // timedelta(microseconds=1)
        with self._writing() as connection:
            claimed = [
                (Claim(kind, id_, due), document)
                for kind, id_, due, document in connection.execute(query)
            ]
            for kind in {claim.aggregate_type for claim, _document in claimed}:
                ids = [
                    claim.aggregate_id
                    for claim, _document in claimed
                    if claim.aggregate_type == kind
                ]
                connection.execute(
                    aggregates.update()
                    .where(aggregates.c.type == kind, aggregates.c.id.in_(ids))
                    .values(lease_owner=worker, lease_until_us=until)
                )
        return claimed

    def sweep(
        self,
        *,
        at: datetime | None = None,
        limit: int = 50,
        lease: timedelta = timedelta(seconds=30),
        worker: str | None = None,
        on_evaluated: Callable[[Evaluation], None] | None = None,
    ) -> SweepReport:
        """Claim due aggregates, evaluate each at its due instant (and at each later one
        due by ``at``), save it and release it. ``at`` defaults to the clock.

        Evaluation is idempotent: an aggregate evaluated twice (a lease that ran out, a
        retried task) records nothing the second time, and a save that finds the version
        changed is counted in :attr:`SweepReport.conflicts` and dropped (whoever saved
        first has done the work). ``on_evaluated`` is called after each save. ``worker``
        names the lease owner (default ``"host:pid:random"``, new for each sweep).
        """
        worker = worker if worker is not None else _worker_name()
        fixed = at is not None
        now = at_us(at)
        done: list[Evaluation] = []
        claimed = self._claim(worker, lease, now, limit)
        connection = self.engine.connect()
        try:
            self._evaluate(claimed, connection, now, fixed, done, on_evaluated)
        finally:
            connection.close()
        return SweepReport(tuple(done), len(claimed) - len(done))

    def _evaluate(
        self,
        claimed: list[tuple[Claim, Any]],
        connection: sa.Connection,
        now: int,
        fixed: bool,
        done: list[Evaluation],
        on_evaluated: Callable[[Evaluation], None] | None,
    ) -> None:
        for claim, document in claimed:
            kind = self.kinds.of(claim.aggregate_type)
            aggregate = kind.load(document)
            due = claim.due_us
            step: int | None = due
            seen: set[int] = set()
            while step is not None and step <= now and step not in seen:
                seen.add(step)
                instant = max(step, aggregate.history[-1].at_us)
                kind.run_due(aggregate, to_datetime(instant))
                step = kind.next_due_us(aggregate)
            recorded = tuple(event.name for event in aggregate.new_events)
            try:
                with self._writing(connection) as writing:
                    self._write(writing, aggregate, release=True)
            except VersionConflict:
                continue
            aggregate.mark_saved()
            evaluated = now if fixed else at_us(None)
            evaluation = Evaluation(
                kind.name,
                claim.aggregate_id,
                to_datetime(due),
                recorded,
                timedelta(microseconds=max(0, evaluated - due)),
            )
            done.append(evaluation)
            if on_evaluated is not None:
                on_evaluated(evaluation)

    # -- outbox ---------------------------------------------------------------------

    def unpublished(self, *, limit: int = 100) -> list[OutboxMessage]:
        """The outbox messages not yet published, in the order they were recorded."""
        query = (
            sa.select(outbox)
            .where(outbox.c.published_at_us.is_(None))
            .order_by(outbox.c.position)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [
                OutboxMessage(
                    key=row.key,
                    aggregate_type=row.aggregate_type,
                    aggregate_id=row.aggregate_id,
                    version=row.version,
                    name=row.name,
                    data=row.data,
                    position=row.position,
                )
                for row in connection.execute(query)
            ]

    def _lease(self, name: str, owner: str, now: int, until: int | None) -> bool:
        """Take (``until`` set) or give back (None) a named lease; whether we hold it."""
        with self._writing() as connection:
            if until is None:
                connection.execute(
                    locks.update()
                    .where(locks.c.name == name, locks.c.owner == owner)
                    .values(owner=None, until_us=None)
                )
                return False
            exists = connection.execute(
                sa.select(locks.c.name).where(locks.c.name == name).with_for_update()
            ).first()
            if exists is None:
                try:
                    with connection.begin_nested():
                        connection.execute(
                            locks.insert().values(name=name, owner=owner, until_us=until)
                        )
                    return True
                except sa.exc.IntegrityError:
                    pass
            free = sa.or_(locks.c.owner.is_(None), locks.c.until_us < now, locks.c.owner == owner)
            taken = connection.execute(
                locks.update().where(locks.c.name == name, free).values(owner=owner, until_us=until)
            ).rowcount
            return bool(taken == 1)

    def relay(
        self,
        publish: Callable[[OutboxMessage], None],
        *,
        limit: int = 100,
        lease: timedelta = timedelta(seconds=60),
        worker: str | None = None,
    ) -> RelayReport:
        """Hand up to ``limit`` unpublished messages to ``publish``, in the order they were
        recorded (so in version order per aggregate), marking each published after
        ``publish`` returns. At least once: a relay that dies after ``publish`` and
        before the mark hands the message again, with the same key. One relay runs at a
        time (a lease in the locks table); another returns ``held=False`` at once. An
        error from ``publish`` propagates after the messages before it are marked."""
        worker = worker if worker is not None else _worker_name()
        now = at_us(None)
        if not self._lease("relay", worker, now, now + lease // timedelta(microseconds=1)):
            return RelayReport(0, held=False)
        published = 0
        try:
            for message in self.unpublished(limit=limit):
                publish(message)
                with self._writing() as connection:
                    marked = at_us(None)
                    connection.execute(
                        outbox.update()
                        .where(outbox.c.position == message.position)
                        .values(published_at_us=marked)
                    )
                    # Renew the lease with each message, so a long batch keeps it.
                    kept = connection.execute(
                        locks.update()
                        .where(locks.c.name == "relay", locks.c.owner == worker)
                        .values(until_us=marked + lease // timedelta(microseconds=1))
                    ).rowcount
                published += 1
                if kept != 1:
                    break
        finally:
            self._lease("relay", worker, now, None)
        return RelayReport(published, held=True)
