"""Editions of a policy a host keeps while stored tickets still name them.

Help desks edit their SLA and escalation policies often. Each edition carries a
``version``; :class:`Editions` holds those a host still needs and says which one new
tickets open under. The SLA policy sets and the escalation policies share this one
registry (``SLAPolicyVersions``, ``EscalationPolicyVersions``), and a ticket names the
edition it opened under and every later change in its history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from types import EllipsisType
from typing import Any, ClassVar, Final, Generic, Protocol, TypeVar

from ._errors import InvalidArgument, InvalidType, SchemaError, UnknownName
from ._serde import Reader

__all__ = [
    "LATEST",
    "Editions",
    "check_version",
    "shown_version",
    "single_edition",
    "versions_needed",
]

#: The edition new tickets open under (``_edition()``'s default).
LATEST: Final = object()


class _Versioned(Protocol):
    @property
    def version(self) -> str | None: ...


E = TypeVar("E", bound=_Versioned)


def shown_version(version: object) -> str:
    """A version as messages show it."""
    return "(unversioned)" if version is None else repr(version)


def check_version(version: object) -> str | None:
    """``version`` if it may name an edition (None, or a non-blank text without outer
    spaces); else :class:`InvalidType` / :class:`InvalidArgument` at ``version``."""
    if version is None:
        return None
    if type(version) is not str:
        raise InvalidType(
            f"version must be a str or None, got {type(version).__name__}", field="version"
        )
    if not version.strip() or version != version.strip():
        raise InvalidArgument(
            f"version must be a non-blank name without surrounding spaces, got {version!r}",
            field="version",
        )
    return version


class Editions(Generic[E]):
    """The editions of a policy a host keeps, by version; ``current`` is the one new
    tickets open under (by default the last given; None names the unversioned one).

    Versions must be unique; at most one edition may be unversioned: the one tickets
    stored before versions were kept load under. Subclasses name what they hold.
    """

    __slots__ = ("_current", "_sets")

    #: The class of the editions held, and how messages name one (``SLA policy``).
    _holds: ClassVar[type[Any]]
    _noun: ClassVar[str]
    _plural: ClassVar[str]

    def __init__(self, editions: Iterable[E], *, current: str | EllipsisType | None = ...) -> None:
        chosen: dict[str | None, E] = {}
        holds = self._holds
        for edition in editions:
            if not isinstance(edition, holds):
                raise InvalidType(
                    f"expected {holds.__name__} objects, got {type(edition).__name__}"
                )
            if edition.version in chosen:
                raise InvalidArgument(
                    f"two {self._plural} have version {shown_version(edition.version)}"
                )
            chosen[edition.version] = edition
        if not chosen:
            raise InvalidArgument(f"{type(self).__name__} needs at least one {holds.__name__}")
        if current is ...:
            latest = next(reversed(chosen.values()))
        elif current in chosen:
            latest = chosen[current]
        else:
            raise UnknownName(
                f"no {self._noun} version {shown_version(current)}; versions: {self._names(chosen)}"
            )
        self._sets: Final = chosen
        self._current: Final = latest

    @staticmethod
    def _names(sets: dict[str | None, Any]) -> str:
        return ", ".join(shown_version(version) for version in sets)

    @property
    def current(self) -> E:
        """The edition new tickets open under."""
        return self._current

    @property
    def versions(self) -> tuple[str | None, ...]:
        """Every version kept, in the order given (None for an unversioned edition)."""
        return tuple(self._sets)

    def __getitem__(self, version: str | None) -> E:
        """The edition of ``version`` (:class:`UnknownName` naming it and those kept)."""
        found = self._sets.get(version)
        if found is None:
            raise UnknownName(
                f"no {self._noun} version {shown_version(version)}; versions kept: "
                f"{self._names(self._sets)}",
                field="version",
            )
        return found

    def __contains__(self, version: object) -> bool:
        return version in self._sets

    def __iter__(self) -> Iterator[E]:
        return iter(self._sets.values())

    def __len__(self) -> int:
        return len(self._sets)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Editions)
        return (
            list(self._sets.items()) == list(other._sets.items())
            and self._current.version == other._current.version
        )

    def __hash__(self) -> int:
        return hash((tuple(self._sets), self._current.version))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._sets)!r}, current={self._current.version!r})"

    def _edition(self, version: object = LATEST) -> E:
        """The edition of ``version`` (:data:`LATEST`: the current one)."""
        if version is LATEST:
            return self._current
        return self[version]  # type: ignore[index]


def single_edition(edition: E, version: object, noun: str, registry: str) -> E:
    """``edition`` itself when ``version`` is :data:`LATEST` or its own version: what
    a policy given alone (not in a registry) answers for ``_edition``; else
    :class:`UnknownName` naming the version the ticket needs."""
    if version is LATEST or version == edition.version:
        return edition
    raise UnknownName(
        f"the ticket needs {noun} version {shown_version(version)}, but the one given is "
        f"{shown_version(edition.version)}; load it with {registry} holding every "
        "version it names",
        field="version",
    )


def versions_needed(
    data: object, event: str, configured: Callable[[Reader], bool]
) -> frozenset[str | None]:
    """The versions a stored ticket document names with ``event`` records (the one it
    opened under and every later one; None when no record says what it opened under),
    or none when ``configured`` says the document has no such policy. Raises
    :class:`SchemaError` for what is not a ticket document."""
    reader = Reader(data)
    if reader.data.get("type") != "ticket":
        raise SchemaError(reader.at("type"), "expected a ticket document")
    if not configured(reader):
        return frozenset()
    history = reader.array("history")
    needed: set[str | None] = set()
    opened_versioned = False
    for index, item in enumerate(history):
        if isinstance(item, dict) and item.get("event") == event:
            version = Reader(item, f"{reader.at('history')}[{index}]").text("version")
            needed.add(version)
            # Opening records come right after ticket_opened (the SLA's, then the
            # escalation policy's); the load refuses them anywhere else.
            if index <= 2 and item.get("mode") == "opened":
                opened_versioned = True
    if not opened_versioned:
        needed.add(None)
    return frozenset(needed)
