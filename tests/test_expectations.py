"""Setting expectations: promises at an instant, placeholders, statements of hours, KPIs."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from supportflow import (
    BusinessCalendar,
    Channel,
    InvalidArgument,
    InvalidType,
    Metric,
    MissingPlaceholders,
    Priority,
    ResponseTemplate,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    UnknownName,
)
from supportflow.desk import Expectation, HoursStatement, kept_promises

H = dt.timedelta(hours=1)
PARIS = "Europe/Paris"
OFFICE = BusinessCalendar.weekdays("09:00", "17:00", timezone=PARIS)
POLICIES = SLAPolicySet(
    [
        SLAPolicy(
            "standard",
            {
                "first_reply": {"normal": 4 * H, "high": 2 * H},
                "next_reply": {"normal": 4 * H, "high": 2 * H},
            },
            calendar=OFFICE,
        )
    ]
)
THURSDAY_15 = pendulum.datetime(2026, 1, 8, 15, tz=PARIS)


def open_ticket(
    at: dt.datetime = THURSDAY_15,
    *,
    sla: SLAPolicySet | None = POLICIES,
    ticket_id: str = "T-1",
    channel: str = "email",
    priority: str = "normal",
) -> Ticket:
    return Ticket.open(
        ticket_id,
        customer_id="C-1",
        subject="Invoice twice",
        topic="billing",
        channel=channel,
        priority=priority,
        sla=sla,
        at=at,
    )


def test_the_first_reply_promise_counts_business_hours_and_reads_in_both_zones() -> None:
    # Opened Thursday 15:00 in Paris with 4 business hours: 2 today, 2 on Friday.
    expectation = Expectation.of(
        open_ticket(), customer_timezone="America/New_York", at=THURSDAY_15
    )
    assert expectation.metric is Metric.FIRST_REPLY
    assert expectation.reply_by == pendulum.datetime(2026, 1, 9, 11, tz=PARIS)
    assert expectation.withheld is None
    assert expectation.open_now is True
    assert expectation.opens_at == THURSDAY_15
    assert expectation.hours_today == (("09:00", "17:00"),)
    assert expectation.placeholders() == {
        "expected_reply_by": "2026-01-09 05:00 (America/New_York)",
        "expected_reply_by_team": "2026-01-09 11:00 (Europe/Paris)",
        "team_timezone": "Europe/Paris",
        "customer_timezone": "America/New_York",
        "open_now": "open",
        "opens_at": "2026-01-08 09:00 (America/New_York)",
        "opens_at_team": "2026-01-08 15:00 (Europe/Paris)",
        "hours_today": "09:00-17:00",
    }


def test_an_auto_reply_renders_the_promise_and_the_next_opening() -> None:
    friday_evening = pendulum.datetime(2026, 1, 9, 19, tz=PARIS)
    ticket = open_ticket(friday_evening)
    expectation = Expectation.of(ticket, at=friday_evening)
    auto_reply = ResponseTemplate(
        "auto-reply",
        "We are {open_now} (today {hours_today}). We open at {opens_at} "
        "and will reply by {expected_reply_by}.",
    )
    assert auto_reply.render(expectation.placeholders()) == (
        "We are closed (today 09:00-17:00). We open at 2026-01-12 09:00 (Europe/Paris) "
        "and will reply by 2026-01-12 13:00 (Europe/Paris)."
    )
    ticket.assign("ana", at=friday_evening)
    ticket.apply_template(
        auto_reply, agent="ana", values=expectation.placeholders(), at=friday_evening
    )
    assert ticket.conversation[-1].body.endswith("reply by 2026-01-12 13:00 (Europe/Paris).")


def test_a_customer_message_after_a_reply_promises_the_next_reply() -> None:
    ticket = open_ticket()
    ticket.assign("ana", at=THURSDAY_15)
    ticket.reply("ana", "Looking into it", at=THURSDAY_15 + H)
    answered = Expectation.of(ticket, at=THURSDAY_15 + H)
    assert answered.reply_by is None
    assert (
        answered.withheld == "no reply is awaited (no first-reply or next-reply clock is running)"
    )
    ticket.customer_message("Any news?", at=THURSDAY_15 + 1.5 * H)
    waiting = Expectation.of(ticket, at=THURSDAY_15 + 1.5 * H)
    assert waiting.metric is Metric.NEXT_REPLY
    # From 16:30: half a business hour today, 3.5 more on Friday from 09:00.
    assert waiting.reply_by == pendulum.datetime(2026, 1, 9, 12, 30, tz=PARIS)


def test_without_an_sla_no_reply_time_is_promised_and_a_template_needing_one_refuses() -> None:
    expectation = Expectation.of(open_ticket(sla=None), calendar=OFFICE, at=THURSDAY_15)
    assert expectation.reply_by is None
    assert expectation.withheld == "the ticket has no SLA policy"
    assert expectation.open_now is True
    values = expectation.placeholders()
    assert "expected_reply_by" not in values
    with pytest.raises(MissingPlaceholders, match="expected_reply_by"):
        ResponseTemplate("promise", "We reply by {expected_reply_by}.").render(values)


def test_without_any_calendar_the_hours_are_unknown() -> None:
    expectation = Expectation.of(open_ticket(sla=None), at=THURSDAY_15)
    assert expectation.timezone is None
    assert expectation.open_now is None
    assert expectation.opens_at is None
    assert expectation.hours_today is None
    assert expectation.placeholders() == {}


def test_an_overdue_reply_is_not_promised_again() -> None:
    ticket = open_ticket()
    later = pendulum.datetime(2026, 1, 12, 10, tz=PARIS)
    expectation = Expectation.of(ticket, at=later)
    assert expectation.reply_by is None
    assert expectation.withheld == "the reply is overdue (it was due at 2026-01-09 10:00 (UTC))"


def test_a_holiday_week_beyond_the_horizon_withholds_the_promise() -> None:
    closed_week = [dt.date(2026, 12, 24) + dt.timedelta(days=n) for n in range(9)]
    holidays = BusinessCalendar.weekdays("09:00", "17:00", timezone=PARIS, holidays=closed_week)
    policies = SLAPolicySet(
        [SLAPolicy("standard", {"first_reply": {"normal": 4 * H}}, calendar=holidays)]
    )
    opened = pendulum.datetime(2026, 12, 23, 16, tz=PARIS)
    ticket = open_ticket(opened, sla=policies)
    known_until = pendulum.datetime(2026, 12, 31, 23, 59, tz=PARIS)
    withheld = Expectation.of(ticket, horizon=known_until, at=opened + 2 * H)
    assert withheld.reply_by is None
    assert withheld.withheld == "the reply would fall beyond the calendar's horizon"
    assert withheld.opens_at is None
    assert "opens_at" not in withheld.placeholders()
    # Without a horizon the calendar is trusted: back on Monday 4 January 2027.
    trusted = Expectation.of(ticket, at=opened + 2 * H)
    assert trusted.opens_at == pendulum.datetime(2027, 1, 4, 9, tz=PARIS)
    assert trusted.reply_by == pendulum.datetime(2027, 1, 4, 12, tz=PARIS)


def test_bad_expectation_inputs_are_refused() -> None:
    ticket = open_ticket()
    with pytest.raises(InvalidArgument, match="before ticket T-1's last event"):
        Expectation.of(ticket, at=THURSDAY_15 - H)
    with pytest.raises(UnknownName, match="unknown time zone 'Mars/Olympus'"):
        Expectation.of(ticket, customer_timezone="Mars/Olympus", at=THURSDAY_15)
    with pytest.raises(InvalidType, match="ticket must be a Ticket"):
        Expectation.of("T-1", at=THURSDAY_15)  # type: ignore[arg-type]
    with pytest.raises(InvalidType, match="calendar must be a BusinessCalendar"):
        Expectation.of(ticket, calendar="office", at=THURSDAY_15)  # type: ignore[arg-type]


def test_a_statement_of_hours_marks_holidays_breaks_and_overnight_shifts() -> None:
    calendar = BusinessCalendar(
        PARIS,
        {day: [("09:00", "12:30"), ("13:30", "17:00")] for day in range(5)}
        | {"saturday": [("22:00", "02:00")]},
        holidays=[dt.date(2026, 12, 25)],
        exceptions={dt.date(2026, 12, 24): [("09:00", "12:00")]},
    )
    statement = HoursStatement(calendar, dt.date(2026, 12, 24), dt.date(2026, 12, 27))
    assert statement.timezone == PARIS
    assert statement.weekly[0] == ("monday", (("09:00", "12:30"), ("13:30", "17:00")))
    assert statement.text() == (
        "Opening hours (Europe/Paris):\n"
        "2026-12-24 Thursday: 09:00-12:00 (changed hours)\n"
        "2026-12-25 Friday: closed (holiday)\n"
        "2026-12-26 Saturday: 22:00-24:00\n"
        "2026-12-27 Sunday: 00:00-02:00"
    )
    assert [day.date for day in statement.exceptions()] == [
        dt.date(2026, 12, 24),
        dt.date(2026, 12, 25),
    ]
    assert statement.days[1].closed
    assert not statement.days[2].closed


def test_a_statement_of_hours_refuses_a_bad_range() -> None:
    with pytest.raises(InvalidArgument, match="end 2026-01-01 is before start 2026-01-02"):
        HoursStatement(OFFICE, dt.date(2026, 1, 2), dt.date(2026, 1, 1))
    with pytest.raises(InvalidArgument, match="at most 366 days, got 730"):
        HoursStatement(OFFICE, dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    with pytest.raises(InvalidType, match="start must be a date"):
        HoursStatement(OFFICE, dt.datetime(2026, 1, 1), dt.date(2026, 1, 2))  # type: ignore[arg-type]


def test_kept_promises_count_kept_late_unanswered_and_still_open_per_channel_and_priority() -> None:
    kept = open_ticket(ticket_id="T-kept")
    shown_kept = Expectation.of(kept, at=THURSDAY_15)
    kept.assign("ana", at=THURSDAY_15)
    kept.reply("ana", "Done", at=THURSDAY_15 + H)

    late = open_ticket(ticket_id="T-late")
    shown_late = Expectation.of(late, at=THURSDAY_15)
    late.assign("ana", at=THURSDAY_15)
    late.reply("ana", "Sorry", at=pendulum.datetime(2026, 1, 9, 16, tz=PARIS))

    silent = open_ticket(ticket_id="T-silent", channel="live_chat", priority="high")
    shown_silent = Expectation.of(silent, at=THURSDAY_15)

    waiting = open_ticket(THURSDAY_15 + 24 * H, ticket_id="T-waiting", channel="live_chat")
    shown_waiting = Expectation.of(waiting, at=THURSDAY_15 + 24 * H)

    unpromised = open_ticket(ticket_id="T-none", sla=None)
    shown_none = Expectation.of(unpromised, at=THURSDAY_15)

    rows = kept_promises(
        [
            (shown_kept, kept),
            (shown_late, late),
            (shown_silent, silent),
            (shown_waiting, waiting),
            (shown_none, unpromised),
        ],
        at=THURSDAY_15 + 25 * H,
    )
    total, *groups = rows
    assert (total.shown, total.kept, total.broken, total.open) == (4, 1, 2, 1)
    assert total.share == pytest.approx(1 / 3)
    assert [(g.channel, g.priority, g.kept, g.broken, g.open) for g in groups] == [
        (Channel.EMAIL, Priority.NORMAL, 1, 1, 0),
        (Channel.LIVE_CHAT, Priority.NORMAL, 0, 0, 1),
        (Channel.LIVE_CHAT, Priority.HIGH, 0, 1, 0),
    ]
    assert groups[1].share is None


def test_kept_promises_refuse_a_mismatched_pair() -> None:
    one, other = open_ticket(ticket_id="T-1"), open_ticket(ticket_id="T-2")
    shown = Expectation.of(one, at=THURSDAY_15)
    with pytest.raises(InvalidArgument, match="expectation of ticket T-1 paired with ticket T-2"):
        kept_promises([(shown, other)], at=THURSDAY_15)
    with pytest.raises(InvalidType, match=r"expected \(Expectation, Ticket\) pairs"):
        kept_promises([("x", one)], at=THURSDAY_15)  # type: ignore[list-item]
