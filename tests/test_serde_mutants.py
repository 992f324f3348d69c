"""The kernel codec as the mutation run of ``_kernel/_serde.py`` (docs/quality.md) found
it untested: what an event is written as, what a stored item is read back as by both
paths, and the path and problem of every malformed item.

mutmut imports this module (and collects its tests) before it switches a mutant on, so
nothing here that a mutant could change is built at import: every ``Codec``, every
attrs class declared with ``instant_field``/``optional_field``, every
``renamed_events`` step and every ``Migrations`` is built inside the test. Expected
documents are written by hand: 2026-03-02 09:00 UTC is 1_772_442_000_000_000 µs.
"""

import enum
import json
from types import SimpleNamespace
from typing import Any, ClassVar

import attrs
import pytest

from supportflow import InvalidArgument, SchemaError, SchemaVersionError
from supportflow._kernel._serde import (
    _MISSING,
    Codec,
    Migrations,
    Reader,
    _slot_setters,
    bad_document,
    instant_field,
    optional_field,
    renamed_events,
)
from supportflow._kernel._time import MAX_DURATION_US
from supportflow.events import Event

MONDAY_9 = 1_772_442_000_000_000  # 2026-03-02T09:00:00Z
MONDAY_9_TEXT = "2026-03-02T09:00:00.000000Z"
#: The last instant the library takes, beyond the exact range of a float of microseconds.
LATEST = 221_845_391_999_999_999
LATEST_TEXT = "8999-12-31T23:59:59.999999Z"


class Urgency(enum.Enum):
    LOW = "low"
    HIGH = "high"


class Level(enum.Enum):
    FIRST = 1
    SECOND = 2


def _kinds() -> SimpleNamespace:
    """Help-desk event classes of every field kind the codec plans, declared now."""

    @attrs.frozen(kw_only=True)
    class Window:
        start_us: int = instant_field()
        minutes: int

    @attrs.frozen(kw_only=True)
    class Noted(Event):
        name: ClassVar[str] = "noted"
        author: str
        internal: bool
        weight: float
        urgency: Urgency
        tags: frozenset[str]
        steps: tuple[Urgency, ...]
        counts: tuple[int, ...]
        ratios: tuple[float, ...]
        checks: tuple[bool, ...]
        windows: tuple[Window, ...]
        window: Window | None
        channel: Urgency | None
        topic: str | None
        # an instant whose name has no _us suffix keeps its name
        deadline: int = instant_field()
        reopen_us: int | None = instant_field()
        # added after documents were stored: written only when set
        team: str | None = optional_field()

    return SimpleNamespace(Window=Window, Noted=Noted)


def _noted(kinds: SimpleNamespace, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "at_us": MONDAY_9,
        "author": "ana",
        "internal": True,
        "weight": 0.5,
        "urgency": Urgency.HIGH,
        "tags": frozenset({"vip", "billing"}),
        "steps": (Urgency.HIGH, Urgency.LOW),
        "counts": (3, 1),
        "ratios": (0.25,),
        "checks": (True, False),
        "windows": (kinds.Window(start_us=MONDAY_9 + 1_500_000, minutes=30),),
        "window": None,
        "channel": None,
        "topic": None,
        "deadline": MONDAY_9 + 3_600_000_000 + 250,
        "reopen_us": None,
    }
    fields.update(changes)
    return kinds.Noted(**fields)


def _noted_document(**changes: Any) -> dict[str, Any]:
    """The stored form of ``_noted(kinds)``, by hand."""
    document: dict[str, Any] = {
        "event": "noted",
        "at": MONDAY_9_TEXT,
        "author": "ana",
        "internal": True,
        "weight": 0.5,
        "urgency": "high",
        "tags": ["billing", "vip"],
        "steps": ["high", "low"],
        "counts": [3, 1],
        "ratios": [0.25],
        "checks": [True, False],
        "windows": [{"start": "2026-03-02T09:00:01.500000Z", "minutes": 30}],
        "window": None,
        "channel": None,
        "topic": None,
        "deadline": "2026-03-02T10:00:00.000250Z",
        "reopen": None,
    }
    document.update(changes)
    return document


def _problem(read: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    """The path and problem of the SchemaError ``read(*args, **kwargs)`` raises."""
    with pytest.raises(SchemaError) as info:
        read(*args, **kwargs)
    return info.value.path, info.value.problem


def _read_both_ways(codec: Codec, document: dict[str, Any], name: str) -> Any:
    """The event both paths read from ``document``, which must be the same; and the fast
    decoder must have taken it (a well-formed item needs no Reader)."""
    fast = codec.fast_decoders()[name](document)
    slow = codec.decode_tagged(Reader(document, "history[0]"))
    assert fast == slow
    assert codec.decode_tagged_item(document, "history", 0) == slow
    return fast


# --- what an event is written as ------------------------------------------------------


def test_an_event_is_written_with_its_name_first_instants_as_utc_text_and_sets_sorted() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    written = codec.encode_tagged(_noted(kinds))
    assert written == _noted_document()
    assert list(written) == list(_noted_document())
    # the untagged form is the same without the name
    untagged = codec.encode(_noted(kinds))
    assert untagged == {k: v for k, v in _noted_document().items() if k != "event"}
    assert "event" not in untagged
    assert json.loads(json.dumps(written)) == written


def test_set_optional_fields_are_written_after_the_others() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    event = _noted(
        kinds,
        window=kinds.Window(start_us=MONDAY_9, minutes=5),
        channel=Urgency.LOW,
        topic="refund",
        reopen_us=LATEST,
        team="tier-2",
    )
    expected = _noted_document(
        window={"start": MONDAY_9_TEXT, "minutes": 5},
        channel="low",
        topic="refund",
        reopen=LATEST_TEXT,
        team="tier-2",
    )
    written = codec.encode_tagged(event)
    assert written == expected
    assert list(written) == list(expected)  # the name first, the set optional field last
    assert codec.encode(event) == {k: v for k, v in expected.items() if k != "event"}
    assert list(codec.encode(event))[-1] == "team"


def test_a_field_written_only_when_set_adds_no_key_while_none() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    assert "team" not in codec.encode_tagged(_noted(kinds))
    assert "team" not in codec.encode(_noted(kinds))
    # an empty string is set: it is written
    assert codec.encode_tagged(_noted(kinds, team=""))["team"] == ""


def test_a_value_object_is_written_without_an_event_name() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Window])
    window = kinds.Window(start_us=MONDAY_9, minutes=45)
    assert codec.encode(window) == {"start": MONDAY_9_TEXT, "minutes": 45}
    assert codec.encode_tagged(window) == {"start": MONDAY_9_TEXT, "minutes": 45}
    assert codec.decode(kinds.Window, Reader({"start": MONDAY_9_TEXT, "minutes": 45})) == window


