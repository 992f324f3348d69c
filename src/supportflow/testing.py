"""Hypothesis strategies for property-testing code built on supportflow.

Host applications use them to test their own persistence and integrations against
every shape of object the library can produce, not only the ones their fixtures
thought of::

    from hypothesis import given
    from supportflow import Ticket
    from supportflow.testing import tickets

    @given(tickets())
    def test_my_store_round_trips(ticket):
        store.add(ticket)
        assert store.get(ticket.id) == ticket

Needs the ``testing`` extra (``pip install supportflow[testing]``), which brings
hypothesis; the rest of the library never imports it.

The strategies:

* :func:`aware_datetimes` - aware instants in IANA zones (DST days included);
* :func:`business_calendars` - calendars with split shifts, overnight intervals,
  holidays and partial-day exceptions near DST changes (built from
  :func:`calendar_specs`, :func:`calendar_hours` and :func:`calendar_dates`);
* :func:`sla_policies` / :func:`sla_policy_sets` - policies with targets, conditions,
  pauses and warnings;
* :func:`escalation_policies` - escalation rules over the default tier ladder;
* :func:`tier_ladders` - escalation tier ladders with their teams;
* :func:`ticket_openings` - keyword arguments for :meth:`supportflow.Ticket.open`;
* :func:`lifecycles` - whole ticket lifecycles as lists of :class:`Step` commands,
  and :func:`play` to run one on a ticket;
* :func:`tickets` - tickets that went through a random lifecycle, optionally with
  SLA clocks and escalation attached;
* :func:`agents`, :func:`rosters` and :func:`routing_policies` - routing inputs:
  agents with skills, channels, tiers, loads up to and over capacity and shifts.
* :func:`ticket_lifecycles`, :func:`incidents`, :func:`maintenances`,
  :func:`proactive_cases`, :func:`feedback_programs`, :func:`customers` - every
  aggregate after a whole random lifecycle of its public commands (drawn as
  :func:`moves`), each refused command checked to change nothing (:func:`attempt`).
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Sequence
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as missing:  # pragma: no cover - exercised in a subprocess
    if missing.name != "hypothesis":
        raise
    raise ModuleNotFoundError(
        "supportflow.testing needs hypothesis: install the testing extra, "
        "pip install 'supportflow[testing]'",
        name="hypothesis",
    ) from None

from ._calendars._calendar import BusinessCalendar
from ._customers._customer import Customer
from ._desk._routing import Agent, Roster, RoutingPolicy, RoutingStrategy
from ._escalation._policy import (
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    NotifyManager,
    RaisePriority,
    WhenCustomerAsks,
    WhenOlderThan,
    WhenPriorityAtOpen,
    WhenReassignedAtLeast,
    WhenReopenedAtLeast,
    WhenSLABreached,
    WhenSLAReaches,
)
from ._escalation._versions import EscalationPolicyVersions
from ._kernel._aggregate import atomic
from ._kernel._errors import SupportflowError
from ._kernel._time import at_us
from ._proactive._feedback import CESMethod, FeedbackProgram, SurveyKind, SurveyResponse
from ._proactive._incidents import Incident, IncidentImpact, IncidentStatus
from ._proactive._maintenance import Maintenance
from ._proactive._outreach import ProactiveCase, Signal
from ._sla._policy import Metric, SLAConditions, SLAPolicy, SLAPolicySet, SLATarget
from ._sla._state import ReferenceSLAState
from ._sla._versions import SLAPolicyVersions
from ._tickets._templates import ResponseTemplate
from ._tickets._ticket import ReferenceTicket, Ticket
from ._tickets._tiers import Tier, TierLadder
from ._vocabulary._taxonomy import Channel, LifecyclePhase, Priority, TicketStatus, Topic

__all__ = [
    "COMMANDS",
    "TIMEZONES",
    "Move",
    "ReferenceSLAState",
    "ReferenceTicket",
    "Step",
    "agents",
    "attempt",
    "aware_datetimes",
    "business_calendars",
    "calendar_dates",
    "calendar_hours",
    "calendar_specs",
    "customers",
    "escalation_policies",
    "escalation_policy_versions",
    "feedback_programs",
    "incidents",
    "lifecycles",
    "maintenances",
    "moves",
    "play",
    "proactive_cases",
    "rosters",
    "routing_policies",
    "sla_policies",
    "sla_policy_sets",
    "sla_policy_versions",
    "team_names",
    "ticket_lifecycles",
    "ticket_openings",
    "tickets",
    "tier_ladders",
]

#: Time zones the strategies draw from: UTC, DST on both hemispheres (one with a
#: 30-minute DST shift), a half-hour offset and a 12:45 offset.
TIMEZONES: Final = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
)

#: The ticket commands a lifecycle step can name (``evaluate`` needs SLA or escalation).
COMMANDS: Final = (
    "assign",
    "reply",
    "add_note",
    "customer_message",
    "set_pending",
    "put_on_hold",
    "resume",
    "solve",
    "confirm",
    "auto_close",
    "change_priority",
    "tag",
    "evaluate",
)

_AGENTS: Final = ("ana", "ben", "chen", "dara")
_MIN: Final = _dt.datetime(2020, 1, 1)
_MAX: Final = _dt.datetime(2035, 12, 31)


def aware_datetimes(
    *,
    min_value: _dt.datetime = _MIN,
    max_value: _dt.datetime = _MAX,
    timezones: Sequence[str] = TIMEZONES,
) -> st.SearchStrategy[_dt.datetime]:
    """Aware ``datetime`` values between two naive bounds, in one of ``timezones``.

    Hypothesis favours edge cases, among them DST days: wall-clock times that repeat
    (``fold`` 0 and 1) or do not exist in the zone.
    """
    return st.datetimes(
        min_value=min_value,
        max_value=max_value,
        timezones=st.sampled_from([ZoneInfo(name) for name in timezones]),
    )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# Minutes of the day, often on a quarter hour (where DST changes and shifts fall).
_MINUTES: Final = st.one_of(st.integers(0, 95).map(lambda q: q * 15), st.integers(0, 1439))
# Piece lengths in minutes, up to a whole day.
_LENGTHS: Final = st.one_of(st.integers(1, 96).map(lambda q: q * 15), st.integers(1, 1440))
_HOURS: Final = st.tuples(_MINUTES, _MINUTES).map(lambda pair: (_clock(pair[0]), _clock(pair[1])))


def calendar_hours() -> st.SearchStrategy[tuple[str, str]]:
    """A working interval as ``("HH:MM", "HH:MM")``; the end may cross midnight."""
    return _HOURS


def _day(pieces: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """A day's pieces ``(start minute, length)`` clipped to 24 hours from its earliest
    start, so that the day is always valid, written as calendar text."""
    if not pieces:
        return []
    earliest = min(start for start, _ in pieces)
    out = []
    for start, length in pieces:
        end = min(start + length, earliest + 1440)
        out.append((_clock(start), "24:00" if end == 1440 else _clock(end % 1440)))
    return out


def _day_hours(max_pieces: int) -> st.SearchStrategy[list[tuple[str, str]]]:
    return st.lists(st.tuples(_MINUTES, _LENGTHS), max_size=max_pieces).map(_day)


_WEEK_DAYS: Final = st.tuples(*[_day_hours(3)] * 7)
_SOME_DAY: Final = st.tuples(st.integers(0, 6), _day_hours(1).filter(bool))


def _week(days: tuple[list[tuple[str, str]], ...], fallback: tuple[int, Any]) -> dict[int, Any]:
    weekly = {day: hours for day, hours in enumerate(days) if hours}
    return weekly or {fallback[0]: fallback[1]}


_WEEKLY: Final = st.builds(_week, _WEEK_DAYS, _SOME_DAY)


def calendar_dates(first_year: int = 2019, last_year: int = 2031) -> st.SearchStrategy[_dt.date]:
    """Dates in a year range, often next to a DST change (March, April, Sep-Nov)."""
    near_dst = st.builds(
        _dt.date,
        st.integers(first_year, last_year),
        st.sampled_from([3, 4, 9, 10, 11]),
        st.integers(1, 28),
    )
    anywhere = st.dates(_dt.date(first_year, 1, 1), _dt.date(last_year, 12, 31))
    return st.one_of(near_dst, anywhere)


_DATES: Final = calendar_dates()
_HOLIDAYS: Final = st.lists(_DATES, max_size=8)
_EXCEPTIONS: Final = st.dictionaries(_DATES, _day_hours(2), max_size=6)
_BREAKS: Final = st.dictionaries(_DATES, _day_hours(2), max_size=4)


def calendar_specs(
    zones: Sequence[str] = TIMEZONES, *, first_year: int = 2019, last_year: int = 2031
) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for ``BusinessCalendar``: zone, weekly hours (up to three
    pieces a day, overlapping or touching, some crossing midnight), holidays,
    exceptions and breaks. Every spec is valid: a day's pieces never reach more than 24 hours past
    its earliest start, and some day has hours. Special dates fall in the years
    ``first_year`` to ``last_year``."""
    holidays, exceptions, breaks = _HOLIDAYS, _EXCEPTIONS, _BREAKS
    if (first_year, last_year) != (2019, 2031):
        dates = calendar_dates(first_year, last_year)
        holidays = st.lists(dates, max_size=8)
        exceptions = st.dictionaries(dates, _day_hours(2), max_size=6)
        breaks = st.dictionaries(dates, _day_hours(2), max_size=4)
    return st.fixed_dictionaries(
        {
            "timezone": st.sampled_from(list(zones)),
            "weekly": _WEEKLY,
            "holidays": holidays,
            "exceptions": exceptions,
            "breaks": breaks,
        }
    )


