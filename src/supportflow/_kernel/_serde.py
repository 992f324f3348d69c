"""Building blocks for ``to_dict`` / ``from_dict``: path-aware readers and schema migrations.

Documents are plain JSON-safe data. Conventions shared by every serialized type:

* every top-level document has ``"type"`` (``"ticket"``, ``"calendar"``...) and
  ``"schema"`` (an int, the document format version of that type);
* instants are ISO 8601 text in UTC with microseconds and a ``Z`` suffix;
* durations are integers of microseconds, in keys ending in ``_us``;
* enums are their ``.value`` strings.

:class:`Reader` walks a document and raises :class:`SchemaError` naming the exact
path of a bad field (``history[3].at``). :class:`Migrations` upgrades older documents
with pure dict-to-dict steps before they are read.
"""

from __future__ import annotations

import datetime as _dt
import enum
import reprlib
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final, TypeVar

import attrs

from ._errors import SchemaError, SchemaVersionError, SupportflowError
from ._time import MAX_DURATION_US, format_instant, parse_instant

__all__ = [
    "Codec",
    "Migrations",
    "Reader",
    "bad_document",
    "instant_field",
    "optional_field",
    "renamed_events",
]

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")

_MISSING: Final = object()


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict = 2, 60, 60, 4, 4


def shown(value: object) -> str:
    """A short repr of a value read from a document, for error messages: bounded in
    length and depth, so any input (990 nested lists) makes a message."""
    return _SHORT.repr(value)


def bad_document(path: str, error: SupportflowError) -> SchemaError:
    """Wrap a domain error raised while rebuilding an object as a :class:`SchemaError`."""
    if isinstance(error, SchemaError):
        return error
    return SchemaError(path, str(error))