def test_every_instant_field_reads_back_the_same_microseconds() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    for us in (0, 1, MONDAY_9 + 999_999, -1, LATEST):
        event = _noted(kinds, at_us=us, deadline=us, reopen_us=us)
        written = codec.encode_tagged(event)
        assert written["at"] == written["deadline"] == written["reopen"]
        assert _read_both_ways(codec, written, "noted") == event
    assert codec.encode_tagged(_noted(kinds, at_us=-1))["at"] == "1969-12-31T23:59:59.999999Z"
    assert codec.encode_tagged(_noted(kinds, at_us=0))["at"] == "1970-01-01T00:00:00.000000Z"


def test_the_codecs_shared_encoders_write_the_tagged_form() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    encoders = codec.tagged_encoders()
    assert encoders is codec.tagged_encoders()  # built once, then shared
    assert encoders[kinds.Noted](_noted(kinds)) == _noted_document()
    # the nested value class was planned with the event, under its own encoder
    window = kinds.Window(start_us=MONDAY_9, minutes=1)
    assert encoders[kinds.Window](window) == {"start": MONDAY_9_TEXT, "minutes": 1}
    assert set(encoders) == {kinds.Noted, kinds.Window}


def test_a_class_the_codec_was_not_given_has_no_plan() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Window])

    @attrs.frozen
    class Other:
        x: int

    with pytest.raises(KeyError) as info:
        codec.encode(Other(x=1))
    assert info.value.args == (Other,)
    with pytest.raises(KeyError):
        codec.decode(Other, Reader({"x": 1}))


def test_two_event_classes_of_one_name_are_refused() -> None:
    @attrs.frozen(kw_only=True)
    class Opened(Event):
        name: ClassVar[str] = "opened"

    @attrs.frozen(kw_only=True)
    class OpenedAgain(Event):
        name: ClassVar[str] = "opened"

    with pytest.raises(ValueError, match="two classes named 'opened'"):
        Codec([Opened, OpenedAgain])


def test_a_class_whose_name_is_not_text_is_no_event() -> None:
    @attrs.frozen(kw_only=True)
    class Counted:
        name: ClassVar[int] = 7
        total: int

    codec = Codec([Counted])
    assert codec.encode_tagged(Counted(total=2)) == {"total": 2}
    assert codec.fast_decoders() == {}
    path, problem = _problem(codec.decode_tagged, Reader({"event": 7, "total": 2}))
    assert (path, problem) == ("event", "expected a string, got int")


def test_a_field_of_a_type_the_codec_cannot_write_is_refused_when_planned() -> None:
    @attrs.frozen
    class Bad:
        by_key: dict[str, int]

    @attrs.frozen
    class BadList:
        items: list[str]

    with pytest.raises(TypeError, match=r"no codec for type dict\[str, int\]"):
        Codec([Bad]).plan(Bad)
    with pytest.raises(TypeError, match=r"no codec for type list\[str\]"):
        Codec([BadList]).encode(BadList(items=[]))


# --- what a stored event is read back as ----------------------------------------------


def test_a_stored_event_is_read_back_by_both_paths() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    event = _read_both_ways(codec, _noted_document(), "noted")
    assert event == _noted(kinds)
    assert type(event.tags) is frozenset
    assert type(event.steps) is tuple
    assert type(event.windows) is tuple
    assert type(event.weight) is float


def test_a_stored_event_with_every_optional_field_set_is_read_back_by_both_paths() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    document = _noted_document(
        window={"start": MONDAY_9_TEXT, "minutes": 5},
        channel="low",
        topic="refund",
        reopen=LATEST_TEXT,
        team="tier-2",
    )
    expected = _noted(
        kinds,
        window=kinds.Window(start_us=MONDAY_9, minutes=5),
        channel=Urgency.LOW,
        topic="refund",
        reopen_us=LATEST,
        team="tier-2",
    )
    assert _read_both_ways(codec, document, "noted") == expected


def test_an_older_document_without_a_later_field_reads_it_as_none() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    older = _noted_document()
    assert "team" not in older
    assert _read_both_ways(codec, older, "noted").team is None
    assert _read_both_ways(codec, _noted_document(team=None), "noted").team is None
    assert _read_both_ways(codec, _noted_document(team="t"), "noted").team == "t"
    path, problem = _problem(codec.decode_tagged, Reader(_noted_document(team=5), "h[0]"))
    assert (path, problem) == ("h[0].team", "expected a string, got int")
    assert codec.fast_decoders()["noted"](_noted_document(team=5)) is _MISSING


def test_a_number_stored_as_an_integer_reads_as_a_float_by_both_paths() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    event = codec.decode_tagged(Reader(_noted_document(weight=2, ratios=[1, 0.5])))
    assert event.weight == 2.0
    assert type(event.weight) is float
    assert [type(r) for r in event.ratios] == [float, float]
    assert codec.decode_tagged_item(_noted_document(weight=2), "h", 0).weight.is_integer()
    assert type(codec.decode_tagged_item(_noted_document(weight=2), "h", 0).weight) is float
    assert type(codec.decode_tagged_item(_noted_document(ratios=[1]), "h", 0).ratios[0]) is float


def test_an_instant_with_another_offset_is_read_as_the_same_microseconds() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    document = _noted_document(at="2026-03-02T10:00:00+01:00", reopen="2026-03-02T09:00:00Z")
    # not the form the codec writes: the fast decoder leaves it to the Reader
    assert codec.fast_decoders()["noted"](document) is _MISSING
    event = codec.decode_tagged_item(document, "history", 0)
    assert event == _noted(kinds, reopen_us=MONDAY_9)
    assert type(event.tags) is frozenset
    assert codec.decode_tagged(Reader(document)) == event


def test_an_unknown_key_in_a_stored_event_is_ignored_by_both_paths() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    assert _read_both_ways(codec, _noted_document(mood="calm"), "noted") == _noted(kinds)


