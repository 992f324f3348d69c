"""SLA clock arithmetic on business calendars, and policy definitions (no tickets here)."""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest

from supportflow import BusinessCalendar, InvalidArgument, SchemaError, UnknownName
from supportflow._kernel._time import US_PER_HOUR, US_PER_MINUTE, instant_us
from supportflow._sla._clock import _UNKNOWN, SLAClock
from supportflow._sla._policy import (
    DEFAULT_PAUSES,
    ClockState,
    Metric,
    SLAConditions,
    SLAPolicy,
    SLAPolicySet,
    SLATarget,
)
from supportflow._vocabulary._taxonomy import Channel, Priority, TicketStatus, Topic

WEEKDAYS = BusinessCalendar.weekdays("09:00", "17:00", timezone="UTC")
ALWAYS = BusinessCalendar.always_open()


def us(*args: int) -> int:
    return instant_us(pendulum.datetime(*args, tz="UTC"))


def make_clock(
    start: int,
    target_hours: float,
    calendar: BusinessCalendar = WEEKDAYS,
    *,
    paused: bool = False,
    warnings: tuple[float, ...] = (0.5, 0.75),
) -> SLAClock:
    return SLAClock(
        Metric.RESOLUTION,
        1,
        start,
        int(target_hours * US_PER_HOUR),
        calendar,
        warnings,
        "standard",
        paused,
    )


# 2026-01-02 is a Friday.
FRIDAY_18 = us(2026, 1, 2, 18)
MONDAY_13 = us(2026, 1, 5, 13)


def test_a_clock_started_after_hours_on_friday_is_due_on_monday() -> None:
    clock = make_clock(FRIDAY_18, 4)
    assert clock.deadline_us() == MONDAY_13
    assert clock.threshold_us(0.5) == us(2026, 1, 5, 11)
    assert clock.threshold_us(0.75) == us(2026, 1, 5, 12)
    # Nothing elapses over the weekend.
    assert clock.elapsed_us(us(2026, 1, 5, 9)) == 0
    assert clock.elapsed_us(us(2026, 1, 5, 10, 30)) == 90 * US_PER_MINUTE


def test_a_pause_moves_the_deadline_by_business_time_only() -> None:
    start = us(2026, 1, 5, 9)  # Monday
    clock = make_clock(start, 8)
    assert clock.deadline_us() == us(2026, 1, 5, 17)
    clock._pause(us(2026, 1, 5, 13))  # 4 business hours used
    assert clock.deadline_us() is None
    assert clock.elapsed_us(us(2026, 1, 7, 12)) == 4 * US_PER_HOUR
    # Held for two wall-clock days; resumed Wednesday 12:00: 4 business hours remain.
    clock._resume(us(2026, 1, 7, 12))
    assert clock.deadline_us() == us(2026, 1, 7, 16)
    assert clock.elapsed_us(us(2026, 1, 7, 14)) == 6 * US_PER_HOUR


def test_a_pause_on_an_always_open_calendar_excludes_the_wall_clock_hold() -> None:
    start = us(2026, 1, 5, 9)
    clock = make_clock(start, 10, ALWAYS)
    clock._pause(us(2026, 1, 5, 11))
    clock._resume(us(2026, 1, 5, 15))
    assert clock.deadline_us() == us(2026, 1, 5, 23)
    assert clock.stretches_us() == [(start, us(2026, 1, 5, 11)), (us(2026, 1, 5, 15), -1)]


def test_a_clock_started_paused_has_no_deadline_until_it_resumes() -> None:
    clock = make_clock(us(2026, 1, 5, 9), 2, paused=True)
    assert clock.state is ClockState.PAUSED
    assert clock.deadline_us() is None
    assert clock.next_due_us() is None
    clock._resume(us(2026, 1, 5, 10))
    assert clock.deadline_us() == us(2026, 1, 5, 12)


def test_a_stopped_clock_keeps_its_elapsed_time_and_loses_its_deadline() -> None:
    clock = make_clock(us(2026, 1, 5, 9), 2)
    clock._stop(us(2026, 1, 5, 10), ClockState.FULFILLED)
    assert clock.deadline_us() is None
    assert clock.next_due_us() is None
    assert clock.elapsed_us(us(2026, 1, 9, 10)) == US_PER_HOUR
    assert clock.threshold_us(0.5) == us(2026, 1, 5, 10)
    assert clock.threshold_us(0.75) is None  # stopped before reaching it


