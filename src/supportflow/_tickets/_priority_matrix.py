"""Priority from impact and urgency: the ITIL-style priority matrix.

Impact is how much of the business a problem touches (one user, a team, everyone);
urgency is how fast it hurts. The matrix maps the pair to a ticket :class:`Priority`.
The default is the common 3 x 3 matrix of ITSM tools (ServiceNow's default, folded
from five levels onto supportflow's four: "planning" and "low" both give ``low``)::

                    urgency: low   medium   high
    impact high              normal high     urgent
    impact medium            low    normal   high
    impact low               low    low      normal

A major incident is never inferred from the matrix: only an explicit
``major_incident=True`` marks one (and makes the priority ``urgent``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from .._kernel._errors import InvalidArgument, InvalidType, SchemaError
from .._kernel._serde import Migrations
from .._vocabulary._taxonomy import Priority

__all__ = ["Impact", "PriorityAssessment", "PriorityMatrix", "Urgency"]


class Impact(enum.StrEnum):
    """How much of the business a problem affects."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for low, 1 for medium, 2 for high."""
        return _LEVELS.index(self.value)


class Urgency(enum.StrEnum):
    """How quickly a problem hurts the business."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for low, 1 for medium, 2 for high."""
        return _LEVELS.index(self.value)


_LEVELS: Final = ("low", "medium", "high")

Cell = tuple[Impact, Urgency]

_DEFAULT_CELLS: Final[Mapping[tuple[str, str], str]] = {
    ("high", "high"): "urgent",
    ("high", "medium"): "high",
    ("medium", "high"): "high",
    ("high", "low"): "normal",
    ("medium", "medium"): "normal",
    ("low", "high"): "normal",
    ("medium", "low"): "low",
    ("low", "medium"): "low",
    ("low", "low"): "low",
}


def _enum(enum_type: type[Any], value: object, name: str) -> Any:
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str):
        try:
            return enum_type(value)
        except ValueError:
            pass
    allowed = ", ".join(repr(m.value) for m in enum_type)
    raise InvalidArgument(f"{name} must be one of {allowed}, got {value!r}")


@attrs.frozen
class PriorityAssessment:
    """The outcome of :meth:`PriorityMatrix.assess`: the inputs, the priority, the flag."""

    impact: Impact
    urgency: Urgency
    priority: Priority
    major_incident: bool


def _check_cells(value: Mapping[Cell, Priority]) -> None:
    missing = [
        f"{impact.value}/{urgency.value}"
        for impact in Impact
        for urgency in Urgency
        if (impact, urgency) not in value
    ]
    if missing:
        raise InvalidArgument(
            f"a priority matrix needs all 9 impact/urgency cells; missing: {', '.join(missing)}"
        )
    for (impact, urgency), priority in value.items():
        for higher in (
            (Impact(_LEVELS[impact.rank + 1]), urgency) if impact.rank < 2 else None,
            (impact, Urgency(_LEVELS[urgency.rank + 1])) if urgency.rank < 2 else None,
        ):
            if higher is not None and value[higher].rank < priority.rank:
                raise InvalidArgument(
                    f"priority matrix is not monotonic: {higher[0].value}/{higher[1].value} "
                    f"gives {value[higher].value} but the lower {impact.value}/{urgency.value} "
                    f"gives {priority.value}; more impact or urgency must never lower the priority"
                )


def _normalize_cells(cells: Mapping[Any, Any]) -> Mapping[Cell, Priority]:
    if not isinstance(cells, Mapping):
        raise InvalidType(
            f"cells must be a mapping of (impact, urgency) to priority, got {type(cells).__name__}"
        )
    out: dict[Cell, Priority] = {}
    for key, priority in cells.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise InvalidArgument(f"a matrix cell key must be (impact, urgency), got {key!r}")
        cell = (_enum(Impact, key[0], "impact"), _enum(Urgency, key[1], "urgency"))
        if cell in out:
            raise InvalidArgument(f"cell {cell[0].value}/{cell[1].value} is given twice")
        out[cell] = _enum(Priority, priority, f"priority of {cell[0].value}/{cell[1].value}")
    _check_cells(out)
    # A fixed order (impact high to low, urgency high to low) so equal matrices serialize equally.
    return {(i, u): out[(i, u)] for i in reversed(Impact) for u in reversed(Urgency)}


@attrs.frozen
class PriorityMatrix:
    """Impact x urgency -> priority, complete and monotonic.

    ``cells`` maps every ``(impact, urgency)`` pair (enums or their values) to a
    :class:`Priority`; a missing cell, or a cell where more impact or urgency gives a
    lower priority, raises :class:`InvalidArgument`. ``PriorityMatrix()`` is the
    default 3 x 3 matrix.
    """

    cells: Mapping[Cell, Priority] = attrs.field(
        factory=lambda: dict(_DEFAULT_CELLS), converter=_normalize_cells
    )

    def priority(self, impact: Impact | str, urgency: Urgency | str) -> Priority:
        """The priority for ``impact`` and ``urgency``."""
        return self.cells[(_enum(Impact, impact, "impact"), _enum(Urgency, urgency, "urgency"))]

    def assess(
        self, impact: Impact | str, urgency: Urgency | str, *, major_incident: bool = False
    ) -> PriorityAssessment:
        """The priority for the pair, with the major-incident flag.

        ``major_incident`` must be an explicit ``True`` or ``False`` (the matrix never
        infers it); ``True`` overrides the matrix and gives ``urgent``.
        """
        if not isinstance(major_incident, bool):
            raise InvalidType(
                f"major_incident must be True or False, got {type(major_incident).__name__}"
            )
        impact_ = _enum(Impact, impact, "impact")
        urgency_ = _enum(Urgency, urgency, "urgency")
        priority = Priority.URGENT if major_incident else self.cells[(impact_, urgency_)]
        return PriorityAssessment(impact_, urgency_, priority, major_incident)

    def rows(self) -> Iterable[tuple[Impact, tuple[Priority, Priority, Priority]]]:
        """Each impact, high first, with its priorities for urgency low, medium, high."""
        for impact in reversed(Impact):
            yield (
                impact,
                (
                    self.cells[(impact, Urgency.LOW)],
                    self.cells[(impact, Urgency.MEDIUM)],
                    self.cells[(impact, Urgency.HIGH)],
                ),
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (type ``"priority_matrix"``, schema 1)."""
        return {
            "type": _MIGRATIONS.kind,
            "schema": _MIGRATIONS.current,
            "cells": [
                {"impact": i.value, "urgency": u.value, "priority": p.value}
                for (i, u), p in self.cells.items()
            ],
        }

    @classmethod
    def from_dict(cls, data: object) -> PriorityMatrix:
        """Load a matrix written by :meth:`to_dict`; :class:`SchemaError` names the bad field."""
        reader = _MIGRATIONS.upgrade(data)
        cells: dict[Cell, Priority] = {}
        for item in reader.children("cells"):
            cell = (item.enum("impact", Impact), item.enum("urgency", Urgency))
            if cell in cells:
                raise SchemaError(item.path, f"cell {cell[0].value}/{cell[1].value} is repeated")
            cells[cell] = item.enum("priority", Priority)
        try:
            return cls(cells)
        except InvalidArgument as error:
            raise SchemaError(reader.at("cells"), str(error)) from None


_MIGRATIONS: Final = Migrations("priority_matrix", 1)
