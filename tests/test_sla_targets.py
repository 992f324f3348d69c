"""SLA targets counted in business days and relative targets ("end of the next
business day"): the conventions of docs/sla.md, scenario by scenario, their documents,
every error path, and a property against a brute-force reference on random calendars."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from supportflow import (
    BusinessCalendar,
    Channel,
    InvalidArgument,
    InvalidType,
    Priority,
    SchemaError,
    SLAPolicy,
    SLAPolicySet,
    SLATarget,
    Ticket,
    Topic,
)
from supportflow.events import SLABreached, SLAThresholdReached
from supportflow.sla import MAX_TARGET_DAYS, TargetKind
from supportflow.testing import calendar_specs, sla_policies

UTC = "UTC"
H = timedelta(hours=1)
US = 1_000_000
WEEKDAYS = BusinessCalendar.weekdays("09:00", "17:00", timezone=UTC)
# Tuesday 2026-01-06 is a holiday: Monday the 5th is a holiday eve.
EPIPHANY = WEEKDAYS.with_holidays([dt.date(2026, 1, 6)])


def t(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    """An instant in January 2026 (the 2nd is a Friday, the 5th a Monday)."""
    return pendulum.datetime(2026, 1, day, hour, minute, tz=UTC)


def us(at: pendulum.DateTime) -> int:
    return at.int_timestamp * US


def policies(
    targets: dict[str, dict[str, Any]],
    calendar: BusinessCalendar = WEEKDAYS,
    warnings: tuple[float, ...] = (),
) -> SLAPolicySet:
    return SLAPolicySet([SLAPolicy("days", targets, calendar=calendar, warnings=warnings)])


def open_ticket(
    at: pendulum.DateTime, sla: SLAPolicySet, priority: Priority = Priority.NORMAL
) -> Ticket:
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="The invoice is wrong",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        priority=priority,
        body="Billed twice this month.",
        sla=sla,
        at=at,
    )
    ticket.assign("ana", at=at)
    return ticket


def due(ticket: Ticket, metric: str) -> tuple[int, int | None]:
    """(target in business microseconds, due instant) of a metric's current clock."""
    assert ticket.sla is not None
    clock = ticket.sla.clock(metric)
    assert clock is not None
    return clock.target_us, clock.deadline_us()


TWO_DAYS = policies({"first_reply": {"normal": SLATarget.business_days(2)}})


# -- business_days(n) ------------------------------------------------------------------


def test_a_two_business_day_target_opened_friday_15h_is_due_tuesday_15h() -> None:
    ticket = open_ticket(t(2, 15), TWO_DAYS)
    # Friday 15-17, Monday 9-17, Tuesday 9-15: two working days of business time.
    assert due(ticket, "first_reply") == (16 * 3600 * US, us(t(6, 15)))


def test_a_target_in_business_days_keeps_the_local_time_across_a_dst_change() -> None:
    york = BusinessCalendar.weekdays("09:00", "17:00", timezone="America/New_York")
    zone = "America/New_York"
    start = pendulum.datetime(2026, 3, 6, 15, tz=zone)  # Friday; clocks go forward Sunday
    ticket = open_ticket(
        start, policies({"first_reply": {"normal": SLATarget.business_days(2)}}, york)
    )
    assert due(ticket, "first_reply") == (
        16 * 3600 * US,
        us(pendulum.datetime(2026, 3, 10, 15, tz=zone)),  # Tuesday 15:00 EDT
    )


def test_a_start_on_a_sunday_counts_from_monday_opening() -> None:
    # Two working days from Monday 09:00 end at Wednesday 09:00, which is the same
    # business moment as Tuesday's close: the clock reports the earlier wall time.
    ticket = open_ticket(t(4, 11), TWO_DAYS)
    assert due(ticket, "first_reply") == (16 * 3600 * US, us(t(6, 17)))


def test_a_start_after_closing_counts_from_the_next_opening() -> None:
    ticket = open_ticket(t(2, 18), TWO_DAYS)  # Friday after hours
    assert due(ticket, "first_reply") == (16 * 3600 * US, us(t(6, 17)))


