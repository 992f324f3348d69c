"""Staffing for simulations: agents with a tier, a weekly shift, a capacity and skills.

A shift is a set of weekdays and a local start and end time in the staffing's time
zone (an end at or before the start runs past midnight). Capacity is how many
unsolved tickets an agent holds at once; agents work on one ticket at a time. Skills
(topics) matter when the scenario routes tickets (``Scenario.routing``).
"""

from __future__ import annotations

import datetime as _dt
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from typing import Final
from zoneinfo import ZoneInfo

import attrs

from .._kernel._errors import InvalidArgument
from .._kernel._time import US_PER_DAY
from .._vocabulary._taxonomy import Topic

__all__ = ["Agent", "Shift", "ShiftTimes", "Staffing"]

_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def _clock(value: _dt.time | str) -> _dt.time:
    if isinstance(value, _dt.time):
        return value
    if isinstance(value, str):
        try:
            return _dt.time.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidArgument(f"a shift's start and end must be times or 'HH:MM' text, got {value!r}")


def _weekdays(value: Iterable[int]) -> tuple[int, ...]:
    days = tuple(sorted(set(value)))
    if not days or any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
        raise InvalidArgument(f"weekdays must be ints 0 (Monday) to 6, got {value!r}")
    return days


@attrs.frozen(kw_only=True)
class Shift:
    """A weekly shift: ``weekdays`` (0 = Monday) from ``start`` to ``end`` local time."""

    weekdays: tuple[int, ...] = attrs.field(converter=_weekdays)
    start: _dt.time = attrs.field(converter=_clock)
    end: _dt.time = attrs.field(converter=_clock)


#: Common shifts, for :meth:`Staffing.rotation`.
EARLY: Final = Shift(weekdays=range(5), start="07:00", end="15:30")
LATE: Final = Shift(weekdays=range(5), start="11:30", end="20:00")
WEEKEND: Final = Shift(weekdays=(5, 6), start="09:00", end="17:00")


def _positive_int(value: int, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidArgument(f"{name} must be a positive int, got {value!r}")
    return value


def _topics(values: Iterable[Topic | str]) -> frozenset[Topic]:
    try:
        return frozenset(Topic(value) for value in values)
    except ValueError as error:
        raise InvalidArgument(f"skills must be topics: {error}") from None


@attrs.frozen(kw_only=True)
class Agent:
    """An agent: id, escalation ``tier`` (1 front line, 2 technical, 3 experts...),
    ``shift``, ``capacity`` (unsolved tickets held at once) and ``skills`` (topics)."""

    agent_id: str
    tier: int
    shift: Shift
    capacity: int = 8
    skills: frozenset[Topic] = attrs.field(default=frozenset(), converter=_topics)

    def __attrs_post_init__(self) -> None:
        _positive_int(self.tier, "tier")
        _positive_int(self.capacity, "capacity")


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (KeyError, ValueError, TypeError):
        raise InvalidArgument(f"unknown IANA time zone {value!r}") from None
    return value


def _agents(value: Iterable[Agent]) -> tuple[Agent, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Staffing:
    """The agents of a help desk and the time zone their shifts are in."""

    timezone: str = attrs.field(converter=_zone)
    agents: tuple[Agent, ...] = attrs.field(converter=_agents)

    def __attrs_post_init__(self) -> None:
        if not self.agents:
            raise InvalidArgument("staffing needs at least one agent")
        ids = [agent.agent_id for agent in self.agents]
        if len(set(ids)) != len(ids):
            raise InvalidArgument("agent ids must be distinct")

    @classmethod
    def rotation(
        cls,
        tiers: Mapping[int, int],
        *,
        timezone: str = "UTC",
        capacity: int = 8,
        shifts: Sequence[Shift] = (EARLY, LATE, EARLY, LATE, WEEKEND),
    ) -> Staffing:
        """``tiers[n]`` agents in tier n, dealt over ``shifts`` in turn (ids ``A1-01``...).

        The default rotation puts two in five agents on the early weekday shift, two on
        the late one and one on weekends.
        """
        agents = [
            Agent(
                agent_id=f"A{tier}-{number:02d}",
                tier=tier,
                shift=shifts[(number - 1) % len(shifts)],
                capacity=capacity,
            )
            for tier, count in sorted(tiers.items())
            for number in range(1, count + 1)
        ]
        return cls(timezone=timezone, agents=agents)

    def with_skills(self, skills: Mapping[int, Sequence[Iterable[Topic | str]]]) -> Staffing:
        """A copy whose agents of tier ``n`` get the skill sets ``skills[n]`` dealt in turn
        (the first agent of the tier the first set, and so on, starting over)."""
        seen: dict[int, int] = {}
        agents = []
        for agent in self.agents:
            sets = skills.get(agent.tier)
            if not sets:
                agents.append(agent)
                continue
            number = seen.get(agent.tier, 0)
            seen[agent.tier] = number + 1
            agents.append(attrs.evolve(agent, skills=sets[number % len(sets)]))
        return Staffing(timezone=self.timezone, agents=agents)

    @property
    def tiers(self) -> tuple[int, ...]:
        """The tiers that have agents, lowest first."""
        return tuple(sorted({agent.tier for agent in self.agents}))

    def headcount(self) -> dict[int, int]:
        """Agents per tier."""
        counts: dict[int, int] = {}
        for agent in self.agents:
            counts[agent.tier] = counts.get(agent.tier, 0) + 1
        return dict(sorted(counts.items()))


class ShiftTimes:
    """On-shift intervals of one shift over a period, as sorted int microseconds."""

    __slots__ = ("ends", "starts")

    def __init__(self, shift: Shift, timezone: str, start_us: int, end_us: int) -> None:
        zone = ZoneInfo(timezone)
        first = (_EPOCH + _dt.timedelta(microseconds=start_us)).astimezone(zone).date()
        first -= _dt.timedelta(days=1)
        days = (end_us - start_us) // US_PER_DAY + 3
        starts: list[int] = []
        ends: list[int] = []
        for offset in range(days):
            day = first + _dt.timedelta(days=offset)
            if day.weekday() not in shift.weekdays:
                continue
            begin = _dt.datetime.combine(day, shift.start, tzinfo=zone)
            finish_day = day if shift.end > shift.start else day + _dt.timedelta(days=1)
            finish = _dt.datetime.combine(finish_day, shift.end, tzinfo=zone)
            b = _us(begin)
            f = _us(finish)
            if ends and b <= ends[-1]:
                ends[-1] = max(ends[-1], f)
            else:
                starts.append(b)
                ends.append(f)
        self.starts = starts
        self.ends = ends

    def on_shift(self, us: int) -> bool:
        """Whether ``us`` falls in a shift."""
        index = bisect_right(self.starts, us) - 1
        return index >= 0 and us < self.ends[index]

    def next_start(self, us: int) -> int | None:
        """``us`` itself when on shift, else the next shift start (None past the period)."""
        index = bisect_right(self.starts, us) - 1
        if index >= 0 and us < self.ends[index]:
            return us
        index += 1
        return self.starts[index] if index < len(self.starts) else None

    def end_of(self, us: int) -> int:
        """The end of the shift containing ``us`` (``us`` must be on shift)."""
        return self.ends[bisect_right(self.starts, us) - 1]


def _us(value: _dt.datetime) -> int:
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
