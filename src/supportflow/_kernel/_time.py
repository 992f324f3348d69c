"""Time at the boundary: aware instants and durations in, integers inside, pendulum out.

Inside the library an instant is an ``int`` of microseconds since the Unix epoch (UTC)
and a duration an ``int`` of microseconds. Public methods convert on the way in with
:func:`instant_us` / :func:`duration_us` and on the way out with :func:`to_datetime` /
:func:`to_duration`. Hot paths never build pendulum objects.

The one clock read of the whole library is :func:`now_us`, used only when a caller
omits ``at=``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Final

import pendulum

from ._errors import InvalidArgument, InvalidType, NaiveDatetimeError

__all__ = [
    "EARLIEST_US",
    "EPOCH",
    "LATEST_US",
    "MAX_DURATION_US",
    "US_PER_DAY",
    "US_PER_HOUR",
    "US_PER_MINUTE",
    "US_PER_SECOND",
    "Micros",
    "at_us",
    "bounded_duration_us",
    "duration_us",
    "format_duration",
    "format_instant",
    "instant_us",
    "now_us",
    "optional_at_us",
    "parse_instant",
    "readable_instant",
    "to_datetime",
    "to_duration",
]

US_PER_SECOND: Final = 1_000_000
US_PER_MINUTE: Final = 60 * US_PER_SECOND
US_PER_HOUR: Final = 60 * US_PER_MINUTE
US_PER_DAY: Final = 24 * US_PER_HOUR

EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)

#: The instants an aggregate records events at: from 1900-01-01 (inclusive) to
#: 9000-01-01 (exclusive), UTC. Wide enough for any help desk, and narrow enough that
#: every instant derived from one (a deadline, an auto-close, a survey due) by a
#: duration within :data:`MAX_DURATION_US` stays a valid datetime.
EARLIEST_US: Final = -2_208_988_800 * 1_000_000
LATEST_US: Final = 221_845_392_000 * 1_000_000 - 1
#: The longest duration the library takes (targets, delays, windows): 100 years of
#: 365.25 days. Longer ones are refused where they are given.
MAX_DURATION_US: Final = 36_525 * 86_400 * 1_000_000
_UTC: Final = pendulum.UTC

# datetime.__sub__ is the C implementation; pendulum.DateTime overrides "-" with a
# much slower Python version, so the boundary calls the base method directly.
_sub = _dt.datetime.__sub__
_timedelta = _dt.timedelta
_datetime = _dt.datetime
# The same for "+": the C method on a pendulum epoch returns a pendulum.DateTime (in
# UTC) without pendulum's Python-level addition.
_add = _dt.datetime.__add__
_PENDULUM_EPOCH: Final = pendulum.DateTime(1970, 1, 1, tzinfo=_UTC)


def instant_us(value: object, name: str = "at") -> int:
    """Microseconds since the epoch for an aware datetime (stdlib or pendulum).

    Raises :class:`NaiveDatetimeError` for a naive datetime and :class:`InvalidType`
    for anything that is not a datetime; both name the parameter.
    """
    if not isinstance(value, _datetime):
        raise InvalidType(
            f"{name} must be an aware datetime, got {type(value).__name__}: {value!r}"
        )
    if value.tzinfo is None:
        raise NaiveDatetimeError(name, value)
    try:
        # The C subtraction asks the zone for the offset once (a zone's rules are the
        # costly part); a tzinfo that gives no offset makes the datetime naive.
        delta = _sub(value, EPOCH)
    except TypeError:
        raise NaiveDatetimeError(name, value) from None
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def now_us() -> int:
    """The current instant: the library's only clock read (``pendulum.now("UTC")``)."""
    return instant_us(pendulum.now("UTC"))


class Micros:
    """An instant already in microseconds, for the library's own drivers.

    The simulator passes one as ``at=`` to the commands it runs (cast to a datetime
    for the type checker): :func:`at_us` takes its value as it is, so thousands of
    commands at one instant build no datetime and convert none. Not public: hosts
    pass aware datetimes.
    """

    __slots__ = ("us",)

    def __init__(self, us: int) -> None:
        self.us = us

    def __repr__(self) -> str:
        return f"Micros({format_instant(self.us)})"