def _calendar(spec: dict[str, Any]) -> BusinessCalendar:
    return BusinessCalendar(**spec)


def business_calendars(
    *, timezones: Sequence[str] = TIMEZONES, always_open: bool = True
) -> st.SearchStrategy[BusinessCalendar]:
    """Valid calendars from :func:`calendar_specs`: split shifts, overnight intervals,
    holidays and exceptions near DST changes. With ``always_open`` (default) the 24/7
    calendar of each zone is drawn too."""
    drawn = calendar_specs(timezones).map(_calendar)
    if not always_open:
        return drawn
    return st.one_of(drawn, st.sampled_from(list(timezones)).map(BusinessCalendar.always_open))


def _durations(low_minutes: int, high_minutes: int) -> st.SearchStrategy[_dt.timedelta]:
    return st.integers(low_minutes, high_minutes).map(lambda m: _dt.timedelta(minutes=m))


_DAY_TARGETS: Final = st.one_of(
    st.integers(1, 5).map(SLATarget.business_days),
    st.integers(0, 3).map(SLATarget.end_of_business_day),
)


@st.composite
def sla_policies(
    draw: st.DrawFn,
    *,
    name: str | None = None,
    calendars: st.SearchStrategy[BusinessCalendar] | None = None,
) -> SLAPolicy:
    """Valid SLA policies: targets for 1-6 metrics and some priorities (durations, and
    on a calendar with its own business days also targets in business days), a
    calendar, optional conditions, pauses and warning thresholds."""
    calendar = draw(calendars if calendars is not None else business_calendars())
    deadlines: st.SearchStrategy[_dt.timedelta | SLATarget] = _durations(5, 5 * 24 * 60)
    if calendar.parts is None:  # targets in business days need the calendar's own days
        deadlines = st.one_of(deadlines, _DAY_TARGETS)
    metrics = draw(st.sets(st.sampled_from(list(Metric)), min_size=1))
    targets = {
        metric.value: {
            priority.value: draw(deadlines)
            for priority in draw(st.sets(st.sampled_from(list(Priority)), min_size=1))
        }
        for metric in sorted(metrics)
    }
    conditions = draw(
        st.sampled_from(
            [
                SLAConditions(),
                SLAConditions(priorities=["high", "urgent"]),
                SLAConditions(segments=["enterprise"]),
                SLAConditions(domains=["support"]),
                SLAConditions(channels=["phone", "live_chat"]),
            ]
        )
    )
    warnings = draw(st.sampled_from([(0.5, 0.75), (0.8,), (), (0.25, 0.5, 0.9)]))
    return SLAPolicy(
        name if name is not None else draw(st.from_regex(r"[a-z]{3,10}", fullmatch=True)),
        targets,
        conditions=conditions,
        calendar=calendar,
        warnings=warnings,
    )