def _malformed() -> list[tuple[dict[str, Any], str, str]]:
    """(stored item, path, problem) of items of ``history[0]`` no path may read."""
    window = {"start": "2026-03-02T09:00:01.500000Z", "minutes": 30}
    cases: list[tuple[dict[str, Any], str, str]] = [
        (_noted_document(author=3), "history[0].author", "expected a string, got int"),
        (_noted_document(author=None), "history[0].author", "expected a string, got null"),
        (_noted_document(internal=1), "history[0].internal", "expected a boolean, got int"),
        (_noted_document(weight="0.5"), "history[0].weight", "expected a number, got str"),
        (_noted_document(weight=True), "history[0].weight", "expected a number, got bool"),
        (
            _noted_document(urgency="urgent"),
            "history[0].urgency",
            "unknown Urgency 'urgent'; expected one of 'low', 'high'",
        ),
        (
            _noted_document(urgency=1),
            "history[0].urgency",
            "unknown Urgency 1; expected one of 'low', 'high'",
        ),
        (
            _noted_document(channel="urgent"),
            "history[0].channel",
            "unknown Urgency 'urgent'; expected one of 'low', 'high'",
        ),
        (
            _noted_document(channel=["low"]),
            "history[0].channel",
            "unknown Urgency ['low']; expected one of 'low', 'high'",
        ),
        (
            _noted_document(urgency=["high"]),
            "history[0].urgency",
            "unknown Urgency ['high']; expected one of 'low', 'high'",
        ),
        (_noted_document(topic=1), "history[0].topic", "expected a string, got int"),
        (_noted_document(tags="vip"), "history[0].tags", "expected a list, got str"),
        (_noted_document(tags=["vip", 3]), "history[0].tags[1]", "expected a string, got int"),
        (
            _noted_document(steps=["low", "up"]),
            "history[0].steps[1]",
            "unknown Urgency 'up'; expected one of 'low', 'high'",
        ),
        (
            _noted_document(counts=[1, True]),
            "history[0].counts[1]",
            "expected an integer, got bool",
        ),
        (_noted_document(counts=[1.0]), "history[0].counts[0]", "expected an integer, got float"),
        (_noted_document(ratios=["x"]), "history[0].ratios[0]", "expected a number, got str"),
        (_noted_document(checks=[1]), "history[0].checks[0]", "expected a boolean, got int"),
        (_noted_document(windows={}), "history[0].windows", "expected a list, got dict"),
        (
            _noted_document(windows=[window, "later"]),
            "history[0].windows[1]",
            "expected an object, got str",
        ),
        (
            _noted_document(windows=[{"start": window["start"]}]),
            "history[0].windows[0].minutes",
            "missing field",
        ),
        (
            _noted_document(windows=[{**window, "minutes": "30"}]),
            "history[0].windows[0].minutes",
            "expected an integer, got str",
        ),
        (
            _noted_document(windows=[{**window, "start": 5}]),
            "history[0].windows[0].start",
            "expected an ISO 8601 instant, got int",
        ),
        (_noted_document(window=[]), "history[0].window", "expected an object, got list"),
        (
            _noted_document(window={"minutes": 1}),
            "history[0].window.start",
            "missing field",
        ),
        (
            _noted_document(at="2026-03-02T09:00:00.000000"),
            "history[0].at",
            "expected an ISO 8601 instant with a UTC offset, got '2026-03-02T09:00:00.000000'",
        ),
        (
            _noted_document(at="2026-03-02T09:00:00.00000xZ"),
            "history[0].at",
            "expected an ISO 8601 instant with a UTC offset, got '2026-03-02T09:00:00.00000xZ'",
        ),
        (
            _noted_document(at="2026-03-02T09:00:00.000000X"),
            "history[0].at",
            "expected an ISO 8601 instant with a UTC offset, got '2026-03-02T09:00:00.000000X'",
        ),
        (
            _noted_document(deadline="soon"),
            "history[0].deadline",
            "expected an ISO 8601 instant with a UTC offset, got 'soon'",
        ),
        (
            _noted_document(deadline=None),
            "history[0].deadline",
            "expected an ISO 8601 instant, got null",
        ),
        (_noted_document(reopen=12), "history[0].reopen", "expected an ISO 8601 instant, got int"),
    ]
    for key in _noted_document():
        if key != "event":
            dropped = {k: v for k, v in _noted_document().items() if k != key}
            cases.append((dropped, f"history[0].{key}", "missing field"))
    return cases


def test_every_malformed_item_is_refused_naming_its_path_by_both_paths() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    fast = codec.fast_decoders()["noted"]
    for item, path, problem in _malformed():
        assert fast(item) is _MISSING, path  # the fast decoder leaves it to the Reader
        assert _problem(codec.decode_tagged_item, item, "history", 0) == (path, problem)
        assert _problem(codec.decode_tagged, Reader(item, "history[0]")) == (path, problem)


def test_an_item_that_is_no_known_event_is_refused_naming_its_path() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    read = codec.decode_tagged_item
    assert _problem(read, "noted", "history", 2) == ("history[2]", "expected an object, got str")
    assert _problem(read, None, "history", 2) == ("history[2]", "expected an object, got null")
    assert _problem(read, {**_noted_document(), "event": "nope"}, "h", 1) == (
        "h[1].event",
        "unknown event 'nope'",
    )
    assert _problem(read, {**_noted_document(), "event": 4}, "h", 1) == (
        "h[1].event",
        "expected a string, got int",
    )
    assert _problem(read, {**_noted_document(), "event": ["noted"]}, "h", 1) == (
        "h[1].event",
        "expected a string, got list",
    )
    assert _problem(codec.decode_tagged, Reader({"event": ["noted"]}, "h[1]")) == (
        "h[1].event",
        "expected a string, got list",
    )
    no_name = {k: v for k, v in _noted_document().items() if k != "event"}
    assert _problem(read, no_name, "h", 1) == ("h[1].event", "missing field")
    path, problem = _problem(read, {"event": "x" * 500}, "h", 0)
    assert path == "h[0].event"
    assert problem.startswith("unknown event 'xxx")
    assert "..." in problem
    assert len(problem) < 100


def test_a_value_object_at_the_top_of_a_document_is_read_with_the_readers_path() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Window])
    read = codec.decode
    assert _problem(read, kinds.Window, Reader({"start": MONDAY_9_TEXT}, "plan.window")) == (
        "plan.window.minutes",
        "missing field",
    )
    assert _problem(read, kinds.Window, Reader({"start": 1, "minutes": 1})) == (
        "start",
        "expected an ISO 8601 instant, got int",
    )


