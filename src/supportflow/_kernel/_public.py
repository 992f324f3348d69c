"""Public faces name the module a user imports from, not the private one that defines it."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any, Final

import attrs

#: ``"supportflow.Ticket"`` -> ``"supportflow._tickets._ticket"``: where each published
#: name is defined, for the docs (filled once, as the public modules are imported).
DEFINED_IN: Final[dict[str, str]] = {}


def publish(namespace: dict[str, Any], names: Iterable[str]) -> None:
    """Set ``__module__`` of the classes and functions a public module exports to it.

    Tracebacks, reprs and pickles then say ``supportflow.InvalidArgument`` or
    ``supportflow.events.TicketAssigned``. A name exported by two faces keeps the
    first one that published it (the top level is imported first). Classes meant to be
    subclassed (:class:`~supportflow.events.Event`) keep real annotations, so a subclass
    defined anywhere resolves its inherited fields.
    """
    module = namespace["__name__"]
    for name in names:
        value = namespace.get(name)  # __version__ is read lazily, on first use
        # Constants (a lifecycle, a bound) are instances: their class says where it lives.
        if not (isinstance(value, type) or inspect.isfunction(value)):
            continue
        if value.__module__.startswith("supportflow._"):
            DEFINED_IN.setdefault(f"{module}.{name}", value.__module__)
            if isinstance(value, type) and attrs.has(value):
                # Field types are resolved in the defining module, whose names the
                # string annotations use, before the class reports another one.
                attrs.resolve_types(value)
            value.__module__ = module
