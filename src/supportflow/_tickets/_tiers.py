"""Escalation tiers: the tier ladder, routing at open, and the escalation events.

A help desk works in tiers: 0 self-service, 1 front line (customer service),
2 technical support, 3 engineering / experts, 4 external vendor. Each tier has one or
more teams; a team belongs to exactly one tier, so a team also names its tier.

* :class:`TierLadder` holds the tiers (names and teams configurable).
* :class:`RoutingTable` picks the tier and team of a new ticket: service topics to
  tier 1 and technical support topics to tier 2 by default, overridden by ordered
  :class:`Route` rows (topic, channel, priority -> tier and team).
* The ticket's commands ``escalate`` (functional: up a tier or to another team),
  ``de_escalate``, ``notify_manager`` (hierarchical: the tier does not change) and
  ``request_escalation`` (the customer asks) record the events defined here;
  :func:`move_target` is the one rule of where a tier move may go.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final

import attrs

from .._kernel._errors import (
    InvalidArgument,
    InvalidType,
    SchemaError,
    SupportflowError,
    UnknownName,
)
from .._kernel._event import Event
from .._kernel._serde import Migrations, Reader
from .._vocabulary._taxonomy import Channel, Domain, Priority, Topic

if TYPE_CHECKING:
    from ._ticket import Ticket

__all__ = [
    "MAX_TIER",
    "EscalationVersionApplied",
    "EscalationVersionMode",
    "Route",
    "RoutingTable",
    "TicketDeEscalated",
    "TicketEscalated",
    "TicketEscalationRequested",
    "TicketManagerNotified",
    "TicketPriorityRaised",
    "Tier",
    "TierLadder",
]


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidType(f"{name} must be a string, got {type(value).__name__}: {value!r}")
    if not value.strip():
        raise InvalidArgument(f"{name} must not be empty")
    return value


def _level(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"{name} must be an int, got {type(value).__name__}: {value!r}")
    return value


# --- tiers ---------------------------------------------------------------------------

#: The highest tier level a ladder may have: a bound, so a stored tier can be checked
#: without the ladder the host used.
MAX_TIER: Final = 50


def _teams(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    teams = tuple(value)
    for team in teams:
        _text(team, "a team name")
    if not teams:
        raise InvalidArgument("a tier needs at least one team")
    if len(set(teams)) != len(teams):
        raise InvalidArgument(f"a tier lists a team twice: {list(teams)}")
    return teams


@attrs.frozen
class Tier:
    """One rung of the ladder: its ``level`` (0 = lowest), ``name`` and ``teams``.

    The first team is the tier's default team (where an escalation lands when no team
    is named).
    """

    level: int = attrs.field(validator=lambda _, __, v: _level(v, "level"))
    name: str = attrs.field(validator=lambda _, __, v: _text(v, "a tier name"))
    teams: tuple[str, ...] = attrs.field(converter=_teams)

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.level <= MAX_TIER:
            raise InvalidArgument(f"tier levels run from 0 to {MAX_TIER}, got {self.level}")

    @property
    def default_team(self) -> str:
        """The team an escalation to this tier lands in when no team is named."""
        return self.teams[0]


DEFAULT_TIERS: Final = (
    Tier(0, "self-service", ("self_service",)),
    Tier(1, "front line", ("customer_service",)),
    Tier(2, "technical support", ("technical_support",)),
    Tier(3, "engineering", ("engineering",)),
    Tier(4, "external vendor", ("vendor",)),
)


def _tiers(value: Iterable[Tier]) -> tuple[Tier, ...]:
    tiers = tuple(value)
    for tier in tiers:
        if not isinstance(tier, Tier):
            raise InvalidType(f"a ladder holds Tier objects, got {type(tier).__name__}")
    if not tiers:
        raise InvalidArgument("a tier ladder needs at least one tier")
    for below, above in itertools.pairwise(tiers):
        if above.level != below.level + 1:
            raise InvalidArgument(
                f"tier levels must be consecutive and ascending: {below.level} is followed "
                f"by {above.level}"
            )
    names = [tier.name for tier in tiers]
    if len(set(names)) != len(names):
        raise InvalidArgument(f"two tiers share a name: {names}")
    seen: dict[str, int] = {}
    for tier in tiers:
        for team in tier.teams:
            if team in seen:
                raise InvalidArgument(
                    f"team {team!r} is in tier {seen[team]} and tier {tier.level}; "
                    "a team belongs to one tier"
                )
            seen[team] = tier.level
    return tiers


@attrs.frozen
class TierLadder:
    """The ordered tiers of a help desk, consecutive levels from :attr:`bottom` to :attr:`top`.

    ``TierLadder.default()`` is the usual 0-4 ladder. Team names are unique across
    the ladder, so a team names its tier.
    """

    tiers: tuple[Tier, ...] = attrs.field(converter=_tiers)
    _team_level: Mapping[str, int] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        index = {team: tier.level for tier in self.tiers for team in tier.teams}
        object.__setattr__(self, "_team_level", index)

    @classmethod
    def default(
        cls,
        *,
        names: Mapping[int, str] | None = None,
        teams: Mapping[int, Sequence[str]] | None = None,
    ) -> TierLadder:
        """The 0-4 ladder (self-service, front line, technical support, engineering,
        external vendor), with ``names`` and ``teams`` replacing those of given levels."""
        names = dict(names or {})
        teams = dict(teams or {})
        for level in (*names, *teams):
            if level not in range(5):
                raise InvalidArgument(f"the default ladder has tiers 0-4, got tier {level!r}")
        return cls(
            Tier(
                tier.level,
                names.get(tier.level, tier.name),
                tuple(teams.get(tier.level, tier.teams)),
            )
            for tier in DEFAULT_TIERS
        )

    @property
    def bottom(self) -> int:
        """The lowest tier level."""
        return self.tiers[0].level

    @property
    def top(self) -> int:
        """The highest tier level."""
        return self.tiers[-1].level

    @property
    def teams(self) -> tuple[str, ...]:
        """Every team, lowest tier first."""
        return tuple(self._team_level)

    def _range(self) -> str:
        return f"{self.bottom}-{self.top}" if self.top != self.bottom else str(self.bottom)

    def tier(self, level: int) -> Tier:
        """The tier at ``level``; :class:`InvalidArgument` names the valid range."""
        _level(level, "tier")
        if not self.bottom <= level <= self.top:
            raise InvalidArgument(
                f"tier {level} is outside the ladder: valid tiers are {self._range()}"
            )
        return self.tiers[level - self.bottom]

    def tier_of(self, team: str) -> Tier:
        """The tier a team belongs to; :class:`UnknownName` lists the known teams."""
        level = self._team_level.get(team)
        if level is None:
            raise UnknownName(f"unknown team {team!r}; teams: {', '.join(self._team_level)}")
        return self.tiers[level - self.bottom]

    def resolve(self, tier: int | None = None, team: str | None = None) -> tuple[int, str]:
        """The ``(tier, team)`` a tier and/or team designate.

        A tier alone gives its default team; a team alone gives its tier; both must agree.
        """
        if team is not None:
            found = self.tier_of(team)
            if tier is not None and self.tier(tier).level != found.level:
                raise InvalidArgument(
                    f"team {team!r} is in tier {found.level} ({found.name}), not tier {tier}"
                )
            return found.level, team
        if tier is None:
            raise InvalidArgument("name a tier, a team or both")
        return tier, self.tier(tier).default_team

    def mermaid(self) -> str:
        """A Mermaid flowchart of the ladder, bottom tier at the bottom."""
        lines = ["flowchart BT"]
        for tier in self.tiers:
            teams = ", ".join(tier.teams)
            lines.append(f'    T{tier.level}["tier {tier.level}: {tier.name}<br/>{teams}"]')
        for below, above in itertools.pairwise(self.tiers):
            lines.append(f"    T{below.level} -->|escalate| T{above.level}")
            lines.append(f"    T{above.level} -.->|de-escalate| T{below.level}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (type ``"tier_ladder"``, schema 1)."""
        return {
            "type": _LADDER.kind,
            "schema": _LADDER.current,
            "tiers": [_tier_data(tier) for tier in self.tiers],
        }

    @classmethod
    def from_dict(cls, data: object) -> TierLadder:
        """Load a ladder written by :meth:`to_dict`; :class:`SchemaError` names the bad field."""
        return _read_ladder(_LADDER.upgrade(data))