def test_an_enum_of_numbers_is_read_by_value_and_refuses_a_boolean() -> None:
    @attrs.frozen(kw_only=True)
    class Leveled(Event):
        name: ClassVar[str] = "leveled"
        level: Level
        path: tuple[Level, ...]

    codec = Codec([Leveled])
    document = {"event": "leveled", "at": MONDAY_9_TEXT, "level": 2, "path": [1, 2]}
    expected = Leveled(at_us=MONDAY_9, level=Level.SECOND, path=(Level.FIRST, Level.SECOND))
    assert codec.encode_tagged(expected) == document
    assert codec.decode_tagged_item(document, "history", 0) == expected
    assert codec.decode_tagged(Reader(document)) == expected
    # True equals 1, yet is no value of the enum
    assert _problem(codec.decode_tagged_item, {**document, "level": True}, "h", 0) == (
        "h[0].level",
        "unknown Level True; expected one of 1, 2",
    )
    assert _problem(codec.decode_tagged_item, {**document, "path": [1, 3]}, "h", 0) == (
        "h[0].path[1]",
        "unknown Level 3; expected one of 1, 2",
    )
    assert _problem(codec.decode_tagged_item, {**document, "level": "2"}, "h", 0) == (
        "h[0].level",
        "unknown Level '2'; expected one of 1, 2",
    )


# --- the fast path and the attrs class's own checks -----------------------------------


def test_a_validated_event_is_validated_on_the_fast_path_too() -> None:
    def positive(instance: Any, attribute: Any, value: int) -> None:
        if value <= 0:
            raise InvalidArgument(f"{attribute.name} must be positive, got {value}")

    @attrs.frozen(kw_only=True)
    class Credited(Event):
        name: ClassVar[str] = "credited"
        amount: int = attrs.field(validator=positive)

    codec = Codec([Credited])
    good = {"event": "credited", "at": MONDAY_9_TEXT, "amount": 5}
    assert _read_both_ways(codec, good, "credited") == Credited(at_us=MONDAY_9, amount=5)
    bad = {**good, "amount": 0}
    assert codec.fast_decoders()["credited"](bad) is _MISSING
    expected = ("history[0]", "amount must be positive, got 0")
    assert _problem(codec.decode_tagged_item, bad, "history", 0) == expected
    assert _problem(codec.decode_tagged, Reader(bad, "history[0]")) == expected


def test_a_constructor_refusing_with_a_plain_error_is_named_as_an_invalid_event() -> None:
    def small(instance: Any, attribute: Any, value: int) -> None:
        if value > 9:
            raise ValueError("too large")

    def known(instance: Any, attribute: Any, value: str) -> None:
        if value == "?":
            raise TypeError("unknown agent")

    @attrs.frozen(kw_only=True)
    class Rated(Event):
        name: ClassVar[str] = "rated"
        stars: int = attrs.field(validator=small)
        agent: str = attrs.field(validator=known)

    codec = Codec([Rated])
    good = {"event": "rated", "at": MONDAY_9_TEXT, "stars": 9, "agent": "bo"}
    assert _read_both_ways(codec, good, "rated") == Rated(at_us=MONDAY_9, stars=9, agent="bo")
    for bad, problem in (
        ({**good, "stars": 10}, "invalid Rated: too large"),
        ({**good, "agent": "?"}, "invalid Rated: unknown agent"),
    ):
        assert codec.fast_decoders()["rated"](bad) is _MISSING
        assert _problem(codec.decode_tagged_item, bad, "h", 4) == ("h[4]", problem)


def test_a_schema_error_raised_while_rebuilding_keeps_its_own_path() -> None:
    def checked(instance: Any, attribute: Any, value: str) -> None:
        if not value:
            raise SchemaError("somewhere.else", "empty")

    @attrs.frozen(kw_only=True)
    class Tagged(Event):
        name: ClassVar[str] = "tagged"
        label: str = attrs.field(validator=checked)

    codec = Codec([Tagged])
    bad = {"event": "tagged", "at": MONDAY_9_TEXT, "label": ""}
    assert _problem(codec.decode_tagged_item, bad, "h", 0) == ("somewhere.else", "empty")
    error = SchemaError("a.b", "bad")
    assert bad_document("x", error) is error
    wrapped = bad_document("x.y", InvalidArgument("no way"))
    assert (type(wrapped), wrapped.path, wrapped.problem) == (SchemaError, "x.y", "no way")


def test_a_converted_field_is_converted_on_the_fast_path_too() -> None:
    @attrs.frozen(kw_only=True)
    class Renamed(Event):
        name: ClassVar[str] = "renamed"
        subject: str = attrs.field(converter=str.strip)

    codec = Codec([Renamed])
    document = {"event": "renamed", "at": MONDAY_9_TEXT, "subject": "  Refund  "}
    assert _read_both_ways(codec, document, "renamed").subject == "Refund"


def test_an_event_with_an_init_hook_runs_it_when_read() -> None:
    seen: list[str] = []

    @attrs.frozen(kw_only=True)
    class Escalated(Event):
        name: ClassVar[str] = "escalated"
        team: str

        def __attrs_post_init__(self) -> None:
            seen.append(self.team)

    @attrs.frozen(kw_only=True)
    class Paused(Event):
        name: ClassVar[str] = "paused"
        reason: str

        def __attrs_pre_init__(self) -> None:
            seen.append("pre")

    codec = Codec([Escalated, Paused])
    escalated = {"event": "escalated", "at": MONDAY_9_TEXT, "team": "tier-2"}
    paused = {"event": "paused", "at": MONDAY_9_TEXT, "reason": "waiting"}
    assert codec.decode_tagged_item(escalated, "h", 0) == Escalated(at_us=MONDAY_9, team="tier-2")
    assert codec.decode_tagged_item(paused, "h", 1) == Paused(at_us=MONDAY_9, reason="waiting")
    # each read, then each expected event built here
    assert seen == ["tier-2", "tier-2", "pre", "pre"]
    seen.clear()
    read = codec.fast_decoders()["escalated"](escalated)
    assert seen == ["tier-2"]  # the fast decoder ran the hook too
    assert read == Escalated(at_us=MONDAY_9, team="tier-2")


def test_an_event_that_caches_its_hash_hashes_after_it_is_read() -> None:
    @attrs.frozen(kw_only=True, cache_hash=True)
    class Merged(Event):
        name: ClassVar[str] = "merged"
        into: str

    codec = Codec([Merged])
    document = {"event": "merged", "at": MONDAY_9_TEXT, "into": "T-7"}
    event = _read_both_ways(codec, document, "merged")
    assert hash(event) == hash(Merged(at_us=MONDAY_9, into="T-7"))
    assert {event} == {Merged(at_us=MONDAY_9, into="T-7")}