@st.composite
def sla_policy_versions(
    draw: st.DrawFn,
    *,
    max_versions: int = 3,
    max_policies: int = 2,
    calendars: st.SearchStrategy[BusinessCalendar] | None = None,
) -> SLAPolicyVersions:
    """1-``max_versions`` editions of a policy set (versions ``v1``, ``v2``...; the
    first may be unversioned), any of them current."""
    count = draw(st.integers(1, max_versions))
    unversioned = draw(st.booleans())
    sets = []
    for index in range(count):
        drawn = draw(sla_policy_sets(max_policies=max_policies, calendars=calendars))
        name = None if unversioned and index == 0 else f"v{index + 1}"
        sets.append(SLAPolicySet(drawn.policies, version=name))
    current = draw(st.sampled_from([s.version for s in sets]))
    return SLAPolicyVersions(sets, current=current)


@st.composite
def sla_policy_sets(
    draw: st.DrawFn,
    *,
    max_policies: int = 3,
    calendars: st.SearchStrategy[BusinessCalendar] | None = None,
) -> SLAPolicySet:
    """Ordered sets of 1-``max_policies`` policies with distinct names."""
    count = draw(st.integers(1, max_policies))
    return SLAPolicySet(
        [draw(sla_policies(name=f"policy-{index}", calendars=calendars)) for index in range(count)]
    )


_RULES: Final = (
    lambda: EscalationRule("warn", WhenSLAReaches("first_reply", 75), NotifyManager("lead")),
    lambda: EscalationRule("late", WhenSLABreached("resolution"), EscalateTo()),
    lambda: EscalationRule("urgent", WhenPriorityAtOpen("urgent"), EscalateTo(tier=2)),
    lambda: EscalationRule("reopened", WhenReopenedAtLeast(2), RaisePriority()),
    lambda: EscalationRule(
        "old",
        WhenOlderThan(_dt.timedelta(days=2), BusinessCalendar.always_open()),
        NotifyManager("manager"),
    ),
    lambda: EscalationRule("reassigned", WhenReassignedAtLeast(1), NotifyManager("lead")),
    lambda: EscalationRule("asked", WhenCustomerAsks(), EscalateTo(team="technical_support")),
    lambda: EscalationRule(
        "early", WhenSLAReaches("resolution", 40), EscalateTo(team="technical_support")
    ),
)


@st.composite
def escalation_policies(draw: st.DrawFn) -> EscalationPolicy:
    """Escalation policies of 1-8 rules (SLA, priority, reopen, reassignment, age and
    request conditions)."""
    chosen = draw(st.lists(st.sampled_from(range(len(_RULES))), min_size=1, unique=True))
    return EscalationPolicy([_RULES[index]() for index in chosen])


@st.composite
def escalation_policy_versions(
    draw: st.DrawFn, *, max_versions: int = 3
) -> EscalationPolicyVersions:
    """1-``max_versions`` editions of an escalation policy (versions ``v1``, ``v2``...;
    the first may be unversioned), any of them current."""
    count = draw(st.integers(1, max_versions))
    unversioned = draw(st.booleans())
    editions = []
    for index in range(count):
        drawn = draw(escalation_policies())
        name = None if unversioned and index == 0 else f"v{index + 1}"
        editions.append(EscalationPolicy(drawn.rules, drawn.ladder, version=name))
    current = draw(st.sampled_from([e.version for e in editions]))
    return EscalationPolicyVersions(editions, current=current)


@st.composite
def ticket_openings(draw: st.DrawFn) -> dict[str, Any]:
    """Keyword arguments for :meth:`Ticket.open` (all but ``ticket_id``, ``at`` and the
    policies): any topic, channel, priority and phase, optional body, tags, team, tier
    and segment."""
    words = st.from_regex(r"[a-z]{1,6}", fullmatch=True)
    return {
        "customer_id": draw(st.from_regex(r"C-[0-9]{1,4}", fullmatch=True)),
        "subject": draw(st.text(min_size=1, max_size=30).filter(str.strip)),
        "topic": draw(st.sampled_from(list(Topic))),
        "channel": draw(st.sampled_from(list(Channel))),
        "priority": draw(st.sampled_from(list(Priority))),
        "phase": draw(st.sampled_from(list(LifecyclePhase))),
        "body": draw(st.none() | st.text(min_size=1, max_size=40).filter(str.strip)),
        "tags": draw(st.frozensets(words, max_size=3)),
        "team": draw(st.none() | st.sampled_from(["billing", "l1", "l2"])),
        "tier": draw(st.none() | st.integers(0, 4)),
        "segment": draw(st.none() | st.sampled_from(["smb", "enterprise"])),
    }


def team_names() -> st.SearchStrategy[str]:
    """Short team names (lower-case words joined by underscores)."""
    return st.from_regex(r"[a-z]{1,8}(_[a-z]{1,6})?", fullmatch=True)


