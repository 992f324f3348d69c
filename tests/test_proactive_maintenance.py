"""Scheduled maintenance: lifecycle, lead-time notices, evaluate, persistence."""

from __future__ import annotations

import json
from datetime import timedelta

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import proactive_command_steps
from supportflow import InvalidArgument, InvalidTransition, SchemaError, SupportflowError
from supportflow._proactive._maintenance import Maintenance, MaintenanceNoticeSent

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
START = T0.add(days=5)


def scheduled(**kwargs: object) -> Maintenance:
    options: dict[str, object] = {
        "title": "Database upgrade",
        "starts_at": START,
        "ends_at": START.add(hours=2),
        "customers": ["acme", "globex"],
        "components": ["api"],
        "at": T0,
    }
    options.update(kwargs)
    return Maintenance.schedule("MNT-1", **options)  # type: ignore[arg-type]


def snapshot(m: Maintenance) -> str:
    return json.dumps(m.to_dict(), sort_keys=True)


def test_three_notices_go_out_at_their_lead_times_once_each() -> None:
    m = scheduled()
    assert [n.lead for n in m.notices] == [
        timedelta(hours=72),
        timedelta(hours=24),
        timedelta(hours=1),
    ]
    assert m.next_deadline() == START.subtract(hours=72)
    assert m.evaluate(at=START.subtract(hours=73)) == ()
    first = m.evaluate(at=START.subtract(hours=30))
    assert [e.at for e in first] == [START.subtract(hours=72)]
    assert m.next_deadline() == START.subtract(hours=24)
    rest = m.evaluate(at=START)
    assert [e.at for e in rest] == [START.subtract(hours=24), START.subtract(hours=1)]
    assert all(isinstance(e, MaintenanceNoticeSent) for e in (*first, *rest))
    assert m.evaluate(at=START) == ()
    assert m.next_deadline() == START  # every notice out: the host starts the work next
    m.start(at=START)
    m.verify(body="checking replicas", at=START.add(hours=1))
    m.complete(at=START.add(hours=2))
    assert m.status == "completed"
    assert m.next_deadline() is None
    assert len(m.notices_sent) == 3
    assert m.version == len(m.history) == 7


def test_late_evaluation_equals_timely_evaluation() -> None:
    timely, late = scheduled(), scheduled()
    for hours in (72, 24, 1):
        timely.evaluate(at=START.subtract(hours=hours))
    late.evaluate(at=START.subtract(minutes=1))
    assert late == timely
    assert late.history == timely.history


def test_lead_times_are_configurable_and_past_ones_collapse_into_one_notice_now() -> None:
    soon = T0.add(hours=36)
    m = scheduled(
        starts_at=soon,
        ends_at=soon.add(hours=1),
        lead_times=[timedelta(days=7), timedelta(hours=48), timedelta(hours=2)],
    )
    # 7 days and 48 hours before the start were already past: one notice right away.
    assert [(n.lead, n.due) for n in m.notices] == [
        (timedelta(hours=48), T0),
        (timedelta(hours=2), soon.subtract(hours=2)),
    ]
    assert [e.at for e in m.evaluate(at=T0)] == [T0]


def test_a_zero_lead_time_is_a_notice_at_the_start() -> None:
    m = scheduled(lead_times=[timedelta(0)])
    assert m.next_deadline() == START
    assert [e.at for e in m.evaluate(at=START)] == [START]


def test_bad_schedules_are_refused_with_clear_errors() -> None:
    with pytest.raises(InvalidArgument, match="lead_times must not be negative"):
        scheduled(lead_times=[timedelta(hours=-1)])
    with pytest.raises(InvalidArgument, match="no customers to notify"):
        scheduled(customers=[])
    with pytest.raises(InvalidArgument, match="must be after starts_at"):
        scheduled(ends_at=START)
    with pytest.raises(InvalidArgument, match="before the scheduling instant"):
        scheduled(starts_at=T0.subtract(hours=1))


