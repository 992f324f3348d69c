"""The serialization building blocks: readers name the bad path, migrations upgrade in order."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from supportflow import (
    Customer,
    FeedbackProgram,
    Incident,
    Maintenance,
    ProactiveCase,
    SchemaError,
    SchemaVersionError,
)
from supportflow._kernel._serde import Codec, Migrations, Reader, instant_field
from supportflow._tickets._codec import TICKET_CODEC
from supportflow.events import Event


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen(kw_only=True)
class Stamp:
    count: int
    when_us: int = instant_field()


@attrs.frozen(kw_only=True)
class Painted(Event):
    name: ClassVar[str] = "painted"
    color: Color
    tags: frozenset[str]
    stamps: tuple[Stamp, ...]
    note: str | None
    due_us: int | None = instant_field()


def painted_codec() -> Codec:
    """A codec of its own per test: planned under the test (see below)."""
    return Codec([Painted])


def painted() -> Painted:
    return Painted(
        at_us=1_700_000_000_000_001,
        color=Color.RED,
        tags=frozenset({"b", "a"}),
        stamps=(Stamp(count=1, when_us=5),),
        note=None,
        due_us=None,
    )


def test_codec_round_trips_through_json() -> None:
    codec = painted_codec()
    data = codec.encode_tagged(painted())
    assert data["event"] == "painted"
    assert data["at"] == "2023-11-14T22:13:20.000001Z"
    assert data["tags"] == ["a", "b"]
    again = codec.decode_tagged(Reader(json.loads(json.dumps(data))))
    assert again == painted()


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.pop("color"), "history[3].color"),
        (lambda d: d.update(color="green"), "history[3].color"),
        (lambda d: d["stamps"][0].update(count=True), "history[3].stamps[0].count"),
        (lambda d: d["stamps"][0].update(when="2020-01-01T00:00:00"), "history[3].stamps[0].when"),
        (lambda d: d.update(tags=["a", 3]), "history[3].tags[1]"),
        (lambda d: d.update(event="nope"), "history[3].event"),
        (lambda d: d.update(stamps={}), "history[3].stamps"),
    ],
)
def test_bad_fields_are_named_by_path(mutate: Any, path: str) -> None:
    codec = painted_codec()
    data = codec.encode_tagged(painted())
    mutate(data)
    with pytest.raises(SchemaError) as info:
        codec.decode_tagged(Reader(data, "history[3]"))
    assert info.value.path == path


def test_reader_refuses_non_objects() -> None:
    with pytest.raises(SchemaError, match="expected an object, got list"):
        Reader([], "x")


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    doc = dict(doc)
    doc["full_name"] = doc.pop("name")
    return doc


def _v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
    doc = dict(doc)
    doc["tags"] = []
    return doc


MIGRATIONS = Migrations("thing", 3, {1: _v1_to_v2, 2: _v2_to_v3})


def test_migrations_run_in_order_without_touching_the_input() -> None:
    original = {"type": "thing", "schema": 1, "name": "x"}
    reader = MIGRATIONS.upgrade(original)
    assert reader.data == {"type": "thing", "schema": 3, "full_name": "x", "tags": []}
    assert original == {"type": "thing", "schema": 1, "name": "x"}


def test_newer_schema_is_refused_clearly() -> None:
    with pytest.raises(SchemaVersionError, match="upgrade supportflow"):
        MIGRATIONS.upgrade({"type": "thing", "schema": 4})


def test_wrong_type_and_missing_schema_are_schema_errors() -> None:
    with pytest.raises(SchemaError, match="expected 'thing'"):
        MIGRATIONS.upgrade({"type": "other", "schema": 1})
    with pytest.raises(SchemaError) as info:
        MIGRATIONS.upgrade({"type": "thing"})
    assert info.value.path == "schema"


def test_a_gap_in_the_steps_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no migration step from schema 2"):
        Migrations("thing", 3, {1: _v1_to_v2})


# --- codecs built inside the test ---------------------------------------------------
# The library's codecs are planned once, on first use; these tests build their own from
# the same classes, so the planning itself runs under the test (a mutation run needs
# that: a plan made before a mutant is switched on never sees it). The histories are
# real documents of every aggregate kind, written by the persistence samples and kept
# as a fixture: what the codecs must read and write, whatever the code says now.

HISTORIES = json.loads(
    (Path(__file__).resolve().parent / "fixtures" / "event-histories.json").read_text()
)
SHIPPED = {
    "ticket": TICKET_CODEC,
    "ticket_with_sla": TICKET_CODEC,
    "proactive_case": ProactiveCase.codec,
    "maintenance": Maintenance.codec,
    "incident": Incident.codec,
    "feedback_program": FeedbackProgram.codec,
    "customer": Customer.codec,
}


def _outcome(read: Any, *args: Any) -> Any:
    """What ``read(*args)`` gives: the object, or the SchemaError's path and problem."""
    try:
        return read(*args)
    except SchemaError as error:
        return ("error", error.path, error.problem)


def _wrong(value: Any) -> Any:
    """A JSON value of another type than ``value``."""
    if isinstance(value, bool):
        return 1
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return [value]
    return 3.5


def _codecs(kind: str) -> tuple[Codec, Codec]:
    """The shipped codec of ``kind`` and one built now from the same classes."""
    shipped = SHIPPED[kind]
    return shipped, Codec(shipped._classes)


def _stored_events(kind: str) -> list[tuple[int, dict[str, Any]]]:
    """(index in its history, stored item) of every event of the fixture's ``kind``."""
    return [(index, item) for history in HISTORIES[kind] for index, item in enumerate(history)]


@pytest.mark.parametrize("kind", sorted(HISTORIES))
def test_a_codec_built_from_the_event_classes_writes_and_reads_the_stored_documents(
    kind: str,
) -> None:
    shipped, fresh = _codecs(kind)
    for index, item in _stored_events(kind):
        event = fresh.decode_tagged(Reader(item, f"history[{index}]"))
        assert fresh.encode_tagged(event) == item  # the stored document, exactly
        assert fresh.decode_tagged_item(item, "history", index) == event
        # ... and a well-formed stored event takes the fast path, without a Reader.
        assert fresh.fast_decoders()[item["event"]](item) == event
        assert fresh.encode(event) == {k: v for k, v in item.items() if k != "event"}
        assert shipped.decode_tagged(Reader(item)) == event


@pytest.mark.parametrize("kind", sorted(HISTORIES))
def test_a_codec_built_from_the_event_classes_refuses_what_the_shipped_one_refuses(
    kind: str,
) -> None:
    # Every field of every stored event dropped, or given a value of another type.
    shipped, fresh = _codecs(kind)
    for index, item in _stored_events(kind):
        for key in item:
            edits = [{k: v for k, v in item.items() if k != key}]
            if key != "event":
                edits.append({**item, key: _wrong(item[key])})
            for edited in edits:
                ours = _outcome(fresh.decode_tagged_item, edited, "h", index)
                slow = _outcome(fresh.decode_tagged, Reader(edited, f"h[{index}]"))
                theirs = _outcome(shipped.decode_tagged_item, edited, "h", index)
                assert ours == slow == theirs, (kind, index, key)
