"""Expectation properties: promises agree with the clocks and calendars they come from."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st

from supportflow import BusinessCalendar, Metric, Ticket
from supportflow.desk import Expectation, HoursStatement
from supportflow.testing import business_calendars, calendar_dates, sla_policy_sets, tickets

reading_delays = st.integers(0, 30 * 24 * 60).map(lambda m: dt.timedelta(minutes=m))


@given(tickets(sla=sla_policy_sets()), reading_delays)
def test_a_promise_is_the_running_reply_clock_deadline_or_says_why_not(
    ticket: Ticket, delay: dt.timedelta
) -> None:
    at = ticket.updated_at + delay
    expectation = Expectation.of(ticket, at=at)
    assert (expectation.reply_by is None) != (expectation.withheld is None)
    if expectation.reply_by is not None:
        assert ticket.sla is not None
        assert expectation.metric in (Metric.FIRST_REPLY, Metric.NEXT_REPLY)
        clock = ticket.sla.clock(expectation.metric)
        assert clock is not None
        assert clock.running
        assert expectation.reply_by_us == clock.deadline_us()
        assert expectation.reply_by >= at
        assert "expected_reply_by" in expectation.placeholders()
    else:
        assert "expected_reply_by" not in expectation.placeholders()


@given(tickets(), business_calendars(), reading_delays)
def test_opening_hours_agree_with_the_calendar(
    ticket: Ticket, calendar: BusinessCalendar, delay: dt.timedelta
) -> None:
    at = ticket.updated_at + delay
    expectation = Expectation.of(ticket, calendar=calendar, at=at)
    assert expectation.open_now == calendar.is_open(at)
    assert expectation.opens_at is not None
    assert expectation.opens_at >= at
    assert calendar.is_open(expectation.opens_at)
    assert (expectation.opens_at == at) == expectation.open_now
    assert expectation.hours_today is not None
    assert expectation.placeholders()["open_now"] == ("open" if calendar.is_open(at) else "closed")


@given(business_calendars(), calendar_dates(2024, 2030), st.integers(0, 20))
def test_a_statement_shows_a_day_closed_exactly_when_it_has_no_business_time(
    calendar: BusinessCalendar, start: dt.date, length: int
) -> None:
    end = start + dt.timedelta(days=length)
    statement = HoursStatement(calendar, start, end)
    assert [day.date for day in statement.days] == [
        start + dt.timedelta(days=n) for n in range(length + 1)
    ]
    zone = zoneinfo.ZoneInfo(calendar.timezone)
    for day in statement.days:
        midnight = dt.datetime.combine(day.date, dt.time(), zone)
        next_midnight = dt.datetime.combine(day.date + dt.timedelta(days=1), dt.time(), zone)
        open_time = calendar.between(midnight, next_midnight)
        assert day.closed == (open_time.total_seconds() == 0)
        if day.holiday:
            assert day.closed
            assert day.date in calendar.holidays
        for opening, closing in day.hours:
            assert opening < closing or closing == "24:00"
