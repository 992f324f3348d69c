"""Shared hypothesis strategies: every property test draws from here.

Each helper adds its strategies in clearly named functions.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import settings
from hypothesis import strategies as st

# Reusable strategies are public in supportflow.testing; they are re-exported here so
# that every property test keeps drawing from this one module.
from supportflow.testing import (
    business_calendars,
    team_names,
    tier_ladders,
)
from supportflow.testing import calendar_dates as calendar_dates
from supportflow.testing import calendar_hours as calendar_hours
from supportflow.testing import calendar_specs as calendar_specs
from supportflow.testing import rosters as rosters
from supportflow.testing import routing_policies as routing_policies
from supportflow.testing import ticket_openings as ticket_openings

# --- proactive support (outreach, incidents, maintenance, feedback) -------------------


def proactive_command_steps(
    commands: Sequence[str], *, max_steps: int = 12, max_minutes: int = 36 * 60
) -> st.SearchStrategy[list[tuple[str, int, int]]]:
    """Random command sequences: ``(command, minutes since the previous step, parameter)``.

    The parameter is a small int a test maps to an argument (a customer index, a
    score...). Zero-minute steps are frequent, to exercise ties between instants.
    """
    minutes = st.one_of(st.just(0), st.integers(0, max_minutes))
    return st.lists(
        st.tuples(st.sampled_from(list(commands)), minutes, st.integers(-2, 12)),
        max_size=max_steps,
    )


# --- customers and KPIs (random ticket walks, survey answers) ---------------------------

METRICS_TICKET_ACTIONS = (
    "assign",
    "reply",
    "add_note",
    "customer_message",
    "set_pending",
    "put_on_hold",
    "resume",
    "solve",
    "confirm",
    "escalate",
)


def metrics_ticket_specs(
    *, max_tickets: int = 10, max_steps: int = 10
) -> st.SearchStrategy[list[tuple[str, str, str | None, int, list[tuple[str, int]]]]]:
    """Tickets for KPI properties: ``(channel, priority, team, created minute, steps)``.

    Each step is ``(action, minutes since the previous step)``; a test skips the
    actions a ticket refuses in its current status (a random walk over statuses).
    Creation minutes spread over three days so periods and instants cut through them.
    """
    ticket = st.tuples(
        st.sampled_from(["email", "phone", "live_chat", "sms"]),
        st.sampled_from(["low", "normal", "high", "urgent"]),
        st.sampled_from([None, "billing", "tech"]),
        st.integers(0, 3 * 24 * 60),
        st.lists(
            st.tuples(
                st.sampled_from(METRICS_TICKET_ACTIONS),
                st.one_of(st.just(0), st.integers(1, 12 * 60)),
            ),
            max_size=max_steps,
        ),
    )
    return st.lists(ticket, max_size=max_tickets)


@st.composite
def survey_answer_specs(draw: st.DrawFn) -> tuple[str, int, int, int]:
    """One survey answer ``(kind, score, scale_min, scale_max)`` valid for its kind.

    CSAT on 1-3, 1-5, 1-7 or 1-10; NPS on 0-10; CES on 1-5 or 1-7.
    """
    kind = draw(st.sampled_from(["csat", "nps", "ces"]))
    if kind == "nps":
        low, high = 0, 10
    elif kind == "csat":
        low, high = 1, draw(st.sampled_from([3, 5, 7, 10]))
    else:
        low, high = 1, draw(st.sampled_from([5, 7]))
    return kind, draw(st.integers(low, high)), low, high


# --- escalation (tier ladders, policies) ---------------------------------------------


# Ladders come from the public strategies (supportflow.testing), under their old names.
escalation_team_names = team_names
escalation_ladders = tier_ladders


# --- SLA (random ticket lifecycles at random instants) ---------------------------------

SLA_COMMANDS = (
    "reply",
    "customer_message",
    "add_note",
    "set_pending",
    "put_on_hold",
    "resume",
    "solve",
    "confirm",
    "raise_priority",
    "lower_priority",
    "tag_vip",
    "untag_vip",
    "evaluate",
)


def sla_lifecycle_steps(*, max_steps: int = 14) -> st.SearchStrategy[list[tuple[str, int]]]:
    """Ticket commands with the minutes since the previous step (often 0, up to 3 days).

    Unknown or refused commands are skipped by the tests (a random walk over statuses).
    """
    minutes = st.one_of(st.just(0), st.integers(1, 240), st.integers(241, 3 * 24 * 60))
    return st.lists(st.tuples(st.sampled_from(SLA_COMMANDS), minutes), max_size=max_steps)


# --- tickets (openings, command steps) --------------------------------------------------

TICKET_COMMANDS = (
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
    "untag",
    "link",
    "apply_template",
    "blank_reply",
)


def ticket_step_minutes() -> st.SearchStrategy[int]:
    """Minutes between two ticket commands: often 0 (ties), up to 6 days, sometimes
    negative (a command dated before the ticket's latest event, which must be refused)."""
    return st.one_of(
        st.just(0), st.integers(1, 240), st.integers(241, 6 * 24 * 60), st.integers(-120, -1)
    )


def ticket_command_steps(*, max_steps: int = 16) -> st.SearchStrategy[list[tuple[str, int, int]]]:
    """Random ticket commands, valid or not: ``(command, minutes since the previous step,
    a small int the test maps to an argument)``."""
    return st.lists(
        st.tuples(st.sampled_from(TICKET_COMMANDS), ticket_step_minutes(), st.integers(0, 3)),
        max_size=max_steps,
    )


# --- escalation (random ticket lifecycles with escalation commands) -----------------------

ESCALATION_COMMANDS = (
    "assign",
    "reply",
    "customer_message",
    "set_pending",
    "resume",
    "solve",
    "confirm",
    "raise_priority",
    "request_escalation",
    "escalate",
    "de_escalate",
    "notify_manager",
    "wait",
)


def escalation_lifecycle_steps(
    *, max_steps: int = 16
) -> st.SearchStrategy[list[tuple[str, int, int]]]:
    """Ticket and escalation commands: ``(command, minutes since the previous step, a small
    int the test maps to an argument)``. Minutes are often 0 (ties) and up to 3 days."""
    minutes = st.one_of(st.just(0), st.integers(1, 240), st.integers(241, 3 * 24 * 60))
    return st.lists(
        st.tuples(st.sampled_from(ESCALATION_COMMANDS), minutes, st.integers(0, 4)),
        max_size=max_steps,
    )


# --- business calendars (zones with DST, random weekly hours, holidays, exceptions) -----

CALENDAR_ZONES = (
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
)


def calendars(zones: Sequence[str] = CALENDAR_ZONES) -> st.SearchStrategy[object]:
    """Random ``BusinessCalendar`` objects (supportflow.testing's :func:`calendar_specs`)."""
    return business_calendars(timezones=zones, always_open=False)


_US_PER_MINUTE = 60_000_000


def aware_instants(
    first_year: int = 2019, last_year: int = 2031, *, edges: bool = True
) -> st.SearchStrategy[int]:
    """Instants as UTC microseconds: anywhere in the years, next to DST changes, and (with
    ``edges``) around the calendar's precomputed-range boundaries (1970 and 2100)."""
    import calendar as std_calendar

    def at(year: int, month: int, day: int, minute: int, micro: int) -> int:
        seconds = std_calendar.timegm((year, month, day, 0, 0, 0))
        return seconds * 1_000_000 + minute * _US_PER_MINUTE + micro

    micro = st.one_of(st.just(0), st.integers(0, _US_PER_MINUTE - 1))
    near_dst = st.builds(
        at,
        st.integers(first_year, last_year),
        st.sampled_from([3, 4, 9, 10, 11]),
        st.integers(1, 28),
        st.integers(0, 1439),
        micro,
    )
    anywhere = st.builds(
        at,
        st.integers(first_year, last_year),
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 1439),
        micro,
    )
    choices = [near_dst, anywhere]
    if edges:
        choices.append(
            st.builds(
                at,
                st.sampled_from([1969, 1970, 2099, 2100]),
                st.sampled_from([1, 12]),
                st.integers(1, 28),
                st.integers(0, 1439),
                micro,
            )
        )
    return st.one_of(*choices)


# --- example budgets ------------------------------------------------------------------


def examples(n: int) -> int:
    """The examples a heavy property runs: ``n`` under the ``dev`` and ``ci`` profiles
    (the suite's time budget), scaled with the profile beyond ``ci`` (ten times under
    ``deep``), and no more than the profile's own under a smaller one (``mutation``)."""
    profile = settings().max_examples
    return max(min(n, profile), n * profile // settings.get_profile("ci").max_examples)