def test_a_start_before_opening_counts_from_that_morning() -> None:
    ticket = open_ticket(t(2, 7), TWO_DAYS)  # Friday before hours: Friday and Monday
    assert due(ticket, "first_reply") == (16 * 3600 * US, us(t(5, 17)))


def test_a_deadline_time_after_that_days_hours_falls_at_its_close() -> None:
    # Tuesdays close at 12:00: two days from Friday 15:00 are due at Tuesday's close.
    short = BusinessCalendar(
        weekly={
            day: [("09:00", "12:00" if day == "tuesday" else "17:00")]
            for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
        },
        timezone=UTC,
    )
    ticket = open_ticket(
        t(2, 15), policies({"first_reply": {"normal": SLATarget.business_days(2)}}, short)
    )
    assert due(ticket, "first_reply") == (13 * 3600 * US, us(t(6, 12)))


def test_a_holiday_is_not_a_business_day() -> None:
    ticket = open_ticket(
        t(5, 10), policies({"first_reply": {"normal": SLATarget.business_days(1)}}, EPIPHANY)
    )
    # Monday 10:00 + one business day: Wednesday 10:00 (Tuesday is a holiday).
    assert due(ticket, "first_reply") == (8 * 3600 * US, us(t(7, 10)))


# -- end_of_business_day(n) ------------------------------------------------------------


END_OF_DAY = policies(
    {
        "first_reply": {"normal": SLATarget.end_of_business_day(0)},
        "resolution": {"normal": SLATarget.end_of_business_day(1)},
    },
    EPIPHANY,
)


def test_end_of_the_next_business_day_on_a_holiday_eve_skips_the_holiday() -> None:
    ticket = open_ticket(t(5, 10), END_OF_DAY)
    assert due(ticket, "resolution") == (15 * 3600 * US, us(t(7, 17)))  # Wednesday close
    assert due(ticket, "first_reply") == (7 * 3600 * US, us(t(5, 17)))  # Monday close


def test_end_of_today_after_closing_moves_to_the_next_business_day() -> None:
    ticket = open_ticket(t(2, 18), END_OF_DAY)  # Friday after hours
    assert due(ticket, "first_reply") == (8 * 3600 * US, us(t(5, 17)))
    # The next business day of Friday is Monday: the same deadline.
    assert due(ticket, "resolution") == (8 * 3600 * US, us(t(5, 17)))


def test_end_of_today_on_a_sunday_is_monday_close() -> None:
    ticket = open_ticket(t(4, 11), END_OF_DAY)
    assert due(ticket, "first_reply") == (8 * 3600 * US, us(t(5, 17)))
    assert due(ticket, "resolution") == (8 * 3600 * US, us(t(5, 17)))


def test_an_overnight_shift_ends_a_business_day_at_midnight() -> None:
    evenings = BusinessCalendar(weekly={"monday": [("20:00", "02:00")]}, timezone=UTC)
    ticket = open_ticket(
        t(5, 21), policies({"first_reply": {"normal": SLATarget.end_of_business_day(0)}}, evenings)
    )
    # Monday's working piece runs to Tuesday 02:00; Monday's day ends at midnight.
    assert due(ticket, "first_reply") == (3 * 3600 * US, us(t(6, 0)))


# -- clocks: pauses, priority changes, reopens, warnings -------------------------------


def test_a_pause_extends_a_target_in_business_days() -> None:
    sla = policies({"agent_work": {"normal": SLATarget.business_days(1)}})
    ticket = open_ticket(t(5, 9), sla)
    assert due(ticket, "agent_work") == (8 * 3600 * US, us(t(5, 17)))
    ticket.set_pending(at=t(5, 10))
    ticket.customer_message("Here is the invoice number", at=t(5, 12))
    # Two hours pending: one hour done, seven to go from Monday noon.
    assert due(ticket, "agent_work") == (8 * 3600 * US, us(t(6, 11)))


