"""Routing: choose the agent for a ticket from a roster the host passes in.

Pure and deterministic: the same roster, ticket fields, instant and previous choice
give the same :class:`RoutingDecision`. Nothing here reads a clock or keeps state
between calls; :meth:`Roster.assigned` and :meth:`Roster.released` give the roster
after a choice, for hosts (and the simulator) that keep it in memory.

Hard rules, whatever the strategy: an agent off shift (their calendar is closed at the
instant), at or over capacity, not working the ticket's channel, or at another tier
than the one the ticket needs is never chosen. Among the agents left:

* ``skills_first``: agents skilled in the topic, the least loaded of them first; anyone
  available when nobody skilled is;
* ``least_loaded``: the lowest share of capacity in use, skilled agents first on a tie;
* ``round_robin``: the next available agent in roster order after the previous choice.

``rotation`` (a duration) deliberately spreads topics: an available agent who has not
handled the topic for at least that long (or ever) is due it, skilled or not, and the
one who has gone longest without it is chosen. Ties fall to roster order.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs
import pendulum

from .._calendars._calendar import BusinessCalendar
from .._kernel._errors import InvalidArgument, InvalidType, UnknownName
from .._kernel._fields import require_member
from .._kernel._time import at_us, duration_us, format_instant, instant_us, to_datetime
from .._sla._policy import _channels, _topics
from .._vocabulary._taxonomy import Channel, Topic

if TYPE_CHECKING:
    from .._tickets._ticket import Ticket

__all__ = ["Agent", "Roster", "RoutingDecision", "RoutingPolicy", "RoutingStrategy"]

_NEVER: Final = -(2**63)


class RoutingStrategy(enum.StrEnum):
    """How an agent is chosen among those available."""

    SKILLS_FIRST = "skills_first"
    LEAST_LOADED = "least_loaded"
    ROUND_ROBIN = "round_robin"


def _name(value: object) -> str:
    if type(value) is not str or not value.strip():
        raise InvalidArgument(f"an agent's name must be a non-empty string, got {value!r}")
    return value


def _topic(value: object) -> Topic:
    (topic,) = _topics([value])
    return topic


def _channel(value: object) -> Channel:
    (channel,) = _channels([value])
    return channel


def _count(name: str, minimum: int) -> Any:
    def check(_: object, attribute: object, value: object) -> None:
        if type(value) is not int or value < minimum:
            raise InvalidArgument(f"{name} must be an int >= {minimum}, got {value!r}")

    return check


def _last_handled(values: object) -> Mapping[Topic, int]:
    if not isinstance(values, Mapping):
        raise InvalidType(f"last_handled must map a topic to an instant, got {values!r}")
    out: dict[Topic, int] = {}
    for key, value in values.items():
        topic = _topic(key)
        out[topic] = instant_us(value, f"last_handled[{topic.value}]")
    return out


def _calendar(value: object) -> BusinessCalendar | None:
    if value is not None and not isinstance(value, BusinessCalendar):
        raise InvalidType(f"schedule must be a BusinessCalendar or None, got {value!r}")
    return value


@attrs.frozen(kw_only=True)
class Agent:
    """One member of the roster, as the host knows them at the moment of routing.

    ``skills`` are the topics the agent is trained in; ``channels`` those they work
    (empty: every channel); ``tier`` the escalation tier they sit at; ``load`` the
    tickets they hold now, ``capacity`` the most they may hold; ``schedule`` their shift
    as a business calendar (None: always on); ``last_handled`` when they last took a
    ticket of each topic (aware datetimes, kept as microseconds).
    """

    name: str = attrs.field(converter=_name)
    skills: frozenset[Topic] = attrs.field(default=frozenset(), converter=_topics)
    channels: frozenset[Channel] = attrs.field(default=frozenset(), converter=_channels)
    tier: int = attrs.field(default=1, validator=_count("tier", 0))
    capacity: int = attrs.field(default=10, validator=_count("capacity", 1))
    load: int = attrs.field(default=0, validator=_count("load", 0))
    schedule: BusinessCalendar | None = attrs.field(default=None, converter=_calendar)
    last_handled_us: Mapping[Topic, int] = attrs.field(
        factory=dict, converter=_last_handled, alias="last_handled", hash=False
    )

    def last_handled(self, topic: Topic | str) -> pendulum.DateTime | None:
        """When the agent last took a ticket of ``topic``, or None if never."""
        member = _topic(topic)
        found = self.last_handled_us.get(member)
        return None if found is None else to_datetime(found)

    def _unavailable(self, channel: Channel, tier: int | None, at: int) -> str | None:
        """Why the agent cannot take a ticket at ``at`` (microseconds), or None."""
        if self.load >= self.capacity:
            return f"at capacity ({self.load} of {self.capacity})"
        if self.schedule is not None and not self.schedule.is_open_us(at):
            return "off shift"
        if self.channels and channel not in self.channels:
            return f"does not work {channel.value}"
        if tier is not None and self.tier != tier:
            return f"works tier {self.tier}, not {tier}"
        return None


@attrs.frozen(init=False)
class Roster:
    """The agents a ticket may go to, in the host's order (round-robin and ties follow it)."""

    agents: tuple[Agent, ...]

    def __init__(self, agents: Iterable[Agent]) -> None:
        agents = tuple(agents)
        seen: set[str] = set()
        for agent in agents:
            if not isinstance(agent, Agent):
                raise InvalidType(f"a roster holds Agent values, got {agent!r}")
            if agent.name in seen:
                raise InvalidArgument(f"the roster names agent {agent.name!r} twice")
            seen.add(agent.name)
        self.__attrs_init__(agents)

    def agent(self, name: str) -> Agent:
        """The agent called ``name``; :class:`UnknownName` if the roster has none."""
        for agent in self.agents:
            if agent.name == name:
                return agent
        known = ", ".join(a.name for a in self.agents) or "none"
        raise UnknownName(f"no agent {name!r} in the roster; agents: {known}")

    def _replace(self, name: str, load: int, handled: Mapping[Topic, int]) -> Roster:
        return Roster(
            attrs.evolve(
                a, load=load, last_handled={t: to_datetime(us) for t, us in handled.items()}
            )
            if a.name == name
            else a
            for a in self.agents
        )

    def assigned(self, name: str, topic: Topic | str, *, at: _dt.datetime) -> Roster:
        """The roster after ``name`` took a ticket of ``topic`` at ``at`` (load + 1)."""
        agent = self.agent(name)
        handled = dict(agent.last_handled_us)
        handled[_topic(topic)] = instant_us(at, "at")
        return self._replace(name, agent.load + 1, handled)

    def released(self, name: str) -> Roster:
        """The roster after ``name`` let go of a ticket (load - 1)."""
        agent = self.agent(name)
        if agent.load == 0:
            raise InvalidArgument(f"agent {name!r} holds no ticket to release")
        return self._replace(name, agent.load - 1, agent.last_handled_us)


