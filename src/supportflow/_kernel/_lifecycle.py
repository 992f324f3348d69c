"""Lifecycles: one ``transitions.Machine`` per class, executed through a derived table.

Each aggregate class (ticket, proactive case, incident, maintenance...) declares its
states and transitions once, as a ``transitions.Machine`` built at import time with no
model attached. :class:`Lifecycle` reads that Machine into plain dictionaries so that
firing a trigger on an object is one dict lookup, and renders the Mermaid diagram the
docs show. The Machine stays the single source of truth: what is allowed, where each
trigger leads and which guard must hold are read from it and written nowhere else.

Guards follow transitions' own semantics: a transition carries ``conditions`` (all
must hold) and ``unless`` (none may hold), given as names of the guards passed to
:meth:`Lifecycle.define`; for a trigger the transitions are tried in the order they
were declared and the first whose guards pass is taken. A definition this executor
cannot honour faithfully (callbacks, guards that are not declared names, a trigger
listed for no state) is refused when it is defined, never silently run differently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs
from transitions import Machine

from ._errors import InvalidArgument, InvalidTransition

__all__ = ["Guard", "Lifecycle"]


@attrs.frozen
class Guard:
    """A named condition on a transition: ``check(subject, context)`` must hold.

    ``hint`` is told to the caller when the guard refuses the transition (what to do
    instead): a text, or a function of ``(subject, context)`` giving one. ``subject``
    is the aggregate; ``context`` whatever the aggregate passes (the event about to be
    recorded).
    """

    check: Callable[[Any, Any], bool]
    hint: str | Callable[[Any, Any], str]

    def explain(self, subject: object, context: object) -> str:
        """The hint for a refusal of ``subject`` with ``context``."""
        return self.hint if isinstance(self.hint, str) else self.hint(subject, context)


# Keys of a transition dictionary this executor honours; anything else (before, after,
# prepare, custom keys) is a behaviour we would silently skip.
_KNOWN_KEYS: Final = frozenset({"trigger", "source", "dest", "conditions", "unless"})

# A guarded edge: (destination, guard names that must hold, guard names that must not).
_Edge = tuple[str, tuple[str, ...], tuple[str, ...]]


def _names(value: object, key: str, trigger: str) -> tuple[str, ...]:
    if value is None:
        return ()
    names = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
    for name in names:
        if not isinstance(name, str):
            raise InvalidArgument(
                f"{trigger}: {key} must name guards declared with the lifecycle, got {name!r}"
            )
    return names


class Lifecycle:
    """The executable form of a shared ``transitions.Machine`` definition."""

    __slots__ = (
        "_allowed",
        "_final_error",
        "_guarded",
        "_into",
        "_into_any",
        "_table",
        "final_states",
        "guards",
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
        guards: Mapping[str, Guard] | None = None,
    ) -> None:
        self.kind: Final = kind
        self._final_error: Final = final_error
        self.machine: Final = machine
        self.guards: Final[Mapping[str, Guard]] = dict(guards or {})
        self.states: Final[tuple[str, ...]] = tuple(machine.states)
        self.initial: Final[str] = str(machine.initial)
        plain: dict[str, dict[str, str]] = {state: {} for state in self.states}
        guarded: dict[str, dict[str, tuple[_Edge, ...]]] = {state: {} for state in self.states}
        internal: set[tuple[str, str]] = set()
        for trigger, event in machine.events.items():
            for source, transitions in event.transitions.items():
                edges: list[_Edge] = []
                for transition in transitions:
                    if transition.before or transition.after or transition.prepare:
                        raise InvalidArgument(
                            f"{kind} lifecycle: {trigger} from {source} has callbacks; "
                            "state changes happen in the aggregate's evolve step only"
                        )
                    if transition.dest is None:
                        internal.add((source, trigger))
                    dest = source if transition.dest is None else transition.dest
                    conditions = tuple(str(c.func) for c in transition.conditions if c.target)
                    unless = tuple(str(c.func) for c in transition.conditions if not c.target)
                    edges.append((dest, conditions, unless))
                if not edges:
                    continue
                if len(edges) == 1 and not edges[0][1] and not edges[0][2]:
                    plain[source][trigger] = edges[0][0]
                else:
                    guarded[source][trigger] = (*edges,)
        for source, triggers in guarded.items():
            for trigger, tried in triggers.items():
                for _dest, conditions, unless in tried:
                    for name in (*conditions, *unless):
                        if name not in self.guards:
                            raise InvalidArgument(
                                f"{kind} lifecycle: {trigger} from {source} names the guard "
                                f"{name!r}, which is not declared (declared: "
                                f"{', '.join(sorted(self.guards)) or 'none'})"
                            )
        self._table: Final[Mapping[str, Mapping[str, str]]] = plain
        self._guarded: Final[Mapping[str, Mapping[str, tuple[_Edge, ...]]]] = guarded
        self._allowed: Final[Mapping[str, tuple[str, ...]]] = {
            state: tuple(sorted({*plain[state], *guarded[state]})) for state in self.states
        }
        self.final_states: Final[frozenset[str]] = frozenset(
            state for state, triggers in self._allowed.items() if not triggers
        )
        # The reverse map, derived here and nowhere else: the first declared trigger
        # from a state to a destination, and the first into a destination from anywhere
        # (internal transitions, declared without a destination, are not moves).
        into: dict[tuple[str, str], str] = {}
        into_any: dict[str, str] = {}
        for trigger in machine.events:
            for source in self.states:
                if (source, trigger) in internal:
                    continue
                dests = [plain[source][trigger]] if trigger in plain[source] else []
                dests += [dest for dest, _, _ in guarded[source].get(trigger, ())]
                for dest in dests:
                    into.setdefault((source, dest), trigger)
                    into_any.setdefault(dest, trigger)
        self._into: Final[Mapping[tuple[str, str], str]] = into
        self._into_any: Final[Mapping[str, str]] = into_any

    @classmethod
    def define(
        cls,
        kind: str,
        states: Sequence[str],
        transitions: Sequence[Mapping[str, Any]],
        initial: str,
        final_error: type[InvalidTransition] = InvalidTransition,
        guards: Mapping[str, Guard] | None = None,
    ) -> Lifecycle:
        """Build the shared Machine (no model, no auto transitions) and its tables.

        ``final_error`` is the error raised for any trigger in a final state
        (tickets use :class:`TicketClosed` to point at follow-ups). ``guards`` names the
        conditions transitions may list under ``conditions`` / ``unless``. Raises
        :class:`InvalidArgument` for a definition this executor cannot honour.
        """
        for spec in transitions:
            unknown = set(spec) - _KNOWN_KEYS
            if unknown:
                raise InvalidArgument(
                    f"{kind} lifecycle: {spec.get('trigger')!r} has {sorted(unknown)}; "
                    f"only {sorted(_KNOWN_KEYS)} are executed"
                )
            trigger = str(spec.get("trigger"))
            _names(spec.get("conditions"), "conditions", trigger)
            _names(spec.get("unless"), "unless", trigger)
        machine = Machine(
            model=None,
            states=list(states),
            transitions=[dict(t) for t in transitions],
            initial=initial,
            auto_transitions=False,
        )
        return cls(kind, machine, final_error, guards)

    def allowed(self, state: str) -> tuple[str, ...]:
        """The triggers allowed in ``state`` (guarded ones included), sorted."""
        return self._allowed[state]

    def can(self, state: str, trigger: str) -> bool:
        """Whether ``trigger`` is declared for ``state`` (its guards aside)."""
        return trigger in self._table[state] or trigger in self._guarded[state]

    def guarded(self, state: str, trigger: str) -> bool:
        """Whether ``trigger`` from ``state`` has guards to check."""
        return trigger in self._guarded[state]

    def target(
        self,
        object_id: str,
        state: str,
        trigger: str,
        subject: object = None,
        context: object = None,
    ) -> str:
        """The state ``trigger`` leads to from ``state``, or raise :class:`InvalidTransition`.

        Guarded transitions are tried in declaration order with ``subject`` and
        ``context``; when none passes, the error carries the hint of the first guard
        that refused.
        """
        dest = self._table[state].get(trigger)
        if dest is not None:
            return dest
        edges = self._guarded[state].get(trigger)
        if edges is None:
            if state in self.final_states:
                raise self._final_error(self.kind, object_id, state, trigger, ())
            raise InvalidTransition(self.kind, object_id, state, trigger, self._allowed[state])
        hint = ""
        guards = self.guards
        for dest, conditions, unless in edges:
            refused = None
            for name in conditions:
                if not guards[name].check(subject, context):
                    refused = name
                    break
            else:
                for name in unless:
                    if guards[name].check(subject, context):
                        refused = name
                        break
            if refused is None:
                return dest
            hint = hint or guards[refused].explain(subject, context)
        allowed = [t for t in self._allowed[state] if t != trigger]
        raise InvalidTransition(self.kind, object_id, state, trigger, allowed, hint)

    def trigger_into(self, state: str, dest: str) -> str:
        """The first declared trigger moving ``state`` to ``dest`` (internal transitions,
        declared without a destination, are not moves); when none does, the first moving
        to ``dest`` from any state, so that :meth:`target` refuses it naming the moves
        allowed now.

        Raises :class:`InvalidArgument` when no transition leads to ``dest`` at all.
        """
        found = self._into.get((state, dest)) or self._into_any.get(dest)
        if found is None:
            raise InvalidArgument(f"no {self.kind} transition leads to {dest!r}")
        return found

    def destination(self, object_id: str, state: str, trigger: str) -> str:
        """Where ``trigger`` leads from ``state`` when its guards hold (the first declared
        destination), without checking them; raises :class:`InvalidTransition` when the
        trigger is not declared for ``state``."""
        edges = self._guarded[state].get(trigger)
        if edges is not None:
            return edges[0][0]
        return self.target(object_id, state, trigger)

    def edges(self) -> list[tuple[str, str, str]]:
        """Every ``(source, trigger, destination)`` edge, in a stable order."""
        found: list[tuple[str, str, str]] = []
        for source in self.states:
            for trigger in self._allowed[source]:
                plain = self._table[source].get(trigger)
                if plain is not None:
                    found.append((source, trigger, plain))
                    continue
                seen: list[str] = []
                for dest, _conditions, _unless in self._guarded[source][trigger]:
                    if dest not in seen:
                        seen.append(dest)
                        found.append((source, trigger, dest))
        return found

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
