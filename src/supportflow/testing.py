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
  holidays and partial-day exceptions;
* :func:`sla_policies` / :func:`sla_policy_sets` - policies with targets, conditions,
  pauses and warnings;
* :func:`escalation_policies` - escalation rules over the default tier ladder;
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
from hypothesis import strategies as st

from ._calendars import BusinessCalendar
from ._errors import SupportflowError
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
    "escalation_policies",
    "lifecycles",
    "play",
    "sla_policies",
    "sla_policy_sets",
    "ticket_openings",
    "tickets",
]

#: Time zones the strategies draw from: UTC, zones with DST on both hemispheres,
#: a half-hour offset and a zone far east of UTC.
TIMEZONES: Final = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Auckland",
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


def _clock(minutes: int) -> _dt.time:
    return _dt.time(minutes // 60, minutes % 60)


@st.composite
def _intervals(draw: st.DrawFn) -> list[tuple[_dt.time, _dt.time]]:
    """One day's working intervals: one, a split shift, or an overnight interval."""
    shape = draw(st.sampled_from(["day", "split", "overnight"]))
    if shape == "day":
        start = draw(st.integers(0, 22 * 60)) // 15 * 15
        end = draw(st.integers(start + 15, 24 * 60 - 1)) // 15 * 15
        return [(_clock(start), _clock(end))] if end > start else [(_clock(start), _clock(0))]
    if shape == "split":
        a = draw(st.integers(6 * 60, 11 * 60)) // 15 * 15
        b = draw(st.integers(a + 30, 12 * 60 + 30)) // 15 * 15
        c = draw(st.integers(b + 30, 15 * 60)) // 15 * 15
        d = draw(st.integers(c + 30, 21 * 60)) // 15 * 15
        return [(_clock(a), _clock(b)), (_clock(c), _clock(d))]
    start = draw(st.integers(18 * 60, 23 * 60)) // 15 * 15
    end = draw(st.integers(60, 8 * 60)) // 15 * 15
    return [(_clock(start), _clock(end))]


@st.composite
def business_calendars(
    draw: st.DrawFn,
    *,
    timezones: Sequence[str] = TIMEZONES,
    always_open: bool = True,
) -> BusinessCalendar:
    """Valid calendars: 1-7 working weekdays, several shapes of day, holidays, exceptions.

    With ``always_open`` (default) the always-open calendar is drawn too.
    """
    timezone = draw(st.sampled_from(list(timezones)))
    if always_open and draw(st.integers(0, 9)) == 0:
        return BusinessCalendar.always_open(timezone)
    days = draw(st.sets(st.integers(0, 6), min_size=1, max_size=7))
    weekly = {day: draw(_intervals()) for day in sorted(days)}
    holidays = draw(
        st.lists(st.dates(_dt.date(2024, 1, 1), _dt.date(2030, 12, 31)), max_size=6, unique=True)
    )
    exceptions = draw(
        st.dictionaries(
            st.dates(_dt.date(2024, 1, 1), _dt.date(2030, 12, 31)),
            st.just([(_dt.time(10, 0), _dt.time(12, 0))]),
            max_size=2,
        )
    )
    return BusinessCalendar(timezone, weekly, holidays=holidays, exceptions=exceptions)


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
    """Keyword arguments for :meth:`Ticket.open` (all but ``ticket_id``, ``at``, policies)."""
    words = st.from_regex(r"[a-z]{1,8}", fullmatch=True)
    return {
        "customer_id": draw(st.from_regex(r"C-[0-9]{1,5}", fullmatch=True)),
        "subject": draw(st.text(min_size=1, max_size=40).filter(str.strip)),
        "topic": draw(st.sampled_from(list(Topic))),
        "channel": draw(st.sampled_from(list(Channel))),
        "priority": draw(st.sampled_from(list(Priority))),
        "phase": draw(st.sampled_from(list(LifecyclePhase))),
        "body": draw(st.none() | st.text(min_size=1, max_size=80).filter(str.strip)),
        "tags": draw(st.frozensets(words, max_size=3)),
        "team": draw(st.none() | st.sampled_from(["billing", "tier1", "tier2"])),
        "tier": draw(st.none() | st.integers(1, 3)),
        "segment": draw(st.none() | st.sampled_from(["standard", "business", "enterprise"])),
        "auto_close_after": draw(_durations(60, 7 * 24 * 60)),
    }


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
