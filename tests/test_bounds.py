"""The documented bounds and the error paths of the kernel's helpers, each refused clearly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pendulum
import pytest

from persistence_config import T0, sla_policies
from supportflow import (
    BusinessCalendar,
    InvalidArgument,
    SchemaError,
    SLAPolicy,
    SLATarget,
    Ticket,
)
from supportflow._customers._customer import CUSTOMER_LIFECYCLE


def test_an_sla_target_longer_than_366_business_days_is_refused() -> None:
    assert SLATarget(timedelta(days=366)).duration_us == 366 * 86_400 * 1_000_000
    with pytest.raises(InvalidArgument, match="at most 366 days"):
        SLATarget(timedelta(days=367))
    with pytest.raises(InvalidArgument, match="at most 366 days"):
        SLAPolicy("p", {"resolution": {"normal": timedelta(days=1000)}})


def test_a_calendar_refuses_durations_beyond_a_hundred_years() -> None:
    calendar = BusinessCalendar.always_open()
    with pytest.raises(InvalidArgument, match="at most 100 years"):
        calendar.add(T0, timedelta(days=10**6))


def test_an_instant_outside_the_recorded_range_is_named_by_its_date() -> None:
    ticket = Ticket.open(
        "T-1", customer_id="C", subject="s", topic="billing", channel="email", at=T0
    )
    with pytest.raises(InvalidArgument, match=r"9999-12-31T00:00:00\.000000Z is outside"):
        ticket.assign("ana", at=datetime(9999, 12, 31, tzinfo=UTC))
    assert ticket.version == 1


def test_no_transition_leads_to_an_unknown_state() -> None:
    with pytest.raises(InvalidArgument, match="no customer transition leads to 'asleep'"):
        CUSTOMER_LIFECYCLE.trigger_into("learning", "asleep")


def test_a_stretch_of_the_sla_snapshot_with_a_float_is_refused_at_its_path() -> None:
    sla = sla_policies()
    ticket = Ticket.open(
        "T-1",
        customer_id="C",
        subject="s",
        topic="billing",
        channel="email",
        at=T0,
        sla=sla,
    )
    ticket.assign("ana", at=T0.add(minutes=1))
    ticket.put_on_hold(at=T0.add(minutes=2))
    ticket.resume(at=T0.add(hours=1))
    data = json.loads(json.dumps(ticket.to_dict()))
    found = [
        (i, j)
        for i, clock in enumerate(data["sla"]["clocks"])
        for j, _ in enumerate(clock["stretches"])
    ]
    assert found, "a pause leaves a stretch on a paused clock"
    i, j = found[0]
    stretch = data["sla"]["clocks"][i]["stretches"][j]
    stretch["elapsed_us"] = float(stretch["elapsed_us"])  # equal for ==, not the same type
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(data, sla=sla)
    assert caught.value.path == f"sla.clocks[{i}].stretches[{j}].elapsed_us"


def test_pendulum_and_stdlib_instants_agree_on_the_bounds() -> None:
    ticket = Ticket.open(
        "T-2", customer_id="C", subject="s", topic="billing", channel="email", at=T0
    )
    ticket.assign("ana", at=pendulum.datetime(8999, 12, 31, tz="UTC"))
    assert ticket.version == 2


def test_a_tier_level_is_bounded_so_a_stored_tier_can_be_checked_without_the_ladder() -> None:
    from supportflow import Tier

    with pytest.raises(InvalidArgument, match="run from 0 to 50, got 51"):
        Tier(51, "too high", ("far",))
    ticket = Ticket.open(
        "B-9", customer_id="C", subject="s", topic="billing", channel="email", tier=1, at=T0
    )
    data = ticket.to_dict()
    data["history"][0]["tier"] = 10**30
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(data)
    assert caught.value.path == "history[0].tier"
