"""Mutating real documents as a host's fuzzer would, and the load property they must keep.

:func:`mutate` takes a document written by ``to_dict()`` and changes it one way:
deletes, duplicates or swaps events, re-stamps an instant (earlier, later, equal to
the previous event, just before it, after the last one, near the ends of time),
edits a field (another enum value, a value taken from another event, blank strings,
negatives, huge ints, NaN and infinities, ``True`` for an int, 990 nested lists, wrong
types) or removes a key (``"sla"`` included). :func:`resync` then rewrites the
document's snapshot fields (status, version, SLA clocks...) from what a replay of the
mutated history gives, so that the history itself is what the loader judges.

:func:`verdict` checks the load guarantee on one document: ``from_dict`` raises
:class:`SchemaError` naming a field of the document, or returns an object whose
history the public commands reproduce (:func:`replay_oracle.reproduce`), with equal
``to_dict()``.
"""

from __future__ import annotations

import copy
import datetime as _dt
import enum
import math
import random
import re
from collections.abc import Callable
from typing import Any

import attrs

from replay_oracle import Irreproducible, reproduce
from supportflow import (
    CESMethod,
    Channel,
    IncidentImpact,
    IncidentStatus,
    LifecyclePhase,
    Metric,
    Priority,
    SchemaError,
    Signal,
    SurveyKind,
    Ticket,
    TicketStatus,
    Topic,
)
from supportflow._customers._customer import TimelineKind
from supportflow._kernel._serde import Reader
from supportflow._tickets._codec import TICKET_CODEC

__all__ = ["KINDS", "Mutation", "Verdict", "mutate", "resync", "verdict"]

#: The mutation kinds, as the census counts them.
KINDS = ("delete", "duplicate", "swap", "restamp", "edit", "remove_key")