def _tier_data(tier: Tier) -> dict[str, Any]:
    return {"level": tier.level, "name": tier.name, "teams": list(tier.teams)}


def _read_ladder(reader: Reader) -> TierLadder:
    tiers = []
    for item in reader.children("tiers"):
        try:
            tiers.append(Tier(item.integer("level"), item.text("name"), item.text_list("teams")))
        except SchemaError:
            raise
        except SupportflowError as error:
            raise SchemaError(item.path, str(error)) from None
    try:
        return TierLadder(tiers)
    except SupportflowError as error:
        raise SchemaError(reader.at("tiers"), str(error)) from None


_LADDER: Final = Migrations("tier_ladder", 1)


# --- routing at open -----------------------------------------------------------------


def _opt_enum(enum_type: type[Any], value: object, name: str) -> Any:
    if value is None or isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in enum_type)
        raise InvalidArgument(f"{name} must be one of {allowed}, got {value!r}") from None


def _route_topic(value: object) -> Topic | None:
    result: Topic | None = _opt_enum(Topic, value, "topic")
    return result


def _route_channel(value: object) -> Channel | None:
    result: Channel | None = _opt_enum(Channel, value, "channel")
    return result


def _route_priority(value: object) -> Priority | None:
    result: Priority | None = _opt_enum(Priority, value, "priority")
    return result