def test_a_plain_slotted_event_is_rebuilt_by_setting_its_slots_in_field_order() -> None:
    # White-box: that the fast decoder skips __init__ is only seen in its speed.
    kinds = _kinds()
    setters = _slot_setters(kinds.Window)
    assert setters is not None
    window = object.__new__(kinds.Window)
    for setter, value in zip(setters, (MONDAY_9, 15), strict=True):
        setter(window, value)
    assert window == kinds.Window(start_us=MONDAY_9, minutes=15)
    assert len(_slot_setters(kinds.Noted) or ()) == len(attrs.fields(kinds.Noted))
    codec = Codec([kinds.Noted])
    assert "_new" in codec.plan(kinds.Noted).fast_decode.__code__.co_names
    assert "_SupportflowError" not in codec.plan(kinds.Noted).fast_decode.__code__.co_names


def test_a_class_whose_init_does_more_than_set_slots_is_rebuilt_by_its_init() -> None:
    def checked(instance: Any, attribute: Any, value: int) -> None:
        pass

    @attrs.frozen
    class Validated:
        x: int = attrs.field(validator=checked)

    @attrs.frozen
    class Converted:
        x: int = attrs.field(converter=int)

    @attrs.frozen
    class Hidden:
        x: int
        y: int = attrs.field(init=False, default=0)

    @attrs.frozen
    class After:
        x: int

        def __attrs_post_init__(self) -> None:
            pass

    @attrs.frozen
    class Before:
        x: int

        def __attrs_pre_init__(self) -> None:
            pass

    @attrs.frozen(cache_hash=True)
    class Hashed:
        x: int

    @attrs.frozen(slots=False)
    class Unslotted:
        x: int

    @attrs.frozen(slots=False)
    class UnslottedDefault:
        x: int = 1

    @attrs.frozen(init=False)
    class NoInit:
        x: int

    class HandWritten:
        __slots__ = ("x",)

        def __init__(self, x: int) -> None:
            self.x = x

    for cls in (Validated, Converted, Hidden, After, Before, Hashed, Unslotted, UnslottedDefault):
        assert _slot_setters(cls) is None, cls.__name__
    assert _slot_setters(HandWritten) is None
    assert _slot_setters(NoInit) is None
    codec = Codec([Validated, Unslotted])
    for cls in (Validated, Unslotted):
        plan = codec.plan(cls)
        assert "_cls" in plan.fast_decode.__code__.co_names
        assert plan.fast_decode({"x": 3}) == cls(x=3)  # type: ignore[call-arg]
        assert plan.fast_decode({"x": "3"}) is _MISSING


def test_an_inherited_slot_is_set_on_the_class_that_declares_it() -> None:
    @attrs.frozen(kw_only=True)
    class Base:
        ticket: str

    @attrs.frozen(kw_only=True)
    class Child(Base):
        note: str

    setters = _slot_setters(Child)
    assert setters is not None
    child = object.__new__(Child)
    setters[0](child, "T-1")
    setters[1](child, "hello")
    assert child == Child(ticket="T-1", note="hello")
    codec = Codec([Child])
    assert codec.plan(Child).fast_decode({"ticket": "T-1", "note": "hello"}) == child


def test_a_field_only_the_reader_can_read_sends_the_whole_item_to_the_reader() -> None:
    # tuple[str | None, ...] has no fast reader: the generated decoder always declines.
    @attrs.frozen(kw_only=True)
    class Surveyed(Event):
        name: ClassVar[str] = "surveyed"
        answers: tuple[str | None, ...]
        comments: tuple[str | None, ...] | None

    codec = Codec([Surveyed])
    document = {
        "event": "surveyed",
        "at": MONDAY_9_TEXT,
        "answers": ["yes", None],
        "comments": None,
    }
    expected = Surveyed(at_us=MONDAY_9, answers=("yes", None), comments=None)
    assert codec.fast_decoders()["surveyed"](document) is _MISSING
    assert codec.decode_tagged_item(document, "history", 0) == expected
    assert codec.encode_tagged(expected) == document
    assert _problem(codec.decode_tagged_item, {**document, "answers": ["yes", 1]}, "h", 0) == (
        "h[0].answers[1]",
        "expected a string, got int",
    )
    with_comments = {**document, "comments": [None, "ok"]}
    read = codec.decode_tagged_item(with_comments, "h", 0)
    assert read.comments == (None, "ok")
    assert codec.encode_tagged(read) == with_comments


def test_a_fast_decoder_declines_what_is_not_a_plain_object() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    fast = codec.fast_decoders()["noted"]
    assert fast(["noted"]) is _MISSING
    assert fast(None) is _MISSING
    assert codec.fast_decoders() is codec.fast_decoders()
    assert set(codec.fast_decoders()) == {"noted"}


# --- the Reader: each field kind, its path and its problem -----------------------------


def test_a_reader_names_fields_under_its_own_path() -> None:
    assert Reader({}).at("status") == "status"
    assert Reader({}, "ticket").at("status") == "ticket.status"
    assert Reader({"a": 1}).has("a")
    assert not Reader({"a": 1}).has("b")
    assert _problem(Reader({}, "ticket").raw, "status") == ("ticket.status", "missing field")
    assert Reader({"a": None}).raw("a") is None
    assert _problem(Reader, "text", "sla") == ("sla", "expected an object, got str")
    assert _problem(Reader, None) == ("", "expected an object, got null")


def test_a_reader_reads_text() -> None:
    reader = Reader({"subject": "Refund", "none": None, "number": 3, "flag": False}, "t")
    assert reader.text("subject") == "Refund"
    assert reader.opt_text("subject") == "Refund"
    assert reader.opt_text("none") is None
    assert _problem(reader.text, "number") == ("t.number", "expected a string, got int")
    assert _problem(reader.text, "none") == ("t.none", "expected a string, got null")
    assert _problem(reader.opt_text, "flag") == ("t.flag", "expected a string, got bool")
    assert _problem(reader.opt_text, "gone") == ("t.gone", "missing field")
    assert _problem(reader.text, "gone") == ("t.gone", "missing field")


def test_a_reader_reads_integers_within_their_bounds() -> None:
    reader = Reader({"n": 5, "neg": -1, "yes": True, "f": 5.0, "none": None, "big": 10**20}, "d")
    assert reader.integer("n") == 5
    assert reader.integer("neg") == -1
    assert reader.integer("n", minimum=5) == 5
    assert reader.integer("big") == 10**20
    assert _problem(reader.integer, "n", minimum=6) == ("d.n", "must be >= 6, got 5")
    assert _problem(reader.integer, "yes") == ("d.yes", "expected an integer, got bool")
    assert _problem(reader.integer, "f") == ("d.f", "expected an integer, got float")
    assert _problem(reader.integer, "gone") == ("d.gone", "missing field")
    assert reader.opt_integer("none") is None
    assert reader.opt_integer("n", minimum=1) == 5
    assert _problem(reader.opt_integer, "neg", minimum=0) == ("d.neg", "must be >= 0, got -1")
    assert _problem(reader.opt_integer, "gone") == ("d.gone", "missing field")


