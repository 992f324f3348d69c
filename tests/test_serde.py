"""The serialization building blocks: readers name the bad path, migrations upgrade in order."""

from __future__ import annotations

import enum
import json
from typing import Any, ClassVar

import attrs
import pytest

from supportflow import SchemaError, SchemaVersionError
from supportflow._kernel._serde import Codec, Migrations, Reader, instant_field
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


CODEC = Codec([Painted])


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
    data = CODEC.encode_tagged(painted())
    assert data["event"] == "painted"
    assert data["at"] == "2023-11-14T22:13:20.000001Z"
    assert data["tags"] == ["a", "b"]
    again = CODEC.decode_tagged(Reader(json.loads(json.dumps(data))))
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
    data = CODEC.encode_tagged(painted())
    mutate(data)
    with pytest.raises(SchemaError) as info:
        CODEC.decode_tagged(Reader(data, "history[3]"))
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