@attrs.frozen(kw_only=True)
class Route:
    """One row of a routing table: tickets matching every given field go to ``tier``/``team``.

    ``topic``, ``channel`` and ``priority`` left as None match anything; ``team`` None
    means the tier's default team (``tier`` None means the team's tier).
    """

    tier: int | None = None
    team: str | None = None
    topic: Topic | None = attrs.field(default=None, converter=_route_topic)
    channel: Channel | None = attrs.field(default=None, converter=_route_channel)
    priority: Priority | None = attrs.field(default=None, converter=_route_priority)

    def __attrs_post_init__(self) -> None:
        if self.tier is None and self.team is None:
            raise InvalidArgument("a route needs a tier, a team or both")

    def matches(self, topic: Topic, channel: Channel, priority: Priority) -> bool:
        """Whether a ticket with these fields takes this route."""
        return (
            (self.topic is None or self.topic is topic)
            and (self.channel is None or self.channel is channel)
            and (self.priority is None or self.priority is priority)
        )


def _routes(value: Iterable[Route]) -> tuple[Route, ...]:
    routes = tuple(value)
    for route in routes:
        if not isinstance(route, Route):
            raise InvalidType(f"a routing table holds Route objects, got {type(route).__name__}")
    return routes


@attrs.frozen(kw_only=True)
class RoutingTable:
    """Where a new ticket starts: ``route(topic, channel, priority) -> (tier, team)``.

    The first matching :class:`Route` wins; without one, service topics go to
    ``service_tier`` (1) and technical support topics to ``support_tier`` (2), each to
    the tier's default team. Every route is checked against the ``ladder`` at
    construction. Hosts pass the result to ``Ticket.open(..., tier=, team=)``.
    """

    ladder: TierLadder = attrs.field(factory=TierLadder.default)
    routes: tuple[Route, ...] = attrs.field(default=(), converter=_routes)
    service_tier: int = 1
    support_tier: int = 2
    _resolved: tuple[tuple[Route, int, str], ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.ladder, TierLadder):
            raise InvalidType(f"ladder must be a TierLadder, got {type(self.ladder).__name__}")
        self.ladder.tier(self.service_tier)
        self.ladder.tier(self.support_tier)
        resolved = []
        for index, route in enumerate(self.routes):
            try:
                tier, team = self.ladder.resolve(route.tier, route.team)
            except UnknownName as error:
                raise UnknownName(f"route {index}: {error}") from None
            except InvalidArgument as error:
                raise InvalidArgument(f"route {index}: {error}") from None
            resolved.append((route, tier, team))
        object.__setattr__(self, "_resolved", tuple(resolved))

    def route(
        self,
        topic: Topic | str,
        channel: Channel | str,
        priority: Priority | str = Priority.NORMAL,
    ) -> tuple[int, str]:
        """The ``(tier, team)`` for a new ticket with this topic, channel and priority."""
        topic_ = _opt_enum(Topic, topic, "topic")
        channel_ = _opt_enum(Channel, channel, "channel")
        priority_ = _opt_enum(Priority, priority, "priority")
        if topic_ is None or channel_ is None or priority_ is None:
            raise InvalidArgument("route() needs a topic, a channel and a priority")
        for route, tier, team in self._resolved:
            if route.matches(topic_, channel_, priority_):
                return tier, team
        level = self.service_tier if topic_.domain is Domain.SERVICE else self.support_tier
        return level, self.ladder.tier(level).default_team

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (type ``"routing_table"``, schema 1), ladder included."""
        return {
            "type": _ROUTING.kind,
            "schema": _ROUTING.current,
            "ladder": self.ladder.to_dict(),
            "service_tier": self.service_tier,
            "support_tier": self.support_tier,
            "routes": [
                {
                    "tier": route.tier,
                    "team": route.team,
                    "topic": None if route.topic is None else route.topic.value,
                    "channel": None if route.channel is None else route.channel.value,
                    "priority": None if route.priority is None else route.priority.value,
                }
                for route in self.routes
            ],
        }

    @classmethod
    def from_dict(cls, data: object) -> RoutingTable:
        """Load a table written by :meth:`to_dict`; :class:`SchemaError` names the bad field."""
        reader = _ROUTING.upgrade(data)
        ladder = _read_ladder(_LADDER.upgrade(reader.raw("ladder"), reader.at("ladder")))
        routes = []
        for item in reader.children("routes"):
            try:
                routes.append(
                    Route(
                        tier=item.opt_integer("tier"),
                        team=item.opt_text("team"),
                        topic=item.opt_enum("topic", Topic),
                        channel=item.opt_enum("channel", Channel),
                        priority=item.opt_enum("priority", Priority),
                    )
                )
            except SchemaError:
                raise
            except SupportflowError as error:
                raise SchemaError(item.path, str(error)) from None
        try:
            return cls(
                ladder=ladder,
                routes=routes,
                service_tier=reader.integer("service_tier"),
                support_tier=reader.integer("support_tier"),
            )
        except SchemaError:
            raise
        except SupportflowError as error:
            raise SchemaError(reader.path, str(error)) from None


_ROUTING: Final = Migrations("routing_table", 1)


# --- events --------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TicketEscalated(Event):
    """Functional escalation: the ticket moved to a higher tier or to another team.

    ``rule`` names the escalation-policy rule that fired, or is None for a person's
    decision (``actor``).
    """

    name: ClassVar[str] = "ticket_escalated"

    from_tier: int | None
    from_team: str | None
    to_tier: int
    to_team: str
    reason: str
    actor: str | None = None
    rule: str | None = None


@attrs.frozen(kw_only=True)
class TicketDeEscalated(Event):
    """The ticket went back down to a lower tier (the expert handed it back)."""

    name: ClassVar[str] = "ticket_de_escalated"

    from_tier: int | None
    from_team: str | None
    to_tier: int
    to_team: str
    reason: str
    actor: str | None = None


@attrs.frozen(kw_only=True)
class TicketManagerNotified(Event):
    """Hierarchical escalation: a manager ``role`` was alerted; the tier does not change."""

    name: ClassVar[str] = "ticket_manager_notified"

    role: str
    reason: str
    actor: str | None = None
    rule: str | None = None


@attrs.frozen(kw_only=True)
class TicketPriorityRaised(Event):
    """An escalation rule raised the ticket's priority (SLA clocks re-target as usual)."""

    name: ClassVar[str] = "ticket_priority_raised"

    from_priority: Priority
    to_priority: Priority
    reason: str
    rule: str


