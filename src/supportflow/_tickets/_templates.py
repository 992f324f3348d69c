"""Response templates (macros): a reply with placeholders, plus optional field actions.

A body like ``"Hello {customer.name}, ticket {ticket.id} is solved."`` is parsed once,
at construction. Rendering takes a flat mapping of dotted names (nested mappings are
flattened: ``{"customer": {"name": "Ada"}}`` gives ``customer.name``). A placeholder
with no value, or whose value is None, is an error listing every missing name: a
template never shows a blank to a customer. ``{{`` and ``}}`` write literal braces.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

import attrs

from .._kernel._errors import InvalidArgument, InvalidType, MissingPlaceholders, SupportflowError
from .._kernel._serde import Migrations, Reader, bad_document
from .._vocabulary._taxonomy import Priority, TicketStatus

__all__ = ["TEMPLATE_STATUSES", "ResponseTemplate", "flatten_values"]

_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")

#: The statuses a template may set; each maps to the lifecycle trigger that reaches it.
TEMPLATE_STATUSES: Final[Mapping[TicketStatus, str]] = {
    TicketStatus.OPEN: "resume",
    TicketStatus.PENDING: "set_pending",
    TicketStatus.ON_HOLD: "put_on_hold",
    TicketStatus.SOLVED: "solve",
}

_MIGRATIONS: Final = Migrations("response_template", 1)

Segments = tuple[tuple[str, str | None], ...]


def _parse(template: str, body: str) -> Segments:
    segments: list[tuple[str, str | None]] = []
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError as error:
        raise InvalidArgument(f"template {template!r} has a malformed body: {error}") from None
    for literal, field, spec, conversion in parsed:
        if field is None:
            segments.append((literal, None))
            continue
        if not _NAME.match(field):
            raise InvalidArgument(
                f"template {template!r} has a bad placeholder {{{field}}}: use dotted names "
                "such as {ticket.id} or {customer.name}"
            )
        if spec or conversion:
            raise InvalidArgument(
                f"template {template!r}: placeholder {{{field}}} takes no format spec or "
                "conversion; pass the value already formatted"
            )
        segments.append((literal, field))
    return tuple(segments)


def flatten_values(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """Dotted names for a mapping whose values may themselves be mappings."""
    flat: dict[str, Any] = {}
    if values is None:
        return flat
    if not isinstance(values, Mapping):
        raise InvalidType(f"values must be a mapping, got {type(values).__name__}")
    stack: list[tuple[str, Mapping[str, Any]]] = [("", values)]
    while stack:
        prefix, mapping = stack.pop()
        for key, value in mapping.items():
            if not isinstance(key, str):
                raise InvalidType(f"value names must be strings, got {key!r}")
            name = f"{prefix}{key}"
            if isinstance(value, Mapping):
                stack.append((f"{name}.", value))
            else:
                flat[name] = value
    return flat


def _status(value: object) -> TicketStatus | None:
    if value is None:
        return None
    try:
        status = TicketStatus(cast(str, value))
    except ValueError:
        status = None
    if status not in TEMPLATE_STATUSES:
        allowed = ", ".join(sorted(s.value for s in TEMPLATE_STATUSES))
        raise InvalidArgument(
            f"set_status must be one of {allowed} (a template never reopens to new nor "
            f"closes: closing needs the customer), got {value!r}"
        )
    return status


def _priority(value: object) -> Priority | None:
    if value is None:
        return None
    try:
        return Priority(cast(str, value))
    except ValueError:
        allowed = ", ".join(p.value for p in Priority)
        raise InvalidArgument(f"set_priority must be one of {allowed}, got {value!r}") from None


def _tags(values: Iterable[str]) -> frozenset[str]:
    if isinstance(values, str):
        raise InvalidArgument(f"add_tags must be an iterable of tags, not the string {values!r}")
    tags = frozenset(values)
    for tag in tags:
        if not isinstance(tag, str) or not tag or tag != tag.strip() or " " in tag:
            raise InvalidArgument(f"a tag must be a non-empty word without spaces, got {tag!r}")
    return tags


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(f"{name} must be a non-empty string, got {value!r}")
    return value


@attrs.frozen(init=False)
class ResponseTemplate:
    """A named reply with ``{placeholders}`` and optional field actions.

    ``set_status`` (open, pending, on_hold or solved), ``set_priority`` and
    ``add_tags`` are applied after the reply when the template is applied to a ticket
    with ``Ticket.apply_template``, all in one atomic command.
    Raises :class:`InvalidArgument` for a malformed body or an impossible action.
    """

    name: str
    body: str
    set_status: TicketStatus | None
    set_priority: Priority | None
    add_tags: frozenset[str]
    _segments: Segments = attrs.field(eq=False, repr=False)

    def __init__(
        self,
        name: str,
        body: str,
        *,
        set_status: TicketStatus | str | None = None,
        set_priority: Priority | str | None = None,
        add_tags: Iterable[str] = (),
    ) -> None:
        name = _text(name, "name")
        body = _text(body, "body")
        self.__attrs_init__(
            name=name,
            body=body,
            set_status=_status(set_status),
            set_priority=_priority(set_priority),
            add_tags=_tags(add_tags),
            segments=_parse(name, body),
        )

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The distinct placeholder names, in order of first appearance."""
        return tuple(dict.fromkeys(field for _, field in self._segments if field is not None))

    def missing(self, values: Mapping[str, Any] | None) -> tuple[str, ...]:
        """The placeholders that ``values`` gives no value (or None) for, sorted."""
        flat = flatten_values(values)
        return tuple(sorted({name for name in self.placeholders if flat.get(name) is None}))

    def render(self, values: Mapping[str, Any] | None = None) -> str:
        """The body with every placeholder replaced by ``str(value)``.

        Raises :class:`MissingPlaceholders` listing every name without a value.
        """
        flat = flatten_values(values)
        parts: list[str] = []
        missing: list[str] = []
        for literal, field in self._segments:
            parts.append(literal)
            if field is None:
                continue
            value = flat.get(field)
            if value is None:
                missing.append(field)
            else:
                parts.append(str(value))
        if missing:
            raise MissingPlaceholders(self.name, missing)
        return "".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (type ``"response_template"``, schema 1)."""
        return {
            "type": _MIGRATIONS.kind,
            "schema": _MIGRATIONS.current,
            "name": self.name,
            "body": self.body,
            "set_status": None if self.set_status is None else self.set_status.value,
            "set_priority": None if self.set_priority is None else self.set_priority.value,
            "add_tags": sorted(self.add_tags),
        }

    @classmethod
    def from_dict(cls, data: object) -> ResponseTemplate:
        """Load a document written by :meth:`to_dict`; bad data raises ``SchemaError``."""
        reader: Reader = _MIGRATIONS.upgrade(data)
        name = reader.text("name")
        body = reader.text("body")
        status = reader.opt_enum("set_status", TicketStatus)
        priority = reader.opt_enum("set_priority", Priority)
        tags = reader.text_list("add_tags")

        try:
            return cls(name, body, set_status=status, set_priority=priority, add_tags=tags)
        except SupportflowError as error:
            raise bad_document(reader.path, error) from None