def test_a_duration_is_whole_microseconds_from_zero_to_a_hundred_years() -> None:
    reader = Reader({"zero": 0, "max": MAX_DURATION_US, "over": MAX_DURATION_US + 1, "neg": -1})
    assert reader.duration("zero") == 0
    assert reader.duration("max") == MAX_DURATION_US
    assert _problem(reader.duration, "over") == (
        "over",
        f"must be at most {MAX_DURATION_US} µs, got {MAX_DURATION_US + 1}",
    )
    assert _problem(reader.duration, "neg") == ("neg", "must be >= 0, got -1")
    assert Reader({"d": 7}).duration("d", minimum=7, maximum=7) == 7
    assert _problem(Reader({"d": 6}).duration, "d", minimum=7) == ("d", "must be >= 7, got 6")
    assert _problem(Reader({"d": 8}).duration, "d", maximum=7) == (
        "d",
        "must be at most 7 µs, got 8",
    )


def test_a_reader_reads_numbers_and_booleans_without_mixing_them() -> None:
    reader = Reader({"i": 2, "f": 0.5, "t": True, "f0": False, "s": "1", "one": 1})
    assert reader.number("i") == 2.0
    assert type(reader.number("i")) is float
    assert reader.number("f") == 0.5
    assert _problem(reader.number, "t") == ("t", "expected a number, got bool")
    assert _problem(reader.number, "s") == ("s", "expected a number, got str")
    assert reader.boolean("t") is True
    assert reader.boolean("f0") is False
    assert _problem(reader.boolean, "one") == ("one", "expected a boolean, got int")
    assert _problem(reader.boolean, "gone") == ("gone", "missing field")


def test_a_reader_reads_enums_by_value() -> None:
    reader = Reader({"u": "low", "l": 2, "bad": "urgent", "t": True, "none": None, "x": [1]}, "p")
    assert reader.enum("u", Urgency) is Urgency.LOW
    assert reader.enum("l", Level) is Level.SECOND
    assert reader.opt_enum("u", Urgency) is Urgency.LOW
    assert reader.opt_enum("none", Urgency) is None
    expected = "expected one of 'low', 'high'"
    assert _problem(reader.enum, "bad", Urgency) == (
        "p.bad",
        f"unknown Urgency 'urgent'; {expected}",
    )
    assert _problem(reader.enum, "t", Level) == ("p.t", "unknown Level True; expected one of 1, 2")
    assert _problem(reader.enum, "x", Level) == ("p.x", "unknown Level [1]; expected one of 1, 2")
    assert _problem(reader.enum, "l", Urgency) == ("p.l", f"unknown Urgency 2; {expected}")
    assert _problem(reader.opt_enum, "bad", Urgency) == (
        "p.bad",
        f"unknown Urgency 'urgent'; {expected}",
    )
    assert _problem(reader.opt_enum, "gone", Urgency) == ("p.gone", "missing field")


def test_a_reader_reads_instants_with_any_offset_as_utc_microseconds() -> None:
    reader = Reader(
        {
            "z": MONDAY_9_TEXT,
            "short": "2026-03-02T09:00:00Z",
            "paris": "2026-03-02T10:00:00.000000+01:00",
            "latest": LATEST_TEXT,
            "naive": "2026-03-02T09:00:00",
            "n": 5,
            "none": None,
            "garbled": "2026-03-02T09:00:00.00000xZ",
        },
        "e",
    )
    assert reader.instant("z") == MONDAY_9
    assert type(reader.instant("z")) is int
    assert reader.instant("short") == MONDAY_9
    assert reader.instant("paris") == MONDAY_9
    assert reader.instant("latest") == LATEST  # exact, beyond a float's 53 bits
    assert reader.opt_instant("z") == MONDAY_9
    assert reader.opt_instant("none") is None
    offset = "expected an ISO 8601 instant with a UTC offset, got"
    assert _problem(reader.instant, "naive") == ("e.naive", f"{offset} '2026-03-02T09:00:00'")
    assert _problem(reader.instant, "garbled") == (
        "e.garbled",
        f"{offset} '2026-03-02T09:00:00.00000xZ'",
    )
    assert _problem(reader.instant, "n") == ("e.n", "expected an ISO 8601 instant, got int")
    assert _problem(reader.instant, "none") == ("e.none", "expected an ISO 8601 instant, got null")
    assert _problem(reader.instant, "gone") == ("e.gone", "missing field")
    assert _problem(reader.opt_instant, "gone") == ("e.gone", "missing field")
    assert _problem(reader.opt_instant, "n") == ("e.n", "expected an ISO 8601 instant, got int")


def test_a_reader_reads_lists_and_nested_objects_with_their_paths() -> None:
    data = {
        "tags": ["a", "b"],
        "mixed": ["a", None],
        "obj": {"k": 1},
        "none": None,
        "items": [{"k": 1}, {"k": 2}, 3],
        "text": "x",
    }
    reader = Reader(data, "doc")
    tags = reader.array("tags")
    assert tags == ["a", "b"]
    tags.append("c")
    assert data["tags"] == ["a", "b"]  # a copy: the document is left as it was
    assert reader.text_list("tags") == ["a", "b"]
    assert _problem(reader.text_list, "mixed") == ("doc.mixed[1]", "expected a string, got null")
    assert _problem(Reader({"t": ["a", "b", 3]}).text_list, "t") == (
        "t[2]",
        "expected a string, got int",
    )
    assert _problem(reader.array, "obj") == ("doc.obj", "expected a list, got dict")
    assert _problem(reader.text_list, "text") == ("doc.text", "expected a list, got str")
    child = reader.child("obj")
    assert (child.path, child.data, child.integer("k")) == ("doc.obj", {"k": 1}, 1)
    assert _problem(reader.child, "text") == ("doc.text", "expected an object, got str")
    assert _problem(reader.child, "gone") == ("doc.gone", "missing field")
    assert reader.opt_child("none") is None
    opt = reader.opt_child("obj")
    assert opt is not None
    assert opt.path == "doc.obj"
    assert _problem(reader.opt_child, "text") == ("doc.text", "expected an object, got str")
    items = reader.children("items")
    assert [(r.path, r.data) for r in (next(items), next(items))] == [
        ("doc.items[0]", {"k": 1}),
        ("doc.items[1]", {"k": 2}),
    ]
    assert _problem(next, items) == ("doc.items[2]", "expected an object, got int")
    assert [r.path for r in Reader({"xs": [{}]}).children("xs")] == ["xs[0]"]
    assert _problem(list, Reader({"xs": {}}).children("xs")) == ("xs", "expected a list, got dict")