@attrs.frozen(kw_only=True)
class TicketEscalationRequested(Event):
    """The customer asked for the ticket to be escalated (to a manager, an expert)."""

    name: ClassVar[str] = "ticket_escalation_requested"

    reason: str
    channel: Channel | None = None


class EscalationVersionMode(enum.StrEnum):
    """How a version of the escalation policy came to apply to a ticket."""

    #: The ticket was opened under it (recorded right after the opening).
    OPENED = "opened"
    #: From this instant on: its rules are evaluated over the ticket's current cycle.
    FROM_NOW = "from_now"


@attrs.frozen(kw_only=True)
class EscalationVersionApplied(Event):
    """The ticket's escalation policy became the one of ``version`` (see
    :class:`EscalationVersionMode` for how). A ticket opened under a versioned policy
    records one with mode ``opened`` right after it opens (after the SLA's own);
    ``Ticket.apply_escalation_version`` records the others."""

    name: ClassVar[str] = "escalation_version_applied"

    version: str
    mode: EscalationVersionMode


ESCALATION_EVENTS: Final = (
    TicketEscalated,
    TicketDeEscalated,
    TicketManagerNotified,
    TicketPriorityRaised,
    TicketEscalationRequested,
)
RULE_EVENTS: Final = (TicketEscalated, TicketManagerNotified, TicketPriorityRaised)