def test_retargeting_keeps_the_original_start_and_the_elapsed_time() -> None:
    clock = make_clock(us(2026, 1, 5, 9), 8)
    clock._retarget(us(2026, 1, 5, 11), 4 * US_PER_HOUR, WEEKDAYS, (0.5, 0.75), "standard")
    assert clock.start_us == us(2026, 1, 5, 9)
    assert clock.deadline_us() == us(2026, 1, 5, 13)
    # 50 % of the new target (2 h) was reached at 11:00 exactly: stamped then.
    assert clock.threshold_us(0.5) == us(2026, 1, 5, 11)


def test_retargeting_below_the_elapsed_time_makes_the_breach_due_at_the_retarget() -> None:
    clock = make_clock(us(2026, 1, 5, 9), 8)
    clock._retarget(us(2026, 1, 5, 14), 2 * US_PER_HOUR, WEEKDAYS, (0.5,), "standard")
    # The breach point is in the past; nothing is ever stamped before the retarget.
    assert clock.deadline_us() == us(2026, 1, 5, 14)
    assert clock.next_due_us() == us(2026, 1, 5, 14)


def test_a_change_of_calendar_measures_the_past_on_the_old_calendar() -> None:
    clock = make_clock(us(2026, 1, 5, 16), 2)  # Monday 16:00 on weekdays
    clock._retarget(us(2026, 1, 5, 18), 2 * US_PER_HOUR, ALWAYS, (0.5,), "24/7")
    # One business hour ran on the old calendar (16-17); one more on the new one.
    assert clock.elapsed_us(us(2026, 1, 5, 18)) == US_PER_HOUR
    assert clock.deadline_us() == us(2026, 1, 5, 19)


def test_next_due_is_the_first_warning_then_the_breach() -> None:
    clock = make_clock(us(2026, 1, 5, 9), 4)
    assert clock.next_due_us() == us(2026, 1, 5, 11)
    clock.warned = (0.5,)
    clock._due = _UNKNOWN
    assert clock.next_due_us() == us(2026, 1, 5, 12)
    clock.warned = (0.5, 0.75)
    clock._due = _UNKNOWN
    assert clock.next_due_us() == us(2026, 1, 5, 13)
    clock.breached = True
    clock._due = _UNKNOWN
    assert clock.next_due_us() is None


def test_status_reports_remaining_then_overdue_time() -> None:
    clock = make_clock(us(2026, 1, 5, 9), 4)
    early = clock.status(us(2026, 1, 5, 10))
    assert (early.remaining, early.overdue) == (pendulum.duration(hours=3), pendulum.duration())
    assert early.percent == 25.0
    assert early.breached is False
    assert early.due == pendulum.datetime(2026, 1, 5, 13, tz="UTC")
    late = clock.status(us(2026, 1, 5, 15))
    assert (late.remaining, late.overdue) == (pendulum.duration(), pendulum.duration(hours=2))
    assert late.percent == 150.0
    assert late.breached is True


# --- policies ---------------------------------------------------------------------


def standard(**kwargs: object) -> SLAPolicy:
    return SLAPolicy(
        "standard",
        {"first_reply": {"normal": timedelta(hours=4), Priority.URGENT: timedelta(hours=1)}},
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_policy_accepts_names_or_enums_and_answers_its_targets() -> None:
    policy = standard()
    assert policy.target("first_reply", "normal") == SLATarget(4 * US_PER_HOUR)
    assert policy.target(Metric.FIRST_REPLY, Priority.LOW) is None
    assert policy.target(Metric.RESOLUTION, Priority.NORMAL) is None
    assert policy.calendar == ALWAYS
    assert policy.warnings == (0.5, 0.75)
    assert policy.pauses_for("agent_work") == DEFAULT_PAUSES[Metric.AGENT_WORK]
    assert policy.pauses_for("requester_wait") == {TicketStatus.PENDING}


@pytest.mark.parametrize("bad", [timedelta(0), timedelta(hours=-1), 0, -5])
def test_a_non_positive_target_is_refused(bad: object) -> None:
    with pytest.raises(InvalidArgument, match="positive"):
        SLAPolicy("p", {"first_reply": {"normal": bad}})


def test_an_unknown_metric_or_priority_is_refused_with_the_known_names() -> None:
    with pytest.raises(UnknownName, match="first_reply"):
        SLAPolicy("p", {"first_response": {"normal": timedelta(hours=1)}})
    with pytest.raises(UnknownName, match="urgent"):
        SLAPolicy("p", {"first_reply": {"critical": timedelta(hours=1)}})
    with pytest.raises(UnknownName):
        standard(pauses={"work_time": ["pending"]})


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, 0.0, 1.0])
def test_warning_thresholds_outside_zero_one_are_refused(bad: float) -> None:
    with pytest.raises(InvalidArgument, match="between 0 and 1"):
        standard(warnings=(0.5, bad))