# --- migrations: older documents upgraded in order --------------------------------------


def _ticket_steps(log: list[int]) -> dict[int, Any]:
    """Steps of a ticket document: schema 1 -> 2 names the subject, 2 -> 3 adds tags."""

    def one(document: dict[str, Any]) -> dict[str, Any]:
        log.append(document["schema"])
        document["subject"] = document.pop("title")
        return document

    def two(document: dict[str, Any]) -> dict[str, Any]:
        log.append(document["schema"])
        return {**document, "tags": []}

    return {1: one, 2: two}


def test_migrations_run_each_step_in_order_from_the_stored_schema() -> None:
    log: list[int] = []
    migrations = Migrations("ticket", 3, _ticket_steps(log))
    stored = {"type": "ticket", "schema": 1, "title": "Refund"}
    reader = migrations.upgrade(stored, "doc")
    assert reader.data == {"type": "ticket", "schema": 3, "subject": "Refund", "tags": []}
    assert reader.path == "doc"
    assert log == [1, 2]  # each step sees the schema it upgrades from
    assert stored == {"type": "ticket", "schema": 1, "title": "Refund"}  # left as it was
    log.clear()
    assert migrations.upgrade({"type": "ticket", "schema": 2, "subject": "S"}).data == {
        "type": "ticket",
        "schema": 3,
        "subject": "S",
        "tags": [],
    }
    assert log == [2]


def test_a_current_document_is_read_as_it_is() -> None:
    log: list[int] = []
    migrations = Migrations("ticket", 3, _ticket_steps(log))
    current = {"type": "ticket", "schema": 3, "subject": "S"}
    reader = migrations.upgrade(current, "t")
    assert reader.data is current
    assert reader.path == "t"
    assert log == []
    assert Migrations("calendar", 1).upgrade({"type": "calendar", "schema": 1}).data == {
        "type": "calendar",
        "schema": 1,
    }


def test_a_document_newer_than_this_library_is_refused_as_a_version_error() -> None:
    migrations = Migrations("ticket", 3, _ticket_steps([]))
    with pytest.raises(SchemaVersionError) as info:
        migrations.upgrade({"type": "ticket", "schema": 4}, "doc")
    assert info.value.path == "doc.schema"
    assert info.value.problem == (
        "ticket document has schema 4 but this supportflow reads up to 3; "
        "upgrade supportflow to load it"
    )


def test_a_document_of_another_type_or_without_a_usable_schema_is_refused() -> None:
    migrations = Migrations("ticket", 3, _ticket_steps([]))
    upgrade = migrations.upgrade
    assert _problem(upgrade, {"type": "calendar", "schema": 1}) == (
        "type",
        "expected 'ticket', got 'calendar'",
    )
    assert _problem(upgrade, {"type": 5, "schema": 1}) == ("type", "expected a string, got int")
    assert _problem(upgrade, {"schema": 1}, "d") == ("d.type", "missing field")
    assert _problem(upgrade, {"type": "ticket", "schema": 0}) == ("schema", "must be >= 1, got 0")
    assert _problem(upgrade, {"type": "ticket", "schema": "2"}) == (
        "schema",
        "expected an integer, got str",
    )
    assert _problem(upgrade, [], "d") == ("d", "expected an object, got list")