# --- commands (the ticket's methods; these functions are kept as entry points) --------


def move_target(
    ticket: Ticket, ladder: TierLadder, to_tier: int | None, team: str | None, up: bool
) -> tuple[int, str]:
    current = ticket.tier
    verb = "escalate" if up else "de-escalate"
    if to_tier is None and team is None:
        if current is None:
            raise InvalidArgument(
                f"ticket {ticket.id} has no tier: name to_tier= or team=, or open it with "
                "a tier (RoutingTable.route gives one)"
            )
        if up and current >= ladder.top:
            top = ladder.tier(ladder.top)
            raise InvalidArgument(
                f"cannot escalate ticket {ticket.id}: it is already at the top tier "
                f"{top.level} ({top.name}); valid tiers are {ladder._range()}. "
                "notify_manager() escalates hierarchically without changing the tier"
            )
        if not up and current <= ladder.bottom:
            bottom = ladder.tier(ladder.bottom)
            raise InvalidArgument(
                f"cannot de-escalate ticket {ticket.id}: it is already at the bottom tier "
                f"{bottom.level} ({bottom.name}); valid tiers are {ladder._range()}"
            )
        return ladder.resolve(current + 1 if up else current - 1)
    if to_tier is not None:
        _level(to_tier, "to_tier")
    tier, target_team = ladder.resolve(to_tier, team)
    if current is not None:
        if up and tier < current:
            raise InvalidArgument(
                f"cannot escalate ticket {ticket.id} from tier {current} down to tier {tier}: "
                "use de_escalate()"
            )
        if not up and tier >= current:
            raise InvalidArgument(
                f"cannot de-escalate ticket {ticket.id} from tier {current} to tier {tier}: "
                "de-escalation goes to a lower tier (escalate() moves up or to another team)"
            )
        if tier == current and target_team == ticket.team:
            raise InvalidArgument(
                f"cannot {verb} ticket {ticket.id}: it is already with {target_team!r} "
                f"in tier {tier}"
            )
    return tier, target_team
