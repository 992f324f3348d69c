"""JSON Schemas (draft 2020-12) of the definition documents: calendars, SLA policies and
policy sets, escalation policies, tier ladders, routing tables, priority matrices and
response templates.

These types write their documents by hand (``to_dict``), so their schemas are written
here beside them, built from what the library defines: the ``type`` and ``schema`` of
each document come from its :class:`~supportflow._serde.Migrations`, enum values from
the enums, weekday names from the calendar, and the escalation conditions and actions
from the attrs fields of the classes the escalation codec knows (``kind`` -> class), so
a new condition or a renamed field changes the schema. A document nested in another
(the calendar of a policy, the ladder of an escalation policy) is the same ``$defs``
entry as the top-level document of that type.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from .._calendars._calendar import _DAY_NAMES, BusinessCalendar
from .._calendars._calendar import _MIGRATIONS as _CALENDAR
from .._escalation._policy import _ACTIONS, _CONDITIONS, _POLICY
from .._kernel._serde import Migrations
from .._sla._policy import (
    _POLICY_MIGRATIONS,
    _SET_MIGRATIONS,
    MAX_TARGET_DAYS,
    MAX_TARGET_US,
    Metric,
    TargetKind,
)
from .._tickets._priority_matrix import _MIGRATIONS as _MATRIX
from .._tickets._priority_matrix import Impact, Urgency
from .._tickets._templates import _MIGRATIONS as _TEMPLATE
from .._tickets._templates import TEMPLATE_STATUSES
from .._tickets._tiers import _LADDER, _ROUTING
from .._vocabulary._taxonomy import Channel, Domain, Priority, TicketStatus, Topic

__all__ = ["DEFINITION_SCHEMAS", "DIALECT", "file_name"]

DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
#: A name for each schema, not an address: the project owns no web domain to publish under.
BASE_ID: Final = "urn:supportflow:schema:"
#: ``HH:MM`` as the calendar writes it, with seconds and microseconds when it has them.
_TIME: Final = r"^(([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{6})?)?|24:00)$"
_DATE: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

Schema = dict[str, Any]


def file_name(kind: str, schema: int) -> str:
    """The published file name of a schema: ``<kind>.v<schema>.json``."""
    return f"{kind}.v{schema}.json"


def _ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def _values(enum_type: type[enum.Enum]) -> Schema:
    return {"enum": [member.value for member in enum_type]}


def _or_null(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def _array(items: Schema, *, unique: bool = False, min_items: int = 0) -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if unique:
        schema["uniqueItems"] = True
    if min_items:
        schema["minItems"] = min_items
    return schema


def _object(properties: Mapping[str, Schema], optional: frozenset[str] = frozenset()) -> Schema:
    return {
        "type": "object",
        "properties": dict(properties),
        "required": [key for key in properties if key not in optional],
        "additionalProperties": False,
    }


def _head(migrations: Migrations) -> dict[str, Schema]:
    return {"type": {"const": migrations.kind}, "schema": {"const": migrations.current}}


_TEXT: Final[Schema] = {"type": "string"}
_NAME: Final[Schema] = {"type": "string", "minLength": 1}
_TEXTS: Final[Schema] = _array({"type": "string"}, unique=True)


# --- calendars ------------------------------------------------------------------------


def _calendar_defs(defs: dict[str, Schema]) -> None:
    intervals = _array(_ref("interval"))
    dated = _object({"date": {"type": "string", "pattern": _DATE}, "intervals": intervals})
    defs["interval"] = {
        "type": "array",
        "items": {"type": "string", "pattern": _TIME},
        "minItems": 2,
        "maxItems": 2,
    }
    defs["calendar_hours"] = _object(
        {
            **_head(_CALENDAR),
            "timezone": _TEXT,
            "weekly": _object(dict.fromkeys(_DAY_NAMES, intervals), frozenset(_DAY_NAMES)),
            "holidays": _array({"type": "string", "pattern": _DATE}),
            "exceptions": _array(dated),
            "breaks": _array(dated),
        }
    )
    defs["calendar_combined"] = _object(
        {
            **_head(_CALENDAR),
            "combine": {"enum": ["intersection", "union"]},
            "calendars": {
                "type": "array",
                "items": _ref("calendar"),
                "minItems": 2,
                "maxItems": 2,
            },
        }
    )
    defs["calendar"] = {"oneOf": [_ref("calendar_hours"), _ref("calendar_combined")]}


# --- SLA policies ---------------------------------------------------------------------


def _sla_defs(defs: dict[str, Schema]) -> None:
    _calendar_defs(defs)
    enum_set = {"domains": Domain, "topics": Topic, "channels": Channel, "priorities": Priority}
    conditions = {key: _array(_values(kind), unique=True) for key, kind in enum_set.items()}
    conditions |= dict.fromkeys(("segments", "tags", "excluded_tags"), _TEXTS)
    # A target row sets its deadline with exactly one of three keys.
    deadlines: dict[str, Schema] = {
        "target_us": {"type": "integer", "minimum": 1, "maximum": MAX_TARGET_US},
        TargetKind.BUSINESS_DAYS.value: {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_TARGET_DAYS,
        },
        TargetKind.END_OF_BUSINESS_DAY.value: {
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_TARGET_DAYS,
        },
    }
    target = {
        "oneOf": [
            _object(
                {
                    "metric": _values(Metric),
                    "priority": _values(Priority),
                    key: schema,
                    "calendar": _or_null(_ref("calendar")),
                }
            )
            for key, schema in deadlines.items()
        ]
    }
    pauses = _array(_values(TicketStatus), unique=True)
    defs["sla_policy"] = _object(
        {
            **_head(_POLICY_MIGRATIONS),
            "name": _NAME,
            "conditions": _object(conditions),
            "calendar": _ref("calendar"),
            "targets": _array(target),
            "pauses": _object(dict.fromkeys((m.value for m in Metric), pauses), frozenset(Metric)),
            "warnings": _array({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}),
        }
    )


# A version names an edition in SLAPolicyVersions / EscalationPolicyVersions: no blank,
# no outer spaces (see _kernel._editions.check_version).
_VERSION: Final[Schema] = {"type": "string", "pattern": r"^\S([\s\S]*\S)?$"}


def _sla_set_defs(defs: dict[str, Schema]) -> None:
    _sla_defs(defs)
    defs["sla_policy_set"] = _object(
        {
            **_head(_SET_MIGRATIONS),
            "version": _VERSION,
            "policies": _array(_ref("sla_policy")),
        },
        frozenset({"version"}),
    )


# --- tiers, routing, escalation -------------------------------------------------------


def _ladder_defs(defs: dict[str, Schema]) -> None:
    tier = _object(
        {
            "level": {"type": "integer", "minimum": 0},
            "name": _NAME,
            "teams": _array(_NAME, unique=True, min_items=1),
        }
    )
    defs["tier_ladder"] = _object({**_head(_LADDER), "tiers": _array(tier, min_items=1)})


def _routing_defs(defs: dict[str, Schema]) -> None:
    _ladder_defs(defs)
    route = _object(
        {
            "tier": _or_null({"type": "integer"}),
            "team": _or_null(_TEXT),
            "topic": _or_null(_values(Topic)),
            "channel": _or_null(_values(Channel)),
            "priority": _or_null(_values(Priority)),
        }
    )
    defs["routing_table"] = _object(
        {
            **_head(_ROUTING),
            "ladder": _ref("tier_ladder"),
            "service_tier": {"type": "integer"},
            "support_tier": {"type": "integer"},
            "routes": _array(route),
        }
    )


def _field_schema(tp: Any) -> Schema:
    """The schema of one attrs field of an escalation condition or action."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return _or_null(_field_schema(inner))
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if tp in simple:
        return {"type": simple[tp]}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _values(tp)
    if tp is BusinessCalendar:
        return _ref("calendar")
    raise TypeError(f"no schema for an escalation field of type {tp!r}")