def test_a_priority_change_retargets_from_the_original_start() -> None:
    sla = policies(
        {
            "first_reply": {
                "normal": SLATarget.business_days(2),
                "high": SLATarget.business_days(1),
            }
        }
    )
    ticket = open_ticket(t(2, 15), sla)
    ticket.change_priority(Priority.HIGH, at=t(5, 10))
    # One business day from Friday 15:00, not from Monday 10:00.
    assert due(ticket, "first_reply") == (8 * 3600 * US, us(t(5, 15)))
    assert ticket.sla is not None
    clock = ticket.sla.clock("first_reply")
    assert clock is not None
    assert clock.start_us == us(t(2, 15))


def test_a_reopen_starts_a_new_cycle_counted_from_the_reopen() -> None:
    ticket = open_ticket(t(5, 10), END_OF_DAY)
    ticket.reply("ana", "Refunded the second charge", at=t(5, 11))
    ticket.solve("refunded", at=t(5, 11))
    ticket.customer_message("Charged again today", at=t(7, 16))
    assert ticket.sla is not None
    assert [c.cycle for c in ticket.sla.cycles("resolution")] == [1, 2]
    # Wednesday 16:00: end of the next business day is Thursday's close.
    assert due(ticket, "resolution") == (9 * 3600 * US, us(t(8, 17)))


def test_warnings_fall_at_percentages_of_the_resolved_target() -> None:
    sla = policies({"first_reply": {"normal": SLATarget.business_days(2)}}, warnings=(0.5, 0.75))
    ticket = open_ticket(t(2, 15), sla)
    emitted = ticket.evaluate(at=t(6, 16))
    assert [(type(e), getattr(e, "threshold", None), e.at) for e in emitted] == [
        (SLAThresholdReached, 0.5, t(5, 15)),  # 8 of 16 business hours
        (SLAThresholdReached, 0.75, t(6, 11)),  # 12 of 16
        (SLABreached, None, t(6, 15)),
    ]


# -- the target itself and documents ---------------------------------------------------


def test_a_day_target_has_a_kind_and_days_but_no_duration() -> None:
    target = SLATarget.business_days(3)
    assert (target.kind, target.days, target.duration_us, target.duration) == (
        TargetKind.BUSINESS_DAYS,
        3,
        None,
        None,
    )
    relative = SLATarget.end_of_business_day()
    assert (relative.kind, relative.days) == (TargetKind.END_OF_BUSINESS_DAY, 1)
    assert SLATarget(H).kind is TargetKind.DURATION
    assert SLATarget(H).duration == pendulum.duration(hours=1)


def test_policy_documents_with_day_targets_round_trip() -> None:
    office = BusinessCalendar.weekdays("08:00", "16:00", timezone="Europe/Paris")
    sla = policies(
        {
            "first_reply": {"normal": 4 * H, "high": SLATarget.business_days(1, calendar=office)},
            "resolution": {"normal": SLATarget.end_of_business_day(0)},
        }
    )
    data = sla.to_dict()
    rows = data["policies"][0]["targets"]
    assert [{k: v for k, v in row.items() if k != "calendar"} for row in rows] == [
        {"metric": "first_reply", "priority": "normal", "target_us": 4 * 3600 * US},
        {"metric": "first_reply", "priority": "high", "business_days": 1},
        {"metric": "resolution", "priority": "normal", "end_of_business_day": 0},
    ]
    assert SLAPolicySet.from_dict(data) == sla