class Reader:
    """A read-only view of one JSON object with the path that leads to it."""

    __slots__ = ("data", "path")

    def __init__(self, data: object, path: str = "") -> None:
        if not isinstance(data, dict):
            raise SchemaError(path, f"expected an object, got {_type_name(data)}")
        self.data: dict[str, Any] = data
        self.path = path

    def at(self, key: str) -> str:
        """The path of ``key`` inside this object."""
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str) -> Any:
        """The value at ``key``; a missing key is a :class:`SchemaError`."""
        value = self.data.get(key, _MISSING)
        if value is _MISSING:
            raise SchemaError(self.at(key), "missing field")
        return value

    def has(self, key: str) -> bool:
        """Whether ``key`` is present."""
        return key in self.data

    def _typed(self, key: str, kind: type | tuple[type, ...], label: str) -> Any:
        value = self.raw(key)
        # bool is an int subclass; refuse it where an int is expected.
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            raise SchemaError(self.at(key), f"expected {label}, got {_type_name(value)}")
        return value

    def text(self, key: str) -> str:
        """A string field."""
        value = self.data.get(key)
        if type(value) is str:
            return value
        return str(self._typed(key, str, "a string"))

    def opt_text(self, key: str) -> str | None:
        """A string field that may be null."""
        value = self.data.get(key, _MISSING)
        if type(value) is str:
            return value
        if self.raw(key) is None:
            return None
        return self.text(key)

    def integer(self, key: str, *, minimum: int | None = None) -> int:
        """An integer field (booleans refused), optionally with a lower bound."""
        value = self.data.get(key)
        if type(value) is not int:
            value = int(self._typed(key, int, "an integer"))
        if minimum is not None and value < minimum:
            raise SchemaError(self.at(key), f"must be >= {minimum}, got {value}")
        return value

    def duration(self, key: str, *, minimum: int = 0, maximum: int = MAX_DURATION_US) -> int:
        """A duration in integer microseconds, from ``minimum`` to ``maximum`` (100 years)."""
        value = self.integer(key, minimum=minimum)
        if value > maximum:
            raise SchemaError(self.at(key), f"must be at most {maximum} µs, got {value}")
        return value

    def opt_integer(self, key: str, *, minimum: int | None = None) -> int | None:
        """An integer field that may be null."""
        if self.raw(key) is None:
            return None
        return self.integer(key, minimum=minimum)

    def number(self, key: str) -> float:
        """A number field (int or float, booleans refused)."""
        return float(self._typed(key, (int, float), "a number"))

    def boolean(self, key: str) -> bool:
        """A boolean field."""
        return bool(self._typed(key, bool, "a boolean"))

    def enum(self, key: str, enum_type: type[E]) -> E:
        """An enum stored as its value."""
        value = self.raw(key)
        try:
            # the enum's own error formats the value: only scalars get that far
            if type(value) is not str and type(value) is not int:
                raise TypeError
            return enum_type(value)
        except (ValueError, TypeError):
            allowed = ", ".join(repr(m.value) for m in enum_type)
            raise SchemaError(
                self.at(key),
                f"unknown {enum_type.__name__} {shown(value)}; expected one of {allowed}",
            ) from None

    def opt_enum(self, key: str, enum_type: type[E]) -> E | None:
        """An enum field that may be null."""
        if self.raw(key) is None:
            return None
        return self.enum(key, enum_type)

    def instant(self, key: str) -> int:
        """An ISO 8601 instant with an offset, as microseconds since the epoch."""
        value = self.data.get(key)
        quick = _fast_instant(value)
        if quick is not _MISSING:
            return int(quick)
        value = self.raw(key)
        if not isinstance(value, str):
            raise SchemaError(
                self.at(key), f"expected an ISO 8601 instant, got {_type_name(value)}"
            )
        try:
            return parse_instant(value, self.at(key))
        except SupportflowError:
            raise SchemaError(
                self.at(key), f"expected an ISO 8601 instant with a UTC offset, got {shown(value)}"
            ) from None

    def opt_instant(self, key: str) -> int | None:
        """An instant that may be null."""
        if self.raw(key) is None:
            return None
        return self.instant(key)

    def array(self, key: str) -> list[Any]:
        """A list field (items unchecked)."""
        return list(self._typed(key, list, "a list"))

    def text_list(self, key: str) -> list[str]:
        """A list of strings."""
        values = self.array(key)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise SchemaError(
                    f"{self.at(key)}[{index}]", f"expected a string, got {_type_name(value)}"
                )
        return values

    def child(self, key: str) -> Reader:
        """The nested object at ``key``."""
        return Reader(self.raw(key), self.at(key))

    def opt_child(self, key: str) -> Reader | None:
        """The nested object at ``key``, or None when it is null."""
        if self.raw(key) is None:
            return None
        return self.child(key)

    def children(self, key: str) -> Iterator[Reader]:
        """Each object of the list at ``key``, with paths ``key[i]``."""
        base = self.at(key)
        for index, item in enumerate(self.array(key)):
            yield Reader(item, f"{base}[{index}]")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


Step = Callable[[dict[str, Any]], dict[str, Any]]


def renamed_events(names: Mapping[str, str]) -> Step:
    """A migration step renaming the events of a document's ``history`` (old -> new).

    Entries that are not objects with a known ``event`` name are left for the reader
    to judge, so a bad document still fails with the path of its bad field.
    """

    def step(document: dict[str, Any]) -> dict[str, Any]:
        history = document.get("history")
        if isinstance(history, list):
            document["history"] = [
                {**entry, "event": names[entry["event"]]}
                if isinstance(entry, dict)
                and isinstance(entry.get("event"), str)
                and entry["event"] in names
                else entry
                for entry in history
            ]
        return document

    return step