_ENUMS: tuple[type[enum.Enum], ...] = (
    Priority,
    TicketStatus,
    Channel,
    Topic,
    LifecyclePhase,
    IncidentStatus,
    IncidentImpact,
    Signal,
    SurveyKind,
    CESMethod,
    LifecyclePhase,
    TimelineKind,
    Metric,
)
_ENUM_VALUES = sorted({str(member.value) for kind in _ENUMS for member in kind})
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z")


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _text_at(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _moment(text: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(text)


@attrs.frozen
class Mutation:
    """One change to a document: its ``kind``, the event ``index`` and ``event`` type,
    the ``field`` and the new ``value`` (a short repr), and the mutated ``document``."""

    kind: str
    index: int | None
    event: str | None
    field: str | None
    value: str
    document: dict[str, Any] = attrs.field(repr=False)


def _short(value: object) -> str:
    if isinstance(value, list) and value and isinstance(value[0], list):
        depth, inner = 0, value
        while isinstance(inner, list) and inner:
            depth, inner = depth + 1, inner[0]
        return f"[...{depth} nested lists...]"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _event_name(item: object) -> str | None:
    return item.get("event") if isinstance(item, dict) else None  # type: ignore[return-value]


def _instants(history: list[Any], index: int) -> list[str]:
    """Re-stamps for ``history[index]``: earlier, later, equal to or just before the
    previous event, after the last one, near the ends of time."""
    own = history[index].get("at")
    if not isinstance(own, str) or not _INSTANT.match(own):
        return ["1901-01-01T00:00:00.000000Z"]
    at = _moment(own)
    texts = [
        _text_at(at - _dt.timedelta(hours=1)),
        _text_at(at + _dt.timedelta(hours=1)),
        _text_at(at - _dt.timedelta(days=400)),
        "1901-01-01T00:00:00.000000Z",
        "8999-12-31T00:00:00.000000Z",
        "9999-12-31T23:59:59.999999Z",
    ]
    if index > 0 and isinstance(history[index - 1].get("at"), str):
        previous = _moment(history[index - 1]["at"])
        texts += [_text_at(previous), _text_at(previous - _dt.timedelta(microseconds=1))]
    last = history[-1].get("at")
    if isinstance(last, str) and _INSTANT.match(last):
        texts.append(_text_at(_moment(last) + _dt.timedelta(days=1)))
    return texts


def _values(document: dict[str, Any], key: str, value: object, rng: random.Random) -> object:
    """A replacement for ``value`` at ``key``: most often something close to valid."""
    if isinstance(value, str) and _INSTANT.match(value):
        shifted = _moment(value) + _dt.timedelta(minutes=rng.choice([-600, -1, 1, 600, 10**6]))
        candidates: list[object] = [_text_at(shifted), "2024-13-01T00:00:00.000000Z"]
    else:
        others = [
            item[key]
            for item in document.get("history", [])
            if isinstance(item, dict) and key in item and item[key] != value
        ]
        candidates = list(others)
    if isinstance(value, bool):
        candidates += [not value, 1, "yes"]
    elif isinstance(value, int):
        candidates += [value + 1, value - 1, -value - 1, 0, 10**30, -(10**30), True, 1.5]
    elif isinstance(value, float):
        candidates += [-value, 0.0, 2.0, math.nan, math.inf, -math.inf, True, 10**30]
    elif isinstance(value, str):
        candidates += ["", "   ", rng.choice(_ENUM_VALUES), value + "x", 7, None]
    elif isinstance(value, list):
        candidates += [[], [value], ["", ""], "x", [1, 2], value + value if value else ["a", "a"]]
    elif value is None:
        candidates += ["", "x", 0, -1, 10**30, [], rng.choice(_ENUM_VALUES)]
    candidates += [_nested(990), {}, None, True, math.nan]
    return rng.choice(candidates)


def mutate(document: dict[str, Any], rng: random.Random) -> Mutation:
    """One mutation of ``document`` (left as it is), chosen with ``rng``."""
    data = copy.deepcopy(document)
    history: list[Any] = data["history"]
    kind = rng.choice(KINDS)
    size = len(history)
    index = rng.randrange(size)
    name = _event_name(history[index])
    if kind == "delete":
        del history[index]
        return Mutation(kind, index, name, None, "", data)
    if kind == "duplicate":
        history.insert(index + 1, copy.deepcopy(history[index]))
        return Mutation(kind, index, name, None, "", data)
    if kind == "swap":
        if size < 2:
            kind = "restamp"
        else:
            other = rng.choice([i for i in range(size) if i != index])
            if rng.random() < 0.6:  # neighbours most often
                other = index - 1 if index > 0 else index + 1
            history[index], history[other] = history[other], history[index]
            return Mutation(kind, index, name, None, f"with {other}", data)
    if kind == "restamp":
        value = rng.choice(_instants(history, index))
        history[index]["at"] = value
        return Mutation(kind, index, name, "at", value, data)
    item = history[index]
    keys = [key for key in item if key != "event"]
    if kind == "remove_key":
        top = [key for key in data if key not in ("type", "schema", "history")]
        if "sla" in data and rng.random() < 0.4:
            del data["sla"]
            return Mutation(kind, None, None, "sla", "removed", data)
        if rng.random() < 0.15 and top:
            key = rng.choice(top)
            del data[key]
            return Mutation(kind, None, None, key, "removed", data)
        key = rng.choice(keys) if keys else "event"
        del item[key]
        return Mutation(kind, index, name, key, "removed", data)
    key = rng.choice(keys) if keys else "event"
    if rng.random() < 0.05:
        key = "event"
    value = _values(data, key, item.get(key), rng)
    item[key] = value
    return Mutation("edit", index, name, key, _short(value), data)


def _snapshot_keys(document: dict[str, Any]) -> list[str]:
    return [key for key in document if key not in ("type", "schema", "history")]


def resync(document: dict[str, Any], cls: type, config: dict[str, Any]) -> dict[str, Any] | None:
    """``document`` with its snapshot fields rewritten from a replay of its history
    (the mutated history kept as it is), or None when the replay refuses it."""
    try:
        if cls is Ticket:
            events = [
                TICKET_CODEC.decode_tagged_item(item, "history", index)
                for index, item in enumerate(document["history"])
            ]
            replayed = Ticket.replay(events, **config).to_dict()
        else:
            codec: Any = cls.codec  # type: ignore[attr-defined]
            events = [
                codec.decode_tagged(Reader(item, f"history[{index}]"))
                for index, item in enumerate(document["history"])
            ]
            replayed = cls.replay(events).to_dict()  # type: ignore[attr-defined]
    except Exception:
        return None
    synced = {key: value for key, value in document.items() if key != "sla"}
    for key in _snapshot_keys(replayed):
        synced[key] = replayed[key]
    return synced


@attrs.frozen
class Verdict:
    """What loading one document gave: ``refused`` (a SchemaError naming a field),
    ``reproduced``, or ``impossible`` (loaded, yet the commands do not record it:
    ``reason`` says where)."""

    outcome: str
    reason: str = ""


def _head(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def verdict(
    document: dict[str, Any],
    load: Callable[[dict[str, Any]], Any],
    config: dict[str, Any],
    removed: str | None = None,
) -> Verdict:
    """Load ``document``; anything but a :class:`SchemaError` escapes. A SchemaError
    must name a field of the document (or the ``removed`` key)."""
    try:
        loaded = load(document)
    except SchemaError as error:
        head = _head(error.path)
        if head not in document and head != removed:
            raise AssertionError(
                f"SchemaError at {error.path!r} names no field of the document: {error}"
            ) from error
        return Verdict("refused")
    try:
        again = reproduce(loaded, **config)
    except Irreproducible as problem:
        return Verdict("impossible", str(problem))
    if again.to_dict() != loaded.to_dict():
        return Verdict("impossible", "the reproduced object's to_dict() differs")
    return Verdict("reproduced")