def at_us(at: object | None, name: str = "at") -> int:
    """The instant of a command: ``at`` converted, or now when ``at`` is None."""
    if at is None:
        return now_us()
    if type(at) is Micros:
        return at.us
    return instant_us(at, name)


def optional_at_us(value: object | None, name: str) -> int | None:
    """Like :func:`instant_us` but lets None through (for optional instants)."""
    if value is None:
        return None
    return instant_us(value, name)


def to_datetime(us: int) -> pendulum.DateTime:
    """A ``pendulum.DateTime`` in UTC for microseconds since the epoch."""
    return _add(_PENDULUM_EPOCH, _timedelta(microseconds=us))


def duration_us(
    value: object,
    name: str,
    *,
    allow_negative: bool = False,
    allow_zero: bool = True,
) -> int:
    """Microseconds in a ``timedelta`` or ``pendulum.Duration``.

    Negative durations are refused unless ``allow_negative``; zero is refused when
    ``allow_zero`` is false. A pendulum duration with months or years is refused:
    a calendar month is not a fixed length of time.
    """
    if not isinstance(value, _timedelta):
        raise InvalidType(
            f"{name} must be a timedelta or pendulum.Duration, got {type(value).__name__}: "
            f"{value!r}"
        )
    if isinstance(value, pendulum.Duration) and (value.months or value.years):
        raise InvalidArgument(
            f"{name} must be a fixed length of time, got {value!r} with months or years; "
            "use days, hours, minutes or seconds"
        )
    us = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    if us > MAX_DURATION_US or us < -MAX_DURATION_US:
        raise InvalidArgument(f"{name} must be at most 100 years, got {value!r}")
    if us < 0 and not allow_negative:
        raise InvalidArgument(f"{name} must not be negative, got {value!r}")
    if us == 0 and not allow_zero:
        raise InvalidArgument(f"{name} must be positive, got {value!r}")
    return us


def bounded_duration_us(value: object, name: str) -> int:
    """A stored duration in microseconds: an int from 0 to :data:`MAX_DURATION_US`.

    For values read from events and documents; raises :class:`InvalidArgument` naming
    ``name`` as the field.
    """
    if type(value) is not int or not 0 <= value <= MAX_DURATION_US:
        raise InvalidArgument(
            f"{name} must be an int of microseconds from 0 to 100 years, got {value!r}",
            field=name,
        )
    return value


def to_duration(us: int) -> pendulum.Duration:
    """A ``pendulum.Duration`` of ``us`` microseconds (negative allowed)."""
    return pendulum.Duration(microseconds=us)


def format_duration(us: int | None) -> str:
    """A duration for people: ``2d 3h``, ``1h 05m``, ``4m 30s``, ``0s``; ``-`` for None."""
    if us is None:
        return "-"
    sign = "-" if us < 0 else ""
    us = abs(us)
    days, rest = divmod(us, US_PER_DAY)
    hours, rest = divmod(rest, US_PER_HOUR)
    minutes, rest = divmod(rest, US_PER_MINUTE)
    seconds = rest // US_PER_SECOND
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {seconds:02d}s"
    return f"{sign}{seconds}s"


def readable_instant(us: int | None) -> str:
    """An instant for people: ``2026-03-02 09:00 UTC`` (seconds only when not zero)."""
    if us is None:
        return "-"
    moment = to_datetime(us)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if moment.second else "%Y-%m-%d %H:%M UTC")


_NAIVE_EPOCH: Final = _datetime(1970, 1, 1)
_isoformat = _datetime.isoformat
_ONE_US: Final = _timedelta(microseconds=1)


def format_instant(us: int) -> str:
    """ISO 8601 text in UTC with microseconds and a ``Z`` suffix, for serialized data."""
    # isoformat is C code: about 10x cheaper than formatting the fields one by one,
    # and serializing a ticket formats one instant per event.
    # Positional arguments and a timedelta product are the cheapest spelling (measured).
    return _isoformat(_NAIVE_EPOCH + _ONE_US * us, "T", "microseconds") + "Z"


def parse_instant(text: str, name: str) -> int:
    """Microseconds for ISO 8601 text with an offset (see :func:`format_instant`)."""
    if not isinstance(text, str):
        raise InvalidType(f"{name} must be an ISO 8601 string, got {type(text).__name__}")
    try:
        value = _datetime.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"{name} is not an ISO 8601 instant: {text!r}") from None
    return instant_us(value, name)
