"""Building blocks for ``to_dict`` / ``from_dict``: path-aware readers and schema migrations.

Documents are plain JSON-safe data. Conventions shared by every serialized type:

* every top-level document has ``"type"`` (``"ticket"``, ``"calendar"``...) and
  ``"schema"`` (an int, the document format version of that type);
* instants are ISO 8601 text in UTC with microseconds and a ``Z`` suffix;
* durations are integers of microseconds, in keys ending in ``_us``;
* enums are their ``.value`` strings.

:class:`Reader` walks a document and raises :class:`SchemaError` naming the exact
path of a bad field (``history[3].at``). :class:`Migrations` upgrades older documents
with pure dict-to-dict steps before they are read.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, TypeVar

from ._errors import SchemaError, SchemaVersionError, SupportflowError
from ._time import parse_instant

__all__ = ["Migrations", "Reader", "bad_document"]

E = TypeVar("E", bound=enum.Enum)

_MISSING: Final = object()


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def bad_document(path: str, error: SupportflowError) -> SchemaError:
    """Wrap a domain error raised while rebuilding an object as a :class:`SchemaError`."""
    if isinstance(error, SchemaError):
        return error
    return SchemaError(path, str(error))


class Reader:
    """A read-only view of one JSON object with the path that leads to it."""

    __slots__ = ("data", "path")

    def __init__(self, data: object, path: str = "") -> None:
        if not isinstance(data, dict):
            raise SchemaError(path, f"expected an object, got {_type_name(data)}")
        self.data: dict[str, Any] = data
        self.path = path

    def at(self, key: str) -> str:
        """The path of ``key`` inside this object."""
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str) -> Any:
        """The value at ``key``; a missing key is a :class:`SchemaError`."""
        value = self.data.get(key, _MISSING)
        if value is _MISSING:
            raise SchemaError(self.at(key), "missing field")
        return value

    def has(self, key: str) -> bool:
        """Whether ``key`` is present."""
        return key in self.data

    def _typed(self, key: str, kind: type | tuple[type, ...], label: str) -> Any:
        value = self.raw(key)
        # bool is an int subclass; refuse it where an int is expected.
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            raise SchemaError(self.at(key), f"expected {label}, got {_type_name(value)}")
        return value

    def text(self, key: str) -> str:
        """A string field."""
        return str(self._typed(key, str, "a string"))

    def opt_text(self, key: str) -> str | None:
        """A string field that may be null."""
        if self.raw(key) is None:
            return None
        return self.text(key)

    def integer(self, key: str, *, minimum: int | None = None) -> int:
        """An integer field (booleans refused), optionally with a lower bound."""
        value = int(self._typed(key, int, "an integer"))
        if minimum is not None and value < minimum:
            raise SchemaError(self.at(key), f"must be >= {minimum}, got {value}")
        return value

    def opt_integer(self, key: str, *, minimum: int | None = None) -> int | None:
        """An integer field that may be null."""
        if self.raw(key) is None:
            return None
        return self.integer(key, minimum=minimum)

    def number(self, key: str) -> float:
        """A number field (int or float, booleans refused)."""
        return float(self._typed(key, (int, float), "a number"))

    def boolean(self, key: str) -> bool:
        """A boolean field."""
        return bool(self._typed(key, bool, "a boolean"))

    def enum(self, key: str, enum_type: type[E]) -> E:
        """An enum stored as its value."""
        value = self.raw(key)
        try:
            return enum_type(value)
        except (ValueError, TypeError):
            allowed = ", ".join(repr(m.value) for m in enum_type)
            raise SchemaError(
                self.at(key), f"unknown {enum_type.__name__} {value!r}; expected one of {allowed}"
            ) from None

    def opt_enum(self, key: str, enum_type: type[E]) -> E | None:
        """An enum field that may be null."""
        if self.raw(key) is None:
            return None
        return self.enum(key, enum_type)

    def instant(self, key: str) -> int:
        """An ISO 8601 instant with an offset, as microseconds since the epoch."""
        value = self.raw(key)
        if not isinstance(value, str):
            raise SchemaError(self.at(key), f"expected an ISO 8601 instant, got {_type_name(value)}")
        try:
            return parse_instant(value, self.at(key))
        except SupportflowError as error:
            raise SchemaError(self.at(key), str(error)) from None

    def opt_instant(self, key: str) -> int | None:
        """An instant that may be null."""
        if self.raw(key) is None:
            return None
        return self.instant(key)

    def array(self, key: str) -> list[Any]:
        """A list field (items unchecked)."""
        return list(self._typed(key, list, "a list"))

    def text_list(self, key: str) -> list[str]:
        """A list of strings."""
        values = self.array(key)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise SchemaError(
                    f"{self.at(key)}[{index}]", f"expected a string, got {_type_name(value)}"
                )
        return values

    def child(self, key: str) -> Reader:
        """The nested object at ``key``."""
        return Reader(self.raw(key), self.at(key))

    def opt_child(self, key: str) -> Reader | None:
        """The nested object at ``key``, or None when it is null."""
        if self.raw(key) is None:
            return None
        return self.child(key)

    def children(self, key: str) -> Iterator[Reader]:
        """Each object of the list at ``key``, with paths ``key[i]``."""
        base = self.at(key)
        for index, item in enumerate(self.array(key)):
            yield Reader(item, f"{base}[{index}]")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


Step = Callable[[dict[str, Any]], dict[str, Any]]


class Migrations:
    """The upgrade steps of one document type: ``steps[n]`` turns schema n into n + 1.

    Built once per type at import time and never changed. :meth:`upgrade` checks the
    ``type`` and ``schema`` of a document and runs the steps it needs, in order, on a
    copy (the caller's data is never modified).
    """

    __slots__ = ("current", "kind", "steps")

    def __init__(self, kind: str, current: int, steps: Mapping[int, Step] | None = None) -> None:
        self.kind: Final = kind
        self.current: Final = current
        self.steps: Final[Mapping[int, Step]] = dict(steps or {})
        missing = [n for n in range(1, current) if n not in self.steps]
        if missing:
            raise ValueError(f"{kind}: no migration step from schema {missing[0]}")

    def upgrade(self, data: object, path: str = "") -> Reader:
        """Validate ``type``/``schema`` and bring ``data`` to the current schema."""
        reader = Reader(data, path)
        kind = reader.text("type")
        if kind != self.kind:
            raise SchemaError(reader.at("type"), f"expected {self.kind!r}, got {kind!r}")
        version = reader.integer("schema", minimum=1)
        if version > self.current:
            raise SchemaVersionError(
                reader.at("schema"),
                f"{self.kind} document has schema {version} but this supportflow reads up to "
                f"{self.current}; upgrade supportflow to load it",
            )
        if version == self.current:
            return reader
        document: dict[str, Any] = dict(reader.data)
        while version < self.current:
            try:
                document = self.steps[version](document)
            except SchemaError:
                raise
            except (KeyError, TypeError, ValueError) as error:
                raise SchemaError(
                    path, f"cannot upgrade {self.kind} from schema {version}: {error!r}"
                ) from None
            version += 1
            document["schema"] = version
        return Reader(document, path)