class Migrations:
    """The upgrade steps of one document type: ``steps[n]`` turns schema n into n + 1.

    Built once per type at import time and never changed. :meth:`upgrade` checks the
    ``type`` and ``schema`` of a document and runs the steps it needs, in order, on a
    copy (the caller's data is never modified).
    """

    __slots__ = ("current", "kind", "steps")

    def __init__(self, kind: str, current: int, steps: Mapping[int, Step] | None = None) -> None:
        self.kind: Final = kind
        self.current: Final = current
        self.steps: Final[Mapping[int, Step]] = dict(steps or {})
        missing = [n for n in range(1, current) if n not in self.steps]
        if missing:
            raise ValueError(f"{kind}: no migration step from schema {missing[0]}")

    def upgrade(self, data: object, path: str = "") -> Reader:
        """Validate ``type``/``schema`` and bring ``data`` to the current schema."""
        reader = Reader(data, path)
        kind = reader.text("type")
        if kind != self.kind:
            raise SchemaError(reader.at("type"), f"expected {self.kind!r}, got {shown(kind)}")
        version = reader.integer("schema", minimum=1)
        if version > self.current:
            raise SchemaVersionError(
                reader.at("schema"),
                f"{self.kind} document has schema {version} but this supportflow reads up to "
                f"{self.current}; upgrade supportflow to load it",
            )
        if version == self.current:
            return reader
        document: dict[str, Any] = dict(reader.data)
        while version < self.current:
            try:
                document = self.steps[version](document)
            except SchemaError:
                raise
            except (KeyError, TypeError, ValueError) as error:
                raise SchemaError(
                    path, f"cannot upgrade {self.kind} from schema {version}: {error!r}"
                ) from None
            version += 1
            document["schema"] = version
        return Reader(document, path)


# --- generic codec for attrs classes -------------------------------------------------

_KIND_KEY: Final = "supportflow.kind"


def instant_field(**kwargs: Any) -> Any:
    """An ``attrs`` field holding an instant as int microseconds.

    Serialized as ISO 8601 text under the field name without its ``_us`` suffix.
    """
    return attrs.field(metadata={_KIND_KEY: "instant"}, **kwargs)


_OMIT_KEY: Final = "supportflow.omit_none"


def optional_field(**kwargs: Any) -> Any:
    """An ``attrs`` field of type ``X | None`` (default None) written only when set.

    A field added to an event after documents were stored: older documents, which lack
    the key, load unchanged (as None), and a None value adds no key to new ones.
    """
    return attrs.field(default=None, metadata={_OMIT_KEY: True}, **kwargs)


def _strip_us(name: str) -> str:
    return name[:-3] if name.endswith("_us") else name


Encode = Callable[[Any], Any]
Decode = Callable[[Reader, str], Any]


def _plan_for_type(tp: Any, instant: bool, codec: Codec) -> tuple[Encode, Decode]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        enc, dec = _plan_for_type(inner, instant, codec)

        def dec_opt(r: Reader, key: str) -> Any:
            return None if r.raw(key) is None else dec(r, key)

        return (lambda v: None if v is None else enc(v)), dec_opt
    if instant:
        return format_instant, Reader.instant
    if tp is str:
        return _identity, Reader.text
    if tp is bool:
        return _identity, Reader.boolean
    if tp is int:
        return _identity, Reader.integer
    if tp is float:
        return _identity, Reader.number
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        enum_type = tp
        return (lambda v: v.value), (lambda r, key: r.enum(key, enum_type))
    if origin in (tuple, frozenset) and args:
        item = args[0]
        item_enc, item_dec = _plan_for_type(item, False, codec)
        is_set = origin is frozenset

        def enc_seq(values: Any) -> list[Any]:
            encoded = [item_enc(v) for v in values]
            return sorted(encoded) if is_set else encoded

        def dec_seq(r: Reader, key: str) -> Any:
            base = r.at(key)
            out = [
                item_dec(_ItemReader(value, f"{base}[{index}]"), "_")
                for index, value in enumerate(r.array(key))
            ]
            return frozenset(out) if is_set else tuple(out)

        return enc_seq, dec_seq
    if attrs.has(tp):
        nested = codec.plan(tp)
        return nested.encode, (lambda r, key: nested.decode(r.child(key)))
    raise TypeError(f"no codec for type {tp!r}")


class _ItemReader(Reader):
    """A reader over one list item, addressed by the dummy key ``_`` with the item's own path."""

    __slots__ = ()

    def __init__(self, value: Any, path: str) -> None:
        self.data = {"_": value}
        self.path = path

    def at(self, key: str) -> str:
        return self.path


def _identity(value: Any) -> Any:
    return value


# --- fast paths for decoding ----------------------------------------------------------
#
# A fast reader takes the raw JSON value (or _MISSING) and returns the decoded value, or
# _MISSING when the value is not the plain well-formed case; the field is then read
# again by the full Reader method, which raises the SchemaError with the path. Loading
# a ticket reads about a hundred fields, so skipping the generic checks on good data
# is most of the cost of from_dict.