def test_commands_out_of_order_name_the_allowed_ones_and_change_nothing() -> None:
    m = scheduled()
    before = snapshot(m)
    with pytest.raises(InvalidTransition) as caught:
        m.complete(at=T0.add(hours=1))
    assert caught.value.state == "scheduled"
    assert caught.value.allowed == ("cancel", "send_notice", "start")
    assert "MNT-1" in str(caught.value)
    assert snapshot(m) == before
    m.start(at=START)
    with pytest.raises(InvalidTransition, match="allowed now: verify"):
        m.cancel("too late", at=START)


def test_instants_before_the_last_event_are_refused() -> None:
    m = scheduled()
    m.start(at=START)
    before = snapshot(m)
    with pytest.raises(InvalidArgument, match="cannot go back in time"):
        m.verify(at=START.subtract(seconds=1))
    assert snapshot(m) == before


def test_cancel_tells_whether_customers_must_hear_of_it() -> None:
    quiet = scheduled()
    assert quiet.cancel("not needed", at=T0.add(hours=1)).notify is False
    noisy = scheduled()
    noisy.evaluate(at=START.subtract(hours=72))
    assert noisy.cancel("vendor delay", at=START.subtract(hours=50)).notify is True
    assert noisy.evaluate(at=START) == ()
    assert noisy.next_deadline() is None


def test_round_trip_through_json_and_replay() -> None:
    m = scheduled()
    m.evaluate(at=START.subtract(hours=24))
    m.start(at=START.add(minutes=3))
    data = json.loads(json.dumps(m.to_dict()))
    assert data["type"] == "maintenance"
    assert data["schema"] == 2
    assert Maintenance.from_dict(data) == m
    assert Maintenance.replay(m.history) == m


def test_bad_documents_name_the_bad_field() -> None:
    m = scheduled()
    m.evaluate(at=START)
    data = json.loads(json.dumps(m.to_dict()))
    data["history"][1]["lead_us"] = "72h"
    with pytest.raises(SchemaError) as caught:
        Maintenance.from_dict(data)
    assert caught.value.path == "history[1].lead_us"
    data = json.loads(json.dumps(m.to_dict()))
    data["status"] = "completed"
    with pytest.raises(SchemaError) as caught:
        Maintenance.from_dict(data)
    assert caught.value.path == "status"
    data = json.loads(json.dumps(m.to_dict()))
    data["history"].append(data["history"][1])  # the same notice twice
    data["version"] += 1
    with pytest.raises(SchemaError) as caught:
        Maintenance.from_dict(data)
    assert caught.value.path == "history[4].at"  # stamped before the latest event


COMMANDS = ("evaluate", "start", "verify", "complete", "cancel")


@given(steps=proactive_command_steps(COMMANDS), leads=st.sets(st.integers(0, 200), max_size=4))
def test_random_command_sequences_keep_the_invariants(
    steps: list[tuple[str, int, int]], leads: set[int]
) -> None:
    m = scheduled(lead_times=[timedelta(hours=h) for h in leads])
    now = T0
    for command, minutes, _ in steps:
        now = now.add(minutes=minutes)
        before = snapshot(m)
        try:
            if command == "evaluate":
                m.evaluate(at=now)
                again = snapshot(m)
                assert m.evaluate(at=now) == ()
                assert snapshot(m) == again
            elif command == "cancel":
                m.cancel("reason", at=now)
            else:
                getattr(m, command)(at=now)
        except SupportflowError:
            assert snapshot(m) == before
        assert m.version == len(m.history)
        sent = [e.lead_us for e in m.history if isinstance(e, MaintenanceNoticeSent)]
        assert len(sent) == len(set(sent))
        assert set(sent) <= {n.lead_us for n in m.notices}
        assert all(e.at_us <= now.timestamp() * 1e6 for e in m.history)
        assert Maintenance.replay(m.history) == m
        assert Maintenance.from_dict(json.loads(json.dumps(m.to_dict()))) == m


@given(first=st.integers(0, 200 * 60), second=st.integers(0, 200 * 60))
def test_evaluating_at_t1_then_t2_equals_once_at_t2(first: int, second: int) -> None:
    t1, t2 = sorted((T0.add(minutes=first), T0.add(minutes=second)))
    stepwise, once = scheduled(), scheduled()
    stepwise.evaluate(at=t1)
    stepwise.evaluate(at=t2)
    once.evaluate(at=t2)
    assert stepwise == once