@st.composite
def tier_ladders(draw: st.DrawFn) -> TierLadder:
    """Valid :class:`~supportflow.TierLadder` objects: 1-6 consecutive tiers starting
    anywhere from 0 to 3, unique names, one or more unique teams per tier."""
    bottom = draw(st.integers(0, 3))
    size = draw(st.integers(1, 6))
    names = draw(
        st.lists(
            st.text(min_size=1, max_size=12).filter(str.strip),
            min_size=size,
            max_size=size,
            unique=True,
        )
    )
    teams = draw(st.lists(team_names(), min_size=size, max_size=size * 3, unique=True))
    groups: list[list[str]] = [[team] for team in teams[:size]]
    for team in teams[size:]:
        groups[draw(st.integers(0, size - 1))].append(team)
    return TierLadder(Tier(bottom + index, names[index], groups[index]) for index in range(size))


@attrs.frozen
class Step:
    """One lifecycle step: a command of :data:`COMMANDS`, ``minutes`` after the previous
    step, and ``choice``, a small int picking an argument (agent, priority, tag)."""

    command: str
    minutes: int
    choice: int = 0


def lifecycles(*, min_steps: int = 0, max_steps: int = 20) -> st.SearchStrategy[list[Step]]:
    """Whole ticket lifecycles as command lists (valid or not: :func:`play` skips refusals).

    Gaps are often zero (ties between instants), minutes, hours or days long.
    """
    minutes = st.one_of(
        st.just(0), st.integers(1, 120), st.integers(121, 24 * 60), st.integers(1, 9 * 24 * 60)
    )
    return st.lists(
        st.builds(Step, st.sampled_from(COMMANDS), minutes, st.integers(0, 3)),
        min_size=min_steps,
        max_size=max_steps,
    )


def play(ticket: Ticket, steps: Sequence[Step], *, start: _dt.datetime) -> list[str]:
    """Run ``steps`` on ``ticket`` from ``start``; returns the commands that were accepted.

    A command the ticket refuses (an impossible transition, say) raises a
    :class:`~supportflow.SupportflowError` and changes nothing: it is skipped.
    """
    accepted: list[str] = []
    at = start
    for step in steps:
        at = at + _dt.timedelta(minutes=step.minutes)
        agent = _AGENTS[step.choice % len(_AGENTS)]
        try:
            _run(ticket, step, agent, at)
        except SupportflowError:
            continue
        accepted.append(step.command)
    return accepted


def _run(ticket: Ticket, step: Step, agent: str, at: _dt.datetime) -> None:
    command = step.command
    if command == "assign":
        ticket.assign(agent, at=at)
    elif command == "reply":
        ticket.reply(agent, "Thanks, looking into it.", at=at)
    elif command == "add_note":
        ticket.add_note(agent, "internal note", at=at)
    elif command == "customer_message":
        ticket.customer_message("Any news?", at=at)
    elif command == "set_pending":
        ticket.set_pending(at=at)
    elif command == "put_on_hold":
        ticket.put_on_hold(at=at)
    elif command == "resume":
        ticket.resume(at=at)
    elif command == "solve":
        ticket.solve("fixed", at=at)
    elif command == "confirm":
        ticket.confirm(at=at)
    elif command == "auto_close":
        ticket.auto_close(at=at)
    elif command == "change_priority":
        ticket.change_priority(list(Priority)[step.choice % 4], reason="triage", at=at)
    elif command == "tag":
        ticket.tag(f"tag-{step.choice}", at=at)
    elif command == "evaluate":
        ticket.evaluate(at=at)
    else:  # pragma: no cover - COMMANDS lists every command handled above
        raise AssertionError(command)


@st.composite
def tickets(
    draw: st.DrawFn,
    *,
    sla: st.SearchStrategy[SLAPolicySet | SLAPolicyVersions | None] | None = None,
    escalation: st.SearchStrategy[EscalationPolicy | EscalationPolicyVersions | None] | None = None,
    max_steps: int = 20,
) -> Ticket:
    """Tickets after a random lifecycle (any status, history of any length).

    ``sla`` and ``escalation`` are strategies for the policies to attach (default:
    none); the ticket keeps them, so reload it with the same policies to compare.
    """
    start = draw(aware_datetimes(min_value=_dt.datetime(2024, 1, 1)))
    ticket = Ticket.open(
        draw(st.from_regex(r"T-[0-9]{1,6}", fullmatch=True)),
        sla=None if sla is None else draw(sla),
        escalation=None if escalation is None else draw(escalation),
        at=start,
        **draw(ticket_openings()),
    )
    play(ticket, draw(lifecycles(max_steps=max_steps)), start=start)
    return ticket


@st.composite
def agents(draw: st.DrawFn, name: str | None = None) -> Agent:
    """An agent: some skills and channels, tier 1-3, a load from 0 to one over capacity,
    a shift (weekday office hours, 24/7, or none) and when they last had each topic."""
    capacity = draw(st.integers(1, 6))
    handled = draw(
        st.dictionaries(
            st.sampled_from(list(Topic)),
            aware_datetimes(min_value=_dt.datetime(2025, 1, 1), max_value=_dt.datetime(2026, 1, 1)),
            max_size=4,
        )
    )
    return Agent(
        name=draw(st.sampled_from(_AGENTS)) if name is None else name,
        skills=draw(st.frozensets(st.sampled_from(list(Topic)), max_size=4)),
        channels=draw(st.frozensets(st.sampled_from(list(Channel)), max_size=3)),
        tier=draw(st.integers(1, 3)),
        capacity=capacity,
        load=draw(st.integers(0, capacity + 1)),
        schedule=draw(
            st.sampled_from(
                [None, BusinessCalendar.always_open(), BusinessCalendar.weekdays("09:00", "17:00")]
            )
        ),
        last_handled=handled,
    )