def test_a_ticket_with_day_target_clocks_round_trips_with_its_policies() -> None:
    def day_policies(high_days: int) -> SLAPolicySet:
        return policies(
            {
                "first_reply": {"normal": SLATarget.end_of_business_day(0)},
                "agent_work": {"normal": SLATarget.business_days(2), "high": 4 * H},
                "resolution": {
                    "normal": SLATarget.end_of_business_day(2),
                    "high": SLATarget.end_of_business_day(high_days),
                },
            },
            EPIPHANY,
        )

    sla = day_policies(1)
    ticket = open_ticket(t(2, 15), sla)
    ticket.set_pending(at=t(2, 16))
    ticket.customer_message("The invoice number is 42", at=t(5, 10))
    ticket.change_priority(Priority.HIGH, at=t(5, 12))  # re-targeted from Friday 15:00
    assert due(ticket, "resolution") == (10 * 3600 * US, us(t(5, 17)))
    data = ticket.to_dict()
    assert Ticket.from_dict(data, sla=sla) == ticket
    other = day_policies(2)
    with pytest.raises(SchemaError, match="load the ticket with the policies") as caught:
        Ticket.from_dict(data, sla=other)
    assert caught.value.path.startswith("sla.")


# -- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: SLATarget.business_days(0), InvalidArgument),
        (lambda: SLATarget.business_days(MAX_TARGET_DAYS + 1), InvalidArgument),
        (lambda: SLATarget.end_of_business_day(-1), InvalidArgument),
        (lambda: SLATarget.end_of_business_day(MAX_TARGET_DAYS + 1), InvalidArgument),
        (lambda: SLATarget.business_days(True), InvalidType),
        (lambda: SLATarget.business_days("2"), InvalidType),  # type: ignore[arg-type]
        (lambda: SLATarget.end_of_business_day(1.0), InvalidType),  # type: ignore[arg-type]
        (lambda: SLATarget(None), InvalidType),
        (lambda: SLATarget(H, kind=TargetKind.BUSINESS_DAYS, days=1), InvalidArgument),
        (lambda: SLATarget(H, days=2), InvalidArgument),
        (lambda: SLATarget(None, kind="weeks", days=1), InvalidArgument),  # type: ignore[arg-type]
    ],
)
def test_bad_targets_are_refused_at_the_constructor(build: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        build()


def test_the_bounds_themselves_are_accepted() -> None:
    assert SLATarget.business_days(MAX_TARGET_DAYS).days == MAX_TARGET_DAYS
    assert SLATarget.end_of_business_day(0).days == 0


COMBINED = WEEKDAYS.intersection(BusinessCalendar.weekdays("12:00", "20:00", timezone=UTC))


def test_a_combined_calendar_is_refused_for_a_day_target() -> None:
    with pytest.raises(InvalidArgument, match="combined"):
        SLATarget.business_days(1, calendar=COMBINED)
    with pytest.raises(InvalidArgument, match="combined"):
        SLAPolicy(
            "p", {"first_reply": {"normal": SLATarget.end_of_business_day()}}, calendar=COMBINED
        )
    # A duration target on it is fine.
    SLAPolicy("p", {"first_reply": {"normal": H}}, calendar=COMBINED)


def _document(**row: object) -> dict[str, Any]:
    data = TWO_DAYS.to_dict()
    data["policies"][0]["targets"][0] = {
        "metric": "first_reply",
        "priority": "normal",
        "calendar": None,
        **row,
    }
    return data


ROW = "policies[0].targets[0]"


@pytest.mark.parametrize(
    ("row", "path"),
    [
        ({"business_days": 0}, f"{ROW}.business_days"),
        ({"business_days": 366}, f"{ROW}.business_days"),
        ({"business_days": True}, f"{ROW}.business_days"),
        ({"business_days": "2"}, f"{ROW}.business_days"),
        ({"end_of_business_day": -1}, f"{ROW}.end_of_business_day"),
        ({"end_of_business_day": 1.5}, f"{ROW}.end_of_business_day"),
        ({"business_days": 1, "end_of_business_day": 1}, ROW),
        ({"target_us": 3600 * US, "business_days": 1}, ROW),
        ({}, ROW),
    ],
)
def test_bad_target_rows_are_refused_naming_the_path(row: dict[str, object], path: str) -> None:
    with pytest.raises(SchemaError) as caught:
        SLAPolicySet.from_dict(_document(**row))
    assert caught.value.path == path


def test_a_document_with_a_day_target_on_a_combined_calendar_is_refused() -> None:
    with pytest.raises(SchemaError) as caught:
        SLAPolicySet.from_dict(_document(business_days=1, calendar=COMBINED.to_dict()))
    assert caught.value.path.startswith("policies[0]")
    assert "combined" in caught.value.problem


def test_the_policy_strategy_draws_every_kind_of_target() -> None:
    # What lets the SLA properties and the load fuzzer exercise day targets.
    def kinds(policy: SLAPolicy) -> set[TargetKind]:
        return {target.kind for _, _, target in policy.targets}

    quick = settings(max_examples=100, phases=[Phase.generate], database=None)
    drawn = find(
        sla_policies(calendars=st.just(WEEKDAYS)),
        lambda policy: kinds(policy) == set(TargetKind),
        settings=quick,
    )
    assert kinds(drawn) == set(TargetKind)
    # Never on a combined calendar, which has no business days of its own.
    with pytest.raises(NoSuchExample):
        find(
            sla_policies(calendars=st.just(COMBINED)),
            lambda policy: kinds(policy) != {TargetKind.DURATION},
            settings=quick,
        )


# -- property: against a brute-force reference -----------------------------------------


def _midnight(zone: ZoneInfo, day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), tzinfo=zone).timestamp()) * US


