"""The machinery shared by the proactive aggregates (outreach, incidents, maintenance, feedback).

Each proactive aggregate is event-sourced like the ticket: a command validates
everything, builds its events, then applies them through the one :meth:`_apply`
that :meth:`replay` also uses. A failing command raises and changes nothing.
Serialized documents hold the history; loading one replays it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Self

from ._aggregate import NEVER, Aggregate
from ._errors import InvalidArgument, SchemaError, SupportflowError
from ._events import Event
from ._lifecycle import Lifecycle
from ._serde import Codec, Migrations, Reader

__all__ = ["ProactiveAggregate"]

Handler = Callable[[Any, Any], None]


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
        """Apply one event: the only place state changes (commands and replay)."""
        handler = self.handlers.get(type(event))
        if handler is None:
            raise InvalidArgument(f"{type(event).__name__} is not an event of a {self.kind}")
        if self._history and isinstance(event, self.created_event):
            raise InvalidArgument(f"{self.kind} {self._id} was already created")
        handler(self, event)
        self._history.append(event)
        if event.at_us > self._last_us:
            self._last_us = event.at_us

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
        for index, item in enumerate(reader.children("history")):
            event = cls.codec.decode_tagged(item)
            if index == 0 and not isinstance(event, cls.created_event):
                raise SchemaError(
                    item.path, f"a {cls.kind} history must start with {cls.created_event.name}"
                )
            try:
                obj._apply(event)
            except SupportflowError as error:
                raise SchemaError(item.path, str(error)) from None
            except (KeyError, ValueError, TypeError) as error:
                raise SchemaError(item.path, f"event does not fit the history: {error}") from None
        _agree(reader, "id", object_id, obj._id)
        _agree(reader, "status", status, obj._state)
        _agree(reader, "version", version, len(obj._history))
        obj._loaded_now()
        return obj


def _agree(reader: Reader, key: str, stored: object, replayed: object) -> None:
    if stored != replayed:
        raise SchemaError(reader.at(key), f"says {stored!r} but the history gives {replayed!r}")


def require_text(value: object, name: str) -> str:
    """A non-blank string argument, or :class:`InvalidArgument` naming it."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(f"{name} must be a non-empty string, got {value!r}")
    return value


def require_ids(values: Iterable[str] | str, name: str) -> tuple[str, ...]:
    """Distinct non-blank identifiers in first-seen order (a bare string is refused)."""
    if isinstance(values, str):
        raise InvalidArgument(
            f"{name} must be an iterable of identifiers, not the string {values!r}"
        )
    seen: dict[str, None] = {}
    for value in values:
        seen[require_text(value, f"each of {name}")] = None
    return tuple(seen)


def transition(trigger: str) -> Handler:
    """An event handler that moves the aggregate along ``trigger`` (checked by the lifecycle)."""

    def apply(self: Any, event: Event) -> None:
        self._state = self._target(trigger)

    return apply