def test_solved_or_closed_cannot_pause_a_metric() -> None:
    with pytest.raises(InvalidArgument, match="solved"):
        standard(pauses={"resolution": ["pending", "solved"]})


def test_conditions_match_on_every_field() -> None:
    conditions = SLAConditions(
        domains=["support"],
        channels=[Channel.EMAIL, "phone"],
        priorities=["high", "urgent"],
        segments=["enterprise"],
        tags=["vip"],
        excluded_tags=["spam"],
    )
    fields = (
        Topic.INSTALLATION.domain,
        Topic.INSTALLATION,
        Channel.EMAIL,
        Priority.HIGH,
        "enterprise",
        frozenset({"vip", "x"}),
    )
    assert conditions.matches_fields(*fields)
    assert not conditions.matches_fields(*fields[:5], frozenset({"x"}))
    assert not conditions.matches_fields(*fields[:5], frozenset({"vip", "spam"}))
    assert not conditions.matches_fields(*fields[:4], None, fields[5])
    assert not conditions.matches_fields(*fields[:3], Priority.LOW, *fields[4:])
    assert not conditions.matches_fields(Topic.BILLING.domain, Topic.BILLING, *fields[2:])
    with pytest.raises(UnknownName, match="channel"):
        SLAConditions(channels=["fax"])


def test_policy_names_are_unique_in_a_set() -> None:
    with pytest.raises(InvalidArgument, match="standard"):
        SLAPolicySet([standard(), standard()])
    with pytest.raises(UnknownName, match="standard"):
        SLAPolicySet([standard()]).policy("gold")


def test_policies_round_trip_through_plain_data() -> None:
    policy = SLAPolicy(
        "gold",
        {
            "first_reply": {"urgent": SLATarget(timedelta(minutes=30), calendar=ALWAYS)},
            "resolution": {"urgent": timedelta(hours=8), "low": timedelta(days=5)},
        },
        conditions=SLAConditions(segments=["gold"], tags=["vip"]),
        calendar=WEEKDAYS,
        pauses={"resolution": ["on_hold"]},
        warnings=(0.25, 0.9),
    )
    policies = SLAPolicySet([policy, standard()])
    data = policies.to_dict()
    assert data["type"] == "sla_policy_set"
    assert SLAPolicySet.from_dict(data) == policies
    assert SLAPolicy.from_dict(policy.to_dict()) == policy


def test_a_bad_policy_document_names_the_field() -> None:
    data = SLAPolicySet([standard()]).to_dict()
    data["policies"][0]["targets"][0]["target_us"] = -1
    with pytest.raises(SchemaError) as raised:
        SLAPolicySet.from_dict(data)
    assert raised.value.path == "policies[0].targets[0].target_us"
    data = SLAPolicySet([standard()]).to_dict()
    data["policies"][0]["warnings"] = [2]
    with pytest.raises(SchemaError) as raised:
        SLAPolicySet.from_dict(data)
    assert raised.value.path == "policies[0].warnings[0]"


def test_threshold_fractions_must_be_positive() -> None:
    clock = make_clock(us(2026, 1, 5, 9), 4)
    assert clock.threshold_us(1.0) == clock.deadline_us() == us(2026, 1, 5, 13)
    assert clock.threshold_us(1.5) == us(2026, 1, 5, 15)
    with pytest.raises(InvalidArgument):
        clock.threshold_us(0)
