"""Versions of the SLA policies a host keeps while tickets still name them.

Help desks edit their SLA policies often. Each edition is an :class:`SLAPolicySet`
with a ``version``; :class:`SLAPolicyVersions` holds the editions a host still needs
(every version a stored ticket's history names) and says which one new tickets open
under. A ticket records the version it opened under and every later change
(``Ticket.apply_sla_version``, ``Ticket.repair_sla``), so it loads under exactly the
policies it was written with.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import EllipsisType
from typing import TYPE_CHECKING, Final

from .._kernel._errors import InvalidArgument, InvalidType, SchemaError, UnknownName
from .._kernel._serde import Reader
from ._policy import LATEST, SLAPolicySet, Ticket, _shown_version

if TYPE_CHECKING:
    from ._state import SLAState

__all__ = ["SLAPolicyVersions", "sla_versions_needed"]

_VERSION_EVENT: Final = "sla_version_applied"


class SLAPolicyVersions:
    """The editions of an SLA policy set a host keeps, by version; ``current`` is the
    version new tickets open under (by default the last set given; None names the
    unversioned one).

    Pass it wherever an :class:`SLAPolicySet` goes (``Ticket.open(sla=...)``,
    ``from_dict``, ``replay``, a store). Versions must be unique; at most one set may
    be unversioned (``version=None``): the one tickets opened before versions were
    kept are loaded under.
    """

    __slots__ = ("_current", "_sets")

    def __init__(
        self, sets: Iterable[SLAPolicySet], *, current: str | EllipsisType | None = ...
    ) -> None:
        chosen: dict[str | None, SLAPolicySet] = {}
        for policies in sets:
            if not isinstance(policies, SLAPolicySet):
                raise InvalidType(f"expected SLAPolicySet objects, got {type(policies).__name__}")
            if policies.version in chosen:
                raise InvalidArgument(
                    f"two SLA policy sets have version {_shown_version(policies.version)}"
                )
            chosen[policies.version] = policies
        if not chosen:
            raise InvalidArgument("SLAPolicyVersions needs at least one SLAPolicySet")
        if current is ...:
            latest = next(reversed(chosen.values()))
        elif current in chosen:
            latest = chosen[current]
        else:
            raise UnknownName(
                f"no SLA policy version {_shown_version(current)}; versions: {self._names(chosen)}"
            )
        self._sets: Final = chosen
        self._current: Final = latest

    @staticmethod
    def _names(sets: dict[str | None, SLAPolicySet]) -> str:
        return ", ".join(_shown_version(version) for version in sets)

    @property
    def current(self) -> SLAPolicySet:
        """The set new tickets open under."""
        return self._current

    @property
    def versions(self) -> tuple[str | None, ...]:
        """Every version kept, in the order given (None for an unversioned set)."""
        return tuple(self._sets)

    def __getitem__(self, version: str | None) -> SLAPolicySet:
        """The set of ``version`` (:class:`UnknownName` naming it and those kept)."""
        found = self._sets.get(version)
        if found is None:
            raise UnknownName(
                f"no SLA policy version {_shown_version(version)}; versions kept: "
                f"{self._names(self._sets)}",
                field="version",
            )
        return found

    def __contains__(self, version: object) -> bool:
        return version in self._sets

    def __iter__(self) -> Iterator[SLAPolicySet]:
        return iter(self._sets.values())

    def __len__(self) -> int:
        return len(self._sets)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SLAPolicyVersions):
            return NotImplemented
        return (
            list(self._sets.items()) == list(other._sets.items())
            and self._current.version == other._current.version
        )

    def __hash__(self) -> int:
        return hash((tuple(self._sets), self._current.version))

    def __repr__(self) -> str:
        return f"SLAPolicyVersions({list(self._sets)!r}, current={self._current.version!r})"

    def _edition(self, version: object = LATEST) -> SLAPolicySet:
        if version is LATEST:
            return self._current
        return self[version]  # type: ignore[index]

    def attach(self, ticket: Ticket) -> SLAState:
        """The SLA state of a ticket just opened, under the current set."""
        return self._current.attach(ticket)


def sla_versions_needed(data: object) -> frozenset[str | None]:
    """The SLA policy versions a stored ticket document needs to load: the one it
    opened under and every one it applied since (None for an unversioned set). Empty
    for a ticket without SLA. Keep those in :class:`SLAPolicyVersions` while the
    document is stored; raises :class:`SchemaError` for what is not a ticket document.
    """
    reader = Reader(data)
    if reader.data.get("type") != "ticket":
        raise SchemaError(reader.at("type"), "expected a ticket document")
    if reader.data.get("sla") is None:
        return frozenset()
    history = reader.array("history")
    needed: set[str | None] = set()
    opened_versioned = False
    for index, item in enumerate(history):
        if isinstance(item, dict) and item.get("event") == _VERSION_EVENT:
            version = Reader(item, f"{reader.at('history')}[{index}]").text("version")
            needed.add(version)
            if index == 1 and item.get("mode") == "opened":
                opened_versioned = True
    if not opened_versioned:
        needed.add(None)
    return frozenset(needed)