Fast = Callable[[Any], Any]
_fromisoformat = _dt.datetime.fromisoformat
_UTC_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_ONE_US: Final = _dt.timedelta(microseconds=1)


def _fast_instant(value: Any) -> Any:
    # format_instant writes 27 characters ending in "Z"; anything else takes the slow path.
    # fromisoformat reads the "Z" as UTC (3.11), so one C call parses the whole text and
    # an exact timedelta floor division gives the microseconds.
    if type(value) is not str or len(value) != 27 or value[26] != "Z":
        return _MISSING
    try:
        return (_fromisoformat(value) - _UTC_EPOCH) // _ONE_US
    except (ValueError, TypeError):
        return _MISSING


#: The value -> member table behind each reader made by :func:`_fast_enum`, so the
#: generated decoders can look members up inline.
_ENUM_MEMBERS: Final[dict[Fast, dict[Any, Any]]] = {}


def _fast_enum(enum_type: type[enum.Enum]) -> Fast:
    members = {member.value: member for member in enum_type}

    def read(value: Any) -> Any:
        if type(value) is not str:
            return _MISSING
        return members.get(value, _MISSING)

    _ENUM_MEMBERS[read] = members
    return read


def _fast_sequence(item: Fast, is_set: bool) -> Fast:
    def read(value: Any) -> Any:
        if type(value) is not list:
            return _MISSING
        out = []
        for element in value:
            decoded = item(element)
            if decoded is _MISSING:
                return _MISSING
            out.append(decoded)
        return frozenset(out) if is_set else tuple(out)

    return read


def _fast_for_type(tp: Any, instant: bool, codec: Codec) -> tuple[str, Fast | None]:
    """How to read a well-formed value quickly: ``(kind, reader)``.

    ``kind`` is ``"exact:<type>"`` for plain JSON scalars (checked inline by the
    generated decoder), else ``"call"`` with a reader returning ``_MISSING`` on
    anything unusual, or ``"slow"`` when only the full Reader path applies.
    """
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        kind, fast = _fast_for_type(inner, instant, codec)
        if kind.startswith("exact:"):
            return "optional-" + kind, None
        if fast is None:
            return "slow", None
        inner_fast = fast
        return "call", (lambda value: None if value is None else inner_fast(value))
    if instant:
        return "instant", _fast_instant
    if tp in (str, bool, int, float):
        return f"exact:{tp.__name__}", None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "enum", _fast_enum(tp)
    origin = typing.get_origin(tp)
    if origin in (tuple, frozenset) and args:
        kind, fast = _fast_for_type(args[0], False, codec)
        if kind.startswith("exact:"):
            exact = {"str": str, "bool": bool, "int": int, "float": float}[kind[6:]]
            fast = lambda value: value if type(value) is exact else _MISSING  # noqa: E731
        if fast is None:
            return "slow", None
        return "call", _fast_sequence(fast, origin is frozenset)
    if attrs.has(tp):
        return "call", codec.plan(tp).fast_decode
    return "slow", None