@st.composite
def rosters(draw: st.DrawFn, max_agents: int = 6) -> Roster:
    """A roster of up to ``max_agents`` :func:`agents` with distinct names."""
    count = draw(st.integers(0, max_agents))
    return Roster([draw(agents(name=f"agent-{index}")) for index in range(count)])


@st.composite
def routing_policies(draw: st.DrawFn) -> RoutingPolicy:
    """A routing policy: any strategy, with or without a rotation of 1 hour to 10 days."""
    rotation = draw(st.one_of(st.none(), _durations(60, 10 * 24 * 60)))
    return RoutingPolicy(draw(st.sampled_from(list(RoutingStrategy))), rotation=rotation)


# --- whole lifecycles of every aggregate, through the public commands ------------------
#
# Each strategy below opens an aggregate, then draws a list of :class:`Move` steps and
# issues them with :func:`attempt`: a command the aggregate refuses (wrong state, bad
# argument, an instant before the latest event) is skipped, after checking that it
# changed nothing (the atomicity property). Instants only move forward between
# accepted commands; ties are frequent and a few moves go back in time on purpose.


@attrs.frozen
class Move:
    """One drawn command: its name, ``minutes`` after the latest accepted instant
    (negative: earlier, refused) and ``choice``, a small int picking the arguments
    (0-5; some choices are bad arguments, refused)."""

    command: str
    minutes: int
    choice: int


def moves(
    commands: Sequence[str],
    *,
    rare: Sequence[str] = (),
    often: Sequence[str] = (),
    max_steps: int = 20,
) -> st.SearchStrategy[list[Move]]:
    """Lists of :class:`Move` over ``commands`` (those in ``rare``, the final ones,
    drawn a sixth as often, those in ``often`` twice as often), at least half of
    ``max_steps`` long: gaps of zero (ties), minutes, hours or days, and now and then
    an earlier instant."""
    minutes = st.one_of(
        st.just(0),
        st.integers(1, 120),
        st.integers(121, 24 * 60),
        st.integers(1, 9 * 24 * 60),
        st.integers(-600, -1),
    )
    weight = {name: 1 if name in rare else 12 if name in often else 6 for name in commands}
    weighted = [name for name in commands for _ in range(weight[name])]
    return st.lists(
        st.builds(Move, st.sampled_from(weighted), minutes, st.integers(0, 5)),
        min_size=max_steps // 2,
        max_size=max_steps,
    )


def _snapshot(aggregate: Any) -> tuple[Any, int, tuple[Any, ...]]:
    return (aggregate.to_dict(), aggregate.version, aggregate.history)


def attempt(aggregates: Any | Sequence[Any], command: Any) -> bool:
    """Run ``command()``; True when it was accepted. When it raises a
    :class:`~supportflow.SupportflowError`, check that every aggregate in
    ``aggregates`` is exactly as before (``to_dict()``, version and history; else
    :class:`AssertionError`) and return False."""
    group = list(aggregates) if isinstance(aggregates, list | tuple) else [aggregates]
    before = [_snapshot(aggregate) for aggregate in group]
    try:
        command()
    except SupportflowError as error:
        for aggregate, then in zip(group, before, strict=True):
            if _snapshot(aggregate) != then:
                raise AssertionError(
                    f"a refused command changed {aggregate!r} ({type(error).__name__}: {error})"
                ) from error
        return False
    return True


def _walk(
    draw: st.DrawFn,
    aggregate: Any,
    menu: dict[str, Any],
    start: _dt.datetime,
    max_steps: int,
    *,
    rare: Sequence[str] = (),
    often: Sequence[str] = (),
) -> None:
    """Draw :func:`moves` over ``menu`` and issue them on ``aggregate`` from ``start``."""
    at = start
    for move in draw(moves(tuple(menu), rare=rare, often=often, max_steps=max_steps)):
        when = at + _dt.timedelta(minutes=move.minutes)
        action = functools.partial(menu[move.command], when, move.choice)
        if attempt(aggregate, action) and when > at:
            at = when


_BAD: Final = 4  # the choice that passes a bad argument where a command takes one
_TEMPLATES: Final = (
    lambda: ResponseTemplate("ack", "Hello {customer.id}, we are on it."),
    lambda: ResponseTemplate(
        "wait", "Waiting for you.", set_status="pending", add_tags=["waiting"]
    ),
    lambda: ResponseTemplate("done", "Fixed.", set_status="solved", set_priority="low"),
)


