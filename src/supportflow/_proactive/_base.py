"""The machinery shared by the proactive aggregates (outreach, incidents, maintenance, feedback).

Each proactive aggregate stands on the kernel (:mod:`._aggregate`) like the ticket:
a command reads its arguments and builds its events; the one :meth:`_apply` checks
each event (instant order, lifecycle, fields) in the aggregate's handler for that
event type and only then changes the state. :meth:`replay` and :meth:`from_dict` run
the same :meth:`_apply`, so a history loads only if the commands could have recorded
it. Commands are wrapped by :func:`command`: what falls due before a command is
recorded first (:meth:`ProactiveAggregate._catch_up`), and a failing command is rewound.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Self, TypeVar, cast

from .._kernel._aggregate import NEVER, Aggregate, event_path
from .._kernel._errors import InvalidArgument, SchemaError, SupportflowError
from .._kernel._event import Event
from .._kernel._fields import (
    check_ids,
    optional_text,
    require_flag,
    require_ids,
    require_member,
    require_text,
)
from .._kernel._lifecycle import Lifecycle
from .._kernel._serde import Codec, Migrations, Reader
from .._kernel._time import EARLIEST_US, LATEST_US, at_us, to_datetime

__all__ = [
    "ProactiveAggregate",
    "check_ids",
    "command",
    "optional_text",
    "require_flag",
    "require_ids",
    "require_member",
    "require_text",
]

Handler = Callable[[Any, Any], None]
C = TypeVar("C", bound=Callable[..., Any])
E = TypeVar("E", bound=enum.Enum)


def command(method: C) -> C:
    """The one command wrapper of the proactive aggregates.

    Reads the clock once when ``at`` is omitted, records first what fell due at or
    before the command's instant (:meth:`ProactiveAggregate._catch_up`: answer
    deadlines, surveys), then runs the command; if it raises, every event recorded
    since it began is taken back, so a failing command changes nothing.
    """

    @functools.wraps(method)
    def run(self: ProactiveAggregate, *args: Any, at: datetime | None = None, **kwargs: Any) -> Any:
        us = at_us(at)
        if at is None:
            at = to_datetime(us)
        mark = len(self._history)
        try:
            if us >= self._last_us:
                self._catch_up(us)
            return method(self, *args, at=at, **kwargs)
        except BaseException:
            if len(self._history) != mark:
                self._rewind(mark)
            raise

    return cast(C, run)


class ProactiveAggregate(Aggregate):
    """Base of the proactive aggregates: history, version, replay, time checks, documents.

    Subclasses set the class attributes ``kind`` (``"incident"``), ``lifecycle``,
    ``created_event`` (the class of the first event), ``handlers`` (event class ->
    function applying it), ``codec`` and ``migrations``, and implement
    :meth:`_reset` (the empty state before the first event).
    """

    __slots__ = ("_id", "_state")

    kind: ClassVar[str]
    lifecycle: ClassVar[Lifecycle]
    created_event: ClassVar[type[Event]]
    handlers: ClassVar[Mapping[type[Event], Handler]]
    codec: ClassVar[Codec]
    migrations: ClassVar[Migrations]
    _all_slots: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        slots: list[str] = []
        for klass in reversed(cls.__mro__):
            slots.extend(klass.__dict__.get("__slots__", ()))
        # ``_loaded`` says when the object was loaded, not what it is: not compared.
        cls._all_slots = tuple(name for name in slots if name != "_loaded")

    def __init__(self) -> None:
        raise TypeError(
            f"create a {type(self).__name__} with its class method "
            "(e.g. Incident.declare(...)) or rebuild one with replay()/from_dict()"
        )

    def _reset(self) -> None:
        self._id = ""
        self._state = self.lifecycle.initial
        self._history = []
        self._last_us = NEVER
        self._loaded = 0

    @classmethod
    def _blank(cls) -> Self:
        obj = cls.__new__(cls)
        obj._reset()
        return obj

    # -- events ---------------------------------------------------------------------

    def _apply(self, event: Event) -> None:
        """Apply one event (commands and replay): check it, then evolve through its
        handler, the only code that changes the aggregate. A refused event raises and
        changes nothing."""
        handler = self.handlers.get(type(event))
        if handler is None:
            raise InvalidArgument(
                f"{type(event).__name__} is not an event of a {self.kind}", field="event"
            )
        at = event.at_us
        if type(at) is not int or not (self._last_us <= at <= LATEST_US and at >= EARLIEST_US):
            self._check_order(event)  # raises the error naming the rule
        if self._history:
            if isinstance(event, self.created_event):
                raise InvalidArgument(f"{self.kind} {self._id} was already created", field="event")
            self._check_due(event)
        handler(self, event)
        self._history.append(event)
        self._last_us = at

    def _catch_up(self, us: int) -> None:
        """Record what fell due at or before ``us`` (nothing, unless a subclass has
        deadlines it records itself, stamped at their own instants)."""

    def _check_due(self, event: Event) -> None:
        """Refuse ``event`` when something fell due before it that :meth:`_catch_up`
        would have recorded first (the load-side twin of the catch-up)."""

    def _check_complete(self) -> None:
        """Refuse a loaded history that ends where no command could stop (nothing,
        unless a subclass records several events at once)."""

    def _rewind(self, version: int) -> None:
        """Go back to the state after the first ``version`` events (a failed command)."""
        past = type(self).replay(self._history[:version])
        for name in self._all_slots:
            setattr(self, name, getattr(past, name))

    def _apply_all(self, events: Iterable[Event]) -> tuple[Event, ...]:
        applied = tuple(events)
        for event in applied:
            self._apply(event)
        return applied

    def _target(self, trigger: str) -> str:
        return self.lifecycle.target(self._id, self._state, trigger)

    @classmethod
    def replay(cls, events: Iterable[Event]) -> Self:
        """Rebuild the aggregate from its history; the result equals the original."""
        obj = cls._blank()
        events = list(events)
        if not events or not isinstance(events[0], cls.created_event):
            raise InvalidArgument(
                f"a {cls.kind} history must start with {cls.created_event.__name__}"
            )
        for event in events:
            obj._apply(event)
        obj._check_complete()
        obj._loaded_now()
        return obj

    # -- read-only surface ----------------------------------------------------------

    @property
    def id(self) -> str:
        """The identifier given at creation."""
        return self._id

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._all_slots)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._id} {self._state} v{len(self._history)}>"

    # -- documents ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data: type, schema, id, status, version and the history.

        ``id``, ``status`` and ``version`` are there for hosts to index; loading
        rebuilds the object from ``history`` and checks they agree.
        """
        return {
            "type": self.migrations.kind,
            "schema": self.migrations.current,
            "id": self._id,
            "status": self._state,
            "version": len(self._history),
            "history": [self.codec.encode_tagged(event) for event in self._history],
        }

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Load a document written by :meth:`to_dict` (older schemas are upgraded).

        Raises :class:`SchemaError` naming the path of the bad field.
        """
        reader = cls.migrations.upgrade(data)
        object_id = reader.text("id")
        status = reader.text("status")
        version = reader.integer("version", minimum=1)
        obj = cls._blank()
        base = reader.at("history")
        for index, item in enumerate(reader.children("history")):
            event = cls.codec.decode_tagged(item)
            if index == 0 and not isinstance(event, cls.created_event):
                raise SchemaError(
                    item.at("event"),
                    f"a {cls.kind} history must start with {cls.created_event.name}",
                )
            try:
                obj._apply(event)
            except SchemaError:
                raise
            except SupportflowError as error:
                raise SchemaError(event_path(base, index, error), str(error)) from None
        if not obj._history:
            raise SchemaError(base, f"a {cls.kind} history holds at least one event")
        try:
            obj._check_complete()
        except SupportflowError as error:
            last = len(obj._history) - 1
            raise SchemaError(event_path(base, last, error), str(error)) from None
        _agree(reader, "id", object_id, obj._id)
        _agree(reader, "status", status, obj._state)
        _agree(reader, "version", version, len(obj._history))
        obj._loaded_now()
        return obj


def _agree(reader: Reader, key: str, stored: object, replayed: object) -> None:
    if stored != replayed:
        raise SchemaError(reader.at(key), f"says {stored!r} but the history gives {replayed!r}")


def transition(trigger: str) -> Handler:
    """An event handler that moves the aggregate along ``trigger`` (checked by the lifecycle)."""

    def apply(self: Any, event: Event) -> None:
        self._state = self._target(trigger)

    return apply