def _inline_encode(tp: Any, instant: bool, expr: str) -> str | None:
    """Source text encoding ``expr`` inline in a generated encoder, or None (call the
    field's encode function instead). Same output as :func:`_plan_for_type`'s encoder."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        inner_expr = _inline_encode(inner, instant, expr)
        if inner_expr is None or inner_expr == expr:
            return inner_expr
        return f"(None if {expr} is None else {inner_expr})"
    if instant:
        # format_instant's own expression, inline (it is one call per event otherwise).
        return f"_iso(_NE + _ONE * {expr}, 'T', 'microseconds') + 'Z'"
    if tp in (str, bool, int, float):
        return expr
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return f"{expr}._value_"
    return None


def _slot_setters(cls: type) -> list[Callable[[Any, Any], None]] | None:
    """The slot ``__set__`` of each attrs field of ``cls``, in field order, when its
    ``__init__`` does nothing else (no validators, converters, init hooks or cached
    hash); else None."""
    init = getattr(getattr(cls, "__init__", None), "__code__", None)
    if (
        init is None
        or "attrs generated" not in init.co_filename
        or getattr(cls, "__attrs_pre_init__", None) is not None
        or getattr(cls, "__attrs_post_init__", None) is not None
        or any("hash" in slot for k in cls.__mro__ for slot in k.__dict__.get("__slots__", ()))
    ):
        return None
    setters = []
    for field in attrs.fields(cls):
        if field.validator is not None or field.converter is not None or not field.init:
            return None
        owner = next((k for k in cls.__mro__ if field.name in k.__dict__), None)
        slot = owner.__dict__[field.name] if owner is not None else None
        if type(slot) is not types.MemberDescriptorType:
            return None
        setters.append(slot.__set__)
    return setters


def _compile(source: str, namespace: dict[str, Any], name: str) -> Any:
    exec(compile(source, f"<supportflow codec {name}>", "exec"), namespace)
    return namespace[name]


class _Plan:
    """Encode and decode functions for one attrs class, generated once from its fields."""

    __slots__ = ("cls", "decoders", "encode", "encode_tagged", "fast_decode", "fields", "omitted")

    def __init__(
        self,
        cls: type,
        fields: list[tuple[str, str, Encode, Decode]],
        fast: list[tuple[str, Fast | None]],
        inline: list[str | None] | None = None,
        omitted: frozenset[str] = frozenset(),
    ) -> None:
        self.cls = cls
        self.fields = fields
        self.decoders = [(name, key, dec) for name, key, _, dec in fields]
        self.omitted = omitted
        namespace: dict[str, Any] = {
            "_fmt": format_instant,
            "_M": _MISSING,
            "_cls": cls,
            "_fi": _fromisoformat,
            "_AE": _UTC_EPOCH,
            "_TD": _ONE_US,
            "_iso": _dt.datetime.isoformat,
            "_NE": _dt.datetime(1970, 1, 1),
            "_ONE": _ONE_US,
        }
        items = []
        # Fields written only when set (optional_field): appended after the others.
        tail = []
        for index, (name, key, enc, _) in enumerate(fields):
            namespace[f"_e{index}"] = enc
            expr = inline[index] if inline is not None else None
            if expr is not None:
                item = expr
            elif enc is _identity:
                item = f"o.{name}"
            else:
                item = f"_e{index}(o.{name})"
            if name in omitted:
                tail.append(f"    if o.{name} is not None:\n        d[{key!r}] = {item}\n")
            else:
                items.append(f"{key!r}: {item}")

        def encoder(fn: str, entries: list[str]) -> Callable[[Any], dict[str, Any]]:
            body = ", ".join(entries)
            if not tail:
                source = f"def {fn}(o):\n    return {{{body}}}\n"
            else:
                source = f"def {fn}(o):\n    d = {{{body}}}\n{''.join(tail)}    return d\n"
            compiled: Callable[[Any], dict[str, Any]] = _compile(source, namespace, fn)
            return compiled

        self.encode = encoder("encode", items)
        tag = getattr(cls, "name", None)
        if isinstance(tag, str):
            self.encode_tagged = encoder("encode_tagged", [f"'event': {tag!r}", *items])
        else:
            self.encode_tagged = self.encode
        lines = ["def fast_decode(d):", "    if type(d) is not dict:", "        return _M"]
        names = []
        for index, ((name, key, _, _), (kind, quick)) in enumerate(zip(fields, fast, strict=True)):
            var = f"v{index}"
            names.append(f"{name}={var}")
            if kind == "slow":
                lines = ["def fast_decode(d):", "    return _M"]
                names = []
                break
            if name in omitted:
                lines.append(f"    {var} = d.get({key!r})")
            else:
                lines.append(f"    {var} = d[{key!r}]")
            if kind.startswith("exact:"):
                lines.append(f"    if type({var}) is not {kind[6:]}:")
                lines.append("        return _M")
            elif kind.startswith("optional-exact:"):
                lines.append(f"    if {var} is not None and type({var}) is not {kind[15:]}:")
                lines.append("        return _M")
            elif kind == "instant":
                # _fast_instant, inline: one C call for format_instant's 27 characters.
                lines.append(
                    f"    if type({var}) is not str or len({var}) != 27 or {var}[26] != 'Z':"
                )
                lines.append("        return _M")
                lines.append("    try:")
                lines.append(f"        {var} = (_fi({var}) - _AE) // _TD")
                lines.append("    except (ValueError, TypeError):")
                lines.append("        return _M")
            elif kind == "enum" and quick in _ENUM_MEMBERS:
                namespace[f"_m{index}"] = _ENUM_MEMBERS[quick]
                lines.append(f"    if type({var}) is not str:")
                lines.append("        return _M")
                lines.append(f"    {var} = _m{index}.get({var}, _M)")
                lines.append(f"    if {var} is _M:")
                lines.append("        return _M")
            else:
                namespace[f"_q{index}"] = quick
                lines.append(f"    {var} = _q{index}({var})")
                lines.append(f"    if {var} is _M:")
                lines.append("        return _M")
        if names:
            # A missing key is not the plain case: one try around the subscripts (cheaper
            # than a d.get call per field) sends it to the full Reader path.
            reads = lines[3:]
            lines = [*lines[:3], "    try:", *("    " + line for line in reads)]
            lines += ["    except KeyError:", "        return _M"]
        setters = _slot_setters(cls)
        if names and setters is not None:
            # A plain slotted attrs class (no validators, converters or init hooks): its
            # __init__ only sets the slots, so set them directly (half the cost).
            namespace["_new"] = object.__new__
            lines.append("    o = _new(_cls)")
            for index, setter in enumerate(setters):
                namespace[f"_s{index}"] = setter
                lines.append(f"    _s{index}(o, v{index})")
            lines.append("    return o")
        elif names:
            lines.append("    try:")
            lines.append(f"        return _cls({', '.join(names)})")
            lines.append("    except (_SupportflowError, TypeError, ValueError):")
            lines.append("        return _M")
        namespace["_SupportflowError"] = SupportflowError
        self.fast_decode = _compile("\n".join(lines) + "\n", namespace, "fast_decode")

    def decode(self, reader: Reader) -> Any:
        """Rebuild the object; well-formed data takes the generated fast path."""
        found = self.fast_decode(reader.data)
        if found is not _MISSING:
            return found
        kwargs = {
            name: None if name in self.omitted and not reader.has(key) else dec(reader, key)
            for name, key, dec in self.decoders
        }
        try:
            return self.cls(**kwargs)
        except SupportflowError as error:
            raise bad_document(reader.path, error) from None
        except (TypeError, ValueError) as error:
            raise SchemaError(reader.path, f"invalid {self.cls.__name__}: {error}") from None


class _Plans(dict[type, "_Plan"]):
    """A codec's plans by class: the first lookup of a class not planned yet plans every
    class of the codec, then answers (``KeyError`` for a class the codec does not know)."""

    __slots__ = ("_codec",)

    def __init__(self, codec: Codec) -> None:
        super().__init__()
        self._codec = codec

    def __missing__(self, cls: type) -> _Plan:
        self._codec._plan_all()
        # not self[cls]: dict.__getitem__ would call __missing__ again for a class the
        # codec does not know, without end
        plan = self.get(cls)
        if plan is None:
            raise KeyError(cls)
        return plan


class Codec:
    """Encodes and decodes a fixed set of attrs classes (events, value objects).

    Built at import time from the classes it handles, and planned on first use; each
    class is planned from
    its field annotations: str, int, float, bool, enums, ``X | None``, ``tuple[X, ...]``,
    ``frozenset[X]`` (a sorted list), nested attrs classes, and instants declared with
    :func:`instant_field`. Classes with a ``name`` ClassVar (events) are tagged with it
    under ``"event"`` so :meth:`decode_tagged` can pick the class back.
    """

    __slots__ = ("_by_name", "_classes", "_encoders", "_fast", "_plans")

    def __init__(self, classes: Iterable[type] = ()) -> None:
        self._classes: Final = tuple(classes)
        self._plans: Final = _Plans(self)
        self._encoders: dict[type, Callable[[Any], dict[str, Any]]] | None = None
        self._fast: dict[str, Callable[[Any], Any]] | None = None
        self._by_name: dict[str, type] = {}
        for cls in self._classes:
            name = getattr(cls, "name", None)
            if isinstance(name, str):
                if name in self._by_name:
                    raise ValueError(f"two classes named {name!r}")
                self._by_name[name] = cls

    def _plan_all(self) -> None:
        """Plan every class given (planning waits for the first use: importing the
        library builds no codec)."""
        for cls in self._classes:
            self.plan(cls)

    def plan(self, cls: type) -> _Plan:
        """The encode/decode plan of ``cls`` (built once, on first use)."""
        found = self._plans.get(cls)
        if found is not None:
            return found
        attrs.resolve_types(cls)
        fields: list[tuple[str, str, Encode, Decode]] = []
        fast: list[tuple[str, Fast | None]] = []
        inline: list[str | None] = []
        omitted: set[str] = set()
        for field in attrs.fields(cls):
            if field.metadata.get(_OMIT_KEY):
                omitted.add(field.name)
            instant = field.metadata.get(_KIND_KEY) == "instant"
            enc, dec = _plan_for_type(field.type, instant, self)
            key = _strip_us(field.name) if instant else field.name
            fields.append((field.name, key, enc, dec))
            fast.append(_fast_for_type(field.type, instant, self))
            inline.append(_inline_encode(field.type, instant, f"o.{field.name}"))
        plan = _Plan(cls, fields, fast, inline, frozenset(omitted))
        self._plans[cls] = plan
        return plan

    def encode(self, obj: Any) -> dict[str, Any]:
        """Plain JSON-safe data for ``obj``."""
        result: dict[str, Any] = self._plans[type(obj)].encode(obj)
        return result

    def decode(self, cls: type[T], reader: Reader) -> T:
        """Rebuild a ``cls`` from ``reader``."""
        result: T = self._plans[cls].decode(reader)
        return result

    def encode_tagged(self, obj: Any) -> dict[str, Any]:
        """Like :meth:`encode` with the class's ``name`` under ``"event"`` first."""
        result: dict[str, Any] = self._plans[type(obj)].encode_tagged(obj)
        return result

    def tagged_encoders(self) -> dict[type, Callable[[Any], dict[str, Any]]]:
        """``{class: encoder}`` of :meth:`encode_tagged`, for loops that inline it
        (built on the first call, then shared: callers must not change it)."""
        if self._encoders is None:
            self._plan_all()
            self._encoders = {cls: plan.encode_tagged for cls, plan in self._plans.items()}
        return self._encoders

    def fast_decoders(self) -> dict[str, Callable[[Any], Any]]:
        """``{name: fast decoder}`` of the tagged classes, for loops that inline
        :meth:`decode_tagged_item`: a decoder takes the raw item (a dict) and returns
        the object, or ``_MISSING`` for anything :meth:`decode_tagged_item` must read
        (built on the first call, then shared: callers must not change it)."""
        if self._fast is None:
            plans = self._plans
            self._fast = {name: plans[cls].fast_decode for name, cls in self._by_name.items()}
        return self._fast

    def decode_tagged_item(self, value: object, base: str, index: int) -> Any:
        """Rebuild the tagged object at ``base[index]`` from raw JSON data.

        Well-formed items skip building a :class:`Reader`; anything else is read by
        :meth:`decode_tagged`, which raises the :class:`SchemaError` with the path.
        """
        if type(value) is dict:
            name = value.get("event")
            cls = self._by_name.get(name) if type(name) is str else None
            if cls is not None:
                found = self._plans[cls].fast_decode(value)
                if found is not _MISSING:
                    return found
        return self.decode_tagged(Reader(value, f"{base}[{index}]"))

    def decode_tagged(self, reader: Reader) -> Any:
        """Rebuild an object tagged by :meth:`encode_tagged`."""
        name = reader.data.get("event")
        cls = self._by_name.get(name) if type(name) is str else None
        if cls is None:
            name = reader.text("event")
            raise SchemaError(reader.at("event"), f"unknown event {shown(name)}")
        return self._plans[cls].decode(reader)