def _ticket_menu(ticket: Ticket) -> dict[str, Any]:
    def agent(choice: int) -> str:
        return " " if choice == _BAD else _AGENTS[choice % len(_AGENTS)]

    def auto_close(at: _dt.datetime, choice: int) -> None:
        due = ticket.auto_close_at
        ticket.auto_close(at=due if due is not None and choice % 2 else at)

    config = ticket._sla_config
    kept = (
        [v for v in config.versions if v is not None]
        if isinstance(config, SLAPolicyVersions)
        else []
    )
    escalation = ticket._escalation_config
    rules_kept: list[str] = (
        [v for v in escalation.versions if v is not None]
        if isinstance(escalation, EscalationPolicyVersions)
        else []
    )

    def version(choice: int, names: list[str]) -> str:
        return " " if choice == _BAD or not names else names[choice % len(names)]

    menu: dict[str, Any] = {}
    if kept:  # only a ticket under SLAPolicyVersions can change version
        menu = {
            "apply_sla_version": lambda at, c: ticket.apply_sla_version(version(c, kept), at=at),
            "repair_sla": lambda at, c: ticket.repair_sla(version(c, kept), at=at),
        }
    if rules_kept:
        menu["apply_escalation_version"] = lambda at, c: ticket.apply_escalation_version(
            version(c, rules_kept), at=at
        )
    return menu | {
        "assign": lambda at, c: ticket.assign(
            agent(c), team="technical_support" if c == 5 else None, at=at
        ),
        "reply": lambda at, c: ticket.reply(agent(c), "Looking into it.", at=at),
        "add_note": lambda at, c: ticket.add_note(agent(c), "internal", at=at),
        "customer_message": lambda at, c: ticket.customer_message(
            "Any news?", channel="bogus" if c == _BAD else None, at=at
        ),
        "set_pending": lambda at, c: ticket.set_pending(at=at),
        "put_on_hold": lambda at, c: ticket.put_on_hold(at=at),
        "resume": lambda at, c: ticket.resume(at=at),
        "solve": lambda at, c: ticket.solve("" if c == _BAD else "fixed", at=at),
        "confirm": lambda at, c: ticket.confirm(at=at),
        "auto_close": auto_close,
        "change_priority": lambda at, c: ticket.change_priority(
            "bogus" if c == _BAD else list(Priority)[c % 4], reason="triage", at=at
        ),
        "tag": lambda at, c: ticket.tag("bad tag" if c == _BAD else f"tag-{c % 3}", at=at),
        "untag": lambda at, c: ticket.untag(f"tag-{c % 3}", at=at),
        "link": lambda at, c: ticket.link(ticket.id if c == _BAD else f"T-other-{c}", at=at),
        "escalate": lambda at, c: ticket.escalate(
            reason="needs expertise", actor=agent(c), to_tier=None if c < 2 else c, at=at
        ),
        "de_escalate": lambda at, c: ticket.de_escalate(
            reason="back to front line", actor=agent(c), to_tier=None if c < 3 else c - 3, at=at
        ),
        "notify_manager": lambda at, c: ticket.notify_manager(
            role="" if c == _BAD else "lead", reason="customer upset", at=at
        ),
        "request_escalation": lambda at, c: ticket.request_escalation(
            reason="too slow", channel=None if c % 2 else "phone", at=at
        ),
        "apply_template": lambda at, c: ticket.apply_template(
            _TEMPLATES[c % len(_TEMPLATES)](), agent=agent(c), at=at
        ),
        "evaluate": lambda at, c: ticket.evaluate(at=at),
    }


@st.composite
def ticket_lifecycles(
    draw: st.DrawFn,
    *,
    sla: st.SearchStrategy[SLAPolicySet | SLAPolicyVersions | None] | None = None,
    escalation: st.SearchStrategy[EscalationPolicy | EscalationPolicyVersions | None] | None = None,
    max_steps: int = 20,
) -> Ticket:
    """Tickets after a random lifecycle of every ticket command (escalation and
    response templates included), refused commands checked to change nothing (see
    :func:`attempt`). ``sla`` / ``escalation``: strategies for the policies attached
    (the ticket keeps them: reload its document with the same policies)."""
    start = draw(aware_datetimes(min_value=_dt.datetime(2024, 1, 1)))
    ticket = Ticket.open(
        draw(st.from_regex(r"T-[0-9]{1,6}", fullmatch=True)),
        sla=None if sla is None else draw(sla),
        escalation=None if escalation is None else draw(escalation),
        at=start,
        **draw(ticket_openings()),
    )
    _walk(draw, ticket, _ticket_menu(ticket), start, max_steps, rare=("confirm", "auto_close"))
    return ticket


def _ids(prefix: str, choice: int) -> list[str]:
    return [] if choice == _BAD else [f"{prefix}-{choice % 3}"]


def _incident_menu(incident: Incident) -> dict[str, Any]:
    tickets: dict[str, Ticket] = {}

    def update(at: _dt.datetime, choice: int) -> None:
        incident.post_update(
            "" if choice == _BAD else "Still on it.",
            status=list(IncidentStatus)[choice % 3],
            impact=list(IncidentImpact)[choice % 4],
            components=_ids("api", choice),
            customers=_ids("C", choice + 1),
            notify=choice % 2 == 0,
            at=at,
        )

    def link(at: _dt.datetime, choice: int) -> None:
        ticket_id = f"T-{choice % 4}"
        ticket = tickets.get(ticket_id) or Ticket.open(
            ticket_id,
            customer_id="C-1",
            subject="Down",
            topic="troubleshooting",
            channel="email",
            at=at,
        )
        incident.link_ticket(ticket_id, at=at)
        if ticket_id not in tickets:
            if choice % 2:
                ticket.assign("ana", at=at)
            tickets[ticket_id] = ticket

    def resolve(at: _dt.datetime, choice: int) -> None:
        agent = "" if choice == _BAD else "ana"
        linked = [tickets[ticket_id] for ticket_id in incident.linked_tickets]
        with atomic(incident, *linked):
            incident.resolve("Fixed.", tickets=linked, template=_TEMPLATES[0](), agent=agent, at=at)

    return {
        "post_update": update,
        "identify": lambda at, c: incident.identify("Found it.", at=at),
        "monitor": lambda at, c: incident.monitor("Watching.", notify=c % 2 == 0, at=at),
        "link_ticket": link,
        "resolve": resolve,
        "publish_postmortem": lambda at, c: incident.publish_postmortem(
            " " if c == _BAD else "What happened.", at=at
        ),
    }


@st.composite
def incidents(draw: st.DrawFn, *, max_steps: int = 16) -> Incident:
    """Incidents after a random lifecycle: updates moving between statuses, linked
    tickets, resolution (solving the linked tickets) and postmortem."""
    start = draw(aware_datetimes(min_value=_dt.datetime(2024, 1, 1)))
    customers = draw(st.lists(st.sampled_from(["C-0", "C-1", "C-2"]), unique=True, max_size=2))
    incident = Incident.declare(
        draw(st.from_regex(r"INC-[0-9]{1,4}", fullmatch=True)),
        title="API errors",
        body="Investigating.",
        impact=draw(st.sampled_from(list(IncidentImpact))),
        components=draw(st.lists(st.sampled_from(["api", "web"]), unique=True, max_size=2)),
        customers=customers,
        notify=bool(customers) and draw(st.booleans()),
        at=start,
    )
    _walk(
        draw,
        incident,
        _incident_menu(incident),
        start,
        max_steps,
        rare=("resolve", "publish_postmortem"),
    )
    return incident


