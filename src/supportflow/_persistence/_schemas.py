"""JSON Schemas (draft 2020-12) of every persisted document type.

The event-sourced documents' schemas are generated from the codecs, as below; the
definition documents' (calendars, policies...) come from :mod:`._documents`.

Each event schema comes from the attrs fields its :class:`~supportflow._serde.Codec`
plans (the same rules as the encoder: instants as ISO text ending in ``Z``, durations
as ``_us`` integers, enums as their values, ``X | None``, tuples and sorted frozensets
as arrays, nested attrs classes as objects, fields written only when set as optional
keys). The ``event`` name of each class and the ``schema`` number of each document
come from the codec and the :class:`~supportflow._serde.Migrations` of its type, so
renaming an event or bumping a schema changes the generated schema.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Callable
from typing import Any, Final

import attrs

from .._customers._customer import Customer
from .._kernel._errors import InvalidArgument
from .._kernel._serde import _KIND_KEY, _OMIT_KEY, Codec, Migrations
from .._proactive._base import ProactiveAggregate
from .._proactive._feedback import FeedbackProgram
from .._proactive._incidents import Incident
from .._proactive._maintenance import Maintenance
from .._proactive._outreach import ProactiveCase
from .._tickets._codec import TICKET_CODEC, TICKET_MIGRATIONS
from .._vocabulary._taxonomy import Priority, TicketStatus
from ._documents import BASE_ID, DEFINITION_SCHEMAS, DIALECT, file_name

__all__ = ["SCHEMA_KINDS", "json_schema", "schema_file_name", "schema_files"]

#: The text :func:`~supportflow._time.format_instant` writes: UTC, microseconds, ``Z``.
_INSTANT: Final[dict[str, Any]] = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$",
}


class _Builder:
    """Schemas of the attrs classes of one codec, shared under ``$defs``."""

    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def for_type(self, tp: Any, instant: bool) -> dict[str, Any]:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (typing.Union, types.UnionType) and type(None) in args:
            (inner,) = [a for a in args if a is not type(None)]
            return {"anyOf": [self.for_type(inner, instant), {"type": "null"}]}
        if instant:
            return dict(_INSTANT)
        if tp is str:
            return {"type": "string"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"}
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return {"enum": [member.value for member in tp]}
        if origin in (tuple, frozenset) and args:
            schema: dict[str, Any] = {"type": "array", "items": self.for_type(args[0], False)}
            if origin is frozenset:
                schema["uniqueItems"] = True
            return schema
        if attrs.has(tp):
            return {"$ref": f"#/$defs/{self.object_def(tp, None)}"}
        raise TypeError(f"no schema for type {tp!r}")

    def object_def(self, cls: type, tag: str | None) -> str:
        """Add the schema of ``cls`` (tagged with ``event`` when ``tag``) to ``$defs``."""
        name = cls.__name__
        if name in self.defs:
            return name
        self.defs[name] = {}  # reserved first: a class may nest itself
        attrs.resolve_types(cls)
        properties: dict[str, Any] = {}
        required: list[str] = []
        if tag is not None:
            properties["event"] = {"const": tag}
            required.append("event")
        for field in attrs.fields(cls):
            instant = field.metadata.get(_KIND_KEY) == "instant"
            key = field.name[:-3] if instant and field.name.endswith("_us") else field.name
            properties[key] = self.for_type(field.type, instant)
            if not field.metadata.get(_OMIT_KEY):
                required.append(key)
        self.defs[name] = {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }
        return name

    def events(self, codec: Codec) -> dict[str, Any]:
        """One ``oneOf`` branch per tagged class of ``codec``, by its ``event`` name."""
        branches = []
        for cls in codec.tagged_encoders():
            tag = getattr(cls, "name", None)
            if isinstance(tag, str):
                branches.append({"$ref": f"#/$defs/{self.object_def(cls, tag)}"})
        return {"oneOf": branches}


def _document(
    migrations: Migrations, title: str, codec: Codec, extra: Callable[[_Builder], dict[str, Any]]
) -> dict[str, Any]:
    builder = _Builder()
    history = {"type": "array", "minItems": 1, "items": builder.events(codec)}
    properties: dict[str, Any] = {
        "type": {"const": migrations.kind},
        "schema": {"const": migrations.current},
        "id": {"type": "string"},
        **extra(builder),
        "version": {"type": "integer", "minimum": 1},
        "history": history,
    }
    optional = {"sla"}
    return {
        "$schema": DIALECT,
        "$id": f"{BASE_ID}{schema_file_name(migrations.kind)}",
        "title": title,
        "type": "object",
        "properties": properties,
        "required": [key for key in properties if key not in optional],
        "additionalProperties": False,
        "$defs": dict(sorted(builder.defs.items())),
    }


def _ticket_fields(builder: _Builder) -> dict[str, Any]:
    # Ticket.to_dict writes this snapshot by hand beside the history.
    text_or_null = {"type": ["string", "null"]}
    return {
        "customer_id": {"type": "string"},
        "status": {"enum": [member.value for member in TicketStatus]},
        "priority": {"enum": [member.value for member in Priority]},
        "assignee": text_or_null,
        "team": text_or_null,
        "tier": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "created_at": dict(_INSTANT),
        "updated_at": dict(_INSTANT),
        # The SLA clock snapshot (present when the ticket has policies): a cache that
        # from_dict checks against the history; its own layout is not described here.
        "sla": {"type": "object"},
    }


def _status_only(builder: _Builder) -> dict[str, Any]:
    return {"status": {"type": "string"}}


def _proactive(cls: type[ProactiveAggregate], title: str) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        return _document(cls.migrations, title, cls.codec, _status_only)

    return build


_GENERATORS: Final[dict[str, Callable[[], dict[str, Any]]]] = {
    TICKET_MIGRATIONS.kind: lambda: _document(
        TICKET_MIGRATIONS, "supportflow ticket", TICKET_CODEC, _ticket_fields
    ),
    Incident.migrations.kind: _proactive(Incident, "supportflow incident"),
    Maintenance.migrations.kind: _proactive(Maintenance, "supportflow maintenance"),
    ProactiveCase.migrations.kind: _proactive(ProactiveCase, "supportflow proactive case"),
    Customer.migrations.kind: _proactive(Customer, "supportflow customer"),
    FeedbackProgram.migrations.kind: _proactive(FeedbackProgram, "supportflow feedback program"),
    **{kind: build for kind, (_, build) in DEFINITION_SCHEMAS.items()},
}

_CURRENT: Final[dict[str, int]] = {
    TICKET_MIGRATIONS.kind: TICKET_MIGRATIONS.current,
    **{
        cls.migrations.kind: cls.migrations.current
        for cls in (Incident, Maintenance, ProactiveCase, Customer, FeedbackProgram)
    },
    **{kind: schema for kind, (schema, _) in DEFINITION_SCHEMAS.items()},
}

#: The document types with a generated schema (their ``"type"`` values).
SCHEMA_KINDS: Final[tuple[str, ...]] = tuple(sorted(_GENERATORS))


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the current ``kind`` document (``"ticket"``...).

    Raises :class:`InvalidArgument` for a kind not in :data:`SCHEMA_KINDS`.
    """
    build = _GENERATORS.get(kind) if isinstance(kind, str) else None
    if build is None:
        raise InvalidArgument(f"no JSON Schema for {kind!r}; expected one of {SCHEMA_KINDS}")
    return build()


def schema_file_name(kind: str) -> str:
    """The published file name of ``kind``'s schema: ``<kind>.v<schema>.json``."""
    if kind not in _CURRENT:
        raise InvalidArgument(f"no JSON Schema for {kind!r}; expected one of {SCHEMA_KINDS}")
    return file_name(kind, _CURRENT[kind])


def schema_files() -> dict[str, str]:
    """Every schema as the published file it is: ``{schema_file_name(kind): text}``.

    The text is the schema as indented JSON with sorted keys and a final newline, the
    form of the files checked in under ``docs/schemas/`` (``supportflow schemas DIR``
    writes them).
    """
    return {
        schema_file_name(kind): json.dumps(json_schema(kind), indent=2, sort_keys=True) + "\n"
        for kind in SCHEMA_KINDS
    }
