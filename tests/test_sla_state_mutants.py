"""SLA state behaviour that the mutation run of ``_sla/_state.py`` (docs/quality.md) found
untested: the clock snapshot a ticket document stores and how loading checks it, the
warnings and breaches a hand-edited history records, which clocks start, pause and come
due, the next deadline, and repairs and other versions of the policies.

Hand-computed expectations on a Monday to Friday, 09:00-17:00 UTC calendar (2026-01-05
is a Monday).
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import attrs
import pendulum
import pytest

from supportflow import (
    BusinessCalendar,
    Channel,
    ClockState,
    InvalidArgument,
    Metric,
    Priority,
    SchemaError,
    SLAConditions,
    SLAPolicy,
    SLAPolicySet,
    SLAPolicyVersions,
    SLATarget,
    Ticket,
    Topic,
)
from supportflow._kernel._time import instant_us
from supportflow.events import SLABreached, SLAThresholdReached, TicketNoteAdded
from supportflow.testing import ReferenceTicket

WEEKDAYS = BusinessCalendar.weekdays("09:00", "17:00", timezone="UTC")
H = timedelta(hours=1)
US_H = 3_600_000_000

OFFICE = SLAPolicy(
    "office",
    {
        "first_reply": {"normal": 4 * H, "high": 2 * H},
        "agent_work": {"normal": 8 * H, "high": 4 * H},
    },
    calendar=WEEKDAYS,
    warnings=(0.5,),
)
VERSIONED = SLAPolicySet([OFFICE], version="v1")
UNVERSIONED = SLAPolicySet([OFFICE])
# Two warnings, and a high priority target short enough to be passed at once.
STRICT = SLAPolicySet(
    [
        SLAPolicy(
            "strict",
            {
                "first_reply": {"normal": 4 * H, "high": H},
                "agent_work": {"normal": 8 * H, "high": 2 * H},
            },
            calendar=WEEKDAYS,
        )
    ]
)
VIP_ONLY = SLAPolicySet(
    [SLAPolicy("vip", {"first_reply": {"normal": H}}, conditions=SLAConditions(tags=["vip"]))]
)


def t(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    """An instant in January 2026 (the 5th is a Monday)."""
    return pendulum.datetime(2026, 1, day, hour, minute, tz="UTC")


def stamp(day: int, hour: int, minute: int = 0) -> str:
    return t(day, hour, minute).format("YYYY-MM-DDTHH:mm:ss.SSSSSS") + "Z"


def open_ticket(
    at: pendulum.DateTime, policies: SLAPolicySet, tags: tuple[str, ...] = ()
) -> Ticket:
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="The printer is offline",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        body="It stopped printing this morning.",
        tags=tags,
        sla=policies,
        at=at,
    )
    ticket.assign("ana", at=at)
    return ticket


def worked_ticket(policies: SLAPolicySet = VERSIONED) -> Ticket:
    """Monday: opened 09:00, pending 10:00-11:00, raised to high at 12:00, first reply at
    13:00, on hold 13:30-15:00."""
    ticket = open_ticket(t(5, 9), policies)
    ticket.set_pending(at=t(5, 10))
    ticket.customer_message("It is the one upstairs.", at=t(5, 11))
    ticket.change_priority(Priority.HIGH, at=t(5, 12))
    ticket.reply("ana", "Asking the vendor.", at=t(5, 13))
    ticket.put_on_hold(at=t(5, 13, 30))
    ticket.resume(at=t(5, 15))
    return ticket


# --- the snapshot a ticket document stores ---------------------------------------------


def test_the_stored_snapshot_spells_out_every_clock_with_its_stretches() -> None:
    ticket = worked_ticket()
    assert ticket.to_dict()["sla"] == {
        "version": "v1",
        "policy": "office",
        "matches": [{"at": stamp(5, 9), "policy": "office"}],
        "clocks": [
            {
                "metric": "first_reply",
                "cycle": 1,
                "policy": "office",
                "state": "fulfilled",
                "breached": True,  # 3 h used when the target became 2 h
                "start": stamp(5, 9),
                "target_us": 2 * US_H,
                "warnings": [0.5],
                "warned": [0.5],
                "stopped": stamp(5, 13),
                "stretches": [],
                "elapsed_us": 0,
                "running_since": stamp(5, 9),
                "running_until": stamp(5, 13),
                "retargeted": stamp(5, 12),
                "elapsed_at_retarget_us": 3 * US_H,
            },
            {
                "metric": "agent_work",
                "cycle": 1,
                "policy": "office",
                "state": "active",
                "breached": False,
                "start": stamp(5, 9),
                "target_us": 4 * US_H,
                "warnings": [0.5],
                "warned": [0.5],
                "stopped": None,
                # paused while pending and on hold
                "stretches": [
                    {"start": stamp(5, 9), "end": stamp(5, 10), "elapsed_us": US_H},
                    {
                        "start": stamp(5, 11),
                        "end": stamp(5, 13, 30),
                        "elapsed_us": 5 * US_H // 2,
                    },
                ],
                "elapsed_us": 7 * US_H // 2,
                "running_since": stamp(5, 15),
                "running_until": None,
                "retargeted": stamp(5, 12),
                "elapsed_at_retarget_us": 2 * US_H,
            },
        ],
    }
    assert Ticket.from_dict(ticket.to_dict(), sla=VERSIONED) == ticket


def test_a_snapshot_names_no_version_when_the_policies_have_none() -> None:
    snapshot = worked_ticket(UNVERSIONED).to_dict()["sla"]
    assert "version" not in snapshot
    assert snapshot["policy"] == "office"


def test_a_ticket_no_policy_matches_stores_an_empty_snapshot_and_replays_equal() -> None:
    ticket = open_ticket(t(5, 9), VIP_ONLY)
    ticket.reply("ana", "On it.", at=t(5, 10))
    assert ticket.sla is not None
    assert ticket.sla.policy is None
    assert repr(ticket.sla) == "SLAState(policy=None, clocks=0)"
    assert ticket.to_dict()["sla"] == {
        "policy": None,
        "matches": [{"at": stamp(5, 9), "policy": None}],
        "clocks": [],
    }
    assert Ticket.replay(ticket.history, sla=VIP_ONLY) == ticket
    assert Ticket.from_dict(ticket.to_dict(), sla=VIP_ONLY) == ticket


def test_a_tag_that_selects_no_policy_records_a_match_to_none() -> None:
    ticket = open_ticket(t(5, 9), VIP_ONLY, tags=("vip",))
    ticket.untag("vip", at=t(5, 10))
    assert ticket.sla is not None
    assert ticket.sla.policy is None
    assert ticket.to_dict()["sla"]["matches"] == [
        {"at": stamp(5, 9), "policy": "vip"},
        {"at": stamp(5, 10), "policy": None},
    ]
    assert ticket.to_dict()["sla"]["clocks"][0]["state"] == "cancelled"


# --- loading checks the snapshot against the replayed clocks ----------------------------

DIFFER = (
    "the stored SLA clocks differ from the ones the given SLA policy set produces; "
    "load the ticket with the policies it was written with"
)


def edited(ticket: Ticket, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(ticket.to_dict())
    for key, value in changes.items():
        if value is None:
            del data["sla"][key]
        else:
            data["sla"][key] = value
    return data


@pytest.mark.parametrize(
    ("policies", "key", "value"),
    [
        (VERSIONED, "version", "v0"),
        (VERSIONED, "policy", "standard"),
        (VERSIONED, "matches", []),
        (VERSIONED, "clocks", []),
        (UNVERSIONED, "clocks", []),
        (UNVERSIONED, "version", "v1"),
    ],
)
def test_a_snapshot_edited_in_one_part_is_refused_naming_that_part(
    policies: SLAPolicySet, key: str, value: object
) -> None:
    ticket = worked_ticket(policies)
    with pytest.raises(SchemaError) as raised:
        Ticket.from_dict(edited(ticket, **{key: value}), sla=policies)
    assert (raised.value.path, raised.value.problem) == (f"sla.{key}", DIFFER)


def test_a_snapshot_missing_a_part_is_refused_as_missing() -> None:
    ticket = worked_ticket()
    with pytest.raises(SchemaError) as raised:
        Ticket.from_dict(edited(ticket, matches=None), sla=VERSIONED)
    assert (raised.value.path, raised.value.problem) == ("sla.matches", "missing field")


def test_a_snapshot_with_an_extra_key_is_refused() -> None:
    ticket = worked_ticket()
    with pytest.raises(SchemaError) as raised:
        Ticket.from_dict(edited(ticket, note="hand-made"), sla=VERSIONED)
    assert (raised.value.path, raised.value.problem) == (
        "sla",
        "unexpected keys in the SLA snapshot",
    )


def test_verify_names_the_snapshot_sla_by_default() -> None:
    ticket = worked_ticket()
    assert ticket.sla is not None
    snapshot = ticket.to_dict()["sla"]
    ticket.sla.verify(snapshot)  # the state's own snapshot passes
    with pytest.raises(SchemaError) as raised:
        ticket.sla.verify({**snapshot, "policy": "standard"})
    assert raised.value.path == "sla.policy"
    with pytest.raises(SchemaError) as raised:
        ticket.sla.verify({**snapshot, "extra": 1})
    assert raised.value.path == "sla"


def test_a_boolean_for_a_number_in_the_snapshot_is_refused_by_type() -> None:
    # True == 1, so the snapshot compares equal: the type check finds it.
    data = worked_ticket().to_dict()
    data["sla"]["clocks"][1]["cycle"] = True
    with pytest.raises(SchemaError) as raised:
        Ticket.from_dict(data, sla=VERSIONED)
    assert (raised.value.path, raised.value.problem) == (
        "sla.clocks[1].cycle",
        "expected an integer, got a boolean",
    )


def test_every_number_of_a_clock_snapshot_is_checked_by_type() -> None:
    # Each number or boolean of each clock, replaced by an equal value of another type.
    data = worked_ticket().to_dict()
    for index, clock in enumerate(data["sla"]["clocks"]):
        for key, value in clock.items():
            if type(value) not in (bool, int):
                continue
            edited = copy.deepcopy(data)
            edited["sla"]["clocks"][index][key] = (
                int(value) if type(value) is bool else float(value)
            )
            assert edited["sla"] == data["sla"]
            with pytest.raises(SchemaError) as raised:
                Ticket.from_dict(edited, sla=VERSIONED)
            assert raised.value.path == f"sla.clocks[{index}].{key}"


def test_a_float_stretch_length_in_the_snapshot_is_refused_by_type() -> None:
    data = worked_ticket().to_dict()
    data["sla"]["clocks"][1]["stretches"][1]["elapsed_us"] = float(5 * US_H // 2)
    with pytest.raises(SchemaError) as raised:
        Ticket.from_dict(data, sla=VERSIONED)
    assert (raised.value.path, raised.value.problem) == (
        "sla.clocks[1].stretches[1].elapsed_us",
        "expected an integer, got a number",
    )


def test_the_opening_match_of_a_snapshot_is_checked_alone() -> None:
    ticket = open_ticket(t(5, 9), STRICT)
    assert ticket.sla is not None
    state = ticket.sla
    own = ticket.to_dict()["sla"]
    state.verify_opening(own)
    state.verify_opening({**own, "clocks": []})  # only the first match counts
    state.verify_opening({**own, "matches": []})
    state.verify_opening([own])
    later = {"at": stamp(5, 10), "policy": None}
    state.verify_opening({**own, "matches": [*own["matches"], later]})
    other = {**own, "matches": [{"at": stamp(5, 9), "policy": "vip"}]}
    with pytest.raises(SchemaError) as raised:
        state.verify_opening(other)
    assert (raised.value.path, raised.value.problem) == ("sla.matches", DIFFER)
    with pytest.raises(SchemaError) as raised:
        state.verify_opening(other, "doc.sla")
    assert raised.value.path == "doc.sla.matches"


# --- warnings and breaches in a hand-edited history ---------------------------------------


def raised_ticket() -> list[Any]:
    """Opened Monday 09:00 under STRICT, raised to high at 10:30, replied to at 11:00.

    At 10:30 first reply (now 1 h) is past both warnings and its target, agent work
    (now 2 h) past both warnings; agent work breaches at 11:00, just before the reply.
    """
    ticket = open_ticket(t(5, 9), STRICT)
    ticket.change_priority(Priority.HIGH, at=t(5, 10, 30))
    ticket.reply("ana", "On it.", at=t(5, 11))
    return list(ticket.history)


def marks(history: list[Any]) -> list[tuple[str, float | None, pendulum.DateTime]]:
    return [
        (event.metric.value, getattr(event, "threshold", None), event.at)
        for event in history
        if isinstance(event, SLAThresholdReached | SLABreached)
    ]


def test_the_raised_ticket_announces_its_marks_in_clock_order() -> None:
    history = raised_ticket()
    assert len(history) == 10
    assert marks(history[3:9]) == [
        ("first_reply", 0.5, t(5, 10, 30)),
        ("first_reply", 0.75, t(5, 10, 30)),
        ("first_reply", None, t(5, 10, 30)),
        ("agent_work", 0.5, t(5, 10, 30)),
        ("agent_work", 0.75, t(5, 10, 30)),
        ("agent_work", None, t(5, 11)),
    ]
    assert Ticket.replay(history, sla=STRICT).history == tuple(history)


def refused(history: list[Any]) -> str:
    with pytest.raises(InvalidArgument) as raised:
        Ticket.replay(history, sla=STRICT)
    return str(raised.value)


AT_1030 = stamp(5, 10, 30)


def test_a_mark_for_another_cycle_policy_or_a_stopped_clock_is_refused() -> None:
    history = raised_ticket()
    breach = history[5]
    assert isinstance(breach, SLABreached)
    for wrong in (attrs.evolve(breach, cycle=2), attrs.evolve(breach, policy="office")):
        assert refused([*history[:5], wrong, *history[6:]]) == (
            f"sla_breached of first_reply cycle {wrong.cycle} (policy {wrong.policy!r}) at "
            f"{AT_1030}: no such clock runs then under the SLA policies given"
        )
    late = attrs.evolve(breach, at_us=history[9].at_us)  # after the reply fulfilled it
    assert refused([*history, late]) == (
        f"sla_breached of first_reply cycle 1 (policy 'strict') at {stamp(5, 11)}: "
        "no such clock runs then under the SLA policies given"
    )


def test_a_breach_recorded_twice_is_refused() -> None:
    history = raised_ticket()
    assert refused([*history[:6], history[5], *history[6:]]) == (
        f"sla_breached of first_reply cycle 1 at {AT_1030}: already breached"
    )


def test_a_warning_at_an_unknown_or_announced_threshold_is_refused() -> None:
    history = raised_ticket()
    warning = history[3]
    assert isinstance(warning, SLAThresholdReached)
    assert refused([*history[:3], attrs.evolve(warning, threshold=0.6), *history[4:]]) == (
        f"sla_threshold_reached of first_reply cycle 1 at 60% at {AT_1030}: not a warning "
        "still to announce (the clock warns at 50%, 75%)"
    )
    assert refused([*history[:4], warning, *history[4:]]) == (
        f"sla_threshold_reached of first_reply cycle 1 at 50% at {AT_1030}: not a warning "
        "still to announce (the clock warns at 50%, 75%)"
    )


def test_a_breach_without_the_warnings_before_it_names_the_first_missing() -> None:
    history = raised_ticket()
    assert refused([*history[:3], *history[5:]]) == (
        f"sla_breached of first_reply cycle 1 at {AT_1030}: the warning at 50% comes first "
        "and is not recorded"
    )
    assert refused([*history[:4], *history[5:]]) == (
        f"sla_breached of first_reply cycle 1 at {AT_1030}: the warning at 75% comes first "
        "and is not recorded"
    )


def test_marks_recorded_together_must_come_by_metric() -> None:
    history = raised_ticket()
    first_reply, agent_work = history[3:6], history[6:8]
    assert refused([*history[:3], *agent_work, *first_reply, *history[8:]]) == (
        f"sla_threshold_reached of first_reply cycle 1 at 50% at {AT_1030} comes after the "
        "SLA event it follows: marks recorded together come in the order the clocks reach "
        "them, by metric"
    )


def test_a_warning_stamped_before_its_clock_reached_it_is_refused() -> None:
    ticket = open_ticket(t(5, 9), STRICT)
    ticket.add_note("ana", "Checking the logs.", at=t(5, 12))  # records the 11:00 warning
    history = list(ticket.history)
    assert marks(history) == [("first_reply", 0.5, t(5, 11)), ("first_reply", 0.75, t(5, 12))]
    warning = history[-3]
    early = attrs.evolve(warning, at_us=warning.at_us - 5 * 60 * 1_000_000)
    assert refused([*history[:-3], early, *history[-2:]]) == (
        f"sla_threshold_reached of first_reply cycle 1 at 50% is stamped {stamp(5, 10, 55)} "
        f"but the SLA clocks reached it at {stamp(5, 11)}"
    )


def test_a_warning_a_paused_clock_has_not_reached_is_refused() -> None:
    ticket = open_ticket(t(5, 9), STRICT)
    ticket.set_pending(at=t(5, 10))  # agent work paused at 1 h of 8 h
    ticket.add_note("ana", "Waiting.", at=t(5, 16))
    history = list(ticket.history)
    warning = SLAThresholdReached(
        at_us=history[-1].at_us,
        metric=Metric.AGENT_WORK,
        cycle=1,
        threshold=0.5,
        policy="strict",
    )
    assert refused([*history, warning]) == (
        f"sla_threshold_reached of agent_work cycle 1 at 50% at {stamp(5, 16)}: "
        "the clock does not reach it then"
    )


# --- reading the state ------------------------------------------------------------------


def test_a_report_at_the_last_event_is_allowed_and_before_it_refused() -> None:
    ticket = worked_ticket()
    assert ticket.sla is not None
    rows = ticket.sla.report(at=t(5, 15))
    assert [row.metric.value for row in rows] == ["first_reply", "agent_work"]
    with pytest.raises(InvalidArgument) as raised:
        ticket.sla.report(at=t(5, 14))
    assert str(raised.value) == (
        f"at={stamp(5, 14)} is before the ticket's last event at {stamp(5, 15)}; "
        "SLA instants only move forward"
    )


def test_the_state_gives_its_next_deadline_as_a_datetime_and_none_when_nothing_runs() -> None:
    ticket = open_ticket(t(5, 9), STRICT)
    assert ticket.sla is not None
    assert ticket.sla.next_deadline() == t(5, 11)  # 50 % of the 4 h first reply
    ticket.reply("ana", "On it.", at=t(5, 10))
    ticket.solve("Fixed.", at=t(5, 10, 30))
    assert ticket.sla.next_deadline_us() is None
    assert ticket.sla.next_deadline_us() is None  # the cached "nothing"
    assert ticket.sla.next_deadline() is None


def test_a_target_on_its_own_calendar_is_not_skipped_for_a_slower_clock() -> None:
    # Opened Friday 17:00: first reply counts office hours (1 h: Monday 10:00), resolution
    # round the clock (3 h: Friday 20:00); requester wait, on office hours with more to
    # go than first reply, cannot come before it.
    policies = SLAPolicySet(
        [
            SLAPolicy(
                "mixed",
                {
                    "first_reply": {"normal": H},
                    "requester_wait": {"normal": 2 * H},
                    "resolution": {
                        "normal": SLATarget(3 * H, calendar=BusinessCalendar.always_open())
                    },
                },
                calendar=WEEKDAYS,
                warnings=(),
            )
        ]
    )
    ticket = open_ticket(t(2, 17), policies)
    assert ticket.next_deadline() == t(2, 20)
    emitted = ticket.evaluate(at=t(5, 11))
    assert [(e.metric.value, e.at) for e in emitted] == [  # type: ignore[attr-defined]
        ("resolution", t(2, 20)),
        ("first_reply", t(5, 10)),
        ("requester_wait", t(5, 11)),
    ]


# --- which clocks run, pause and start ------------------------------------------------

WORK_ONLY = SLAPolicySet(
    [
        SLAPolicy(
            "work",
            {"agent_work": {"normal": 8 * H, "high": H}},
            calendar=WEEKDAYS,
            warnings=(0.5,),
        )
    ]
)


def test_a_priority_change_while_pending_makes_a_passed_target_due_at_once() -> None:
    # Agent work is paused at 1 h from 10:00; the 1 h target of high is already reached.
    ticket = open_ticket(t(5, 9), WORK_ONLY)
    ticket.set_pending(at=t(5, 10))
    ticket.change_priority(Priority.HIGH, at=t(5, 10, 30))
    assert ticket.sla is not None
    assert ticket.sla.next_deadline() == t(5, 10, 30)
    emitted = ticket.evaluate(at=t(5, 10, 30))
    assert marks(emitted) == [("agent_work", 0.5, t(5, 10, 30)), ("agent_work", None, t(5, 10, 30))]
    assert ticket.sla.next_deadline() is None  # paused: nothing more can fall due


def test_a_clock_resumed_after_a_quiet_pause_comes_due_again() -> None:
    ticket = open_ticket(t(5, 9), WORK_ONLY)
    ticket.set_pending(at=t(5, 10))  # 1 h of agent work measured
    ticket.add_note("ana", "Still waiting.", at=t(5, 13))  # nothing is due while pending
    ticket.customer_message("Here are the logs.", at=t(5, 14))  # 3 h to the 4 h warning
    assert marks(ticket.evaluate(at=t(5, 16, 59))) == []
    assert marks(ticket.evaluate(at=t(5, 17))) == [("agent_work", 0.5, t(5, 17))]


def test_marks_due_together_come_by_metric_before_amount() -> None:
    # Raised at 11:30: first reply (2 h) and agent work (1 h) are both past everything;
    # agent work's amounts are the smaller, yet first reply comes first.
    policies = SLAPolicySet(
        [
            SLAPolicy(
                "raised",
                {
                    "first_reply": {"normal": 8 * H, "high": 2 * H},
                    "agent_work": {"normal": 8 * H, "high": H},
                },
                calendar=WEEKDAYS,
            )
        ]
    )
    ticket = open_ticket(t(5, 9), policies)
    ticket.change_priority(Priority.HIGH, at=t(5, 11, 30))
    at = t(5, 11, 30)
    assert marks(ticket.evaluate(at=at)) == [
        ("first_reply", 0.5, at),
        ("first_reply", 0.75, at),
        ("first_reply", None, at),
        ("agent_work", 0.5, at),
        ("agent_work", 0.75, at),
        ("agent_work", None, at),
    ]


def test_a_policy_can_pause_resolution_while_the_ticket_is_new() -> None:
    policies = SLAPolicySet(
        [
            SLAPolicy(
                "triage",
                {"resolution": {"normal": 8 * H}},
                calendar=WEEKDAYS,
                pauses={"resolution": ["new"]},
            )
        ]
    )
    ticket = open_ticket(t(5, 9), policies)
    assert ticket.sla is not None
    resolution = ticket.sla.clock("resolution")
    assert resolution is not None
    assert resolution.state is ClockState.PAUSED
    ticket.reply("ana", "Looking into it.", at=t(5, 10))  # opens the ticket
    assert resolution.state is ClockState.ACTIVE
    assert resolution.elapsed_us(instant_us(t(5, 12))) == 2 * US_H
    assert resolution.deadline_us() == instant_us(t(6, 10))


FULL = SLAPolicySet(
    [
        SLAPolicy(
            "full",
            {
                "first_reply": {"normal": 4 * H},
                "next_reply": {"normal": 4 * H},
                "periodic_update": {"normal": 8 * H},
                "agent_work": {"normal": 8 * H, "high": 4 * H},
            },
            calendar=WEEKDAYS,
            conditions=SLAConditions(tags=["full"]),
        ),
        SLAPolicy("plain", {"first_reply": {"normal": 4 * H}}, calendar=WEEKDAYS),
    ]
)


def metrics_of(ticket: Ticket) -> list[tuple[str, int, str]]:
    assert ticket.sla is not None
    return [(c.metric.value, c.cycle, c.state.value) for c in ticket.sla.clocks]


def test_a_customer_message_before_the_first_reply_starts_no_next_reply() -> None:
    ticket = open_ticket(t(5, 9), FULL, tags=("full",))
    ticket.customer_message("Any news?", at=t(5, 10))
    assert metrics_of(ticket) == [("first_reply", 1, "active"), ("agent_work", 1, "active")]
    ticket.reply("ana", "On it.", at=t(5, 11))
    ticket.customer_message("Thanks, and?", at=t(5, 12))
    assert metrics_of(ticket) == [
        ("first_reply", 1, "fulfilled"),
        ("agent_work", 1, "active"),
        ("periodic_update", 1, "active"),
        ("next_reply", 1, "active"),
    ]


def test_switching_policy_before_the_first_reply_starts_only_what_is_measured() -> None:
    ticket = open_ticket(t(5, 9), FULL)  # plain: first reply only
    ticket.tag("full", at=t(5, 10))
    assert metrics_of(ticket) == [("first_reply", 1, "active"), ("agent_work", 1, "active")]


def test_switching_policy_after_a_reply_starts_the_periodic_update_at_the_switch() -> None:
    ticket = open_ticket(t(5, 9), FULL)
    ticket.reply("ana", "On it.", at=t(5, 10))
    ticket.tag("full", at=t(5, 11))
    assert metrics_of(ticket) == [
        ("first_reply", 1, "fulfilled"),
        ("periodic_update", 1, "active"),
        ("agent_work", 1, "active"),
    ]
    assert ticket.sla is not None
    update = ticket.sla.clock("periodic_update")
    assert update is not None
    assert update.start_us == instant_us(t(5, 11))


def test_a_priority_change_after_the_first_reply_starts_no_new_first_reply() -> None:
    ticket = open_ticket(t(5, 9), FULL, tags=("full",))
    ticket.reply("ana", "On it.", at=t(5, 10))
    ticket.change_priority(Priority.HIGH, at=t(5, 11))
    assert metrics_of(ticket) == [
        ("first_reply", 1, "fulfilled"),
        ("agent_work", 1, "active"),
        ("periodic_update", 1, "cancelled"),  # no target for high
    ]


def test_a_reply_or_a_new_policy_on_a_solved_ticket_starts_no_clock() -> None:
    ticket = open_ticket(t(5, 9), FULL)  # plain: first reply only
    ticket.reply("ana", "On it.", at=t(5, 10))
    ticket.solve("Replaced the toner.", at=t(5, 11))
    ticket.reply("ana", "Anything else?", at=t(5, 12))
    ticket.tag("full", at=t(5, 13))  # agent work and periodic update: not while solved
    assert metrics_of(ticket) == [("first_reply", 1, "fulfilled")]
    assert ticket.sla is not None
    assert ticket.sla.policy is not None
    assert ticket.sla.policy.name == "full"


def test_pending_pauses_agent_work_after_first_reply_lost_its_target() -> None:
    ticket = open_ticket(t(5, 9), FULL, tags=("full",))
    ticket.change_priority(Priority.HIGH, at=t(5, 10))  # first reply: no high target
    ticket.set_pending(at=t(5, 11))
    assert metrics_of(ticket) == [("first_reply", 1, "cancelled"), ("agent_work", 1, "paused")]


def test_the_next_deadline_follows_a_priority_change() -> None:
    ticket = open_ticket(t(5, 9), FULL, tags=("full",))
    assert ticket.sla is not None
    assert ticket.sla.next_deadline() == t(5, 11)  # 50 % of 4 h first reply
    ticket.change_priority(Priority.HIGH, at=t(5, 9, 30))  # agent work now 4 h
    assert ticket.sla.next_deadline() == t(5, 11)
    ticket.reply("ana", "On it.", at=t(5, 9, 45))
    assert ticket.sla.next_deadline() == t(5, 11)  # agent work, 50 % of 4 h


def test_a_tag_that_keeps_the_policy_leaves_the_clocks_alone() -> None:
    ticket = open_ticket(t(5, 9), FULL, tags=("full",))
    ticket.tag("printer", at=t(5, 10))
    clocks = ticket.to_dict()["sla"]["clocks"]
    assert [(c["retargeted"], c["elapsed_at_retarget_us"]) for c in clocks] == [
        (stamp(5, 9), 0),
        (stamp(5, 9), 0),
    ]


def test_a_paused_clock_does_not_hide_a_later_metric_coming_due() -> None:
    policies = SLAPolicySet(
        [
            SLAPolicy(
                "hold",
                {"agent_work": {"normal": 8 * H}, "resolution": {"normal": 4 * H}},
                calendar=WEEKDAYS,
                warnings=(0.5,),
            )
        ]
    )
    ticket = open_ticket(t(5, 9), policies)
    ticket.put_on_hold(at=t(5, 10))  # agent work paused, resolution runs
    assert ticket.sla is not None
    assert ticket.sla.next_deadline() == t(5, 11)
    ticket.add_note("ana", "Vendor called.", at=t(5, 10, 30))
    assert marks(ticket.evaluate(at=t(5, 13))) == [
        ("resolution", 0.5, t(5, 11)),
        ("resolution", None, t(5, 13)),
    ]


def test_switching_to_a_policy_that_pauses_on_hold_pauses_at_once() -> None:
    policies = SLAPolicySet(
        [
            SLAPolicy(
                "hold-aware",
                {"resolution": {"normal": 8 * H}},
                calendar=WEEKDAYS,
                pauses={"resolution": ["on_hold"]},
                conditions=SLAConditions(tags=["vendor"]),
            ),
            SLAPolicy("plain", {"resolution": {"normal": 8 * H}}, calendar=WEEKDAYS),
        ]
    )
    ticket = open_ticket(t(5, 9), policies)
    ticket.put_on_hold(at=t(5, 10))
    ticket.tag("vendor", at=t(5, 11))
    resolution = ticket.sla.clock("resolution") if ticket.sla else None
    assert resolution is not None
    assert resolution.state is ClockState.PAUSED
    assert resolution.elapsed_us(instant_us(t(5, 15))) == 2 * US_H


def test_a_business_day_target_resolves_from_the_clock_start_even_when_retargeted() -> None:
    policies = SLAPolicySet(
        [
            SLAPolicy(
                "days",
                {
                    "resolution": {
                        "normal": SLATarget.business_days(2),
                        "high": SLATarget.end_of_business_day(0),
                    }
                },
                calendar=WEEKDAYS,
            )
        ]
    )
    ticket = open_ticket(t(2, 15), policies)  # Friday 15:00
    resolution = ticket.sla.clock("resolution") if ticket.sla else None
    assert resolution is not None
    assert resolution.deadline_us() == instant_us(t(6, 15))  # Tuesday 15:00
    ticket.change_priority(Priority.HIGH, at=t(5, 9))  # end of Friday: already passed
    assert resolution.target_us == 2 * US_H
    assert marks(ticket.evaluate(at=t(5, 9))) == [
        ("resolution", 0.5, t(5, 9)),
        ("resolution", 0.75, t(5, 9)),
        ("resolution", None, t(5, 9)),
    ]


def test_a_raised_priority_brings_the_next_warning_forward_for_the_next_command() -> None:
    ticket = open_ticket(t(5, 9), WORK_ONLY)
    assert ticket.next_deadline() == t(5, 13)  # 50 % of 8 h agent work
    ticket.change_priority(Priority.HIGH, at=t(5, 9, 10))  # 1 h: 09:30 and 10:00
    ticket.add_note("ana", "Ordered the part.", at=t(5, 10, 30))
    history = list(ticket.history)
    assert marks(history) == [("agent_work", 0.5, t(5, 9, 30)), ("agent_work", None, t(5, 10))]
    assert isinstance(history[-1], TicketNoteAdded)


LAYERED = SLAPolicySet(
    [
        SLAPolicy(
            "layered",
            {
                metric: {"normal": 2 * target, "high": target}
                for metric, target in (
                    ("first_reply", 4 * H),
                    ("next_reply", 4 * H),
                    ("periodic_update", 8 * H),
                    ("agent_work", 4 * H),
                )
            },
            calendar=WEEKDAYS,
        )
    ]
)


def test_the_next_deadline_weighs_retargeted_and_new_clocks_together() -> None:
    # Friday 16:00, raised at 16:30: agent work (4 h, re-targeted) reaches 50 % on
    # Monday at 10:00. Started after the re-target: periodic update at the reply (16:45,
    # 50 % of 8 h: Monday 12:45) and next reply at the customer's message (16:50, 50 %
    # of 4 h: Monday 10:50).
    ticket = open_ticket(t(2, 16), LAYERED)
    ticket.change_priority(Priority.HIGH, at=t(2, 16, 30))
    ticket.reply("ana", "Which printer?", at=t(2, 16, 45))
    ticket.customer_message("The one upstairs.", at=t(2, 16, 50))
    assert ticket.sla is not None
    assert ticket.sla.next_deadline() == t(5, 10)
    assert marks(ticket.evaluate(at=t(5, 13))) == [
        ("agent_work", 0.5, t(5, 10)),
        ("next_reply", 0.5, t(5, 10, 50)),
        ("agent_work", 0.75, t(5, 11)),
        ("next_reply", 0.75, t(5, 11, 50)),
        ("agent_work", None, t(5, 12)),
        ("periodic_update", 0.5, t(5, 12, 45)),
        ("next_reply", None, t(5, 12, 50)),
    ]


# --- other versions of the policies -------------------------------------------------------


def versioned(
    first_reply_hours: int,
    version: str,
    *,
    resolution_hours: int = 8,
    warnings: tuple[float, ...] = (0.5, 0.75),
    agent_work: bool = False,
) -> SLAPolicySet:
    targets = {
        "first_reply": {"normal": first_reply_hours * H},
        "resolution": {"normal": resolution_hours * H},
    }
    if agent_work:
        targets["agent_work"] = {"normal": 8 * H}
    policy = SLAPolicy(
        "standard", targets, calendar=BusinessCalendar.always_open(), warnings=warnings
    )
    return SLAPolicySet([policy], version=version)


VERSIONS = SLAPolicyVersions(
    [
        versioned(4, "v1"),
        versioned(2, "v2"),
        versioned(8, "v3"),
        versioned(4, "v4", resolution_hours=9),
        versioned(8, "v5", warnings=(0.8,)),
        versioned(4, "v6", agent_work=True),
    ],
    current="v1",
)


def since_repair(ticket: Ticket) -> list[Any]:
    history = list(ticket.history)
    last = max(i for i, event in enumerate(history) if event.name == "sla_version_applied")
    return history[last + 1 :]


def test_a_repair_announces_at_once_only_what_the_old_clock_had_not() -> None:
    # v1: first reply 4 h (warnings 11:00, 12:00); v2: 2 h (10:00, 10:30, breach 11:00).
    ticket = open_ticket(t(5, 9), VERSIONS)
    assert marks(ticket.evaluate(at=t(5, 11, 30))) == [("first_reply", 0.5, t(5, 11))]
    ticket.repair_sla("v2", at=t(5, 11, 30))
    # 50 % was announced; 75 % and the breach, reached earlier, are announced now.
    assert marks(since_repair(ticket)) == [
        ("first_reply", 0.75, t(5, 11, 30)),
        ("first_reply", None, t(5, 11, 30)),
    ]
    assert ticket.sla is not None
    assert repr(ticket.sla) == "SLAState(policy='standard', clocks=2)"


def test_a_repair_after_both_warnings_announces_only_the_breach() -> None:
    ticket = open_ticket(t(5, 9), VERSIONS)
    assert len(ticket.evaluate(at=t(5, 12, 30))) == 2  # 50 % and 75 % of v1
    ticket.repair_sla("v2", at=t(5, 12, 30))
    assert marks(since_repair(ticket)) == [("first_reply", None, t(5, 12, 30))]


def test_a_repair_to_a_looser_version_keeps_what_it_reached_and_announces_the_rest_later() -> None:
    # v1 breached first reply at 13:00; v3 (8 h) reaches only its 50 % by 14:00.
    ticket = open_ticket(t(5, 9), VERSIONS)
    ticket.evaluate(at=t(5, 14))
    ticket.repair_sla("v3", at=t(5, 14))
    assert marks(since_repair(ticket)) == []
    assert ticket.sla is not None
    first = ticket.sla.clock("first_reply")
    assert first is not None
    assert (first.breached, first.warned) == (False, (0.5,))
    assert marks(ticket.evaluate(at=t(5, 17, 30))) == [
        ("first_reply", 0.75, t(5, 15)),
        ("resolution", 0.75, t(5, 15)),
        ("first_reply", None, t(5, 17)),
        ("resolution", None, t(5, 17)),
    ]


def test_applying_a_version_from_now_retargets_the_running_clocks() -> None:
    ticket = open_ticket(t(5, 9), VERSIONS)
    ticket.apply_sla_version("v2", at=t(5, 9, 30))
    assert ticket.sla is not None
    assert ticket.sla.policies.version == "v2"
    first = ticket.sla.clock("first_reply")
    assert first is not None
    assert first.deadline_us() == instant_us(t(5, 11))
    assert marks(ticket.evaluate(at=t(5, 11))) == [
        ("first_reply", 0.5, t(5, 10)),
        ("first_reply", 0.75, t(5, 10, 30)),
        ("first_reply", None, t(5, 11)),
    ]


def test_the_reference_ticket_records_the_same_history() -> None:
    cached = open_ticket(t(5, 9), STRICT)
    reference = ReferenceTicket.replay(cached.history, sla=STRICT)
    steps = [
        lambda ticket: ticket.set_pending(at=t(5, 10)),
        lambda ticket: ticket.customer_message("Here are the logs.", at=t(5, 12)),
        lambda ticket: ticket.change_priority(Priority.HIGH, at=t(5, 12, 30)),
        lambda ticket: ticket.evaluate(at=t(5, 16)),
    ]
    for step in steps:
        for ticket in (cached, reference):
            step(ticket)
            ticket.next_deadline()
        assert reference.history == cached.history
        assert reference.next_deadline() == cached.next_deadline()


def test_a_repair_carries_each_clock_on_its_own() -> None:
    # First reply is answered at 09:30 (no warning); resolution announced 50 % at 13:00.
    ticket = open_ticket(t(5, 9), VERSIONS)
    ticket.reply("ana", "On it.", at=t(5, 9, 30))
    assert marks(ticket.evaluate(at=t(5, 13, 30))) == [("resolution", 0.5, t(5, 13))]
    ticket.repair_sla("v2", at=t(5, 13, 30))  # the same resolution: nothing to say again
    assert marks(since_repair(ticket)) == []


def test_a_repair_counts_a_warning_reached_at_its_instant_as_reached() -> None:
    # v1 announced 50 % (11:00) and 75 % (12:00); v3's 50 % of 8 h falls at 13:00.
    ticket = open_ticket(t(5, 9), VERSIONS)
    ticket.evaluate(at=t(5, 12, 30))
    ticket.add_note("ana", "Waiting for the vendor.", at=t(5, 13))
    ticket.repair_sla("v3", at=t(5, 13))
    assert marks(since_repair(ticket)) == []


def test_a_repair_keeps_a_breach_the_repaired_clock_also_reached() -> None:
    ticket = open_ticket(t(5, 9), VERSIONS)
    ticket.evaluate(at=t(5, 14))  # v1 breached first reply at 13:00
    ticket.repair_sla("v2", at=t(5, 14))  # v2 breached it at 11:00
    assert marks(since_repair(ticket)) == []
    at_once = open_ticket(t(5, 9), VERSIONS)
    at_once.evaluate(at=t(5, 13))
    at_once.repair_sla("v4", at=t(5, 13))  # the same breach, at the repair instant
    assert marks(since_repair(at_once)) == []
    assert at_once.sla is not None
    first = at_once.sla.clock("first_reply")
    assert first is not None
    assert first.breached


def test_a_repair_to_other_warning_levels_or_new_metrics_announces_them_afresh() -> None:
    ticket = open_ticket(t(5, 9), VERSIONS)
    ticket.evaluate(at=t(5, 11, 30))  # v1: 50 % of first reply at 11:00
    ticket.repair_sla("v5", at=t(5, 16))  # warns at 80 % only: 8 h first reply at 15:24
    assert marks(since_repair(ticket)) == [
        ("first_reply", 0.8, t(5, 16)),
        ("resolution", 0.8, t(5, 16)),
    ]
    more = open_ticket(t(5, 9), VERSIONS)
    more.evaluate(at=t(5, 11, 30))
    more.repair_sla("v6", at=t(5, 14))  # agent work too: 50 % at 13:00
    # The repair records what v1 had due first; after it, only agent work is new.
    assert marks(since_repair(more)) == [("agent_work", 0.5, t(5, 14))]


def test_a_version_sharing_the_policy_still_retargets_from_now() -> None:
    shared = versioned(4, "a").policies[0]
    versions = SLAPolicyVersions(
        [SLAPolicySet([shared], version="a"), SLAPolicySet([shared], version="b")],
        current="a",
    )
    ticket = open_ticket(t(5, 9), versions)
    ticket.apply_sla_version("b", at=t(5, 10))
    clocks = ticket.to_dict()["sla"]["clocks"]
    assert [clock["retargeted"] for clock in clocks] == [stamp(5, 10), stamp(5, 10)]


def test_a_policy_set_matches_every_combination_of_fields_also_past_what_it_remembers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The set keeps the first few combinations (one shared tuple each); past them, each
    # ticket is matched again, with the same answers.
    from supportflow._sla import _policy

    monkeypatch.setattr(_policy, "_MATCHED_FIELDS", 1)
    vip = SLAPolicy(
        "vip",
        {"first_reply": {"normal": timedelta(hours=1)}},
        conditions=SLAConditions(tags=["vip"]),
    )
    rest = SLAPolicy("rest", {"first_reply": {"normal": timedelta(hours=8)}})
    policies = SLAPolicySet([vip, rest])
    tickets = [open_ticket(t(2, 9), policies, tags) for tags in [(), ("vip",), ("vip",), ()]]
    names = [ticket.sla.policy.name for ticket in tickets if ticket.sla and ticket.sla.policy]
    assert names == ["rest", "vip", "vip", "rest"]
    assert len(policies._matched_fields) == 1
    states = [ticket.sla for ticket in tickets]
    assert None not in states
    first, vip_1, vip_2, last = (state._fields for state in states if state is not None)
    assert first is last  # the remembered combination, shared
    assert vip_1 == vip_2
    assert vip_1 is not vip_2  # past what the set remembers: matched again
