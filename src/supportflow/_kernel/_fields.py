"""The checks of single values, shared by every aggregate's commands and evolve steps.

One rule per kind of value (a non-blank text, an enum member, a flag, a list of
distinct identifiers), so a command and a load refuse the same values with the same
message. Each error names the value as ``field``, which a document loader turns into
the path of the event's field (``history[3].agent``).

This module may import only the errors.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TypeVar

from ._errors import InvalidArgument, InvalidType, UnknownName

__all__ = [
    "check_ids",
    "exact_member",
    "optional_text",
    "require_flag",
    "require_ids",
    "require_member",
    "require_text",
]

E = TypeVar("E", bound=enum.Enum)


def _shown(value: object) -> str:
    """A value in a message: scalars as written, anything else by its type (a nested
    value of a document may be too deep to print)."""
    return repr(value) if isinstance(value, str | int | float | None) else type(value).__name__


def require_text(value: object, name: str) -> str:
    """A non-blank string, or :class:`InvalidArgument` naming it."""
    if type(value) is not str or not value.strip():
        raise InvalidArgument(f"{name} must be a non-empty string, got {_shown(value)}", field=name)
    return value


def optional_text(value: object, name: str) -> str | None:
    """None or a non-blank string."""
    return None if value is None else require_text(value, name)


def require_member(enum_type: type[E], value: object, name: str) -> E:
    """A command's argument as a member of ``enum_type`` (a member or its value), or
    :class:`UnknownName` listing the allowed values: the one parser of closed sets."""
    if type(value) is enum_type:
        return value
    try:
        return enum_type(value)
    except (ValueError, TypeError):
        raise _not_one_of(enum_type, value, name) from None


def exact_member(enum_type: type[E], value: object, name: str) -> E:
    """An event's field, which must already be a member of ``enum_type`` (events are
    built by commands and decoded by codecs, both of which make members)."""
    if type(value) is enum_type:
        return value
    raise _not_one_of(enum_type, value, name)


def _not_one_of(enum_type: type[enum.Enum], value: object, name: str) -> UnknownName:
    allowed = ", ".join(str(member.value) for member in enum_type)
    return UnknownName(f"{name} must be one of {allowed}, got {_shown(value)}", field=name)


def require_flag(value: object, name: str) -> bool:
    """A bool, or :class:`InvalidType` naming it."""
    if type(value) is not bool:
        raise InvalidType(f"{name} must be a bool, got {type(value).__name__}", field=name)
    return value


def require_ids(values: Iterable[str] | str, name: str) -> tuple[str, ...]:
    """A command's identifiers: distinct non-blank ones in first-seen order (a bare
    string is refused). Events carry the result, checked by :func:`check_ids`."""
    if isinstance(values, str):
        raise InvalidArgument(
            f"{name} must be an iterable of identifiers, not the string {values!r}", field=name
        )
    seen: dict[str, None] = {}
    for value in values:
        seen[require_text(value, name)] = None
    return tuple(seen)


def check_ids(values: tuple[str, ...], name: str) -> tuple[str, ...]:
    """An event's identifiers: non-blank and distinct (what :func:`require_ids` gives)."""
    for value in values:
        require_text(value, name)
    if len(set(values)) != len(values):
        raise InvalidArgument(f"{name} lists an identifier twice: {list(values)}", field=name)
    return values