@attrs.frozen(kw_only=True)
class RoutingDecision:
    """The outcome of :meth:`RoutingPolicy.choose`.

    ``agent`` is None when nobody can take the ticket; ``reason`` explains the choice
    (or why nobody), ready for ``Ticket.assign(agent, reason=...)``; ``skipped`` maps
    each agent left out to why.
    """

    agent: str | None
    reason: str
    skipped: Mapping[str, str] = attrs.field(factory=dict, eq=False, hash=False)


def _rotation(value: object) -> int | None:
    return None if value is None else duration_us(value, "rotation", allow_zero=False)


def _strategy(value: object) -> RoutingStrategy:
    return require_member(RoutingStrategy, value, "strategy")


def _lower_share(a: Agent, b: Agent) -> bool:
    return a.load * b.capacity < b.load * a.capacity


@attrs.frozen(init=False)
class RoutingPolicy:
    """How a ticket finds its agent: a :class:`RoutingStrategy` and an optional rotation.

    ``rotation`` is a duration: an agent who has gone that long without a topic is due
    it (see the module's rules). Raises :class:`UnknownName` for an unknown strategy and
    :class:`InvalidArgument` for a rotation that is not positive.
    """

    strategy: RoutingStrategy
    rotation_us: int | None

    def __init__(
        self,
        strategy: RoutingStrategy | str = RoutingStrategy.SKILLS_FIRST,
        *,
        rotation: _dt.timedelta | None = None,
    ) -> None:
        self.__attrs_init__(_strategy(strategy), _rotation(rotation))

    @property
    def rotation(self) -> pendulum.Duration | None:
        """The rotation duration, or None when topics are not rotated."""
        return (
            None if self.rotation_us is None else pendulum.Duration(microseconds=self.rotation_us)
        )

    def choose(
        self,
        roster: Roster,
        *,
        topic: Topic | str,
        channel: Channel | str,
        tier: int | None = None,
        previous: str | None = None,
        at: _dt.datetime | None = None,
    ) -> RoutingDecision:
        """The agent for a ticket of ``topic`` on ``channel`` (at ``tier`` when given) at ``at``.

        ``previous`` is the agent chosen last, for round-robin (None: start at the top).
        """
        if not isinstance(roster, Roster):
            raise InvalidType(f"roster must be a Roster, got {roster!r}")
        topic_member = _topic(topic)
        channel_member = _channel(channel)
        if tier is not None and (type(tier) is not int or tier < 0):
            raise InvalidArgument(f"tier must be an int >= 0 or None, got {tier!r}")
        if previous is not None:
            _name(previous)
        us = at_us(at)
        skipped: dict[str, str] = {}
        available: list[Agent] = []
        for agent in roster.agents:
            why = agent._unavailable(channel_member, tier, us)
            if why is None:
                available.append(agent)
            else:
                skipped[agent.name] = why
        if not available:
            why = "; ".join(f"{name} {reason}" for name, reason in skipped.items())
            return RoutingDecision(
                agent=None,
                reason=f"no agent available: {why or 'the roster is empty'}",
                skipped=skipped,
            )
        if self.rotation_us is not None:
            due = self._due(available, topic_member, us)
            if due is not None:
                return attrs.evolve(due, skipped=skipped)
        chosen, why = self._pick(available, topic_member, roster, previous)
        return RoutingDecision(agent=chosen.name, reason=why, skipped=skipped)

    def choose_for(
        self,
        ticket: Ticket,
        roster: Roster,
        *,
        previous: str | None = None,
        at: _dt.datetime | None = None,
    ) -> RoutingDecision:
        """:meth:`choose` with the ticket's topic, channel and tier."""
        return self.choose(
            roster,
            topic=ticket.topic,
            channel=ticket.channel,
            tier=ticket.tier,
            previous=previous,
            at=at,
        )

    def _due(self, available: list[Agent], topic: Topic, us: int) -> RoutingDecision | None:
        rotation = self.rotation_us
        assert rotation is not None
        best: Agent | None = None
        best_last = 0
        for agent in available:
            last = agent.last_handled_us.get(topic, _NEVER)
            if us - last >= rotation and (best is None or last < best_last):
                best, best_last = agent, last
        if best is None:
            return None
        every = _describe(rotation)
        if best_last == _NEVER:
            since = f"has never handled {topic.value}"
        else:
            since = f"last handled {topic.value} at {format_instant(best_last)}"
        return RoutingDecision(
            agent=best.name, reason=f"rotation: {best.name} {since} (rotation every {every})"
        )

    def _pick(
        self, available: list[Agent], topic: Topic, roster: Roster, previous: str | None
    ) -> tuple[Agent, str]:
        strategy = self.strategy
        if strategy is RoutingStrategy.ROUND_ROBIN:
            names = [a.name for a in roster.agents]
            start = names.index(previous) + 1 if previous in names else 0
            order = {name: (i - start) % len(names) for i, name in enumerate(names)}
            chosen = min(available, key=lambda a: order[a.name])
            after = f"after {previous}" if previous in names else "from the top of the roster"
            return chosen, f"round_robin: {chosen.name} is next {after}"
        if strategy is RoutingStrategy.SKILLS_FIRST:
            skilled = [a for a in available if topic in a.skills]
            pool = skilled or available
            chosen = _least_loaded(pool)
            if skilled:
                what = f"is skilled in {topic.value} with the lowest load"
            else:
                what = f"has the lowest load (nobody skilled in {topic.value} is available)"
            return chosen, f"skills_first: {chosen.name} {what} ({_load(chosen)})"
        lowest = _least_loaded(available)
        tied = [a for a in available if not _lower_share(lowest, a)]
        chosen = next((a for a in tied if topic in a.skills), tied[0])
        return chosen, f"least_loaded: {chosen.name} has the lowest load ({_load(chosen)})"


def _least_loaded(pool: list[Agent]) -> Agent:
    best = pool[0]
    for agent in pool[1:]:
        if _lower_share(agent, best):
            best = agent
    return best


def _load(agent: Agent) -> str:
    return f"{agent.load} of {agent.capacity}"


def _describe(us: int) -> str:
    seconds = us // 1_000_000
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