def _maintenance_menu(maintenance: Maintenance) -> dict[str, Any]:
    def body(choice: int) -> str | None:
        return " " if choice == _BAD else (None if choice % 2 else "Update.")

    return {
        "evaluate": lambda at, c: maintenance.evaluate(at=at),
        "start": lambda at, c: maintenance.start(body=body(c), at=at),
        "verify": lambda at, c: maintenance.verify(body=body(c), at=at),
        "complete": lambda at, c: maintenance.complete(body=body(c), at=at),
        "cancel": lambda at, c: maintenance.cancel("" if c == _BAD else "Postponed.", at=at),
    }


@st.composite
def maintenances(draw: st.DrawFn, *, max_steps: int = 12) -> Maintenance:
    """Maintenance windows after a random lifecycle: notices sent by evaluation
    (some lead times already past at scheduling), start, verification, completion or
    cancellation."""
    start = draw(aware_datetimes(min_value=_dt.datetime(2024, 1, 1)))
    begins = start.astimezone(_dt.UTC) + _dt.timedelta(minutes=draw(st.integers(0, 10 * 24 * 60)))
    maintenance = Maintenance.schedule(
        draw(st.from_regex(r"MNT-[0-9]{1,4}", fullmatch=True)),
        title="Database upgrade",
        starts_at=begins,
        ends_at=begins + _dt.timedelta(minutes=draw(st.integers(1, 600))),
        customers=draw(st.lists(st.sampled_from(["C-0", "C-1", "C-2"]), unique=True, min_size=1)),
        components=draw(st.lists(st.sampled_from(["db", "api"]), unique=True, max_size=2)),
        lead_times=[
            _dt.timedelta(hours=hours)
            for hours in draw(st.lists(st.integers(0, 24 * 8), unique=True, max_size=4))
        ],
        at=start,
    )
    _walk(
        draw,
        maintenance,
        _maintenance_menu(maintenance),
        start,
        max_steps,
        rare=("cancel",),
        often=("evaluate",),
    )
    return maintenance


def _case_menu(case: ProactiveCase) -> dict[str, Any]:
    counter = [0]

    def customer(choice: int) -> str:
        return f"C-{choice % 3}"

    def report(at: _dt.datetime, choice: int) -> None:
        counter[0] += 1
        case.report_problem(
            customer(choice),
            ticket_id=f"T-{case.id}-{counter[0]}",
            body="" if choice == _BAD else "It broke.",
            at=at,
        )

    return {
        "add_customers": lambda at, c: case.add_customers(_ids("C", c), at=at),
        "plan": lambda at, c: case.plan(
            message="Heads up.",
            channel=list(Channel)[c % 3],
            answer_within=_dt.timedelta(hours=0 if c == _BAD else 6 * (c + 1)),
            at=at,
        ),
        "notify": lambda at, c: case.notify(customers=None if c % 2 else [customer(c)], at=at),
        "acknowledge": lambda at, c: case.acknowledge(customer(c), at=at),
        "report_problem": report,
        "evaluate": lambda at, c: case.evaluate(at=at),
        "resolve": lambda at, c: case.resolve("" if c == _BAD else "Fixed.", at=at),
        "close": lambda at, c: case.close(at=at),
        "cancel": lambda at, c: case.cancel("" if c == _BAD else "False alarm.", at=at),
    }


@st.composite
def proactive_cases(draw: st.DrawFn, *, max_steps: int = 16) -> ProactiveCase:
    """Outreach cases after a random lifecycle: audience, plan, notices, answers,
    no answers recorded by evaluation, resolution, closing or cancellation."""
    start = draw(aware_datetimes(min_value=_dt.datetime(2024, 1, 1)))
    case = ProactiveCase.detect(
        draw(st.from_regex(r"PC-[0-9]{1,4}", fullmatch=True)),
        signal=draw(st.sampled_from(list(Signal))),
        summary="Certificate expires soon",
        customers=draw(st.lists(st.sampled_from(["C-0", "C-1", "C-2"]), unique=True)),
        at=start,
    )
    _walk(draw, case, _case_menu(case), start, max_steps, rare=("resolve", "close", "cancel"))
    return case


def _program_menu(program: FeedbackProgram) -> dict[str, Any]:
    def survey(choice: int) -> str:
        surveys = program.surveys
        return surveys[choice % len(surveys)].survey_id if surveys else "none"

    def respond(at: _dt.datetime, choice: int) -> None:
        score = -1 if choice == _BAD else choice % 4 + 1
        program.record_response(survey(choice), score, comment="ok" if choice % 2 else None, at=at)

    return {
        "enroll": lambda at, c: program.enroll(f"C-{c % 3}", at=at),
        "unenroll": lambda at, c: program.unenroll(f"C-{c % 3}", at=at),
        "schedule_csat": lambda at, c: program.schedule_csat(
            f"T-{c % 3}",
            customer_id=f"C-{c % 3}",
            solved_at=at + _dt.timedelta(hours=1 if c == _BAD else -c),
            at=at,
        ),
        "cancel_survey": lambda at, c: program.cancel_survey(
            survey(c), reason="" if c == _BAD else "Reopened.", at=at
        ),
        "evaluate": lambda at, c: program.evaluate(at=at),
        "record_response": respond,
        "pause": lambda at, c: program.pause(at=at),
        "resume": lambda at, c: program.resume(at=at),
        "retire": lambda at, c: program.retire(at=at),
    }


