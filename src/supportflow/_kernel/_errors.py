"""The errors supportflow raises.

Every error derives from :class:`SupportflowError` and also from the builtin a
Python caller would expect, so hosts can catch either::

    SupportflowError
    ├── InvalidTransition          (ValueError)   command not allowed in the current state
    │   └── TicketClosed                          any command on a closed ticket
    ├── NaiveDatetimeError         (ValueError)   a datetime without a time zone
    ├── InvalidArgument            (ValueError)   a bad value: negative duration, empty interval...
    │   └── MissingPlaceholders                   a response template lacks values
    ├── InvalidType                (TypeError)    a value of the wrong type
    ├── UnknownName                (LookupError)  unknown time zone, metric, template, tier...
    ├── SchemaError                (ValueError)   persisted data that cannot be loaded (``path``)
    │   └── SchemaVersionError                    a document newer than this library
    └── VersionConflict            (RuntimeError) optimistic-concurrency conflict for hosts

A failing command raises one of these and leaves the object exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "InvalidArgument",
    "InvalidTransition",
    "InvalidType",
    "MissingPlaceholders",
    "NaiveDatetimeError",
    "SchemaError",
    "SchemaVersionError",
    "SupportflowError",
    "TicketClosed",
    "UnknownName",
    "VersionConflict",
]


class SupportflowError(Exception):
    """Root of every error raised by supportflow."""


class InvalidTransition(SupportflowError, ValueError):
    """A command that the object's lifecycle does not allow in its current state.

    Carries ``kind`` (``"ticket"``), ``object_id``, ``state``, ``event`` and
    ``allowed`` (the events allowed now, sorted).
    """

    def __init__(
        self,
        kind: str,
        object_id: str,
        state: str,
        event: str,
        allowed: Iterable[str],
        hint: str = "",
    ) -> None:
        self.kind = kind
        self.object_id = object_id
        self.state = state
        self.event = event
        self.allowed = tuple(sorted(allowed))
        allowed_text = ", ".join(self.allowed) if self.allowed else "nothing (final state)"
        message = (
            f"cannot {event} {kind} {object_id} in status {state!r}: allowed now: {allowed_text}"
        )
        if hint:
            message = f"{message}; {hint}"
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        return (
            type(self),
            (self.kind, self.object_id, self.state, self.event, self.allowed),
        )


class TicketClosed(InvalidTransition):
    """Any command on a closed ticket: closed is final, open a follow-up instead."""

    def __init__(
        self,
        kind: str,
        object_id: str,
        state: str,
        event: str,
        allowed: Iterable[str] = (),
        hint: str = "",
    ) -> None:
        super().__init__(
            kind,
            object_id,
            state,
            event,
            allowed,
            hint or "a closed ticket is final: open a follow-up ticket with Ticket.follow_up()",
        )


class NaiveDatetimeError(SupportflowError, ValueError):
    """A datetime without a time zone where an instant is needed.

    ``parameter`` names the argument that was naive.
    """

    def __init__(self, parameter: str, value: object) -> None:
        self.parameter = parameter
        super().__init__(
            f"{parameter} must be an aware datetime (with tzinfo), got naive {value!r}; "
            "attach a zone, e.g. pendulum.datetime(..., tz='UTC') or "
            "datetime(..., tzinfo=timezone.utc)"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.parameter, None))


class _FieldError(SupportflowError):
    """An error about one value; ``field`` names the event field it came from, if any."""

    field: str | None

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        if self.field is None:
            return (type(self), self.args)
        return (_invalid_with_field, (type(self), str(self), self.field))


class InvalidArgument(_FieldError, ValueError):
    """A value of the right type that makes no sense here (negative duration, empty interval).

    ``field`` names the refused field of an event when the value came from one, so a
    document loader can point at it (``history[3].trigger``); None otherwise.
    """


def _invalid_with_field(cls: type[_FieldError], message: str, field: str) -> _FieldError:
    return cls(message, field=field)


class MissingPlaceholders(InvalidArgument):
    """A response template was rendered without values for some placeholders.

    ``missing`` lists every missing name, sorted.
    """

    def __init__(self, template: str, missing: Iterable[str]) -> None:
        self.template = template
        self.missing = tuple(sorted(set(missing)))
        super().__init__(f"template {template!r} is missing values for: {', '.join(self.missing)}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.template, self.missing))


class InvalidType(_FieldError, TypeError):
    """A value of the wrong type; ``field`` as for :class:`InvalidArgument`."""


class UnknownName(InvalidArgument, LookupError):
    """A name that supportflow does not know: a value outside a closed set (a channel,
    a metric, a status), a time zone, a template, a team.

    An :class:`InvalidArgument` too, so one ``except`` catches every bad value; every
    closed set is parsed by one function, with one message shape:
    ``channel must be one of email, phone, ..., got 'fax'``. ``field`` as for
    :class:`InvalidArgument`.
    """

    def __str__(self) -> str:
        # LookupError (via KeyError semantics) would otherwise quote the message.
        return str(self.args[0]) if self.args else ""


class SchemaError(SupportflowError, ValueError):
    """Persisted data that cannot be loaded; ``path`` names the bad field (``history[3].at``)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        where = path if path else "<document>"
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.path, self.problem))


class SchemaVersionError(SchemaError):
    """A document written by a newer supportflow than this one (or with no usable version)."""


class VersionConflict(SupportflowError, RuntimeError):
    """Optimistic-concurrency conflict: the stored version is not the one that was loaded.

    Raised by host repositories (see the persistence examples); carries ``object_id``,
    ``expected`` (the version the caller loaded) and ``actual`` (the stored one, if known).
    """

    def __init__(self, object_id: str, expected: int, actual: int | None = None) -> None:
        self.object_id = object_id
        self.expected = expected
        self.actual = actual
        found = "missing" if actual is None else f"at version {actual}"
        super().__init__(
            f"{object_id} was changed by someone else: loaded version {expected}, stored one is "
            f"{found}; reload it, apply the command again and save"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.object_id, self.expected, self.actual))
