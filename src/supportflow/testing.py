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
  SLA clocks and escalation attached.
"""

from __future__ import annotations

import datetime as _dt
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

from ._calendars import BusinessCalendar
from ._errors import InvalidArgument, SupportflowError
from ._escalation import Tier, TierLadder
from ._escalation_policy import (
    AgeAtLeast,
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    NotifyManager,
    PriorityAtOpen,
    RaisePriority,
    ReopensAtLeast,
    SLABreach,
    SLAThreshold,
)
from ._sla import Metric, SLAConditions, SLAPolicy, SLAPolicySet
from ._taxonomy import Channel, LifecyclePhase, Priority, Topic
from ._tickets import Ticket

__all__ = [
    "COMMANDS",
    "TIMEZONES",
    "Step",
    "aware_datetimes",
    "business_calendars",
    "calendar_dates",
    "calendar_hours",
    "calendar_specs",
    "escalation_policies",
    "lifecycles",
    "play",
    "sla_policies",
    "sla_policy_sets",
    "team_names",
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


def calendar_hours() -> st.SearchStrategy[tuple[str, str]]:
    """A working interval as ``("HH:MM", "HH:MM")``; the end may cross midnight."""

    def text(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    minute = st.one_of(st.integers(0, 95).map(lambda q: q * 15), st.integers(0, 1439))
    return st.tuples(minute, minute).map(lambda pair: (text(pair[0]), text(pair[1])))


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


@st.composite
def calendar_specs(draw: st.DrawFn, zones: Sequence[str] = TIMEZONES) -> dict[str, Any]:
    """Keyword arguments for ``BusinessCalendar``: zone, weekly hours (up to three
    intervals a day, some crossing midnight), holidays, exceptions. Some specs are
    refused by the calendar (overlapping hours adding up to more than a day)."""
    weekly: dict[int, list[tuple[str, str]]] = {}
    for day in range(7):
        hours = draw(st.lists(calendar_hours(), max_size=3))
        if hours:
            weekly[day] = hours
    if not weekly:
        weekly[draw(st.integers(0, 6))] = [draw(calendar_hours())]
    holidays = draw(st.lists(calendar_dates(), max_size=8))
    exceptions = draw(
        st.dictionaries(calendar_dates(), st.lists(calendar_hours(), max_size=2), max_size=6)
    )
    return {
        "timezone": draw(st.sampled_from(list(zones))),
        "weekly": weekly,
        "holidays": holidays,
        "exceptions": exceptions,
    }


def _calendar_or_none(spec: dict[str, Any]) -> BusinessCalendar | None:
    try:
        return BusinessCalendar(**spec)
    except InvalidArgument:  # a day whose overlapping hours merge into more than 24 hours
        return None


def _some(calendar: BusinessCalendar | None) -> BusinessCalendar:
    assert calendar is not None
    return calendar


def business_calendars(
    *, timezones: Sequence[str] = TIMEZONES, always_open: bool = True
) -> st.SearchStrategy[BusinessCalendar]:
    """Valid calendars from :func:`calendar_specs`: split shifts, overnight intervals,
    holidays and exceptions near DST changes. With ``always_open`` (default) the 24/7
    calendar of each zone is drawn too."""
    drawn = (
        calendar_specs(timezones)
        .map(_calendar_or_none)
        .filter(lambda calendar: calendar is not None)
        .map(_some)
    )
    if not always_open:
        return drawn
    return st.one_of(drawn, st.sampled_from(list(timezones)).map(BusinessCalendar.always_open))


def _durations(low_minutes: int, high_minutes: int) -> st.SearchStrategy[_dt.timedelta]:
    return st.integers(low_minutes, high_minutes).map(lambda m: _dt.timedelta(minutes=m))


@st.composite
def sla_policies(
    draw: st.DrawFn,
    *,
    name: str | None = None,
    calendars: st.SearchStrategy[BusinessCalendar] | None = None,
) -> SLAPolicy:
    """Valid SLA policies: targets for 1-6 metrics and some priorities, a calendar,
    optional conditions, pauses and warning thresholds."""
    metrics = draw(st.sets(st.sampled_from(list(Metric)), min_size=1))
    targets = {
        metric.value: {
            priority.value: draw(_durations(5, 5 * 24 * 60))
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
    calendar = draw(calendars if calendars is not None else business_calendars())
    warnings = draw(st.sampled_from([(0.5, 0.75), (0.8,), (), (0.25, 0.5, 0.9)]))
    return SLAPolicy(
        name if name is not None else draw(st.from_regex(r"[a-z]{3,10}", fullmatch=True)),
        targets,
        conditions=conditions,
        calendar=calendar,
        warnings=warnings,
    )


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
    lambda: EscalationRule("warn", SLAThreshold("first_reply", 75), NotifyManager("lead")),
    lambda: EscalationRule("late", SLABreach("resolution"), EscalateTo()),
    lambda: EscalationRule("urgent", PriorityAtOpen("urgent"), EscalateTo(tier=2)),
    lambda: EscalationRule("reopened", ReopensAtLeast(2), RaisePriority()),
    lambda: EscalationRule(
        "old",
        AgeAtLeast(_dt.timedelta(days=2), BusinessCalendar.always_open()),
        NotifyManager("manager"),
    ),
)


@st.composite
def escalation_policies(draw: st.DrawFn) -> EscalationPolicy:
    """Escalation policies of 1-5 rules (SLA, priority, reopen and age conditions)."""
    chosen = draw(st.lists(st.sampled_from(range(len(_RULES))), min_size=1, unique=True))
    return EscalationPolicy([_RULES[index]() for index in chosen])


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
    sla: st.SearchStrategy[SLAPolicySet | None] | None = None,
    escalation: st.SearchStrategy[EscalationPolicy | None] | None = None,
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