@st.composite
def feedback_programs(draw: st.DrawFn, *, max_steps: int = 16) -> FeedbackProgram:
    """Feedback programs after a random lifecycle: enrolments, CSAT surveys after
    solves, NPS/CES cadences sent by evaluation (also after a pause), answers."""
    start = draw(aware_datetimes(min_value=_dt.datetime(2024, 1, 1)))
    days = st.none() | st.integers(1, 10).map(lambda d: _dt.timedelta(days=d))
    program = FeedbackProgram.create(
        draw(st.from_regex(r"FP-[0-9]{1,4}", fullmatch=True)),
        csat_delay=_dt.timedelta(minutes=draw(st.integers(0, 6 * 60))),
        csat_scale=draw(st.sampled_from([3, 5, 7, 10])),
        nps_every=draw(days),
        ces_every=draw(days),
        ces_scale=draw(st.sampled_from([5, 7])),
        ces_method=draw(st.sampled_from(list(CESMethod))),
        at=start,
    )
    _walk(
        draw,
        program,
        _program_menu(program),
        start,
        max_steps,
        rare=("retire",),
        often=("record_response",),
    )
    return program


def _customer_menu(customer: Customer) -> dict[str, Any]:
    tickets: dict[str, Ticket] = {}
    incidents_: dict[str, Incident] = {}
    cases: dict[str, ProactiveCase] = {}

    def ticket(at: _dt.datetime, choice: int) -> None:
        ticket_id = f"T-{customer.id}-{choice % 2}"
        found = tickets.get(ticket_id)
        if found is None:
            found = Ticket.open(
                ticket_id,
                customer_id=customer.id,
                subject="Login",
                topic="how_to",
                channel="email",
                at=at,
            )
            tickets[ticket_id] = found
        elif found.status is TicketStatus.SOLVED:
            attempt(
                found,
                lambda: (
                    found.confirm(at=at)
                    if choice % 2
                    else found.customer_message("Back again.", at=at)
                ),
            )
        else:
            attempt(found, lambda: found.assign("ana", at=at))
            attempt(found, lambda: found.solve("done", at=at))
        customer.record_ticket(found, at=at)

    def incident(at: _dt.datetime, choice: int) -> None:
        incident_id = f"INC-{choice % 2}"
        found = incidents_.get(incident_id)
        if found is None:
            found = Incident.declare(
                incident_id,
                title="Outage",
                body="Investigating.",
                impact="major",  # type: ignore[arg-type]
                customers=[customer.id],
                at=at,
            )
            incidents_[incident_id] = found
        else:
            attempt(
                found,
                lambda: found.resolve(
                    "Fixed.", tickets=[], template=_TEMPLATES[0](), agent="ana", at=at
                ),
            )
        customer.record_incident(found, at=at)

    def outreach(at: _dt.datetime, choice: int) -> None:
        case_id = f"PC-{choice % 2}"
        found = cases.get(case_id)
        if found is None:
            found = ProactiveCase.detect(
                case_id, signal=Signal.ALERT, summary="Disk full", customers=[customer.id], at=at
            )
            found.plan(message="Heads up.", channel=Channel.EMAIL, at=at)
            cases[case_id] = found
        elif found.status == "planned":
            found.notify(at=at)
        else:
            attempt(found, lambda: found.acknowledge(customer.id, at=at))
        customer.record_outreach(found, at=at)

    def survey(at: _dt.datetime, choice: int) -> None:
        customer.record_survey_response(
            SurveyResponse(
                survey_id=f"S-{choice % 3}",
                kind=SurveyKind.CSAT,
                customer_id=customer.id,
                ticket_id=None,
                score=7 if choice == _BAD else choice % 5 + 1,
                scale_min=1,
                scale_max=5,
                method="satisfaction",
                channel=None,
                comment=None,
                at_us=at_us(at),
            ),
            at=at,
        )

    identity = (Channel.EMAIL, Channel.PHONE, Channel.SMS)
    return {
        "add_identity": lambda at, c: customer.add_identity(
            identity[c % 3], " " if c == _BAD else f"user{c % 2}@example.com", at=at
        ),
        "remove_identity": lambda at, c: customer.remove_identity(
            identity[c % 3], f"user{c % 2}@example.com", at=at
        ),
        "change_phase": lambda at, c: customer.change_phase(
            list(LifecyclePhase)[c % len(LifecyclePhase)], reason="contract", at=at
        ),
        "churn": lambda at, c: customer.churn(reason="" if c == _BAD else "price", at=at),
        "change_segment": lambda at, c: customer.change_segment(
            None if c % 3 == 0 else ["smb", "enterprise"][c % 2], at=at
        ),
        "record_usage_drop": lambda at, c: customer.record_usage_drop(
            (0.0, 12.5, 40, 75.0, float("nan"), 100)[c], measure="logins" if c % 2 else None, at=at
        ),
        "record_ticket": ticket,
        "record_incident": incident,
        "record_outreach": outreach,
        "record_survey_response": survey,
    }


@st.composite
def customers(draw: st.DrawFn, *, max_steps: int = 16) -> Customer:
    """Customer profiles after a random lifecycle: identities, phases, segments, and
    timeline facts recorded from their tickets, incidents, outreach and surveys."""
    start = draw(aware_datetimes(min_value=_dt.datetime(2024, 1, 1)))
    customer = Customer.register(
        draw(st.from_regex(r"C-[0-9]{1,4}", fullmatch=True)),
        name=draw(st.none() | st.just("Ada")),
        segment=draw(st.none() | st.sampled_from(["smb", "enterprise"])),
        phase=draw(st.sampled_from(list(LifecyclePhase))),
        identities=draw(
            st.sampled_from([{}, {Channel.EMAIL: "Ada@Example.com"}, {Channel.PHONE: "+1 555"}])
        ),
        at=start,
    )
    _walk(draw, customer, _customer_menu(customer), start, max_steps)
    return customer
