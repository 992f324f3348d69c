"""Documents drawn from a JSON Schema: a small drawer for the keywords our schemas use.

hypothesis-jsonschema cannot serve here (it does not resolve the recursive references of
the calendar and policy schemas, and it fails on current hypothesis), so the tests draw
instances themselves: ``$ref`` to ``#/$defs/...``, ``type``, ``const``, ``enum``,
``properties`` / ``required`` / ``additionalProperties``, ``items`` with ``minItems`` /
``maxItems`` / ``uniqueItems``, ``anyOf`` / ``oneOf``, numeric bounds, ``minLength`` and
``pattern``. Strings without a pattern come from a few words a document really holds
(zone names, statuses, agents) or any short text, so that drawn documents reach past the
first check of a loader; patterned strings are mostly valid instants and dates.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import strategies as st

__all__ = ["schema_instances"]

_WORDS = st.sampled_from(
    ["UTC", "Europe/Berlin", "America/New_York", "ana", "T-1", "C-1", "open", "first_reply"]
)
_INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIMES = st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1))
#: Past this depth, arrays are as short and objects as bare as the schema allows, and
#: the first choice of an anyOf/oneOf is taken (the recursive one comes later).
_DEEP = 5


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    pattern = schema.get("pattern")
    if pattern == _INSTANT:
        valid = _TIMES.map(lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        return valid | st.from_regex(pattern, fullmatch=True)
    if pattern == _DATE:
        return _TIMES.map(lambda t: t.date().isoformat()) | st.from_regex(pattern, fullmatch=True)
    if pattern is not None:
        return st.from_regex(pattern, fullmatch=True)
    least = schema.get("minLength", 0)
    return (_WORDS | st.text(max_size=8)).filter(lambda text: len(text) >= least)


def _integer(schema: dict[str, Any]) -> st.SearchStrategy[int]:
    low = schema.get("minimum")
    if "exclusiveMinimum" in schema:
        low = int(schema["exclusiveMinimum"]) + 1
    high = schema.get("maximum")
    if "exclusiveMaximum" in schema:
        high = int(schema["exclusiveMaximum"]) - 1
    small = st.integers(
        0 if low is None else low, 10**7 if high is None else min(high, max(low or 0, 10**7))
    )
    return small | st.integers(low, high)


def _number(schema: dict[str, Any]) -> st.SearchStrategy[float]:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    return st.floats(
        low,
        high,
        allow_nan=False,
        allow_infinity=False,
        exclude_min="exclusiveMinimum" in schema,
        exclude_max="exclusiveMaximum" in schema,
    )


@st.composite
def _instance(draw: st.DrawFn, schema: Any, root: dict[str, Any], depth: int) -> Any:
    if schema is True or schema == {}:
        return draw(st.none() | st.integers() | _WORDS)
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return draw(_instance(root["$defs"][name], root, depth + 1))
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return draw(st.sampled_from(schema["enum"]))
    choices = schema.get("anyOf") or schema.get("oneOf")
    if choices is not None:
        chosen = choices[0] if depth > _DEEP else draw(st.sampled_from(choices))
        return draw(_instance(chosen, root, depth + 1))
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = draw(st.sampled_from(kind))
    if kind == "null":
        return None
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "integer":
        return draw(_integer(schema))
    if kind == "number":
        return draw(_number(schema))
    if kind == "string":
        return draw(_string(schema))
    if kind == "array":
        least = schema.get("minItems", 0)
        most = schema.get("maxItems", least if depth > _DEEP else least + 4)
        items = draw(
            st.lists(
                _instance(schema.get("items", {}), root, depth + 1), min_size=least, max_size=most
            )
        )
        if schema.get("uniqueItems"):
            seen: dict[str, Any] = {}
            for item in items:
                seen.setdefault(json.dumps(item, sort_keys=True), item)
            items = list(seen.values())
        return items
    if kind == "object":
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        out = {}
        for key, value in properties.items():
            if key in required or (depth <= _DEEP and draw(st.booleans())):
                out[key] = draw(_instance(value, root, depth + 1))
        return out
    raise AssertionError(f"the drawer does not know this schema: {schema!r}")


def schema_instances(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Instances of ``schema`` (a whole schema document with its ``$defs``); some draws
    may break a constraint the drawer does not honour (``uniqueItems`` after dropping
    duplicates below ``minItems``, two ``oneOf`` choices at once): validate them."""
    return _instance(schema, schema, 0)