def test_a_step_that_cannot_read_an_old_document_is_a_schema_error() -> None:
    migrations = Migrations("ticket", 3, _ticket_steps([]))
    assert _problem(migrations.upgrade, {"type": "ticket", "schema": 1}, "doc") == (
        "doc",
        "cannot upgrade ticket from schema 1: KeyError('title')",
    )

    def refuse(document: dict[str, Any]) -> dict[str, Any]:
        raise SchemaError("history[0].event", "unknown event 'x'")

    def wrong_type(document: dict[str, Any]) -> dict[str, Any]:
        raise TypeError("not a list")

    def wrong_value(document: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("bad")

    refusing = Migrations("case", 2, {1: refuse})
    assert _problem(refusing.upgrade, {"type": "case", "schema": 1}) == (
        "history[0].event",
        "unknown event 'x'",
    )
    for step, shown in (
        (wrong_type, "TypeError('not a list')"),
        (wrong_value, "ValueError('bad')"),
    ):
        failing = Migrations("case", 3, {1: lambda d: d, 2: step})
        assert _problem(failing.upgrade, {"type": "case", "schema": 1}, "c") == (
            "c",
            f"cannot upgrade case from schema 2: {shown}",
        )


def test_migrations_without_a_step_for_every_older_schema_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^ticket: no migration step from schema 2$"):
        Migrations("ticket", 4, {1: dict, 3: dict})
    with pytest.raises(ValueError, match=r"^ticket: no migration step from schema 1$"):
        Migrations("ticket", 3, {2: dict})
    with pytest.raises(ValueError, match=r"^ticket: no migration step from schema 1$"):
        Migrations("ticket", 2)
    migrations = Migrations("ticket", 2, {1: dict, 5: dict})
    assert (migrations.kind, migrations.current, set(migrations.steps)) == ("ticket", 2, {1, 5})


def test_a_renamed_event_is_read_under_its_old_name() -> None:
    @attrs.frozen(kw_only=True)
    class Waiting(Event):
        name: ClassVar[str] = "waiting_on_customer"
        reason: str

    codec = Codec([Waiting])
    migrations = Migrations("ticket", 2, {1: renamed_events({"pending": "waiting_on_customer"})})
    stored = {
        "type": "ticket",
        "schema": 1,
        "history": [
            {"event": "pending", "at": MONDAY_9_TEXT, "reason": "logs"},
            {"event": "waiting_on_customer", "at": MONDAY_9_TEXT, "reason": "again"},
        ],
    }
    reader = migrations.upgrade(stored)
    events = [codec.decode_tagged(item) for item in reader.children("history")]
    assert events == [
        Waiting(at_us=MONDAY_9, reason="logs"),
        Waiting(at_us=MONDAY_9, reason="again"),
    ]
    assert stored["history"][0]["event"] == "pending"  # the stored document is left as it was


def test_renaming_events_leaves_what_it_does_not_know_for_the_reader_to_judge() -> None:
    step = renamed_events({"pending": "waiting", "held": "on_hold"})
    history = [
        {"event": "held", "by": "ana"},
        "pending",
        {"event": 3},
        {"event": "closed"},
        {"name": "pending"},
        {"event": "pending"},
    ]
    document = {"type": "ticket", "history": history, "other": {"event": "pending"}}
    assert step(document) == {
        "type": "ticket",
        "history": [
            {"event": "on_hold", "by": "ana"},
            "pending",
            {"event": 3},
            {"event": "closed"},
            {"name": "pending"},
            {"event": "waiting"},
        ],
        "other": {"event": "pending"},
    }
    assert step({"type": "ticket"}) == {"type": "ticket"}
    assert step({"history": {"event": "pending"}}) == {"history": {"event": "pending"}}


def test_a_duration_field_keeps_its_microseconds_suffix() -> None:
    @attrs.frozen(kw_only=True)
    class Snoozed(Event):
        name: ClassVar[str] = "snoozed"
        delay_us: int
        until_us: int = instant_field()

    codec = Codec([Snoozed])
    event = Snoozed(at_us=MONDAY_9, delay_us=90_000_000, until_us=MONDAY_9 + 90_000_000)
    document = {
        "event": "snoozed",
        "at": MONDAY_9_TEXT,
        "delay_us": 90_000_000,
        "until": "2026-03-02T09:01:30.000000Z",
    }
    assert codec.encode_tagged(event) == document
    assert _read_both_ways(codec, document, "snoozed") == event


def test_a_well_formed_item_is_read_without_building_a_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # White-box: the Reader built for an item is the only sign of the slow path.
    from supportflow._kernel import _serde

    built: list[str] = []

    class Counting(Reader):
        __slots__ = ()

        def __init__(self, data: object, path: str = "") -> None:
            built.append(path)
            super().__init__(data, path)

    monkeypatch.setattr(_serde, "Reader", Counting)
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    assert codec.decode_tagged_item(_noted_document(), "history", 0) == _noted(kinds)
    assert built == []
    with pytest.raises(SchemaError):
        codec.decode_tagged_item(_noted_document(author=1), "history", 3)
    assert built == ["history[3]"]


def test_a_class_is_planned_once_per_codec() -> None:
    kinds = _kinds()
    codec = Codec([kinds.Noted])
    plan = codec.plan(kinds.Noted)
    assert codec.plan(kinds.Noted) is plan
    assert codec.tagged_encoders()[kinds.Noted] is plan.encode_tagged
    assert codec.fast_decoders()["noted"] is plan.fast_decode
    assert codec.plan(kinds.Window) is codec.plan(kinds.Window)


def test_a_field_only_the_reader_can_read_is_read_by_it_alone_or_when_optional() -> None:
    @attrs.frozen(kw_only=True)
    class Polled(Event):
        name: ClassVar[str] = "polled"
        answers: tuple[str | None, ...]

    @attrs.frozen(kw_only=True)
    class Commented(Event):
        name: ClassVar[str] = "commented"
        comments: tuple[str | None, ...] | None

    codec = Codec([Polled, Commented])
    polled = {"event": "polled", "at": MONDAY_9_TEXT, "answers": [None, "no"]}
    commented = {"event": "commented", "at": MONDAY_9_TEXT, "comments": ["ok", None]}
    for document in (polled, commented):
        assert codec.fast_decoders()[document["event"]](document) is _MISSING
    assert codec.decode_tagged_item(polled, "h", 0) == Polled(at_us=MONDAY_9, answers=(None, "no"))
    assert codec.decode_tagged_item(commented, "h", 1) == Commented(
        at_us=MONDAY_9, comments=("ok", None)
    )


def test_instant_and_later_fields_keep_what_else_they_declare() -> None:
    @attrs.frozen(kw_only=True)
    class Reminded(Event):
        name: ClassVar[str] = "reminded"
        remind_us: int = instant_field(default=MONDAY_9)
        channel: str | None = optional_field(
            validator=attrs.validators.optional(attrs.validators.in_(("email", "sms")))
        )
        note: str | None = optional_field()

    codec = Codec([Reminded])
    default = Reminded(at_us=0)
    assert (default.remind_us, default.channel, default.note) == (MONDAY_9, None, None)
    with pytest.raises(ValueError, match="'channel' must be in"):
        Reminded(at_us=0, channel="fax")
    both = Reminded(at_us=0, channel="sms", note="call back")
    document = {
        "event": "reminded",
        "at": "1970-01-01T00:00:00.000000Z",
        "remind": MONDAY_9_TEXT,
        "channel": "sms",
        "note": "call back",
    }
    assert codec.encode_tagged(both) == document
    assert list(codec.encode_tagged(both)) == list(document)
    assert codec.encode_tagged(default) == {
        "event": "reminded",
        "at": "1970-01-01T00:00:00.000000Z",
        "remind": MONDAY_9_TEXT,
    }
    assert codec.decode_tagged_item(document, "h", 0) == both
    path, problem = _problem(codec.decode_tagged_item, {**document, "channel": "fax"}, "h", 0)
    assert path == "h[0]"
    assert problem.startswith("invalid Reminded: ")
    assert "'channel' must be in ('email', 'sms') (got 'fax')" in problem


def test_an_event_declared_with_annotations_as_text_is_planned_from_its_resolved_types() -> None:
    @attrs.frozen(kw_only=True)
    class Counted(Event):
        name: ClassVar[str] = "counted"
        total: "int"
        since_us: int = instant_field()

    codec = Codec([Counted])
    event = Counted(at_us=MONDAY_9, total=3, since_us=MONDAY_9)
    document = {"event": "counted", "at": MONDAY_9_TEXT, "total": 3, "since": MONDAY_9_TEXT}
    assert codec.encode_tagged(event) == document
    assert _read_both_ways(codec, document, "counted") == event


def test_a_plan_writes_and_reads_scalars_enums_and_instants_inline() -> None:
    # White-box, like the slot setters: the generated code's shape is only seen in its
    # speed. Nested values are written by their own encoders; everything else inline.
    kinds = _kinds()
    plan = Codec([kinds.Noted]).plan(kinds.Noted)
    names = [field.name for field in attrs.fields(kinds.Noted)]
    nested = {"tags", "steps", "counts", "ratios", "checks", "windows", "window"}
    for encode in (plan.encode, plan.encode_tagged):
        called = set(encode.__code__.co_names)
        assert {f"_e{i}" for i, name in enumerate(names) if name in nested} <= called
        assert not {f"_e{i}" for i, name in enumerate(names) if name not in nested} & called
    read = set(plan.fast_decode.__code__.co_names)
    for name in ("at_us", "deadline"):
        assert f"_q{names.index(name)}" not in read, name
    assert "_fi" in read
    urgency = names.index("urgency")
    assert f"_m{urgency}" in read
    assert f"_q{urgency}" not in read