def _work(calendar: BusinessCalendar, start: int, end: int) -> int:
    return sum(b - a for a, b in calendar.intervals_us(start, end))


def _walk(calendar: BusinessCalendar, day: dt.date, count: int) -> dt.date:
    """The count-th business day after ``day``, one date at a time."""
    while count:
        day += timedelta(days=1)
        if calendar.is_business_day(day):
            count -= 1
    return day


def _day_end(calendar: BusinessCalendar, zone: ZoneInfo, day: dt.date) -> int:
    """The last working instant of a local date, clipped to its midnight."""
    pieces = calendar.intervals_us(_midnight(zone, day), _midnight(zone, day + timedelta(days=1)))
    return pieces[-1][1]


def reference_target_us(target: SLATarget, calendar: BusinessCalendar, start: int) -> int:
    zone = ZoneInfo(calendar.timezone)
    if target.kind is TargetKind.BUSINESS_DAYS:
        at = start
        while not (pieces := calendar.intervals_us(at, at + 8 * 86_400 * US)):
            at += 8 * 86_400 * US
        first = pieces[0][0]  # the clock's first working instant
        local = dt.datetime.fromtimestamp(first / US, zone)
        day = _walk(calendar, local.date(), target.days)
        wall = dt.datetime.combine(day, local.time().replace(fold=0), tzinfo=zone)
        return _work(calendar, start, int(wall.timestamp() * US))
    day = dt.datetime.fromtimestamp(start / US, zone).date()
    day = _walk(calendar, day, target.days)
    while True:
        if calendar.is_business_day(day):
            found = _work(calendar, start, _day_end(calendar, zone, day))
            if found > 0:
                return found
        day = _walk(calendar, day, 1)


DAY_TARGETS = st.one_of(
    st.integers(1, 4).map(SLATarget.business_days),
    st.integers(0, 3).map(SLATarget.end_of_business_day),
)


@given(
    spec=calendar_specs(first_year=2025, last_year=2027),
    target=DAY_TARGETS,
    start=st.integers(
        int(dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp()),
        int(dt.datetime(2027, 12, 20, tzinfo=dt.UTC).timestamp()),
    ),
    micros=st.sampled_from([0, 1, 999_999]),
)
def test_a_day_target_matches_a_day_by_day_reference(
    spec: dict[str, Any], target: SLATarget, start: int, micros: int
) -> None:
    calendar = BusinessCalendar(**spec)
    start_us = start * US + micros
    zone = calendar.timezone
    ticket_start = pendulum.from_timestamp(start, tz=zone).add(microseconds=micros)
    sla = policies({"resolution": {"normal": target}}, calendar)
    ticket = open_ticket(ticket_start, sla)
    target_us, deadline = due(ticket, "resolution")
    assert target_us == reference_target_us(target, calendar, start_us) > 0
    assert deadline == calendar.add_us(start_us, target_us)
