"""Lifecycles: one ``transitions.Machine`` per class, executed through a derived table.

Each aggregate class (ticket, proactive case, incident, maintenance) declares its
states and transitions once, as a ``transitions.Machine`` built at import time with no
model attached. :class:`Lifecycle` reads that Machine into a plain dictionary
``{state: {trigger: destination}}`` so that firing a trigger on an object is one dict
lookup (the Machine stays the single source of truth: nothing else lists what is
allowed), and renders the Mermaid diagram the docs show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from transitions import Machine

from ._errors import InvalidTransition

__all__ = ["Lifecycle"]


class Lifecycle:
    """The executable form of a shared ``transitions.Machine`` definition."""

    __slots__ = (
        "_allowed",
        "_final_error",
        "_table",
        "final_states",
        "initial",
        "kind",
        "machine",
        "states",
    )

    def __init__(
        self,
        kind: str,
        machine: Machine,
        final_error: type[InvalidTransition] = InvalidTransition,
    ) -> None:
        self.kind: Final = kind
        self._final_error: Final = final_error
        self.machine: Final = machine
        self.states: Final[tuple[str, ...]] = tuple(machine.states)
        self.initial: Final[str] = str(machine.initial)
        table: dict[str, dict[str, str]] = {state: {} for state in self.states}
        for trigger, event in machine.events.items():
            for source, transitions in event.transitions.items():
                if not transitions:
                    continue
                dest = transitions[0].dest
                table[source][trigger] = source if dest is None else dest
        self._table: Final[Mapping[str, Mapping[str, str]]] = table
        self._allowed: Final[Mapping[str, tuple[str, ...]]] = {
            state: tuple(sorted(triggers)) for state, triggers in table.items()
        }
        self.final_states: Final[frozenset[str]] = frozenset(
            state for state, triggers in table.items() if not triggers
        )

    @classmethod
    def define(
        cls,
        kind: str,
        states: Sequence[str],
        transitions: Sequence[Mapping[str, Any]],
        initial: str,
        final_error: type[InvalidTransition] = InvalidTransition,
    ) -> Lifecycle:
        """Build the shared Machine (no model, no auto transitions) and its table.

        ``final_error`` is the error raised for any trigger in a final state
        (tickets use :class:`TicketClosed` to point at follow-ups).
        """
        machine = Machine(
            model=None,
            states=list(states),
            transitions=[dict(t) for t in transitions],
            initial=initial,
            auto_transitions=False,
        )
        return cls(kind, machine, final_error)

    def allowed(self, state: str) -> tuple[str, ...]:
        """The triggers allowed in ``state``, sorted."""
        return self._allowed[state]

    def can(self, state: str, trigger: str) -> bool:
        """Whether ``trigger`` is allowed in ``state``."""
        return trigger in self._table[state]

    def target(self, object_id: str, state: str, trigger: str) -> str:
        """The state ``trigger`` leads to from ``state``, or raise :class:`InvalidTransition`."""
        dest = self._table[state].get(trigger)
        if dest is None:
            if state in self.final_states:
                raise self._final_error(self.kind, object_id, state, trigger, ())
            raise InvalidTransition(self.kind, object_id, state, trigger, self._allowed[state])
        return dest

    def edges(self) -> list[tuple[str, str, str]]:
        """Every ``(source, trigger, destination)`` edge, in a stable order."""
        return [
            (source, trigger, self._table[source][trigger])
            for source in self.states
            for trigger in sorted(self._table[source])
        ]

    def mermaid(self) -> str:
        """Mermaid ``stateDiagram-v2`` text of the lifecycle, generated from the Machine."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        merged: dict[tuple[str, str], list[str]] = {}
        for source, trigger, dest in self.edges():
            merged.setdefault((source, dest), []).append(trigger)
        for (source, dest), triggers in merged.items():
            lines.append(f"    {source} --> {dest}: {', '.join(triggers)}")
        lines.extend(f"    {state} --> [*]" for state in self.states if state in self.final_states)
        return "\n".join(lines) + "\n"