def _kinds(table: Mapping[str, type]) -> Schema:
    """One branch per ``kind`` of ``table``: the kind and the class's attrs fields."""
    branches = []
    for kind, cls in table.items():
        properties: dict[str, Schema] = {"kind": {"const": kind}}
        for field in attrs.fields(attrs.resolve_types(cls)):
            properties[field.name] = _field_schema(field.type)
        branches.append(_object(properties))
    return {"oneOf": branches}


def _escalation_defs(defs: dict[str, Schema]) -> None:
    _ladder_defs(defs)
    _calendar_defs(defs)
    rule = _object(
        {
            "name": _NAME,
            "reason": _or_null(_TEXT),
            "condition": _kinds(_CONDITIONS),
            "action": _kinds(_ACTIONS),
        }
    )
    defs["escalation_policy"] = _object(
        {
            **_head(_POLICY),
            "version": _VERSION,
            "ladder": _ref("tier_ladder"),
            "rules": _array(rule),
        },
        frozenset({"version"}),
    )


# --- priority matrices and response templates -----------------------------------------


def _matrix_defs(defs: dict[str, Schema]) -> None:
    cell = _object(
        {"impact": _values(Impact), "urgency": _values(Urgency), "priority": _values(Priority)}
    )
    defs["priority_matrix"] = _object({**_head(_MATRIX), "cells": _array(cell)})


def _template_defs(defs: dict[str, Schema]) -> None:
    statuses = {"enum": [status.value for status in TEMPLATE_STATUSES]}
    defs["response_template"] = _object(
        {
            **_head(_TEMPLATE),
            "name": _NAME,
            "body": _NAME,
            "set_status": _or_null(statuses),
            "set_priority": _or_null(_values(Priority)),
            "add_tags": _TEXTS,
        }
    )


def _document(
    migrations: Migrations, title: str, fill: Callable[[dict[str, Schema]], None]
) -> Callable[[], Schema]:
    def build() -> Schema:
        defs: dict[str, Schema] = {}
        fill(defs)
        return {
            "$schema": DIALECT,
            "$id": f"{BASE_ID}{file_name(migrations.kind, migrations.current)}",
            "title": title,
            **_ref(migrations.kind),
            "$defs": dict(sorted(defs.items())),
        }

    return build


#: kind -> (its schema number, the function building its schema).
DEFINITION_SCHEMAS: Final[dict[str, tuple[int, Callable[[], Schema]]]] = {
    migrations.kind: (migrations.current, _document(migrations, title, fill))
    for migrations, title, fill in (
        (_CALENDAR, "supportflow business calendar", _calendar_defs),
        (_POLICY_MIGRATIONS, "supportflow SLA policy", _sla_defs),
        (_SET_MIGRATIONS, "supportflow SLA policy set", _sla_set_defs),
        (_POLICY, "supportflow escalation policy", _escalation_defs),
        (_LADDER, "supportflow tier ladder", _ladder_defs),
        (_ROUTING, "supportflow routing table", _routing_defs),
        (_MATRIX, "supportflow priority matrix", _matrix_defs),
        (_TEMPLATE, "supportflow response template", _template_defs),
    )
}
