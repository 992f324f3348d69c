"""The kernel every aggregate stands on: history, version, instant order, new events, atomicity.

An aggregate (ticket, incident, maintenance, proactive case, feedback program,
customer) changes only by recording events. A command decides: it reads its
arguments, builds the events, and hands them to the aggregate's evolve step, which
checks each event against the current state with the same rules a load applies
(lifecycle, arguments, instant order) and only then changes the state. Loading
(``replay``, ``from_dict``) runs that same evolve step on every stored event, so a
history loads only if the commands could have recorded it.

The one atomicity rule: a command that raises leaves every aggregate it touched
exactly as it was. The evolve step checks before it changes anything, and the events
a command had already recorded are taken back by :meth:`Aggregate._rewind` (a replay
of the history up to the command, run only on failure). :func:`atomic` applies the
same rule to a command spanning several aggregates (an incident resolving its linked
tickets).

This module may import only the errors, events and time helpers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import ClassVar, Final

import pendulum

from ._errors import InvalidArgument
from ._event import Event
from ._time import EARLIEST_US, LATEST_US, at_us, format_instant, to_datetime

__all__ = ["Aggregate", "atomic", "event_path"]

#: ``_last_us`` before the first event (no instant is that early).
NEVER: Final = -(2**62)


class Aggregate:
    """History, version, instant order and the events recorded since load.

    Subclasses set ``kind`` (``"ticket"``) and implement ``_rewind``. ``_loaded`` is
    the version the object had when it was created (0) or loaded (its length), so
    :attr:`new_events` is what a host appends to its event log and outbox.
    """

    __slots__ = ("_history", "_last_us", "_loaded")

    kind: ClassVar[str] = "aggregate"

    _history: list[Event]
    _last_us: int
    _loaded: int

    def _check_order(self, event: Event) -> None:
        """Refuse an event stamped before the latest one recorded, or outside the
        instants the library records (:data:`EARLIEST_US` to :data:`LATEST_US`)."""
        at = event.at_us
        if type(at) is not int or not EARLIEST_US <= at <= LATEST_US:
            raise InvalidArgument(
                f"{event.name} at {_readable(at)} is outside the instants supportflow "
                "records (1900-01-01 to 9000-01-01 UTC)",
                field="at",
            )
        if at < self._last_us:
            raise InvalidArgument(
                f"{event.name} at {format_instant(at)} is earlier than the latest "
                f"event of {self.kind} {self._ident()} ({format_instant(self._last_us)}); "
                "events are recorded in time order",
                field="at",
            )

    def _when(self, at: object | None) -> int:
        """The instant of a command in microseconds; refuses one before the latest event."""
        us = at_us(at)
        if us < self._last_us:
            raise InvalidArgument(
                f"at={format_instant(us)} is earlier than the latest event of {self.kind} "
                f"{self._ident()} ({format_instant(self._last_us)}); commands cannot go back "
                "in time"
            )
        return us

    def _ident(self) -> str:
        return str(getattr(self, "_id", ""))

    def _rewind(self, version: int) -> None:
        """Go back to the state after the first ``version`` events (a failed command)."""
        raise NotImplementedError

    def _loaded_now(self) -> None:
        """Mark the whole history as stored (after a load)."""
        self._loaded = len(self._history)

    # -- read-only surface ----------------------------------------------------------

    @property
    def history(self) -> tuple[Event, ...]:
        """Every event, in the order it was recorded."""
        return tuple(self._history)

    @property
    def version(self) -> int:
        """The number of events recorded (``len(history)``), for optimistic concurrency."""
        return len(self._history)

    @property
    def updated_at(self) -> pendulum.DateTime:
        """The latest instant recorded in the history."""
        return to_datetime(self._last_us)

    @property
    def loaded_version(self) -> int:
        """The version the object had when it was created (0) or loaded, or last
        :meth:`mark_saved`: what a host compares with the stored version when it saves."""
        return self._loaded

    @property
    def new_events(self) -> tuple[Event, ...]:
        """The events recorded since the object was created, loaded or last marked
        saved: what a host appends to its event log and outbox in the same transaction
        as the document."""
        return tuple(self._history[self._loaded :])

    def mark_saved(self) -> None:
        """Tell the object its history is stored: :attr:`new_events` starts empty again."""
        self._loaded = len(self._history)


def _readable(us: object) -> str:
    """An instant for a message: its date when a datetime can hold it, else µs."""
    try:
        return format_instant(us)  # type: ignore[arg-type]
    except (OverflowError, ValueError, TypeError, OSError):
        return f"{us!r} µs" if isinstance(us, int) else type(us).__name__


def event_path(base: str, index: int, error: Exception) -> str:
    """The document path of a refused event: ``history[3]``, or ``history[3].trigger``
    when the error names the event's field (:attr:`InvalidArgument.field`)."""
    field = getattr(error, "field", None)
    path = f"{base}[{index}]"
    if field is None or field == "event":
        return path
    return f"{path}.{field}"


@contextlib.contextmanager
def atomic(*aggregates: Aggregate) -> Iterator[None]:
    """Run a command spanning ``aggregates`` all or nothing.

    When the block raises, every aggregate that recorded events inside it is rewound to
    its version at entry, then the error propagates.
    """
    marks = [(aggregate, len(aggregate._history)) for aggregate in aggregates]
    try:
        yield
    except BaseException:
        for aggregate, mark in marks:
            if len(aggregate._history) != mark:
                aggregate._rewind(mark)
        raise
